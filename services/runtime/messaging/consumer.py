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
  meant), and when re-reading does not fill the gap, skips ahead for a while
  (``GAP_GRACE_SECONDS``) for the republish that will, before applying anyway;
* dead-letters what it cannot read or cannot apply after bounded retries,
  records the position anyway (once the dead letter is acknowledged, also for
  a message it cannot decode but whose headers still name its place in the
  producer's chain), and moves on — so the next message does not look like a
  gap, and a re-read does not dead-letter it again;
* never strands a fetched record: what is transient (the dead-letter topic or
  the store unavailable) is retried with backoff, and anything else that
  escapes a partition's handling seeks that partition back to its first
  unhandled record, to be fetched again;
* lets a revoked partition go only once the batch in flight is done; a
  target that applies batches records each batch's *first* position as well
  as its last, so that should two owners of one partition still overlap (one
  of them thrown out of the group mid-batch), the second commit breaks the
  first position's uniqueness and is undone instead of counting twice.

Each message is handled in the trace context its ``traceparent`` header
carries (services.runtime.kernel.tracing): log lines name the command's
``trace_id``, and events stored as its effect continue the trace.

Offsets are committed after the effect (never faststream's ack-first policy, which
is at-most-once); they only save re-reading, correctness rests on tracking.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from aiokafka import ConsumerRebalanceListener, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
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
from contracts.cloudevents import H_PREVSEQUENCE, H_SEQUENCE, H_SOURCE
from services.runtime.kernel.tracing import consuming

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrackedTarget:
    """Where effects and tracking records land, atomically, in the consumer's own store."""

    process_event: Callable[[IntegrationEvent, Tracking], None]
    max_tracking_id: Callable[[str], int | None]
    insert_tracking: Callable[[Tracking], None]
    process_events: Callable[[Sequence[tuple[IntegrationEvent, Tracking]]], None] | None = None
    """Several events of one partition in one transaction, when the target can."""
    process_message: Callable[[Envelope, Tracking], None] | None = None
    """Instead of `process_event`, for a target that needs the CloudEvents attributes
    too (the ``ce_id`` a detected deviation links to); applied one at a time."""
    process_messages: Callable[[Sequence[tuple[Envelope, Tracking]]], None] | None = None
    """Several messages of one partition in one transaction, with their CloudEvents
    attributes: the batched form of `process_message`, preferred when present."""

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


class _Gap(enum.Enum):
    """What the consumer does about a gap (see ``TrackedConsumer._on_gap``)."""

    REWOUND = "rewound"
    HOLD = "hold"
    ACCEPT = "accept"


_REBALANCED = (IllegalStateError, CommitFailedError)
"""A partition taken away (group rebalance) while a batch of it was being handled."""


class _NoLongerOurs(Exception):
    """The partition was handed to another member while its batch was still in hand."""


_TRANSIENT = (OperationalError, InterfaceError)
"""Store unavailable: wait it out; dead-lettering would lose a good message."""


DEAD_LETTER_REASONS = ("undecodable", "unknown_event_type", "oversized", "handler-failed")


@dataclass(frozen=True)
class ConsumerMetrics:
    handled: Counter
    dead_letters: Counter
    rewinds: Counter
    lag: Gauge

    def forget_lag(self, partition: TopicPartition) -> None:
        """A partition no longer ours has no lag *here*: its new owner reports it.

        Left in place, the last value stays exported for good, and a dashboard
        (or the chaos checker) sums a lag nobody is working off.
        """
        with contextlib.suppress(KeyError):  # never measured here
            self.lag.remove(partition.topic, str(partition.partition))

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

POLL_MS = 10
"""How long one poll waits for records. faststream sleeps as long again after an
empty poll, so this bounds the delay an idle consumer adds to a new event
(its default of 200 ms made end-to-end latency a few hundred milliseconds)."""


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
    exactly as they are on the broker (decoding them is ours).
    """
    batch = records if isinstance(records, tuple) else (records,)
    message = await parse(tuple(_readable(r) for r in batch))
    message.raw_message = records
    return message


@dataclass
class RunResult:
    """What a worker thread did with a run of one partition's records."""

    outcomes: list[Outcome] = field(default_factory=list)
    gap: bool = False
    failed: Exception | None = None


@dataclass
class _Progress:
    """How far the handling of one partition's records in a batch has come."""

    last: ConsumerRecord[bytes, bytes] | None = None


def _tracking(record: ConsumerRecord[bytes, bytes], envelope: Envelope) -> Tracking:
    return Tracking(f"{envelope.source}#{record.partition}", envelope.sequence)


@dataclass(frozen=True)
class _ChainPosition:
    tracking: Tracking
    prev_sequence: int


def _chain_position(record: ConsumerRecord[bytes, bytes]) -> _ChainPosition | None:
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
        position = _ChainPosition(
            Tracking(f"{(source or b'').decode()}#{record.partition}", int(sequence or b"")),
            int(prev_sequence or b""),
        )
    except (KeyError, ValueError):  # missing, repeated, not UTF-8, not a number
        return None
    if not source or not 0 <= position.prev_sequence < position.tracking.notification_id:
        return None
    return position


_MAX_BACKOFF_SECONDS = 5.0


def _backoff(attempt: int) -> float:
    """Seconds to wait before try `attempt` + 1 of something that is only unavailable."""
    return min(0.1 * 2.0 ** min(attempt, 6), _MAX_BACKOFF_SECONDS)


def _retrying(operation: Callable[[], Any]) -> Any:
    """In a worker thread: run `operation`, waiting out a store outage with backoff.

    Dead-lettering instead would lose a good message; giving up would strand the
    rest of the batch.
    """
    attempt = 0
    while True:
        try:
            return operation()
        except _TRANSIENT as error:
            log.warning("store unavailable, retrying: %r", error)
            time.sleep(_backoff(attempt))
            attempt += 1


def _log_handled(
    record: ConsumerRecord[bytes, bytes], envelope: Envelope, outcome: Outcome
) -> None:
    """One DEBUG line per message, in its trace context (``trace_id`` of the command)."""
    log.debug(
        "%s %s from %s[%s]@%s",
        outcome.value,
        envelope.type,
        record.topic,
        record.partition,
        record.offset,
        extra={"ce_id": envelope.id, "ce_sequence": envelope.sequence},
    )


GAP_GRACE_SECONDS = 30.0
"""How long a gap that re-reading did not fill is held open for a republish."""


@dataclass(frozen=True)
class _Hold:
    """A gap being held open: its first record, skipped (not applied, not committed)."""

    offset: int
    sequence: int
    since: float


REVOKE_WAIT_SECONDS = 30.0
"""How long a revoked partition waits for the batch in flight before it is let go anyway
(a batch stuck on a store outage must not hold the whole group's rebalance for good)."""


class _GroupMembership(ConsumerRebalanceListener):  # type: ignore[misc]
    """Knows whether the consumer has joined its group (readiness), lets partitions
    go only after the batch in flight, and forgets rewind bookkeeping and lag for
    partitions it no longer owns."""

    def __init__(
        self,
        metrics: ConsumerMetrics,
        handling: asyncio.Lock,
        *bookkeeping: dict[TopicPartition, Any],
    ) -> None:
        self.joined = False
        self._metrics = metrics
        self._handling = handling
        self._bookkeeping = bookkeeping

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        # The group hands these partitions to another member as soon as this
        # returns: a batch still being applied here would then be applied by
        # both, each recording its own last position, and counted twice.
        try:
            await asyncio.wait_for(self._handling.acquire(), REVOKE_WAIT_SECONDS)
        except TimeoutError:
            log.warning("letting %s go with a batch still in flight", sorted(revoked))
        else:
            self._handling.release()
        for partition in revoked:
            for entries in self._bookkeeping:
                entries.pop(partition, None)
            self._metrics.forget_lag(partition)

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
        gap_grace_seconds: float = GAP_GRACE_SECONDS,
        ensure_dlq_topic: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._group_id = group_id
        self._dlq_topic = dlq_topic
        self._target = target
        self._metrics = metrics
        self._max_retries = max_retries
        self._retry_delay = retry_delay
        self._broker: KafkaBroker | None = None
        self._gap_grace_seconds = gap_grace_seconds
        self._ensure_dlq_topic = ensure_dlq_topic
        self._dlq_topic_checked_at = float("-inf")
        self._rewound_at: dict[TopicPartition, int] = {}
        self._held: dict[TopicPartition, _Hold] = {}
        self._accept_at: dict[TopicPartition, int] = {}
        self._failures: dict[TopicPartition, int] = {}
        self._consumer: Any = None
        """The consumer whose batch is being handled (to ask what is still assigned)."""
        self._handling = asyncio.Lock()
        self._hold_timers: set[asyncio.Task[None]] = set()
        self._membership = _GroupMembership(
            metrics, self._handling, self._rewound_at, self._held, self._accept_at, self._failures
        )

    @property
    def joined(self) -> bool:
        """Whether the group has handed this consumer its partitions (maybe none)."""
        return self._membership.joined

    def subscribe(
        self,
        broker: KafkaBroker,
        topics: Sequence[str],
        *,
        session_timeout_ms: int,
        fetch_max_wait_ms: int = 10,
    ) -> None:
        self._broker = broker
        self._metrics.prepare(topics)
        broker.subscriber(
            *topics,
            batch=True,
            max_records=BATCH_SIZE,
            batch_timeout_ms=POLL_MS,
            fetch_max_wait_ms=fetch_max_wait_ms,
            session_timeout_ms=session_timeout_ms,
            heartbeat_interval_ms=session_timeout_ms // 3,
            group_id=self._group_id,
            auto_offset_reset="earliest",
            ack_policy=AckPolicy.MANUAL,
            parser=lenient_headers,
            decoder=raw_bodies,
            listener=self._membership,
        )(self.handle)

    async def handle(self, bodies: list[bytes], message: KafkaMessage) -> None:
        """A batch as fetched: each partition's records in order, one thread trip per run.

        Offsets are committed per partition up to the last record handled;
        after a rewind nothing beyond the gap is committed, and while a gap is
        held nothing beyond its first skipped record.
        """
        async with self._handling:
            await self._handle_batch(message)

    async def _handle_batch(self, message: KafkaMessage) -> None:
        self._dlq_topic_checked_at = float("-inf")  # checked again for this batch's first
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
        self._consumer = consumer
        for partition, partition_records in by_partition.items():
            progress = _Progress()
            try:
                await self._handle_partition(consumer, partition, partition_records, progress)
                self._failures.pop(partition, None)
            except _NoLongerOurs as gone:
                log.info("stopped handling %s: %s", partition, gone)
                continue  # its new owner reads on from the last commit
            except Exception as error:
                self._seek_back(consumer, partition, partition_records, progress, error)
                failures = self._failures[partition] = self._failures.get(partition, 0) + 1
                await asyncio.sleep(_backoff(failures))
            handled = progress.last
            if handled is not None:
                hold = self._held.get(partition)
                end = handled.offset + 1 if hold is None else min(handled.offset + 1, hold.offset)
                try:
                    await consumer.commit({partition: end})
                except _REBALANCED as error:
                    # Taken away while we handled it: its new owner re-reads from
                    # the last commit and skips what we applied. Raising here
                    # would drop the rest of the batch, still ours, unhandled.
                    log.info("not committing %s, no longer ours: %r", partition, error)
                    continue
                except KafkaError as error:
                    # Offsets only save re-reading; tracking decides what is applied.
                    log.warning("could not commit %s at %s: %r", partition, end, error)
                self._record_lag(consumer, partition, end)

    def _seek_back(
        self,
        consumer: Any,
        partition: TopicPartition,
        records: list[ConsumerRecord[bytes, bytes]],
        progress: _Progress,
        error: Exception,
    ) -> None:
        """Something no retry covers escaped: fetch the partition again from its first
        unhandled record, instead of leaving the rest of the batch unapplied until
        some later gap forces a rewind."""
        first = progress.last.offset + 1 if progress.last is not None else records[0].offset
        log.error(
            "handling %s failed at offset %s; reading it again from there: %r",
            partition,
            first,
            error,
        )
        with contextlib.suppress(IllegalStateError):  # taken away meanwhile: its owner reads it
            consumer.seek(partition, first)

    async def _handle_partition(
        self,
        consumer: Any,
        partition: TopicPartition,
        records: list[ConsumerRecord[bytes, bytes]],
        progress: _Progress,
    ) -> None:
        """Handle one partition's records in order, noting each in `progress`."""
        run: list[tuple[ConsumerRecord[bytes, bytes], Envelope]] = []
        for record in records:
            try:
                run.append((record, decode(record.value, record.headers)))
                continue
            except PoisonMessage as poison:
                if await self._apply_run(consumer, run, progress):
                    return  # rewound
                run = []
                if await self._poison(consumer, record, poison, progress):
                    return  # rewound
        await self._apply_run(consumer, run, progress)

    async def _poison(
        self,
        consumer: Any,
        record: ConsumerRecord[bytes, bytes],
        poison: PoisonMessage,
        progress: _Progress,
    ) -> bool:
        """A message that cannot be decoded: dead-letter it once. Returns whether we rewound.

        When its headers still say where it stands in its producer's chain (the
        relay produced it, a consumer cannot read it), that place is honoured
        like any other: at or below the tracked position it is a re-read, not a
        new dead letter; after a gap it waits like any record; and once its
        dead letter is acknowledged its position is recorded, so its successor,
        which names it as predecessor, is no gap.
        """
        position = _chain_position(record)
        if position is not None:
            seen = await asyncio.to_thread(self._seen, position.tracking)
            if position.tracking.notification_id <= seen:
                self._metrics.handled.labels(record.topic, Outcome.DUPLICATE.value).inc()
                progress.last = record
                return False
            if position.prev_sequence > seen:
                decision = await self._on_gap(consumer, record, position.tracking.notification_id)
                if decision is _Gap.REWOUND:
                    return True
                if decision is _Gap.HOLD:
                    self._metrics.handled.labels(record.topic, Outcome.GAP.value).inc()
                    progress.last = record
                    return False
        await self._dead_letter(record, poison.reason, str(poison))
        if position is not None:
            await asyncio.to_thread(self._record_only, position.tracking)
            self._release_hold(record, position.tracking.notification_id)
        self._metrics.handled.labels(record.topic, "dead_letter").inc()
        progress.last = record
        return False

    def _seen(self, tracking: Tracking) -> int:
        seen: int = _retrying(lambda: self._target.max_tracking_id(tracking.application_name) or 0)
        return seen

    async def _apply_run(
        self,
        consumer: Any,
        run: list[tuple[ConsumerRecord[bytes, bytes], Envelope]],
        progress: _Progress,
    ) -> bool:
        """Apply decoded records in order, noting each in `progress`; whether we rewound."""
        index = 0
        accept_gap = False
        while index < len(run):
            results = await asyncio.to_thread(self._apply_in_order, run[index:], accept_gap)
            accept_gap = False
            for outcome in results.outcomes:
                record, envelope = run[index]
                self._metrics.handled.labels(record.topic, outcome.value).inc()
                self._release_hold(record, envelope.sequence)
                progress.last = record
                index += 1
            if results.failed is not None:
                record, envelope = run[index]
                await self._dead_letter(record, "handler-failed", repr(results.failed))
                await asyncio.to_thread(self._record_only, _tracking(record, envelope))
                self._release_hold(record, envelope.sequence)
                self._metrics.handled.labels(record.topic, "dead_letter").inc()
                progress.last = record
                index += 1
            elif results.gap:
                record, envelope = run[index]
                decision = await self._on_gap(consumer, record, envelope.sequence)
                if decision is _Gap.REWOUND:
                    return True
                if decision is _Gap.HOLD:
                    self._metrics.handled.labels(record.topic, Outcome.GAP.value).inc()
                    progress.last = record
                    index += 1
                else:
                    accept_gap = True
        return False

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
            accept = accept_gap and position == 0
            attempt = 0
            while True:
                try:
                    with consuming(envelope.type, record.headers):
                        outcome = _retrying(partial(self._apply, envelope, tracking, accept))
                        _log_handled(record, envelope, outcome)
                    break
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
        target = self._target
        if (target.process_events is None and target.process_messages is None) or len(run) < 2:
            return None
        name = _tracking(*run[0]).application_name
        try:
            seen = self._target.max_tracking_id(name) or 0
        except _TRANSIENT:
            return None
        outcomes: list[Outcome] = []
        batch: list[tuple[Envelope, Tracking]] = []
        for position, (record, envelope) in enumerate(run):
            if envelope.sequence <= seen:
                outcomes.append(Outcome.DUPLICATE)
                continue
            if envelope.prev_sequence > seen and not (accept_gap and position == 0):
                return None
            batch.append((envelope, _tracking(record, envelope)))
            outcomes.append(Outcome.APPLIED)
            seen = envelope.sequence
        if batch:
            try:
                if target.process_messages is not None:
                    target.process_messages(batch)
                elif target.process_events is not None:
                    target.process_events([(e.event, t) for e, t in batch])
            except Exception as error:  # retried one at a time, where it is isolated
                log.info("batch of %d fell back to one at a time: %r", len(batch), error)
                return None
        if log.isEnabledFor(logging.DEBUG):
            for (record, envelope), outcome in zip(run, outcomes, strict=True):
                with consuming(envelope.type, record.headers):
                    _log_handled(record, envelope, outcome)
        return RunResult(outcomes=outcomes)

    def _apply(self, envelope: Envelope, tracking: Tracking, accept_gap: bool) -> Outcome:
        seen = self._target.max_tracking_id(tracking.application_name) or 0
        if envelope.sequence <= seen:
            return Outcome.DUPLICATE
        if envelope.prev_sequence > seen and not accept_gap:
            return Outcome.GAP
        try:
            if self._target.process_message is not None:
                self._target.process_message(envelope, tracking)
            else:
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

        def insert() -> None:
            try:
                self._target.insert_tracking(tracking)
            except IntegrityError:
                log.info("tracking %s already recorded", tracking)

        _retrying(insert)

    def _record_lag(self, consumer: Any, partition: TopicPartition, end: int) -> None:
        """Records from `end` on are still to do, a held gap's skipped ones included."""
        highwater = consumer.highwater(partition)
        if highwater is not None:
            lag = max(highwater - end, 0)
            self._metrics.lag.labels(partition.topic, str(partition.partition)).set(lag)

    async def _on_gap(
        self, consumer: Any, record: ConsumerRecord[bytes, bytes], sequence: int
    ) -> _Gap:
        """A predecessor is missing: re-read, hold the gap open, or (at last) apply over it.

        First the partition is re-read from its start (offsets lost, the
        predecessor is further back). If that does not fill it, the record is
        skipped and the consumer reads on for a while: after the broker lost its
        log, the relay republishes everything *behind* this record, the
        predecessors and this record again. Only when nothing fills the gap
        within the grace period (retention removed it, or its producer cannot
        republish) is the first skipped record re-read and applied anyway;
        holding the line forever would stop everything after it. The grace
        period runs on a timer, not only when the next record arrives: on a
        quiet partition nothing else would ever end it.
        """
        partition = TopicPartition(record.topic, record.partition)
        if self._accept_at.get(partition) == record.offset:
            del self._accept_at[partition]
            return _Gap.ACCEPT
        hold = self._held.get(partition)
        if hold is not None:
            if time.monotonic() - hold.since < self._gap_grace_seconds:
                return _Gap.HOLD
            self._give_up_hold(consumer, partition, hold)
            return _Gap.REWOUND
        rewound_at = self._rewound_at.get(partition)
        if rewound_at is not None and record.offset <= rewound_at:
            hold = _Hold(record.offset, sequence, time.monotonic())
            self._held[partition] = hold
            log.warning(
                "gap at %s offset %s not filled by re-reading; holding it for a republish",
                partition,
                record.offset,
            )
            timer = asyncio.create_task(self._end_hold_later(consumer, partition, hold))
            self._hold_timers.add(timer)
            timer.add_done_callback(self._hold_timers.discard)
            return _Gap.HOLD
        self._rewound_at[partition] = record.offset
        self._metrics.rewinds.labels(record.topic).inc()
        log.warning("gap at %s offset %s; re-reading from the start", partition, record.offset)
        with contextlib.suppress(IllegalStateError):  # taken away meanwhile: its owner reads it
            await consumer.seek_to_beginning(partition)
        return _Gap.REWOUND

    def _give_up_hold(self, consumer: Any, partition: TopicPartition, hold: _Hold) -> None:
        """Nothing filled the gap in time: re-read its first record and apply it over the gap."""
        del self._held[partition]
        log.error("gap at %s offset %s cannot be filled; applying", partition, hold.offset)
        self._accept_at[partition] = hold.offset
        with contextlib.suppress(IllegalStateError):  # taken away meanwhile
            consumer.seek(partition, hold.offset)

    async def _end_hold_later(self, consumer: Any, partition: TopicPartition, hold: _Hold) -> None:
        """The grace period's timer: between batches, never in the middle of one."""
        await asyncio.sleep(self._gap_grace_seconds)
        async with self._handling:
            if self._held.get(partition) is hold:  # not filled, not given up, still ours
                self._give_up_hold(consumer, partition, hold)

    def _release_hold(self, record: ConsumerRecord[bytes, bytes], sequence: int) -> None:
        """The held record's sequence (or a later one) was handled: the gap is filled."""
        partition = TopicPartition(record.topic, record.partition)
        hold = self._held.get(partition)
        if hold is not None and sequence >= hold.sequence:
            del self._held[partition]
            log.info("gap at %s offset %s filled", partition, hold.offset)

    async def _dead_letter(
        self, record: ConsumerRecord[bytes, bytes], reason: str, error: str
    ) -> None:
        """Send to the dead-letter topic and wait for its ack, retrying while it is unavailable.

        Until it is acknowledged the message's position is not recorded and the
        partition does not move on: a dead letter is never skipped, only late.
        """
        attempt = 0
        while True:
            try:
                await self._send_dead_letter(record, reason, error)
                return
            except KafkaError as failure:
                partition = TopicPartition(record.topic, record.partition)
                if self._consumer is not None and partition not in self._consumer.assignment():
                    # Let go while we waited (the revoke gave up waiting): its new
                    # owner dead-letters it; sending it too would make it twice.
                    raise _NoLongerOurs(f"{partition} reassigned during a dead letter") from failure
                log.warning(
                    "dead-letter topic %s unavailable, retrying: %r", self._dlq_topic, failure
                )
                self._dlq_topic_checked_at = float("-inf")  # perhaps it is gone: check again
                await asyncio.sleep(_backoff(attempt))
                attempt += 1

    async def _send_dead_letter(
        self, record: ConsumerRecord[bytes, bytes], reason: str, error: str
    ) -> None:
        assert self._broker is not None
        if self._ensure_dlq_topic is not None and time.monotonic() - self._dlq_topic_checked_at > 1:
            # A broker that lost its log acknowledges sends to a topic it no
            # longer has and keeps nothing (the embedded one does): create it
            # again first — for each fetched batch's first dead letter, and at
            # most once a second within a batch.
            await self._ensure_dlq_topic()
            self._dlq_topic_checked_at = time.monotonic()
        headers = {
            name: (value or b"").decode("utf-8", "backslashreplace")
            for name, value in record.headers
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
        with consuming("dead-letter", record.headers):
            log.warning(
                "dead-lettered %s[%s]@%s: %s", record.topic, record.partition, record.offset, reason
            )
