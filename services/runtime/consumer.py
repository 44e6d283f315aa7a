"""The tracked consumer: upstream integration events applied exactly once.

Kafka delivers at least once; this consumer turns that into exactly-once
*effects*. Each message carries the producer's store position
(``ce_sequence``) and the position of its predecessor on the same partition
(``ce_prevsequence``). The consumer keeps, per ``source#partition``, the highest
position it has applied — in the same database transaction as the effect
(eventsourcing's tracking record) — and so

* skips a message at or below that position (a redelivery or a republish);
* rewinds the partition when a message's predecessor is above it (it missed
  something: the broker lost its log and offsets no longer mean what they
  meant);
* dead-letters what it cannot read or cannot apply after bounded retries,
  records the position anyway, and moves on.

Offsets are committed after the effect (never ``AckPolicy.ACK_FIRST``, which
is at-most-once); they only save re-reading, correctness rests on tracking.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import ConsumerRebalanceListener, ConsumerRecord, TopicPartition
from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    Tracking,
)
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage
from prometheus_client import CollectorRegistry, Counter, Gauge

from contracts import Envelope, IntegrationEvent, PoisonMessage, decode

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrackedTarget:
    """Where effects and tracking records land, atomically, in the consumer's own store."""

    process_event: Callable[[IntegrationEvent, Tracking], None]
    max_tracking_id: Callable[[str], int | None]
    insert_tracking: Callable[[Tracking], None]

    @classmethod
    def of(cls, processor: Any, recorder: Any) -> TrackedTarget:
        """An eventsourcing ``EventSourcedProjection`` (processor and recorder are the
        application and its recorder) or a ``Projection`` (its ``view`` as recorder)."""
        return cls(processor.process_event, recorder.max_tracking_id, recorder.insert_tracking)


class Outcome(enum.Enum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    GAP = "gap"


_TRANSIENT = (OperationalError, InterfaceError)
"""Store unavailable: wait it out; dead-lettering would lose a good message."""


DEAD_LETTER_REASONS = ("undecodable", "unknown_event_type", "oversized", "handler-failed")


@dataclass(frozen=True)
class ConsumerMetrics:
    handled: Counter
    dead_letters: Counter
    rewinds: Counter
    lag: Gauge

    def prepare(self, topics: Sequence[str]) -> None:
        """Create every series at 0, so a first dead letter is an increase alerts can see."""
        for topic in topics:
            for outcome in (*(o.value for o in Outcome), "dead_letter"):
                self.handled.labels(topic, outcome)
            for reason in DEAD_LETTER_REASONS:
                self.dead_letters.labels(topic, reason)
            self.rewinds.labels(topic)

    @classmethod
    def register(cls, registry: CollectorRegistry) -> ConsumerMetrics:
        return cls(
            handled=Counter(
                "samverkan_consumer_messages",
                "Upstream messages handled, by outcome (applied, duplicate, gap, dead_letter).",
                ["topic", "outcome"],
                registry=registry,
            ),
            dead_letters=Counter(
                "samverkan_dead_letters",
                "Messages sent to the dead-letter topic, by reason.",
                ["topic", "reason"],
                registry=registry,
            ),
            rewinds=Counter(
                "samverkan_consumer_rewinds",
                "Partitions re-read from the start because a predecessor was missing.",
                ["topic"],
                registry=registry,
            ),
            lag=Gauge(
                "samverkan_consumer_lag",
                "Messages after the last one handled, per partition (high watermark - offset - 1).",
                ["topic", "partition"],
                registry=registry,
            ),
        )


async def raw_body(message: KafkaMessage) -> bytes:
    """Hand the handler the undecoded value: decoding is ours, so garbage reaches the DLQ."""
    body: bytes = message.body
    return body


class _GroupMembership(ConsumerRebalanceListener):  # type: ignore[misc]
    """Knows whether the consumer has joined its group (readiness) and forgets
    rewind bookkeeping for partitions it no longer owns."""

    def __init__(self, rewound_at: dict[TopicPartition, int]) -> None:
        self.joined = False
        self._rewound_at = rewound_at

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        for partition in revoked:
            self._rewound_at.pop(partition, None)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        self.joined = True


class TrackedConsumer:
    """One service's subscription to its upstream topics."""

    def __init__(
        self,
        *,
        group_id: str,
        dlq_topic: str,
        target: TrackedTarget,
        metrics: ConsumerMetrics,
        max_retries: int,
        retry_delay: float = 0.05,
    ) -> None:
        self._group_id = group_id
        self._dlq_topic = dlq_topic
        self._target = target
        self._metrics = metrics
        self._max_retries = max_retries
        self._retry_delay = retry_delay
        self._broker: KafkaBroker | None = None
        self._rewound_at: dict[TopicPartition, int] = {}
        self._membership = _GroupMembership(self._rewound_at)

    @property
    def joined(self) -> bool:
        """Whether the group has handed this consumer its partitions (maybe none)."""
        return self._membership.joined

    def subscribe(
        self, broker: KafkaBroker, topics: Sequence[str], *, session_timeout_ms: int
    ) -> None:
        self._broker = broker
        self._metrics.prepare(topics)
        broker.subscriber(
            *topics,
            session_timeout_ms=session_timeout_ms,
            heartbeat_interval_ms=session_timeout_ms // 3,
            group_id=self._group_id,
            auto_offset_reset="earliest",
            ack_policy=AckPolicy.MANUAL,
            decoder=raw_body,
            listener=self._membership,
        )(self.handle)

    async def handle(self, body: bytes, message: KafkaMessage) -> None:
        record: ConsumerRecord[bytes, bytes] = message.raw_message
        try:
            envelope = decode(record.value, record.headers)
        except PoisonMessage as poison:
            await self._dead_letter(record, poison.reason, str(poison))
            self._metrics.handled.labels(record.topic, "dead_letter").inc()
            await message.ack()
            return
        outcome = await self._apply_with_retries(record, envelope, accept_gap=False)
        if outcome is Outcome.GAP:
            if await self._rewind(message, record):
                return
            await self._apply_with_retries(record, envelope, accept_gap=True)
        await message.ack()
        self._record_lag(message, record)

    def _record_lag(self, message: KafkaMessage, record: ConsumerRecord[bytes, bytes]) -> None:
        consumer = message.consumer
        partition = TopicPartition(record.topic, record.partition)
        highwater = consumer.highwater(partition)  # type: ignore[attr-defined]
        if highwater is not None:
            lag = max(highwater - record.offset - 1, 0)
            self._metrics.lag.labels(record.topic, str(record.partition)).set(lag)

    async def _apply_with_retries(
        self, record: ConsumerRecord[bytes, bytes], envelope: Envelope, *, accept_gap: bool
    ) -> Outcome | None:
        tracking = Tracking(f"{envelope.source}#{record.partition}", envelope.sequence)
        attempt = 0
        while True:
            try:
                outcome = await asyncio.to_thread(self._apply, envelope, tracking, accept_gap)
            except _TRANSIENT as error:
                log.warning("store unavailable, retrying %s: %r", tracking, error)
                await asyncio.sleep(min(0.1 * 2**attempt, 5.0))
                attempt = min(attempt + 1, 6)
                continue
            except Exception as error:
                attempt += 1
                if attempt < self._max_retries:
                    await asyncio.sleep(self._retry_delay * attempt)
                    continue
                await self._dead_letter(record, "handler-failed", repr(error))
                await asyncio.to_thread(self._record_only, tracking)
                self._metrics.handled.labels(record.topic, "dead_letter").inc()
                return None
            self._metrics.handled.labels(record.topic, outcome.value).inc()
            return outcome

    def _apply(self, envelope: Envelope, tracking: Tracking, accept_gap: bool) -> Outcome:
        seen = self._target.max_tracking_id(tracking.application_name) or 0
        if envelope.sequence <= seen:
            return Outcome.DUPLICATE
        if envelope.prev_sequence > seen and not accept_gap:
            return Outcome.GAP
        try:
            self._target.process_event(envelope.event, tracking)
        except IntegrityError:
            # Another replica applied it first; the tracking row proves it.
            return Outcome.DUPLICATE
        return Outcome.APPLIED

    def _record_only(self, tracking: Tracking) -> None:
        """Move past a dead-lettered message so its successors are not seen as a gap."""
        try:
            self._target.insert_tracking(tracking)
        except IntegrityError:
            log.info("tracking %s already recorded", tracking)

    async def _rewind(self, message: KafkaMessage, record: ConsumerRecord[bytes, bytes]) -> bool:
        """Re-read a partition from its start to fill a gap; False when that was tried."""
        partition = TopicPartition(record.topic, record.partition)
        rewound_at = self._rewound_at.get(partition)
        if rewound_at is not None and record.offset <= rewound_at:
            # The whole partition was re-read and the predecessor is not on the
            # broker any more (retention, or a producer that cannot republish).
            # Holding the line forever would stop everything after it.
            log.error("gap at %s offset %s cannot be filled; applying", partition, record.offset)
            return False
        self._rewound_at[partition] = record.offset
        self._metrics.rewinds.labels(record.topic).inc()
        log.warning("gap at %s offset %s; re-reading from the start", partition, record.offset)
        await message.consumer.seek_to_beginning(partition)  # type: ignore[attr-defined]
        return True

    async def _dead_letter(
        self, record: ConsumerRecord[bytes, bytes], reason: str, error: str
    ) -> None:
        assert self._broker is not None
        headers = {
            name: value.decode("utf-8", "backslashreplace") for name, value in record.headers
        }
        headers.update(
            {
                "dlq.reason": reason,
                "dlq.error": error[:2000],
                "dlq.consumer": self._group_id,
                "dlq.source.topic": record.topic,
                "dlq.source.partition": str(record.partition),
                "dlq.source.offset": str(record.offset),
            }
        )
        await self._broker.publish(
            record.value or b"",
            topic=self._dlq_topic,
            key=record.key,
            headers=headers,
        )
        self._metrics.dead_letters.labels(record.topic, reason).inc()
        log.warning(
            "dead-lettered %s[%s]@%s: %s", record.topic, record.partition, record.offset, reason
        )
