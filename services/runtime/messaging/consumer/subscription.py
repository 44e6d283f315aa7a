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
is at-most-once), at most once per commit interval and before partitions are
revoked or the consumer stops (`commits.Offsets`); they only save re-reading,
correctness rests on tracking.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from itertools import chain, groupby
from operator import attrgetter
from typing import Any

from aiokafka import ConsumerRecord, TopicPartition
from aiokafka.errors import IllegalStateError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage
from faststream.kafka.parser import AioKafkaBatchParser
from faststream.kafka.subscriber.usecase import BatchSubscriber

from contracts import Envelope, PoisonMessage, decode
from services.runtime.messaging.consumer.backoff import backoff
from services.runtime.messaging.consumer.commits import Offsets
from services.runtime.messaging.consumer.dead_lettering import DeadLetterSender, NoLongerOurs
from services.runtime.messaging.consumer.gaps import GAP_GRACE_SECONDS, Gap, Gaps
from services.runtime.messaging.consumer.membership import GroupMembership
from services.runtime.messaging.consumer.metrics import ConsumerMetrics
from services.runtime.messaging.consumer.records import (
    LeanBatchParser,
    chain_position,
    raw_bodies,
    tracking_of,
)
from services.runtime.messaging.consumer.rejoin import topics_ensured
from services.runtime.messaging.consumer.target import Applier, Outcome, Run, TrackedTarget
from services.runtime.messaging.consumer.watchdog import JoinWatchdog

log = logging.getLogger(__name__)

BATCH_SIZE = 500
"""Records handed over per fetch: one thread trip and one offset commit each."""

POLL_MS = 100
"""How long one poll waits for records. A poll returns as soon as a fetch brings
some, so this only sets how often an idle consumer's loop turns (`PromptBatches`)."""

STOP_WAIT_SECONDS = 10.0
"""How long a stopping consumer waits for the batch in flight before it commits what is
pending anyway (a batch stuck on a store outage must not hold the stop for good)."""

Decoded = Envelope | PoisonMessage
"""A record decoded, or why it cannot be: decoded once however often it is tried."""


def _decoded(record: ConsumerRecord[bytes, bytes]) -> Decoded:
    try:
        return decode(record.value, record.headers)
    except PoisonMessage as poison:
        return poison


class PromptBatches(BatchSubscriber):
    """faststream's batch subscriber, without its sleep after an empty poll.

    aiokafka's ``getmany`` already waits up to the poll's timeout and returns as
    soon as a fetch brings records. faststream (0.7) then sleeps as long again
    after a poll that found nothing, and a record fetched during that sleep
    waited for it: up to `POLL_MS` added to every event that reached an idle
    consumer (the previous 10 ms poll held that to 10 ms, at 100 idle turns a
    second). Swapped in for faststream's own class (`prompt`), as faststream
    builds its subscribers itself.
    """

    __slots__ = ()

    async def stop(self) -> None:
        """Commit the offsets held back (`commits.Offsets`) before the client stops: from
        here on, `running` being off, a batch still taken commits at once."""
        self.running = False
        before_stop = getattr(self, "before_stop", None)
        if before_stop is not None:
            await before_stop()
        await super().stop()

    async def get_msg(self, consumer: Any) -> tuple[ConsumerRecord[bytes, bytes], ...]:
        fetched = await consumer.getmany(
            timeout_ms=self.batch_timeout_ms, max_records=self.max_records
        )
        return tuple(chain(*fetched.values()))


def prompt(subscriber: object, before_stop: Callable[[], Awaitable[None]] | None = None) -> None:
    """Make faststream's batch `subscriber` a `PromptBatches` parsing with a
    `LeanBatchParser` (same fields: each only replaces one method), doing
    `before_stop` first when it stops; anything else is refused. Before the
    subscriber starts: it composes its parser then."""
    if type(subscriber) is not BatchSubscriber:
        msg = f"expected faststream's BatchSubscriber, got {type(subscriber).__name__}"
        raise TypeError(msg)
    subscriber.__class__ = PromptBatches
    subscriber.before_stop = before_stop  # type: ignore[attr-defined]
    parser = subscriber.parser
    if type(parser) is not AioKafkaBatchParser:
        msg = f"expected faststream's AioKafkaBatchParser, got {type(parser).__name__}"
        raise TypeError(msg)
    parser.__class__ = LeanBatchParser
    subscriber._parser = parser.parse_batch


@dataclass
class _Progress:
    """How far the handling of one partition's records in a batch has come."""

    last: ConsumerRecord[bytes, bytes] | None = None


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
        commit_interval: float = 0.0,
        retry_delay: float = 0.05,
        gap_grace_seconds: float = GAP_GRACE_SECONDS,
        ensure_dlq_topic: Callable[[], Awaitable[None]] | None = None,
        ensure_upstream_topics: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._group_id = group_id
        self._metrics = metrics
        self._applier = Applier(target, max_retries, retry_delay)
        self._failures: dict[TopicPartition, int] = {}
        self._consumer: Any = None
        """The consumer whose batch is being handled (to ask what is still assigned)."""
        self._commit_now = False
        """The batch dead-lettered garbage that names no place: its offsets go at once."""
        self._handling = asyncio.Lock()
        self.offsets = Offsets(commit_interval, self._handling, self._record_lag)
        """What is handled and not yet committed, committed at most every `commit_interval` s."""
        self._gaps = Gaps(gap_grace_seconds, metrics.rewinds, self._handling)
        self._membership = GroupMembership(
            metrics,
            self._handling,
            self._gaps.rewound_at,
            self._gaps.held,
            self._gaps.accept_at,
            self._failures,
            commit_pending=self.offsets.commit_pending,
            before_join=topics_ensured(ensure_upstream_topics) if ensure_upstream_topics else None,
        )
        self.watchdog: JoinWatchdog | None = None
        """Set by `subscribe`: restarts the subscription should its join never end."""
        self._dead_letters = DeadLetterSender(
            topic=dlq_topic,
            group_id=group_id,
            counter=metrics.dead_letters,
            ensure_topic=ensure_dlq_topic,
            letting_go=self._membership.letting_go,
        )

    @property
    def membership(self) -> GroupMembership:
        """The group listener: what a rebalance calls (fault tests call it as the group would)."""
        return self._membership

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
        self._dead_letters.broker = broker
        self._metrics.prepare(topics)
        subscriber = broker.subscriber(
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
            decoder=raw_bodies,
            listener=self._membership,
        )
        prompt(subscriber, before_stop=self._commit_before_stopping)
        self.offsets.stopping = lambda: not subscriber.running
        subscriber(self.handle)
        self.watchdog = JoinWatchdog(self._membership, subscriber, session_timeout_ms)

    async def handle(self, bodies: list[bytes], message: KafkaMessage) -> None:
        """A batch as fetched: each partition's records in order, one thread trip per run.

        Offsets are committed up to the last record handled of each partition,
        all of the batch's partitions in one request (with those of the other
        batches of the commit interval); after a rewind nothing beyond the gap is
        committed, and while a gap is held nothing beyond its first skipped record.
        """
        async with self._handling:
            await self._handle_batch(message)

    async def _handle_batch(self, message: KafkaMessage) -> None:
        self._dead_letters.check_topic_again()  # for this batch's first dead letter
        raw = message.raw_message
        records: tuple[ConsumerRecord[bytes, bytes], ...] = (
            raw if isinstance(raw, tuple) else (raw,)
        )
        # A fetch hands each partition's records together: one key per stretch, not per record.
        by_partition: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]] = {}
        for (topic, number), stretch in groupby(records, attrgetter("topic", "partition")):
            by_partition.setdefault(TopicPartition(topic, number), []).extend(stretch)
        consumer: Any = message.consumer
        self._consumer = consumer
        decoded: dict[TopicPartition, list[Decoded]] = {}
        ends = await self._apply_together(by_partition, decoded)
        if ends is not None:
            by_partition = {}  # all applied
        ends = ends or {}
        for partition, partition_records in by_partition.items():
            if self._membership.letting_go.is_set():
                # A revoke waits for this batch: what is not begun, whoever owns
                # the partition next reads from its last commit.
                log.info("leaving %s unhandled: the group is rebalancing", partition)
                continue
            progress = _Progress()
            try:
                await self._handle_partition(
                    consumer, partition, partition_records, progress, decoded.get(partition)
                )
                self._failures.pop(partition, None)
            except NoLongerOurs as gone:
                # What was handled before it is committed below (refused if the
                # partition is already another's); its next owner reads on from there.
                log.info("stopped handling %s: %s", partition, gone)
            except Exception as error:
                self._seek_back(consumer, partition, partition_records, progress, error)
                failures = self._failures[partition] = self._failures.get(partition, 0) + 1
                await asyncio.sleep(backoff(failures))
            handled = progress.last
            if handled is not None:
                hold = self._gaps.held.get(partition)
                end = handled.offset + 1 if hold is None else min(handled.offset + 1, hold.offset)
                ends[partition] = end
        if ends:
            await self.offsets.handled(consumer, ends, now=self._commit_now)
        self._commit_now = False

    async def _commit_before_stopping(self) -> None:
        """The subscriber stops: what the batch in flight and those before it handled is
        committed before the client goes, so a planned restart reads nothing again."""
        try:
            await asyncio.wait_for(self._handling.acquire(), STOP_WAIT_SECONDS)
        except TimeoutError:
            log.warning("stopping with a batch still in flight; committing what is done")
            await self.offsets.commit_pending()
            return
        try:
            await self.offsets.commit_pending()
        finally:
            self._handling.release()

    async def _apply_together(
        self,
        by_partition: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]],
        decoded: dict[TopicPartition, list[Decoded]],
    ) -> dict[TopicPartition, int] | None:
        """Every partition's records of the batch in ONE transaction, when the target can
        (`TrackedTarget.process_partitions`) and nothing in the batch is unusual; the
        offsets to commit, or None: then each partition is handled on its own, as
        always, where a poison message is dead-lettered, a gap decided, a failure
        isolated. An event waits for its whole batch: one commit instead of one per
        partition is most of that wait on a store whose commit is an fsync. What it
        decoded it leaves in `decoded`, for those to take instead of decoding again."""
        if (
            self._applier.target.process_partitions is None
            or len(by_partition) < 2
            or self._membership.letting_go.is_set()
            or any(p in self._gaps.held or p in self._gaps.accept_at for p in by_partition)
        ):
            return None
        runs: list[Run] = []
        for partition, records in by_partition.items():
            envelopes = decoded[partition] = [_decoded(record) for record in records]
            run = [(r, e) for r, e in zip(records, envelopes, strict=True) if type(e) is Envelope]
            if len(run) < len(records):
                return None  # dead-lettered where its partition is handled on its own
            runs.append(run)
        try:
            results = await asyncio.to_thread(self._applier.apply_partitions, runs)
        except Exception as error:
            log.warning("applying a batch's partitions together failed: %r", error)
            return None
        if results is None:
            return None
        ends: dict[TopicPartition, int] = {}
        for (partition, records), run, result in zip(
            by_partition.items(), runs, results, strict=True
        ):
            self._count_handled(run, result.outcomes)
            self._failures.pop(partition, None)
            ends[partition] = records[-1].offset + 1
        return ends

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
        decoded: list[Decoded] | None = None,
    ) -> None:
        """Handle one partition's records in order, noting each in `progress`; decoded
        as they come (a rewind stops it), unless `decoded` already holds them."""
        run: Run = []
        for record, envelope in zip(records, decoded or map(_decoded, records), strict=True):
            if not isinstance(envelope, PoisonMessage):
                run.append((record, envelope))
                continue
            if await self._apply_run(consumer, run, progress):
                return  # rewound
            run = []
            if await self._poison(consumer, record, envelope, progress):
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
        position = chain_position(record)
        if position is not None:
            seen = await asyncio.to_thread(self._applier.seen, position.tracking)
            if position.tracking.notification_id <= seen:
                self._metrics.handled.labels(record.topic, Outcome.DUPLICATE.value).inc()
                progress.last = record
                return False
            if position.prev_sequence > seen:
                decision = await self._gaps.decide(
                    consumer, record, position.tracking.notification_id
                )
                if decision is Gap.REWOUND:
                    return True
                if decision is Gap.HOLD:
                    self._metrics.handled.labels(record.topic, Outcome.GAP.value).inc()
                    progress.last = record
                    return False
        await self._dead_letters.send(consumer, record, poison.reason, str(poison))
        if position is not None:
            await asyncio.to_thread(self._applier.record_only, position.tracking)
            self._gaps.release(record, position.tracking.notification_id)
        else:  # only the committed offset says it was sent: not held back (architecture.md)
            self._commit_now = True
        self._metrics.handled.labels(record.topic, "dead_letter").inc()
        progress.last = record
        return False

    async def _apply_run(
        self,
        consumer: Any,
        run: Run,
        progress: _Progress,
    ) -> bool:
        """Apply decoded records in order, noting each in `progress`; whether we rewound."""
        index = 0
        accept_gap = False
        while index < len(run):
            results = await asyncio.to_thread(self._applier.apply_in_order, run[index:], accept_gap)
            accept_gap = False
            if results.outcomes:
                self._count_handled(run[index : index + len(results.outcomes)], results.outcomes)
                index += len(results.outcomes)
                progress.last = run[index - 1][0]
            if results.failed is not None:
                record, envelope = run[index]
                await self._dead_letters.send(
                    consumer, record, "handler-failed", repr(results.failed)
                )
                await asyncio.to_thread(self._applier.record_only, tracking_of(record, envelope))
                self._gaps.release(record, envelope.sequence)
                self._metrics.handled.labels(record.topic, "dead_letter").inc()
                progress.last = record
                index += 1
            elif results.gap:
                record, envelope = run[index]
                decision = await self._gaps.decide(consumer, record, envelope.sequence)
                if decision is Gap.REWOUND:
                    return True
                if decision is Gap.HOLD:
                    self._metrics.handled.labels(record.topic, Outcome.GAP.value).inc()
                    progress.last = record
                    index += 1
                else:
                    accept_gap = True
        return False

    def _count_handled(self, handled: Run, outcomes: list[Outcome]) -> None:
        """Count a handled stretch of one partition's run and release a gap it filled.

        Once per stretch rather than per message: the counter's label look-up and
        the gap's partition key cost as much as the rest of the loop's work on a
        message, and every record of a run has the same topic and partition.
        """
        topic = handled[0][0].topic
        for outcome, count in Counter(outcomes).items():
            self._metrics.handled.labels(topic, outcome.value).inc(count)
        # A hold is filled by any sequence at or past its own: the highest decides.
        self._gaps.release(handled[-1][0], max(envelope.sequence for _, envelope in handled))

    def _record_lag(self, consumer: Any, partition: TopicPartition, end: int) -> None:
        """Records from `end` on are still to do, a held gap's skipped ones included."""
        highwater = consumer.highwater(partition)
        if highwater is not None:
            lag = max(highwater - end, 0)
            self._metrics.lag.labels(partition.topic, str(partition.partition)).set(lag)
