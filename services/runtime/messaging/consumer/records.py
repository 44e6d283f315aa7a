"""Reading a fetched record: its bytes as they are, its headers untouched until decoded,
its place in its producer's chain.

Decoding is the consumer's own (so garbage reaches the dead-letter topic, not
a framework's error log); faststream is only asked to hand the records over.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiokafka import ConsumerRecord
from eventsourcing.persistence import Tracking
from faststream.kafka import KafkaMessage
from faststream.kafka.parser import AioKafkaBatchParser
from faststream.message import StreamMessage

from contracts import Envelope
from contracts.cloudevents import H_PREVSEQUENCE, H_SEQUENCE, H_SOURCE


async def raw_bodies(message: KafkaMessage) -> object:
    """Hand the handler the undecoded values: decoding is ours, so garbage reaches the DLQ."""
    return message.body


class LeanBatchParser(AioKafkaBatchParser):
    """faststream's batch parser, without a dict of every record's headers.

    faststream's own ``parse_batch`` decodes every header of every record as
    UTF-8 into a dict per record (for filters and middlewares this consumer
    does not use): ~3-4 µs a message, and one header that has no value or is
    not UTF-8 made it raise and drop the whole fetched batch, the good messages
    with the poison. Here nothing is decoded: the handler gets the records
    exactly as they are on the broker, and decoding them (headers included)
    is ours (`contracts.decode`), so garbage reaches the dead-letter topic.
    Swapped in for faststream's parser by `subscription.prompt`.
    """

    __slots__ = ()

    async def parse_batch(
        self, message: tuple[ConsumerRecord[bytes, bytes], ...]
    ) -> StreamMessage[tuple[ConsumerRecord[bytes, bytes], ...]]:
        first, last = message[0], message[-1]
        match = self.regex.match(first.topic) if self.regex is not None else None
        return self.msg_class(
            body=[record.value or b"" for record in message],
            raw_message=message,
            message_id=f"{first.offset}-{last.offset}-{first.timestamp}",
            path=match.groupdict() if match is not None else {},
            consumer=self._consumer,
        )


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
