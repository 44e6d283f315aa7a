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

Offsets are committed after the effect (never faststream's ack-first policy, which
is at-most-once); they only save re-reading, correctness rests on tracking.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
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
    process_events: Callable[[Sequence[tuple[IntegrationEvent, Tracking]]], None] | None = None
    """Several events of one partition in one transaction, when the target can."""

    @classmethod
    def of(cls, processor: Any, recorder: Any) -> TrackedTarget:
        """An eventsourcing ``EventSourcedProjection`` (processor and recorder are the
        application and its recorder) or a ``Projection`` (its ``view`` as recorder)."""
        batched = (
            getattr(processor, "process_events", None) if hasattr(processor, "policy") else None
        )
        return cls(
            processor.process_event, recorder.max_tracking_id, recorder.insert_tracking, batched
        )


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


BATCH_SIZE = 500
"""Records handed over per fetch: one thread trip and one offset commit each."""


async def raw_bodies(message: KafkaMessage) -> object:
    """Hand the handler the undecoded values: decoding is ours, so garbage reaches the DLQ."""
    return message.body


@dataclass
class RunResult:
    """What a worker thread did with a run of one partition's records."""

    outcomes: list[Outcome] = field(default_factory=list)
    gap: bool = False
    failed: Exception | None = None


def _tracking(record: ConsumerRecord[bytes, bytes], envelope: Envelope) -> Tracking:
    return Tracking(f"{envelope.source}#{record.partition}", envelope.sequence)


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
            batch=True,
            max_records=BATCH_SIZE,
            session_timeout_ms=session_timeout_ms,
            heartbeat_interval_ms=session_timeout_ms // 3,
            group_id=self._group_id,
            auto_offset_reset="earliest",
            ack_policy=AckPolicy.MANUAL,
            decoder=raw_bodies,
            listener=self._membership,
        )(self.handle)

    async def handle(self, bodies: list[bytes], message: KafkaMessage) -> None:
        """A batch as fetched: each partition's records in order, one thread trip per run.

        Offsets are committed per partition up to the last record handled;
        after a rewind nothing beyond the gap is committed.
        """
        raw = message.raw_message
        records: tuple[ConsumerRecord[bytes, bytes], ...] = (
            raw if isinstance(raw, tuple) else (raw,)
        )
        by_partition: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]] = {}
        for record in records:
            by_partition.setdefault(TopicPartition(record.topic, record.partition), []).append(
                record
            )
        consumer: Any = message.consumer
        for partition, partition_records in by_partition.items():
            handled = await self._handle_partition(consumer, partition, partition_records)
            if handled is not None:
                await consumer.commit({partition: handled.offset + 1})
                self._record_lag(consumer, handled)

    async def _handle_partition(
        self,
        consumer: Any,
        partition: TopicPartition,
        records: list[ConsumerRecord[bytes, bytes]],
    ) -> ConsumerRecord[bytes, bytes] | None:
        """Handle one partition's records in order; returns the last one handled."""
        last: ConsumerRecord[bytes, bytes] | None = None
        run: list[tuple[ConsumerRecord[bytes, bytes], Envelope]] = []
        for record in records:
            try:
                run.append((record, decode(record.value, record.headers)))
                continue
            except PoisonMessage as poison:
                handled, rewound = await self._apply_run(consumer, run)
                last = handled or last
                if rewound:
                    return last
                await self._dead_letter(record, poison.reason, str(poison))
                self._metrics.handled.labels(record.topic, "dead_letter").inc()
                last, run = record, []
        handled, _ = await self._apply_run(consumer, run)
        return handled or last

    async def _apply_run(
        self, consumer: Any, run: list[tuple[ConsumerRecord[bytes, bytes], Envelope]]
    ) -> tuple[ConsumerRecord[bytes, bytes] | None, bool]:
        """Apply decoded records in order: (the last one handled, whether we rewound)."""
        index = 0
        accept_gap = False
        last: ConsumerRecord[bytes, bytes] | None = None
        while index < len(run):
            results = await asyncio.to_thread(self._apply_in_order, run[index:], accept_gap)
            accept_gap = False
            for outcome in results.outcomes:
                last = run[index][0]
                self._metrics.handled.labels(last.topic, outcome.value).inc()
                index += 1
            if results.failed is not None:
                record, envelope = run[index]
                await self._dead_letter(record, "handler-failed", repr(results.failed))
                await asyncio.to_thread(self._record_only, _tracking(record, envelope))
                self._metrics.handled.labels(record.topic, "dead_letter").inc()
                last = record
                index += 1
            elif results.gap:
                if await self._rewind(consumer, run[index][0]):
                    return last, True
                accept_gap = True
        return last, False

    def _apply_in_order(
        self, run: list[tuple[ConsumerRecord[bytes, bytes], Envelope]], accept_gap: bool
    ) -> RunResult:
        """In a worker thread: apply until done, a gap, or a record that keeps failing."""
        batched = self._apply_together(run, accept_gap)
        if batched is not None:
            return batched
        result = RunResult()
        for position, (record, envelope) in enumerate(run):
            tracking = _tracking(record, envelope)
            attempt = 0
            while True:
                try:
                    outcome = self._apply(envelope, tracking, accept_gap and position == 0)
                    break
                except _TRANSIENT as error:
                    log.warning("store unavailable, retrying %s: %r", tracking, error)
                    time.sleep(min(0.1 * 2**attempt, 5.0))
                    attempt = min(attempt + 1, 6)
                except Exception as error:
                    attempt += 1
                    if attempt >= self._max_retries:
                        result.failed = error
                        return result
                    time.sleep(self._retry_delay * attempt)
            if outcome is Outcome.GAP:
                result.gap = True
                return result
            result.outcomes.append(outcome)
        return result

    def _apply_together(
        self, run: list[tuple[ConsumerRecord[bytes, bytes], Envelope]], accept_gap: bool
    ) -> RunResult | None:
        """The fast path: the whole run in one transaction, when nothing in it is unusual.

        Returns None (use the one-at-a-time path) when the target cannot
        batch, when the run holds a gap, or when the batch fails for any
        reason: then every record is tried again on its own, so a failing one
        is isolated and dead-lettered and a store outage is waited out.
        """
        if self._target.process_events is None or len(run) < 2:
            return None
        name = _tracking(*run[0]).application_name
        try:
            seen = self._target.max_tracking_id(name) or 0
        except _TRANSIENT:
            return None
        outcomes: list[Outcome] = []
        batch: list[tuple[IntegrationEvent, Tracking]] = []
        for position, (record, envelope) in enumerate(run):
            if envelope.sequence <= seen:
                outcomes.append(Outcome.DUPLICATE)
                continue
            if envelope.prev_sequence > seen and not (accept_gap and position == 0):
                return None
            batch.append((envelope.event, _tracking(record, envelope)))
            outcomes.append(Outcome.APPLIED)
            seen = envelope.sequence
        if batch:
            try:
                self._target.process_events(batch)
            except Exception as error:  # retried one at a time, where it is isolated
                log.info("batch of %d fell back to one at a time: %r", len(batch), error)
                return None
        return RunResult(outcomes=outcomes)

    def _apply(self, envelope: Envelope, tracking: Tracking, accept_gap: bool) -> Outcome:
        seen = self._target.max_tracking_id(tracking.application_name) or 0
        if envelope.sequence <= seen:
            return Outcome.DUPLICATE
        if envelope.prev_sequence > seen and not accept_gap:
            return Outcome.GAP
        try:
            self._target.process_event(envelope.event, tracking)
        except IntegrityError:
            # Either another replica applied it first (the tracking row proves
            # it), or the policy lost a race with a command on the same
            # aggregate: that one must be retried, not dropped.
            applied = self._target.max_tracking_id(tracking.application_name) or 0
            if applied >= tracking.notification_id:
                return Outcome.DUPLICATE
            raise
        return Outcome.APPLIED

    def _record_only(self, tracking: Tracking) -> None:
        """Move past a dead-lettered message so its successors are not seen as a gap."""
        try:
            self._target.insert_tracking(tracking)
        except IntegrityError:
            log.info("tracking %s already recorded", tracking)

    def _record_lag(self, consumer: Any, record: ConsumerRecord[bytes, bytes]) -> None:
        highwater = consumer.highwater(TopicPartition(record.topic, record.partition))
        if highwater is not None:
            lag = max(highwater - record.offset - 1, 0)
            self._metrics.lag.labels(record.topic, str(record.partition)).set(lag)

    async def _rewind(self, consumer: Any, record: ConsumerRecord[bytes, bytes]) -> bool:
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
        await consumer.seek_to_beginning(partition)
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
