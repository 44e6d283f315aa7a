"""Generated stored events for every row of every service's translation table (#24).

For a row, a domain event is drawn whose copied attributes hold what the
contract's field accepts (drawn from the field's own pydantic-core schema:
its pattern, enum members, lengths, bounds), in the form the domain keeps it
(an enum's value, a list for a tuple), and every other attribute anything of
its declared type, personal data included. Sometimes one copied value is
replaced by text the contract may well reject, so refusals are compared too.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

from hypothesis import strategies as st

from contracts import IntegrationEvent
from services.runtime.kernel.personal import Personal
from services.runtime.messaging.translation import Row

_OFFSETS = st.sampled_from([UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=2))]) | (
    st.integers(min_value=-14 * 60, max_value=14 * 60).map(
        lambda minutes: timezone(timedelta(minutes=minutes))
    )
)
AWARE = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=_OFFSETS
)
DATES = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))
TEXT = st.text(max_size=12)
OWNERS = st.sampled_from(["ab" * 32, "record:1f0c"])


def contract_value(schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    """A value the field of this core schema accepts, as the domain would hold it."""
    kind = schema["type"]
    if kind == "str":
        if "pattern" in schema:
            return st.from_regex(schema["pattern"], fullmatch=True)
        return st.text(min_size=schema.get("min_length", 0), max_size=schema.get("max_length", 30))
    if kind == "enum":
        return st.sampled_from([member.value for member in schema["members"]])
    if kind == "literal":
        return st.sampled_from(schema["expected"])
    if kind == "bool":
        return st.booleans()
    if kind == "int":
        return st.integers(min_value=schema.get("ge", -(2**40)), max_value=schema.get("le", 2**40))
    if kind == "uuid":
        return st.uuids()
    if kind == "datetime":
        return AWARE
    if kind == "date":
        return DATES
    if kind in ("nullable",):
        return st.none() | contract_value(schema["schema"])
    if kind in ("default", "function-after"):
        return contract_value(schema["schema"])
    if kind in ("tuple", "list"):
        items = schema["items_schema"]
        item = items[0] if isinstance(items, list) else items
        return st.lists(
            contract_value(item),
            min_size=schema.get("min_length", 0),
            max_size=min(schema.get("max_length", 4), 4),
            unique=True,
        )
    raise NotImplementedError(kind)  # the row's contract is not written from stored state


def domain_value(annotation: Any) -> st.SearchStrategy[Any]:
    """Anything of a domain attribute's declared type."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*(domain_value(arg) for arg in typing.get_args(annotation)))
    if origin is typing.ClassVar:
        raise NotImplementedError
    if origin in (list, tuple, set, frozenset):
        args = [a for a in typing.get_args(annotation) if a is not Ellipsis] or [str]
        return st.lists(domain_value(args[0]), max_size=3)
    if origin is dict or annotation is dict:
        return st.dictionaries(st.text(max_size=4), st.text(max_size=4) | st.integers(), max_size=2)
    if origin is typing.Literal:
        return st.sampled_from(typing.get_args(annotation))
    simple: dict[Any, st.SearchStrategy[Any]] = {
        type(None): st.none(),
        str: TEXT,
        int: st.integers(-1000, 1000),
        bool: st.booleans(),
        float: st.floats(allow_nan=False, allow_infinity=False),
        UUID: st.uuids(),
        datetime: AWARE,
        date: DATES,
        Personal: st.builds(Personal, OWNERS, TEXT),
        Any: TEXT,
    }
    if annotation in simple:
        return simple[annotation]
    if isinstance(annotation, type) and issubclass(annotation, str):  # a StrEnum
        members: dict[str, Any] = getattr(annotation, "__members__", {})
        return st.sampled_from([str(member) for member in members.values()])
    raise NotImplementedError(repr(annotation))


def _core_fields(contract: type[IntegrationEvent]) -> Mapping[str, Any]:
    schema: Mapping[str, Any] = contract.__pydantic_core_schema__
    while schema["type"] != "model":
        schema = schema["schema"]
    fields: Mapping[str, Any] = schema["schema"]["fields"]
    return fields


@st.composite
def domain_events(draw: st.DrawFn, row: Row) -> tuple[Any, bool]:
    """A domain event of `row`'s class, with what the row copies drawn as above, and
    whether one copied value was spoiled (then anything may happen: refused, or coerced
    by the contract's lax validation as the old path always did)."""
    domain = row.domain
    hints = typing.get_type_hints(domain)
    copied: dict[str, str] = {}
    schemas: Mapping[str, Any] = {}
    if row.copy is not None:
        copied = {attribute: name for name, attribute in row.copy.copied.items()}
        schemas = _core_fields(row.copy.contract)
    originator_id = draw(st.uuids())
    values: dict[str, Any] = {
        "originator_id": originator_id,
        "originator_version": draw(st.integers(1, 2**31)),
        "timestamp": draw(AWARE),
    }
    spoil = draw(st.sampled_from([None, *sorted(copied)])) if draw(st.booleans()) else None
    for field in dataclasses.fields(domain):
        name = field.name
        if name in values:
            continue
        if name == "originator_topic":
            values[name] = draw(TEXT)
            continue
        has_default = field.default is not dataclasses.MISSING
        if name in copied and name != "timestamp":
            value = draw(contract_value(schemas[copied[name]]["schema"]))
            if name == spoil:
                value = draw(TEXT)
            values[name] = value
        elif has_default and draw(st.booleans()):
            continue
        else:
            values[name] = draw(domain_value(hints[name]))
    if "originator_version" in copied:
        values["originator_version"] = draw(st.integers(1, 2**31))
    return domain(**values), spoil is not None
