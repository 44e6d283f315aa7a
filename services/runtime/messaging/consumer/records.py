"""Reading a fetched record: its bytes as they are, its headers leniently, its place in
its producer's chain.

Decoding is the consumer's own (so garbage reaches the dead-letter topic, not
a framework's error log); faststream is only asked to hand the records over.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from aiokafka import ConsumerRecord
from eventsourcing.persistence import Tracking
from faststream.kafka import KafkaMessage

from contracts import Envelope
from contracts.cloudevents import H_PREVSEQUENCE, H_SEQUENCE, H_SOURCE


async def raw_bodies(message: KafkaMessage) -> object:
    """Hand the handler the undecoded values: decoding is ours, so garbage reaches the DLQ."""
    return message.body


def _readable(record: ConsumerRecord[bytes, bytes]) -> ConsumerRecord[bytes, bytes]:
    """The record itself, or a copy whose header values are all present and valid UTF-8."""
    try:
        for _, value in record.headers:
            value.decode("utf-8")
    except (AttributeError, UnicodeDecodeError):
        headers = [
            (name, (value or b"").decode("utf-8", "backslashreplace").encode())
            for name, value in record.headers
        ]
        return replace(record, headers=headers)
    return record


async def lenient_headers(records: Any, parse: Callable[[Any], Awaitable[Any]]) -> Any:
    """faststream's parser reads every header as UTF-8 before our handler runs.

    Kafka headers are bytes: one that is not UTF-8 (or has no value) made it
    raise, and the whole fetched batch was dropped unhandled — the good
    messages in it never applied, the poison never dead-lettered. So it parses
    copies with readable headers, and the handler still gets the records
    exactly as they are on the broker (decoding them is ours). Copies are made
    only when a header is unreadable: faststream's parse reads each header of a
    batch anyway, and a batch it reads without an error is parsed as it is
    (checking every header first cost as much again, on every message).
    """
    batch = records if isinstance(records, tuple) else (records,)
    try:
        message = await parse(batch)
    except (AttributeError, UnicodeDecodeError):  # a header with no value, or not UTF-8
        message = await parse(tuple(_readable(r) for r in batch))
    message.raw_message = records
    return message


def span_attributes(
    record: ConsumerRecord[bytes, bytes], envelope: Envelope | None = None
) -> dict[str, str | int]:
    """What a consumer span says of the message (services.runtime.kernel.tracing): where
    it was read and, once decoded, its CloudEvents id and type; never its key or payload,
    which may name the subject."""
    attributes: dict[str, str | int] = {
        "messaging.system": "kafka",
        "messaging.operation.type": "process",
        "messaging.destination.name": record.topic,
        "messaging.destination.partition.id": str(record.partition),
        "messaging.kafka.offset": record.offset,
    }
    if envelope is not None:
        attributes["cloudevents.event_id"] = envelope.id
        attributes["cloudevents.event_type"] = envelope.type
    return attributes


def tracking_of(record: ConsumerRecord[bytes, bytes], envelope: Envelope) -> Tracking:
    """The position a decoded record takes: per ``source#partition``, its ``ce_sequence``."""
    return Tracking(f"{envelope.source}#{record.partition}", envelope.sequence)


@dataclass(frozen=True)
class ChainPosition:
    tracking: Tracking
    prev_sequence: int


def chain_position(record: ConsumerRecord[bytes, bytes]) -> ChainPosition | None:
    """Where an undecodable message stands in its producer's chain, if its headers say.

    Only the three position headers are read, and only when each is present
    once and well-formed: a message that does not claim a place takes none.
    """
    found: dict[str, list[bytes | None]] = {}
    for name, value in record.headers:
        if name in (H_SOURCE, H_SEQUENCE, H_PREVSEQUENCE):
            found.setdefault(name, []).append(value)
    try:
        (source,), (sequence,), (prev_sequence,) = (
            found[H_SOURCE],
            found[H_SEQUENCE],
            found[H_PREVSEQUENCE],
        )
        position = ChainPosition(
            Tracking(f"{(source or b'').decode()}#{record.partition}", int(sequence or b"")),
            int(prev_sequence or b""),
        )
    except (KeyError, ValueError):  # missing, repeated, not UTF-8, not a number
        return None
    if not source or not 0 <= position.prev_sequence < position.tracking.notification_id:
        return None
    return position
