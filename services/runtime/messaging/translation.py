"""Domain events in their public form, declared as a table (issue #20, item 5).

Most public events carry the domain event's facts under the same names, so a
row names only what differs: another attribute (`from_`), a constant (`const`)
or a function of the event. Every other contract field is copied from the
attribute of the same name, and the contract's own (lax) pydantic validation
does the coercions the hand-written copies spelled out: str to enum, list to
tuple, str to UUID. Attributes the contract does not name are never read, which
is how free text stays out of the public events. A translation with real logic
(versions, conditions) is a row naming a function instead.

Rows are checked when they are made, that is when a service's translate.py is
imported: a row that reads an attribute the domain event does not have, names a
field the contract does not have, or leaves a required contract field unfilled
fails the service's start and its tests, not at the first such event the relay
meets in production.

The relay translates every stored event, so `TranslationTable` dispatches on a
dict keyed by the event's exact type; a subclass (or an unknown type, which has
no public form) is resolved along its MRO once, as singledispatch did, and
remembered.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from contracts import IntegrationEvent

Translate = Callable[[Any], IntegrationEvent | None]
"""One row's translation: the public event, or None when this one stays private."""


class TranslationTableError(TypeError):
    """A row that could not translate its events; raised when the row is made."""


@dataclass(frozen=True)
class From:
    """The contract field is the domain event's attribute of another name."""

    attribute: str


def from_(attribute: str) -> From:
    """The contract field is read from `attribute` (e.g. ``consent_id=from_("originator_id")``)."""
    return From(attribute)


@dataclass(frozen=True)
class Const:
    """The contract field has the same value in every event of the row."""

    value: object


def const(value: object) -> Const:
    """A fixed value, e.g. the step of an escalation's first rung."""
    return Const(value)


Source = From | Const | Callable[[Any], object]
"""Where a contract field's value comes from, when not from the attribute of its name."""


@dataclass(frozen=True)
class Copy:
    """A row without logic, as checked: which contract field comes from where.

    Kept beside the row's closure so the relay can build the same public event
    straight from the stored state (services.runtime.messaging.stored_rows).
    """

    contract: type[IntegrationEvent]
    copied: Mapping[str, str]
    """Contract field -> the domain event's attribute it is copied from."""
    computed: Mapping[str, Callable[[Any], object]]
    constants: Mapping[str, object]


@dataclass(frozen=True)
class Row:
    """One domain event type and how it becomes public; see `row`."""

    domain: type[Any]
    label: str
    translate: Translate
    copy: Copy | None = None
    """How a row without logic fills its contract; None for a function row."""


def row(
    domain: type[Any],
    target: type[IntegrationEvent] | Translate,
    /,
    **sources: Source,
) -> Row:
    """`domain` events become `target` events, with `sources` for the fields that differ.

    `target` is a contract class, or a function of the event for a translation
    with logic (it then takes no `sources`). Raises `TranslationTableError`,
    naming the row and the field, for a row that could not fill its contract.
    """
    if isinstance(target, type):
        label = f"{domain.__qualname__} -> {target.__name__}"
        if not issubclass(target, IntegrationEvent):
            raise TranslationTableError(f"row {label}: {target.__name__} is not a contract")
        copy = _checked(label, domain, target, sources)
        return Row(domain, label, _compiled(label, copy), copy)
    label = f"{domain.__qualname__} -> {getattr(target, '__qualname__', target)}()"
    if sources:
        raise TranslationTableError(f"row {label}: a function row takes no field sources")
    return Row(domain, label, target)


def _checked(
    label: str,
    domain: type[Any],
    contract: type[IntegrationEvent],
    sources: Mapping[str, Source],
) -> Copy:
    """What a row without logic copies, computes and fixes, checked against both classes."""
    if not dataclasses.is_dataclass(domain):
        raise TranslationTableError(f"row {label}: {domain.__qualname__} is not a dataclass")
    attributes = {field.name for field in dataclasses.fields(domain)}
    fields = contract.model_fields
    copied: dict[str, str] = {}
    computed: dict[str, Callable[[Any], object]] = {}
    constants: dict[str, object] = {}
    for name, source in sources.items():
        if name not in fields:
            raise TranslationTableError(
                f"row {label}: field {name!r} is not a field of {contract.__name__}"
            )
        if isinstance(source, From):
            if source.attribute not in attributes:
                raise TranslationTableError(
                    f"row {label}: field {name!r} reads {source.attribute!r}, "
                    f"which {domain.__qualname__} does not have"
                )
            copied[name] = source.attribute
        elif isinstance(source, Const):
            constants[name] = source.value
        else:
            computed[name] = source
    for name, info in fields.items():
        if name in sources:
            continue
        if name in attributes:
            copied[name] = name
        elif info.is_required():
            raise TranslationTableError(
                f"row {label}: required field {name!r} is unfilled: {domain.__qualname__} "
                f"has no attribute {name!r}; give the row a source for it"
            )
    return Copy(contract, copied, computed, constants)


def _compiled(label: str, copy: Copy) -> Translate:
    """The row as one closure over its checked fields, calling the contract's validator
    directly (as ``contract(**fields)`` does underneath).

    Not generated source (as dataclasses do): code built with eval in the relay
    of a platform that handles personal data costs a reviewer more than the few
    hundred nanoseconds a row would save; the closure is still faster than the
    singledispatch functions it replaced.
    """
    contract = copy.contract
    if not contract.__pydantic_complete__:
        raise TranslationTableError(f"row {label}: {contract.__name__} is not fully defined")
    validate = contract.__pydantic_validator__.validate_python
    copies = tuple(copy.copied.items())
    computes = tuple(copy.computed.items())
    fixed = dict(copy.constants)

    def translate(event: Any) -> IntegrationEvent:
        values = {name: getattr(event, attribute) for name, attribute in copies}
        for name, compute in computes:
            values[name] = compute(event)
        values.update(fixed)
        result: IntegrationEvent = validate(values)
        return result

    translate.__qualname__ = translate.__name__ = f"<row {label}>"
    return translate


class TranslationTable:
    """A service's `to_integration_event`: the relay's `Translator`, built from rows.

    An event whose type (or any base of it) has no row has no public form: None.
    """

    def __init__(self, *rows: Row) -> None:
        self._rows: dict[type[Any], Translate] = {}
        for each in rows:
            if each.domain in self._rows:
                raise TranslationTableError(
                    f"row {each.label}: {each.domain.__qualname__} already has a row"
                )
            self._rows[each.domain] = each.translate
        self._by_type: dict[type[Any], Translate | None] = dict(self._rows)
        self._table = tuple(rows)

    @property
    def rows(self) -> tuple[Row, ...]:
        return self._table

    def row_of(self, cls: type[Any]) -> Row | None:
        """The row `cls`'s events are translated by: its own, else its nearest base's
        along the MRO (as `__call__` resolves it), else None (no public form)."""
        own = {each.domain: each for each in self._table}
        return next((own[base] for base in cls.__mro__ if base in own), None)

    def __call__(self, domain_event: Any) -> IntegrationEvent | None:
        try:
            translate = self._by_type[type(domain_event)]
        except KeyError:
            translate = self._inherited(type(domain_event))
        return None if translate is None else translate(domain_event)

    def _inherited(self, cls: type[Any]) -> Translate | None:
        """The row of the nearest base in the MRO, remembered for `cls` (None if none)."""
        translate = next((self._rows[base] for base in cls.__mro__[1:] if base in self._rows), None)
        self._by_type[cls] = translate
        return translate
