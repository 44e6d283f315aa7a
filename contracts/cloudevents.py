"""CloudEvents 1.0 Kafka protocol binding, binary mode, for the public events.

Attributes travel as `ce_*` headers and the value is the event's JSON, so a
partner can read the payload without knowing CloudEvents and any CloudEvents
SDK can read the envelope. This is a small hand-written binding rather than the
SDK because decoding sits on every consumer's hot path: it reads the few headers
it needs and validates the payload once, with the model's own JSON parser.

Besides the core attributes a message carries two extension attributes:
`sequence` (the producer's store position, per the CloudEvents sequence
extension) and `prevsequence` (the sequence the producer published before it
on the same partition, 0 if none). Consumers track `(source#partition,
sequence)` and notice a gap when `prevsequence` is not the last one they saw.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

from pydantic import ValidationError

from contracts.base import IntegrationEvent, event_class
from contracts.errors import OversizedMessage, UndecodableMessage

MAX_EVENT_BYTES = 256 * 1024
"""No legitimate event comes close; anything larger is refused before parsing."""

SPECVERSION = "1.0"
CONTENT_TYPE = "application/json"

H_SPECVERSION = "ce_specversion"
H_ID = "ce_id"
H_SOURCE = "ce_source"
H_TYPE = "ce_type"
H_TIME = "ce_time"
H_SUBJECT = "ce_subject"
H_SEQUENCE = "ce_sequence"
H_PREVSEQUENCE = "ce_prevsequence"
H_CONTENT_TYPE = "content-type"

_REQUIRED = (
    H_SPECVERSION,
    H_ID,
    H_SOURCE,
    H_TYPE,
    H_TIME,
    H_SEQUENCE,
    H_PREVSEQUENCE,
    H_CONTENT_TYPE,
)
_READ = frozenset((*_REQUIRED, H_SUBJECT))
_MAX_ERRORS_SHOWN = 5
_MAX_SUMMARY_CHARS = 1000
"""Error text ends up in dead-letter headers and logs: keep it bounded."""


@dataclass(frozen=True)
class OutgoingMessage:
    """What a producer hands to its Kafka client."""

    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]


class Envelope(NamedTuple):
    """A decoded message: the CloudEvents attributes and the validated event.

    A named tuple, not a frozen dataclass: one is made per consumed message, and a
    frozen dataclass sets each field through ``object.__setattr__`` — a tenth of the
    statistics rebuild's decoding time (#24).
    """

    id: str
    source: str
    type: str
    time: datetime
    subject: str | None
    sequence: int
    prev_sequence: int
    event: IntegrationEvent


def _rfc3339(time: datetime) -> str:
    return time.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class _TypeHeaders:
    """The headers every message of one event class carries, encoded once per class."""

    specversion: tuple[str, bytes]
    source: tuple[str, bytes]
    type: tuple[str, bytes]
    content_type: tuple[str, bytes]


_SPECVERSION_HEADER = (H_SPECVERSION, SPECVERSION.encode())
_CONTENT_TYPE_HEADER = (H_CONTENT_TYPE, CONTENT_TYPE.encode())
_type_headers: dict[type[IntegrationEvent], _TypeHeaders] = {}


def _headers_of(cls: type[IntegrationEvent]) -> _TypeHeaders:
    """`cls`'s constant headers, remembered: `ce_type` formats and checks the class name,
    which the relay would otherwise do for every message it sends."""
    try:
        return _type_headers[cls]
    except KeyError:
        made = _type_headers[cls] = _TypeHeaders(
            _SPECVERSION_HEADER,
            (H_SOURCE, cls.ce_source().encode()),
            (H_TYPE, cls.ce_type().encode()),
            _CONTENT_TYPE_HEADER,
        )
        return made


def encode(
    event: IntegrationEvent,
    *,
    event_id: str,
    time: datetime,
    sequence: int,
    prev_sequence: int,
    extensions: Sequence[tuple[str, bytes]] = (),
) -> OutgoingMessage:
    """The Kafka message for `event`, with `extensions` (e.g. trace context) last.

    `event_id` must be derived from the stored event (not generated here) so a
    republished message has the same `ce_id` and consumers can dedupe it.

    The relay encodes every event it publishes here, so the per-class headers
    are encoded once (`_headers_of`) and the payload is the model's serializer
    output as bytes, the very bytes ``model_dump_json().encode()`` gives without
    the str round trip (tests/contract/test_fast_encoding.py holds it to that).
    """
    return encode_written(
        event,
        event.__pydantic_serializer__.to_json(event),
        event_id=event_id,
        time=time,
        sequence=sequence,
        prev_sequence=prev_sequence,
        extensions=extensions,
    )


def encode_written(
    event: IntegrationEvent,
    payload: bytes,
    *,
    event_id: str,
    time: datetime,
    sequence: int,
    prev_sequence: int,
    extensions: Sequence[tuple[str, bytes]] = (),
    time_text: str | None = None,
) -> OutgoingMessage:
    """`encode`, with the payload already written: the bytes `event`'s serializer writes.

    For the relay, which writes most payloads straight from the stored state
    and validates them as `decode` does (services.runtime.messaging.stored_rows;
    tests/contract/test_fast_encoding.py holds them to `encode`'s). `time_text`,
    when the caller has it, is `time` as the ``ce_time`` header writes it (UTC,
    with a Z), read off the stored text instead of formatted again.
    """
    if not event_id:
        raise ValueError("event_id must not be empty")
    if time.tzinfo is None:
        raise ValueError("time must be timezone-aware")
    if not 0 <= prev_sequence < sequence:
        raise ValueError(f"need 0 <= prev_sequence < sequence, got {prev_sequence}, {sequence}")
    constant = _headers_of(type(event))
    headers = [
        constant.specversion,
        (H_ID, event_id.encode()),
        constant.source,
        constant.type,
        (H_TIME, (time_text or _rfc3339(time)).encode()),
    ]
    subject = event.subject()
    if subject is not None:
        headers.append((H_SUBJECT, subject.encode()))
    headers += [
        (H_SEQUENCE, str(sequence).encode()),
        (H_PREVSEQUENCE, str(prev_sequence).encode()),
        constant.content_type,
        *extensions,
    ]
    return OutgoingMessage(key=event.partition_key().encode(), value=payload, headers=headers)


def decode(value: bytes | None, headers: Sequence[tuple[str, bytes | None]]) -> Envelope:
    """The envelope and validated event of a consumed message.

    Raises only PoisonMessage subclasses, whatever the input: a consumer can
    dead-letter on that one exception type and let anything else (a bug in its
    own handler) surface.
    """
    if value is None:
        raise UndecodableMessage("message has no value")
    if len(value) > MAX_EVENT_BYTES:
        raise OversizedMessage(f"value is {len(value)} bytes; the limit is {MAX_EVENT_BYTES}")
    attrs = _read_headers(headers)
    if attrs[H_SPECVERSION] != SPECVERSION:
        raise UndecodableMessage(f"unsupported specversion {attrs[H_SPECVERSION][:20]!r}")
    if attrs[H_CONTENT_TYPE].partition(";")[0].strip() != CONTENT_TYPE:
        raise UndecodableMessage(f"content-type is not {CONTENT_TYPE}")
    time = _time(attrs[H_TIME])
    sequence, prev_sequence = _int(attrs, H_SEQUENCE), _int(attrs, H_PREVSEQUENCE)
    if not 0 <= prev_sequence < sequence:
        raise UndecodableMessage("ce_prevsequence must be below ce_sequence")
    model = event_class(attrs[H_TYPE])
    if attrs[H_SOURCE] != model.ce_source():
        raise UndecodableMessage(f"{model.ce_type()} must come from {model.ce_source()}")
    try:
        # Strict: the wire must match the published JSON Schema, not pydantic's lax
        # coercions ("yes" for true), or partners would come to depend on them.
        # The model's validator itself: model_validate_json only wraps it (~10 % of this).
        event = model.__pydantic_validator__.validate_json(value, strict=True)
    except ValidationError as error:
        raise UndecodableMessage(f"{model.ce_type()}: {_summary(error)}") from None
    subject = attrs.get(H_SUBJECT)
    if subject != event.subject():
        raise UndecodableMessage("ce_subject does not match the payload's subject_id")
    return Envelope(
        id=attrs[H_ID],
        source=attrs[H_SOURCE],
        type=attrs[H_TYPE],
        time=time,
        subject=subject,
        sequence=sequence,
        prev_sequence=prev_sequence,
        event=event,
    )


def _read_headers(headers: Sequence[tuple[str, bytes | None]]) -> dict[str, str]:
    """The headers this binding reads, as text; other headers are ignored (extensions)."""
    attrs: dict[str, str] = {}
    for name, raw in headers:
        if name not in _READ:
            continue
        if name in attrs:
            raise UndecodableMessage(f"header {name} appears more than once")
        if not raw:
            raise UndecodableMessage(f"header {name} is empty")
        try:
            attrs[name] = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise UndecodableMessage(f"header {name} is not UTF-8") from None
    # Every key is one of _READ: counting is enough, and cheaper on every message.
    if len(attrs) - (H_SUBJECT in attrs) < len(_REQUIRED):
        missing = [name for name in _REQUIRED if name not in attrs]
        raise UndecodableMessage(f"missing headers: {', '.join(missing)}")
    return attrs


def _int(attrs: dict[str, str], name: str) -> int:
    text = attrs[name]
    if not (text.isascii() and text.isdigit() and len(text) <= 20):
        raise UndecodableMessage(f"header {name} is not a decimal integer")
    return int(text)


def _time(text: str) -> datetime:
    try:
        time = datetime.fromisoformat(text)
    except ValueError:
        raise UndecodableMessage("ce_time is not an RFC 3339 timestamp") from None
    if time.tzinfo is None:
        raise UndecodableMessage("ce_time has no UTC offset")
    return time


def _summary(error: ValidationError) -> str:
    """Where and why validation failed, never the offending values (they may be personal)."""
    parts = [
        f"{'.'.join(map(str, e['loc'])) or '<root>'}: {e['msg']}"
        for e in error.errors(include_url=False, include_input=False, include_context=False)
    ]
    shown = "; ".join(parts[:_MAX_ERRORS_SHOWN])[:_MAX_SUMMARY_CHARS]
    more = len(parts) - _MAX_ERRORS_SHOWN
    return f"{shown}; and {more} more" if more > 0 else shown
