"""Public events written straight from the stored state, for rows without logic (#24).

The relay translates every stored event. Through the domain event that is:
eventsourcing's JSON decoding with its object hook (every UUID, datetime and
sealed value made an object, personal data decrypted), the row's copy into a
dict, the contract's validation of those objects, and its serializer writing
JSON again — most of the relay's own time per message. A row that only copies
(`translation.Copy`: attributes and constants, nothing computed) publishes the
stored values as they are, each in the form the contract's serializer writes.
So here the payload is written from the state as plain JSON reads it (no object
hook), field by field in the contract's order, and validated once, strictly, as
JSON: the very check every consumer makes (`contracts.decode`). The state is
read by pydantic-core's parser (`from_json`), which reads eventsourcing's JSON
as `json.loads` does at half its cost; whatever it refuses that `json.loads`
reads (a lone surrogate escape, another encoding than UTF-8) goes the old way.

Nothing here decides otherwise than the old path would. A value in a shape not
foreseen below (an attribute an old event lacks, a naive datetime, a UUID not
in eventsourcing's hex, a class version to upcast, legacy plain-text personal
data, a stored event the mapper would decrypt or decompress) makes `build`
answer None, and so does a payload the contract rejects: the event then goes
the old way, which publishes it or parks it exactly as before, with the same
error. tests/contract/test_fast_encoding.py holds every row's bytes and
headers, for generated events, to the old path.

Two things the old way did are no longer done, on purpose: personal data the
contract never reads is not unsealed (no key looked up, nothing decrypted for
a payload that never had it), and an event whose class has no row is passed
over without being decoded (the old way decoded it only to find no row, and
parked it if the mapper could not read it: an alarm about an event that is
never published).

Which rows take the old way every time (`StoredRow.of` answers None): function
rows and rows with a computed field (their logic reads the domain event), rows
reading an attribute that may hold legacy personal text, and contracts with a
field of a kind not written here (nested models, floats, dicts), a custom
serializer, an alias or a field validator other than the pure ones below.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from json.encoder import encode_basestring
from typing import Any, Final, NamedTuple
from uuid import UUID
from weakref import WeakKeyDictionary

from eventsourcing.persistence import (
    DatetimeAsISO,
    JSONTranscoder,
    Mapper,
    Notification,
    UUIDAsHex,
)
from eventsourcing.utils import resolve_topic
from pydantic import ValidationError
from pydantic_core import from_json

from contracts import IntegrationEvent
from contracts.base import Distinct
from services.runtime.kernel.tracing import STORED_KEY, TracingMapper
from services.runtime.messaging.translation import TranslationTable
from services.runtime.store.application import DateAsISO
from services.runtime.store.sealing import SealingMapper, holds_legacy_text

Write = Callable[[Any], str]
"""A stored value (as plain JSON reads it) in the contract's JSON; raises `_Unforeseen`."""


class _Unforeseen(Exception):
    """A value in a shape this module does not write: the event goes the old way."""


_PURE_AFTER_VALIDATORS: Final = frozenset({Distinct.func})
"""Field validators that return their input unchanged, so the stored value is the dumped one."""

_HEX32 = re.compile(r"[0-9a-f]{32}")
_TRANSCODINGS: Final = {
    "uuid_hex": UUIDAsHex,
    "datetime_iso": DatetimeAsISO,
    "date_iso": DateAsISO,
}
_DECODES_AS_PLANNED: Final = (TracingMapper, SealingMapper)


def _transcoded(value: Any, name: str) -> str:
    """The ``_data_`` of an object eventsourcing's transcoder stored as `name`."""
    if type(value) is not dict or len(value) != 2 or value.get("_type_") != name:
        raise _Unforeseen
    data = value["_data_"]
    if type(data) is not str:
        raise _Unforeseen
    return data


def _str(value: Any) -> str:
    if type(value) is not str:
        raise _Unforeseen
    text: str = encode_basestring(value)  # json's escaping, pydantic-core's too
    return text


def _bool(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    raise _Unforeseen


def _int(value: Any) -> str:
    if type(value) is not int:
        raise _Unforeseen
    return str(value)


def _uuid(value: Any) -> str:
    if type(value) is UUID:  # the notification's originator id; plain JSON makes no UUIDs
        return f'"{value}"'
    text = _transcoded(value, "uuid_hex")
    if not _HEX32.fullmatch(text):
        raise _Unforeseen
    return f'"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"'


def aware(value: Any) -> datetime:
    """A stored datetime as the mapper reads it (`DatetimeAsISO`), which must be aware."""
    moment = datetime.fromisoformat(_transcoded(value, "datetime_iso"))
    if moment.tzinfo is None:
        raise _Unforeseen
    return moment


_ISOFORMAT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{6})?")
"""`datetime.isoformat()` up to the offset: what `DatetimeAsISO` stores, and pydantic
writes the same digits (six for microseconds, none when there are none)."""


def _datetime(value: Any) -> str:
    text = _transcoded(value, "datetime_iso")
    end = _ISOFORMAT.match(text)
    if end is None:
        raise _Unforeseen
    local, offset = text[: end.end()], text[end.end() :]
    if offset in ("+00:00", "-00:00"):
        return f'"{local}Z"'  # pydantic writes UTC as Z
    if len(offset) != 6 or offset[0] not in "+-" or offset[3] != ":":
        raise _Unforeseen  # naive, or an offset with seconds
    return f'"{text}"'  # an hour and minute offset, as isoformat writes it


def header_time(value: Any) -> str | None:
    """The ``ce_time`` header's text for a stored UTC timestamp, read off its stored text:
    what `contracts.cloudevents` writes from the datetime (UTC with a Z, the digits
    `isoformat` writes), without parsing and formatting it again. None for any other
    offset or form; the header is then written from the datetime."""
    text = _transcoded(value, "datetime_iso")
    if not text.endswith("+00:00"):
        return None
    local = text[:-6]
    if _ISOFORMAT.fullmatch(local) is None or local.endswith(".000000"):
        return None  # isoformat writes no microseconds when there are none
    return f"{local}Z"


def _date(value: Any) -> str:
    return f'"{date.fromisoformat(_transcoded(value, "date_iso")).isoformat()}"'


def _unused(value: Any) -> str:
    raise _Unforeseen  # a constant's field: written once, when the row was made


def _member(values: frozenset[str]) -> Write:
    def write(value: Any) -> str:
        if type(value) is not str or value not in values:
            raise _Unforeseen
        return _str(value)

    return write


def _nullable(inner: Write) -> Write:
    def write(value: Any) -> str:
        return "null" if value is None else inner(value)

    return write


def _items(inner: Write) -> Write:
    def write(value: Any) -> str:
        if type(value) is not list:
            raise _Unforeseen
        return f"[{','.join(map(inner, value))}]"

    return write


_SCALARS: Final[Mapping[str, Write]] = {
    "bool": _bool,
    "int": _int,
    "uuid": _uuid,
    "datetime": _datetime,
    "date": _date,
}


def _writer(schema: Mapping[str, Any]) -> Write | None:
    """How a field of this pydantic-core schema is written from its stored value, or None
    for a kind written nowhere here (the row then takes the old way)."""
    kind = schema["type"]
    if "serialization" in schema:
        return None
    if kind == "str":
        transforms = ("strip_whitespace", "to_lower", "to_upper")
        return None if any(schema.get(name) for name in transforms) else _str
    if kind in _SCALARS:
        return _SCALARS[kind]
    if kind == "enum" and schema.get("sub_type") == "str" and "missing" not in schema:
        return _member(frozenset(member.value for member in schema["members"]))
    if kind == "literal" and all(type(value) is str for value in schema["expected"]):
        return _member(frozenset(schema["expected"]))
    if kind == "nullable":
        inner = _writer(schema["schema"])
        return None if inner is None else _nullable(inner)
    if kind == "tuple" and schema.get("variadic_item_index") == 0:
        if len(schema["items_schema"]) != 1:
            return None
        inner = _writer(schema["items_schema"][0])
        return None if inner is None else _items(inner)
    if kind == "list":
        inner = _writer(schema["items_schema"]) if "items_schema" in schema else None
        return None if inner is None else _items(inner)
    if kind == "function-after" and schema["function"]["function"] in _PURE_AFTER_VALIDATORS:
        return _writer(schema["schema"])
    return None


def _model_fields(contract: type[IntegrationEvent]) -> Mapping[str, Any] | None:
    """The contract's fields' core schemas in the serializer's order, or None when its
    schema has anything that would make the dump differ from the fields as written."""
    schema: Mapping[str, Any] = contract.__pydantic_core_schema__
    while schema["type"] == "function-after":  # model validators: they check, not change
        schema = schema["schema"]
    if schema["type"] != "model" or "serialization" in schema:
        return None
    fields = schema["schema"]
    if fields["type"] != "model-fields" or fields.get("computed_fields"):
        return None
    found: Mapping[str, Any] = fields["fields"]
    return found


class Direct(NamedTuple):
    """A public event built from the stored state: the validated event, its payload as
    the contract's serializer writes it, and what the message's headers need."""

    event: IntegrationEvent
    payload: bytes
    time: datetime
    traceparent: str | None
    time_text: str | None = None
    """The ``ce_time`` header's text, when the stored text gives it (`header_time`)."""


@dataclass(frozen=True)
class _Field:
    prefix: str
    attribute: str | None
    write: Write | None
    fixed: str


class StoredRow:
    """One row without logic, written from its domain class's stored state."""

    def __init__(
        self, domain: type[Any], contract: type[IntegrationEvent], fields: tuple[_Field, ...]
    ) -> None:
        self._class_version: int = getattr(domain, "class_version", 1)
        legacy: tuple[str, ...] = getattr(domain, "legacy_personal", ())
        self._legacy_names = tuple(p for p in legacy if p.isidentifier())
        self._legacy_paths = tuple(p for p in legacy if not p.isidentifier())
        self._contract = contract
        self._validate = contract.__pydantic_validator__.validate_json
        self._fields = tuple((f.prefix, f.attribute, f.write or _unused, f.fixed) for f in fields)

    @classmethod
    def of(cls, table: TranslationTable, domain: type[Any]) -> StoredRow | None:
        """The stored row for `domain`'s events, or None when they go the old way."""
        row = table.row_of(domain)
        if row is None or row.domain is not domain or row.copy is None or row.copy.computed:
            return None
        copy = row.copy
        legacy: tuple[str, ...] = getattr(domain, "legacy_personal", ())
        if any(path.split(".")[0].rstrip("[]{}") in copy.copied.values() for path in legacy):
            return None  # the mapper opens those with a key; never public, but kept the old way
        schemas = _model_fields(copy.contract)
        if schemas is None:
            return None
        fields: list[_Field] = []
        for name, field in schemas.items():
            if field.get("serialization_alias") or field.get("serialization_exclude"):
                return None
            prefix = f"{encode_basestring(name)}:"
            if name in copy.constants:
                fixed = _fixed(copy.constants[name])
                if fixed is None:
                    return None
                fields.append(_Field(prefix, None, None, fixed))
                continue
            schema = field["schema"]
            if name not in copy.copied:  # the contract's default, as the old path dumps it
                if schema["type"] != "default" or schema.get("default", ...) is not None:
                    return None
                fields.append(_Field(prefix, None, None, "null"))
                continue
            if schema["type"] == "default":
                schema = schema["schema"]
            write = _writer(schema)
            if write is None:
                return None
            fields.append(_Field(prefix, copy.copied[name], write, ""))
        return cls(domain, copy.contract, tuple(fields))

    def build(self, notification: Notification, state: dict[str, Any]) -> Direct | None:
        """The public event from `state` (the stored state as plain JSON reads it), or
        None for anything not foreseen here, the contract's refusal included."""
        try:
            if state.pop("class_version", 1) != self._class_version:
                return None  # upcast by the domain class first: the old way
            if any(type(state.get(name)) is str for name in self._legacy_names) or (
                self._legacy_paths and holds_legacy_text(state, self._legacy_paths)
            ):
                return None  # text stored before `Personal`: the mapper opens it, or parks it
            traceparent = state.pop(STORED_KEY, None)
            if traceparent is not None and type(traceparent) is not str:
                return None
            state["originator_id"] = notification.originator_id  # as the mapper sets them
            state["originator_version"] = notification.originator_version
            parts = [
                prefix + (fixed if attribute is None else write(state[attribute]))
                for prefix, attribute, write, fixed in self._fields
            ]
            payload = f"{{{','.join(parts)}}}".encode()
            event: IntegrationEvent = self._validate(payload, strict=True)
            stamp = state["timestamp"]
            return Direct(event, payload, aware(stamp), traceparent, header_time(stamp))
        except (_Unforeseen, KeyError, ValueError, TypeError, AttributeError, ValidationError):
            return None


def _fixed(value: object) -> str | None:
    """A constant field's JSON, as the contract dumps it (None: not a constant written here;
    the payload's validation checks the constant fits its field)."""
    if isinstance(value, Enum):
        value = value.value
    if value is None or isinstance(value, bool | int | str):
        return json.dumps(value, ensure_ascii=False)
    return None


PRIVATE: Final = object()
"""`StoredRows.build`'s answer for an event without a public form."""


class StoredRows:
    """A table's stored rows, for one mapper: `build` per notification.

    Made per batch (`for_mapper`); what each stored topic resolves to is
    remembered per table, so a topic is looked up once per process.
    """

    _by_table: WeakKeyDictionary[TranslationTable, dict[str, StoredRow | object | None]] = (
        WeakKeyDictionary()
    )

    def __init__(self, table: TranslationTable) -> None:
        self._table = table
        self._topics = self._by_table.setdefault(table, {})

    @classmethod
    def for_mapper(cls, mapper: Mapper[Any], translate: object) -> StoredRows | None:
        """The stored rows of `translate`, if it is a table and `mapper` decodes stored
        state as planned here (our mappers, eventsourcing's JSON decoding with its usual
        transcodings, whatever encoder wrote it; no cipher, no compressor); else None."""
        if not isinstance(translate, TranslationTable) or type(mapper) not in _DECODES_AS_PLANNED:
            return None
        if mapper.cipher is not None or mapper.compressor is not None:
            return None
        transcoder = mapper.transcoder
        kind: Any = type(transcoder)
        if not isinstance(transcoder, JSONTranscoder) or (
            kind.decode is not JSONTranscoder.decode
            or kind._decode_obj is not JSONTranscoder._decode_obj
        ):
            return None  # read otherwise than eventsourcing's JSON (how it writes may differ)
        for name, transcoding in _TRANSCODINGS.items():
            if type(transcoder.names.get(name)) is not transcoding:
                return None
        return cls(translate)

    def build(self, notification: Notification) -> Direct | object | None:
        """The public event, `PRIVATE` for an event without one, or None: the old way."""
        topic = notification.topic
        try:
            row = self._topics[topic]
        except KeyError:
            row = self._topics[topic] = self._resolve(topic)
        if row is None or row is PRIVATE:
            return row
        if type(notification.originator_id) is not UUID:
            return None
        try:
            state = from_json(notification.state)
        except ValueError:
            return None
        if type(state) is not dict:
            return None
        assert isinstance(row, StoredRow)
        return row.build(notification, state)

    def _resolve(self, topic: str) -> StoredRow | object | None:
        try:
            domain = resolve_topic(topic)
        except Exception:  # the old way says why, and parks it
            return None
        if not isinstance(domain, type):
            return None
        if self._table.row_of(domain) is None:
            return PRIVATE
        return StoredRow.of(self._table, domain)
