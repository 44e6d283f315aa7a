"""The outbox relay: the store's notification log, published to the service's topic.

The notification log *is* the outbox, so a command is acknowledged as soon as
its events are stored; this relay makes sure they also reach Kafka, in order,
at least once:

1. read notifications after the recorded position;
2. translate the whole batch first, then send the public ones in one
   pipelined batch (every send enqueued before any is awaited);
3. wait for the broker's acks, then record the new position.

A notification that cannot be translated (its translator raises, the mapper
can no longer read it) is parked (services.runtime.messaging.parked), counted
(``samverkan_outbox_parked_total``) and passed over: it takes no place in its
partition's chain, so consumers see no gap, and the relay moves on instead
of republishing the batch's prefix every few seconds until a deploy. Because
the batch is translated before anything is sent, nothing is sent twice.

Every key goes to the partition services.runtime.messaging.partitioning's
`event_partition` picks (the catalogue's count, not the topic's), the same
one ``samverkan outbox republish`` picks.

Each message also carries the W3C ``traceparent`` of the request that stored
the event (services.runtime.kernel.tracing), so consumers log under the same trace.

A crash between 2 and 3 (or a leader frozen there while a standby takes
over) leaves a batch on the topic that the store's position does not name. A
relay that starts, or takes the lead, first reads what the topic holds past
its recorded position and does not send those messages again (`_read_tail`);
what it cannot see (a message the broker acknowledged after that read) is
still sent twice, and consumers drop what they have already applied.

Each message names its predecessor on the same partition
(``ce_prevsequence``) so a consumer can tell "I missed something" from "this
is new". A broker that lost its log (the embedded broker restarting, a topic
re-created) no longer holds our last message where it acknowledged it, or
acknowledges a new one at a smaller offset; the relay then republishes from
the start of the log — consumers skip what they have. Retention (the log
start moved past our last message, the end still where we left it) is not a
loss, and neither is a broker slow to answer a fetch (`_check_log`; #19, item 4).

A message larger than consumers accept (contracts.MAX_EVENT_BYTES) is parked
like an untranslatable one rather than sent to be dead-lettered by every
consumer. And a relay whose store is behind its topic — restored from a
backup, it would hand out sequence numbers consumers have already seen — does
not publish at all: it says so (ERROR log, readiness) until the store is
fixed (`StoreBehindTopic`; #19, item 10).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import psycopg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError, OffsetOutOfRangeError
from eventsourcing.application import Application
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Notification, PersistenceError
from prometheus_client import CollectorRegistry, Counter, Gauge

from contracts import IntegrationEvent, encode
from contracts.cloudevents import H_SEQUENCE, MAX_EVENT_BYTES, OutgoingMessage
from services.runtime.kernel.tracing import message_headers, to_domain_event_traced
from services.runtime.messaging.kafka import client_options, ensure_topics, producer_options
from services.runtime.messaging.parked import ParkedNotifications
from services.runtime.messaging.partitioning import catalogue_partitions, event_partition
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import RelayPosition, RelayPositions
from services.runtime.store.leadership import Leadership, LostLeadership

log = logging.getLogger(__name__)

Translator = Callable[[DomainEventProtocol[Any]], IntegrationEvent | None]
"""Turns a stored domain event into its public form, or None when it stays private."""

_EVENT_ID_NAMESPACE = uuid.UUID("5f0c3a52-6d2b-4d8e-9a39-8f1f2f7f6b11")

LOG_PROBE_SECONDS = 10.0
"""How long the relay keeps asking for one record before it calls the broker slow
(not the log lost). A fetch that answers nothing for a moment used to count as loss."""

REFUSED_RETRY_SECONDS = 30.0
"""How often a relay that refused a store behind its topic looks again (an operator
may have restored the newer state meanwhile)."""


class OversizedEvent(ValueError):
    """The encoded event is larger than consumers accept (contracts.MAX_EVENT_BYTES)."""


class LogUnanswered(Exception):
    """The broker answered no fetch for a partition that has records: retried, not decided."""


class StoreBehindTopic(Exception):
    """The topic holds a sequence above the store's newest event: the store was restored
    from a backup (or is the wrong database), and publishing would reuse sequence numbers
    consumers have already seen."""

    def __init__(self, topic: str, partition: int, published: int, head: int) -> None:
        super().__init__(
            f"outbox relay for {topic} refuses to publish: partition {partition} of the topic "
            f"holds sequence {published}, but the store's newest event is {head}. The store is "
            "behind what it once published (restored from a backup, or the wrong database); "
            "new events would reuse sequence numbers consumers have seen, and they would drop "
            "them as duplicates. Restore the store's latest state (point-in-time recovery) or "
            "point the service at its own database, then restart it; see docs/runbook.md, "
            "'Store behind its topic'."
        )
        self.topic = topic
        self.partition = partition
        self.published = published
        self.head = head


def _sequence(record: ConsumerRecord[Any, Any]) -> int:
    """A record's ``ce_sequence``; 0 for one that carries none (not one of ours)."""
    raw = dict(record.headers).get(H_SEQUENCE)
    try:
        return int(raw) if raw is not None else 0
    except ValueError:
        return 0


def _message_sequence(message: OutgoingMessage) -> int:
    """An outgoing message's ``ce_sequence`` (its store position)."""
    return int(dict(message.headers)[H_SEQUENCE])


def _past(ahead: dict[int, dict[int, int]], sequence: int) -> dict[int, dict[int, int]]:
    """What is still ahead of `sequence` (the rest was sent, found, or parked)."""
    kept = {p: {s: o for s, o in found.items() if s > sequence} for p, found in ahead.items()}
    return {p: found for p, found in kept.items() if found}


def event_id(notification: Notification) -> str:
    """A CloudEvents id that is the same every time this stored event is republished."""
    return str(
        uuid.uuid5(
            _EVENT_ID_NAMESPACE,
            f"{notification.originator_id}:{notification.originator_version}",
        )
    )


def outgoing_message(
    app: Application[Any],
    translate: Translator,
    notification: Notification,
    tails: dict[int, int],
) -> tuple[int, OutgoingMessage] | None:
    """The partition and message for a stored event, or None when it stays private.

    `tails` (the last sequence sent to each partition) gives the message its
    predecessor and is advanced. The message carries the trace context the
    event was stored with (``traceparent``, services.runtime.kernel.tracing). Used
    by the relay and by ``samverkan outbox republish``, so both send the
    same bytes with the same ``ce_id`` to the same partition
    (`event_partition`). Raises when the event cannot be translated or its
    message is larger than consumers accept (`OversizedEvent`);
    `translate_batch` parks those.
    """
    domain_event, traceparent = to_domain_event_traced(app.mapper, notification)
    event = translate(domain_event)
    if event is None:
        return None
    key = event.partition_key().encode()
    partition = event_partition(key)
    message = encode(
        event,
        event_id=event_id(notification),
        time=domain_event.timestamp,
        sequence=notification.id,
        prev_sequence=tails.get(partition, 0),
    )
    if len(message.value) > MAX_EVENT_BYTES:
        # Every consumer would dead-letter it; parked instead, it takes no place in the chain.
        raise OversizedEvent(
            f"the encoded event is {len(message.value)} bytes; consumers accept at most "
            f"{MAX_EVENT_BYTES}"
        )
    tails[partition] = notification.id
    trace_headers = message_headers(traceparent)
    if trace_headers:
        message = replace(message, headers=[*message.headers, *trace_headers])
    return partition, message


@dataclass(frozen=True)
class Untranslatable:
    """A stored event `outgoing_message` could not turn into a message, and why."""

    notification: Notification
    error: str


@dataclass(frozen=True)
class TranslatedBatch:
    """A batch of notifications, translated before any of it is sent."""

    messages: list[tuple[int, OutgoingMessage]]
    untranslatable: list[Untranslatable]
    tails: dict[int, int]


def translate_batch(
    app: Application[Any],
    translate: Translator,
    notifications: Sequence[Notification],
    tails: dict[int, int],
) -> TranslatedBatch:
    """Every public message of a batch, and what could not be translated.

    Translating all before sending any means a failure never leaves a sent
    prefix behind to be sent again. An untranslatable notification does not
    advance its partition's tail: the next message names the last one that
    was really sent as its predecessor, so consumers see no gap. The relay
    and ``outbox republish`` both use this, so they agree on every
    ``ce_prevsequence``. `tails` is not changed; the result carries the new ones.
    """
    tails = dict(tails)
    messages: list[tuple[int, OutgoingMessage]] = []
    untranslatable: list[Untranslatable] = []
    for notification in notifications:
        try:
            outgoing = outgoing_message(app, translate, notification, tails)
        except Exception as error:  # any failure to translate is parked, whatever it is
            untranslatable.append(Untranslatable(notification, f"{type(error).__name__}: {error}"))
            continue
        if outgoing is not None:
            messages.append(outgoing)
    return TranslatedBatch(messages, untranslatable, tails)


@dataclass(frozen=True)
class RelayMetrics:
    leading: Gauge
    published: Counter
    position: Gauge
    head: Gauge
    republishes: Counter
    failures: Counter
    parked: Counter
    skipped: Counter

    @classmethod
    def register(cls, registry: CollectorRegistry) -> RelayMetrics:
        return cls(
            leading=Gauge(
                "samverkan_outbox_leading",
                "1 while this replica is the one relaying the topic (others stand by).",
                ["topic"],
                registry=registry,
            ),
            published=Counter(
                "samverkan_outbox_published",
                "Integration events the outbox relay published (acknowledged by the broker).",
                ["topic"],
                registry=registry,
            ),
            position=Gauge(
                "samverkan_outbox_position",
                "Last store position the relay has published and recorded.",
                ["topic"],
                registry=registry,
            ),
            head=Gauge(
                "samverkan_outbox_head",
                "Highest store position the relay has seen; head minus position is outbox lag.",
                ["topic"],
                registry=registry,
            ),
            republishes=Counter(
                "samverkan_outbox_log_losses",
                "Times the broker had lost what the relay published, forcing a republish.",
                ["topic"],
                registry=registry,
            ),
            failures=Counter(
                "samverkan_outbox_failures",
                "Relay rounds that failed (broker or store unavailable) and were retried.",
                ["topic"],
                registry=registry,
            ),
            parked=Counter(
                "samverkan_outbox_parked",
                "Stored events the relay could not translate, parked and not published.",
                ["topic"],
                registry=registry,
            ),
            skipped=Counter(
                "samverkan_outbox_found_on_topic",
                "Messages not sent because the topic already held them: published by a relay "
                "that crashed, or lost the lead, before recording its position.",
                ["topic"],
                registry=registry,
            ),
        )


class OutboxRelay:
    """Publishes one application's notification log to its events topic."""

    def __init__(
        self,
        *,
        app: Application[Any],
        translate: Translator,
        topic: str,
        settings: RuntimeSettings,
        positions: RelayPositions,
        metrics: RelayMetrics,
        leadership: Leadership | None = None,
        parked: ParkedNotifications | None = None,
    ) -> None:
        self._app = app
        self._translate = translate
        self._topic = topic
        self._settings = settings
        self._positions = positions
        self._metrics = metrics
        self._leadership = leadership or Leadership()
        self._parked = parked or ParkedNotifications(app.recorder.datastore)  # type: ignore[attr-defined]
        counters = (
            metrics.published,
            metrics.republishes,
            metrics.failures,
            metrics.parked,
            metrics.skipped,
        )
        for counter in counters:
            counter.labels(topic)  # present at 0 from the start, so increases are visible
        self._wakeup = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.position = RelayPosition()
        self.last_error: str | None = None
        self._retained_logged: dict[int, int] = {}
        self._ahead: dict[int, dict[int, int]] = {}

    def wake(self) -> None:
        """Thread-safe nudge after new events were stored, so idle latency stays low."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wakeup.set)

    async def run(self) -> None:
        """Publish until cancelled; broker or store outages are waited out, not fatal."""
        self._loop = asyncio.get_running_loop()
        self._warn_if_not_durable()
        backoff = 0.1
        while True:
            try:
                await self._run_connected()
            except StoreBehindTopic as error:
                # Not retried like an outage: nothing is published until the store is
                # fixed; readiness says why (relay failing: …) and so does the log.
                self.last_error = str(error)
                self._metrics.failures.labels(self._topic).inc()
                log.error("%s", error)
                await asyncio.sleep(REFUSED_RETRY_SECONDS)
                continue
            except (
                KafkaError,
                LogUnanswered,
                OSError,
                PersistenceError,
                LostLeadership,
                psycopg.Error,
            ) as error:
                self._failed(error, backoff)
            except Exception as error:
                # Untranslatable notifications are parked (publish_batch); what
                # gets here is unexpected: stay on it, loudly (readiness reports it).
                log.exception("outbox relay for %s cannot publish", self._topic)
                self._failed(error, backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)

    def _warn_if_not_durable(self) -> None:
        """Production topics with one replica lose acknowledged events with a broker.

        A warning, not a refusal: a one-broker production (docker compose) is a
        deliberate choice, and ``samverkan topics check`` shows each topic's state.
        """
        settings = self._settings
        if settings.environment == "production" and (
            settings.topic_replication_factor < 3 or settings.topic_min_insync_replicas < 2
        ):
            log.warning(
                "outbox relay for %s: SAMVERKAN_TOPIC_REPLICATION_FACTOR=%d and "
                "SAMVERKAN_TOPIC_MIN_INSYNC_REPLICAS=%d in production: one broker's loss can "
                "lose acknowledged events; use 3 and 2 (docs/runbook.md)",
                self._topic,
                settings.topic_replication_factor,
                settings.topic_min_insync_replicas,
            )

    def _healthy(self) -> None:
        """The store and broker answered: an earlier failure no longer says anything
        (else an idle relay, or a standby, stayed "failing" — not ready — for good)."""
        self.last_error = None

    def _failed(self, error: Exception, backoff: float) -> None:
        self.last_error = f"{type(error).__name__}: {error}"[:300]
        self._metrics.failures.labels(self._topic).inc()
        log.warning("outbox relay for %s retries in %.1fs: %r", self._topic, backoff, error)

    async def _run_connected(self) -> None:
        self._metrics.leading.labels(self._topic).set(0)
        await self._leadership.acquire(standing_by=self._healthy)
        try:
            self._metrics.leading.labels(self._topic).set(1)
            await self._relay()
        finally:
            self._metrics.leading.labels(self._topic).set(0)
            await self._leadership.release()

    async def _relay(self) -> None:
        producer = AIOKafkaProducer(**producer_options(self._settings))
        probe = AIOKafkaConsumer(
            **client_options(self._settings),
            auto_offset_reset="none",
            enable_auto_commit=False,
        )
        await producer.start()
        try:
            await probe.start()
            await ensure_topics(self._settings, [self._topic])
            self.position = await asyncio.to_thread(self._positions.load, self._topic)
            on_topic = await producer.partitions_for(self._topic)
            self._ahead = await self._read_tail(probe, sorted(on_topic))
            partitions = catalogue_partitions(self._topic, on_topic)
            checked_at = 0.0
            while True:
                if not await self._leadership.still_leading():  # a lease check, no round trip
                    raise LostLeadership(self._topic)
                if time.monotonic() - checked_at > self._settings.relay_log_check_seconds:
                    await self._check_log(probe)
                    checked_at = time.monotonic()
                published = await self.publish_batch(producer, partitions)
                if not published:
                    self._wakeup.clear()
                    try:
                        await asyncio.wait_for(self._wakeup.wait(), timeout=0.5)
                    except TimeoutError:
                        continue
        finally:
            await probe.stop()
            await producer.stop()

    async def publish_batch(self, producer: AIOKafkaProducer, partitions: Sequence[int]) -> bool:
        """One round of read → translate all → send all → await acks → record. False when idle.

        `partitions` are the catalogue's (checked present on the topic); every
        message goes to the one `event_partition` picks among them.
        """
        start = self.position.sequence + 1
        notifications = await asyncio.to_thread(
            self._app.recorder.select_notifications, start, self._settings.relay_batch_size
        )
        if not notifications:
            self._healthy()
            return False
        self._metrics.head.labels(self._topic).set(notifications[-1].id)
        batch = translate_batch(self._app, self._translate, notifications, self.position.tails)
        if batch.untranslatable:
            await asyncio.to_thread(self._park, batch.untranslatable)
        if not await self._leadership.still_leading():  # frozen since the loop's check?
            raise LostLeadership(self._topic)
        ends = dict(self.position.ends)
        pending: list[tuple[int, asyncio.Future[Any]]] = []
        for partition, message in batch.messages:
            offset = self._ahead.get(partition, {}).pop(_message_sequence(message), None)
            if offset is not None:  # already on the topic: sent before a crash or takeover
                ends[partition] = max(ends.get(partition, 0), offset + 1)
                self._metrics.skipped.labels(self._topic).inc()
                continue
            future = await producer.send(
                self._topic,
                value=message.value,
                key=message.key,
                headers=message.headers,
                partition=partition,
            )
            pending.append((partition, future))
        results = await asyncio.gather(*(future for _, future in pending))
        for (partition, _), metadata in zip(pending, results, strict=True):
            if metadata.offset < ends.get(partition, 0):
                # Offsets only grow: a smaller one means a new, empty log.
                await self._republish_all(f"partition {partition} restarted at {metadata.offset}")
                return True
            ends[partition] = metadata.offset + 1
        self.position = RelayPosition(notifications[-1].id, batch.tails, ends)
        await asyncio.to_thread(self.record_position, self.position)
        if self._ahead:
            self._ahead = _past(self._ahead, self.position.sequence)
        self.last_error = None
        self._metrics.published.labels(self._topic).inc(len(pending))
        self._metrics.position.labels(self._topic).set(self.position.sequence)
        return True

    def _park(self, untranslatable: Sequence[Untranslatable]) -> None:
        """Record what cannot be translated, before the position passes it; count it once."""
        for item in untranslatable:
            notification = item.notification
            if self._parked.park(self._topic, notification, item.error, datetime.now(UTC)):
                self._metrics.parked.labels(self._topic).inc()
                log.error(
                    "outbox relay for %s parked store position %d (%s v%d), not published: %s",
                    self._topic,
                    notification.id,
                    notification.originator_id,
                    notification.originator_version,
                    item.error,
                )

    def record_position(self, position: RelayPosition) -> None:
        """Durably remember how far we got; everything before is on the broker."""
        self._positions.save(self._topic, position)

    async def _check_log(self, probe: AIOKafkaConsumer) -> None:
        """Republish everything when the broker lost what it acknowledged — and only then.

        Read with list-offsets first (log start and end of every partition we
        published to), then, where that cannot decide, fetch the record at the
        last offset we were acknowledged and expect our own last sequence there:

        - the log start moved past our last message while the end is still at or
          after where we left it: retention removed it, not a loss (consumers
          that have it keep it; new ones start at the log start);
        - an empty log, an end below what was acknowledged with no record of
          ours there, or another sequence at our offset (the topic re-created
          and grown again): lost, republish;
        - a fetch that brings nothing for `LOG_PROBE_SECONDS`: undecided, not
          a loss — asked again at the next check (a slow broker used to cost a
          full republish after 1.5 s).

        The end offset alone cannot decide a loss: the embedded broker reports
        the start of the last batch plus one, below the real end after batched
        produces, so it is only believed when it is 0 (nothing at all).
        """
        if not self.position.ends:
            return
        await ensure_topics(self._settings, [self._topic])
        partitions = [TopicPartition(self._topic, p) for p in sorted(self.position.ends)]
        starts = await probe.beginning_offsets(partitions)
        ends = await probe.end_offsets(partitions)
        for topic_partition in partitions:
            loss = await self._loss(
                probe, topic_partition, starts[topic_partition], ends[topic_partition]
            )
            if loss is not None:
                await self._republish_all(loss)
                return

    async def _loss(
        self, probe: AIOKafkaConsumer, topic_partition: TopicPartition, start: int, end: int
    ) -> str | None:
        """Why the partition no longer holds what the broker acknowledged; None when it does
        (or retention, not loss, removed it, or the broker did not answer in time)."""
        partition = topic_partition.partition
        acknowledged = self.position.ends[partition]
        last, sequence = acknowledged - 1, self.position.tails[partition]
        if start > last:
            return self._retained(partition, start, end, acknowledged)
        if end == 0:
            return f"partition {partition} is empty; offset {last} had been acknowledged"
        try:
            record = await self._fetch_one(probe, topic_partition, last)
        except OffsetOutOfRangeError:
            start = (await probe.beginning_offsets([topic_partition]))[topic_partition]
            end = (await probe.end_offsets([topic_partition]))[topic_partition]
            if start > last:
                return self._retained(partition, start, end, acknowledged)
            return f"partition {partition} no longer has offset {last} (log {start}..{end})"
        if record is None:
            if end < acknowledged:
                return (
                    f"partition {partition} ends at {end} with no record at offset {last}, "
                    f"which had been acknowledged"
                )
            log.warning(
                "outbox relay for %s: partition %d did not answer for offset %d within %.0fs; "
                "not a loss, checked again later",
                self._topic,
                partition,
                last,
                LOG_PROBE_SECONDS,
            )
            return None
        held = dict(record.headers).get(H_SEQUENCE)
        if record.offset != last or held != str(sequence).encode():
            return f"partition {partition} no longer holds sequence {sequence} at offset {last}"
        return None

    def _retained(self, partition: int, start: int, end: int, acknowledged: int) -> str | None:
        """Our last message is below the log start: retention when the log still reaches
        as far as it was acknowledged, loss otherwise."""
        if end < acknowledged:
            return (
                f"partition {partition} is {start}..{end}, short of offset "
                f"{acknowledged - 1} that had been acknowledged"
            )
        if self._retained_logged.get(partition) != start:
            self._retained_logged[partition] = start
            log.info(
                "outbox relay for %s: retention moved partition %d's log start to %d, past our "
                "last message at %d; not a loss, nothing republished",
                self._topic,
                partition,
                start,
                acknowledged - 1,
            )
        return None

    async def _fetch_one(
        self, probe: AIOKafkaConsumer, topic_partition: TopicPartition, offset: int
    ) -> ConsumerRecord[Any, Any] | None:
        """The first record at or after `offset`, or None when nothing came within
        `LOG_PROBE_SECONDS` (asked again and again: one slow fetch decides nothing)."""
        probe.assign([topic_partition])
        probe.seek(topic_partition, offset)
        deadline = time.monotonic() + LOG_PROBE_SECONDS
        while True:
            batch = await probe.getmany(topic_partition, timeout_ms=1500, max_records=1)
            records = batch.get(topic_partition, [])
            if records:
                return records[0]
            if time.monotonic() >= deadline:
                return None
            probe.seek(topic_partition, offset)

    async def _read_tail(
        self, probe: AIOKafkaConsumer, partitions: Sequence[int]
    ) -> dict[int, dict[int, int]]:
        """What each partition holds past our recorded position: {partition: {sequence: offset}}.

        A relay that crashed (or was frozen and lost the lead) after the broker
        acknowledged a batch but before it recorded the position left that batch
        on the topic; whoever relays next finds it here and does not send it
        again. Each partition is read from where our recorded position ends (or
        one relay batch back, for a partition we have no end for) to its end.

        The same read tells whether the store is behind its topic: a store
        restored from a backup has forgotten events it once published, and new
        events would reuse sequence numbers consumers have already seen (they
        would drop them as duplicates, silently). Then `StoreBehindTopic`.
        """
        head = await asyncio.to_thread(self._app.recorder.max_notification_id) or 0
        topic_partitions = [TopicPartition(self._topic, p) for p in partitions]
        starts = await probe.beginning_offsets(topic_partitions)
        ends = await probe.end_offsets(topic_partitions)
        ahead: dict[int, dict[int, int]] = {}
        highest, on_partition = 0, 0
        for topic_partition in topic_partitions:
            start, end = starts[topic_partition], ends[topic_partition]
            if end <= start:
                continue
            # The embedded broker's end is the start of the last batch plus one,
            # so the read goes on until it has a record at or past end - 1.
            partition = topic_partition.partition
            recorded_end = self.position.ends.get(partition, end - self._settings.relay_batch_size)
            for record in await self._records_from(
                probe, topic_partition, max(start, min(recorded_end, end - 1)), end
            ):
                sequence = _sequence(record)
                if sequence > self.position.sequence:
                    ahead.setdefault(partition, {})[sequence] = record.offset
                if sequence > highest:
                    highest, on_partition = sequence, partition
        if highest > head:
            raise StoreBehindTopic(self._topic, on_partition, highest, head)
        if ahead:
            log.warning(
                "outbox relay for %s: %d messages past the recorded position %d are already on "
                "the topic (a relay stopped before recording them); they are not sent again",
                self._topic,
                sum(len(found) for found in ahead.values()),
                self.position.sequence,
            )
        return ahead

    async def _records_from(
        self, probe: AIOKafkaConsumer, topic_partition: TopicPartition, offset: int, end: int
    ) -> list[ConsumerRecord[Any, Any]]:
        """The records from `offset` until one at or past `end` - 1 has come."""
        probe.assign([topic_partition])
        probe.seek(topic_partition, offset)
        deadline = time.monotonic() + LOG_PROBE_SECONDS
        records: list[ConsumerRecord[Any, Any]] = []
        while not records or records[-1].offset < end - 1:
            if time.monotonic() >= deadline:
                raise LogUnanswered(
                    f"{self._topic}[{topic_partition.partition}] sent nothing past offset "
                    f"{records[-1].offset if records else offset - 1} within "
                    f"{LOG_PROBE_SECONDS:.0f}s"
                )
            batch = await probe.getmany(topic_partition, timeout_ms=1500)
            records.extend(batch.get(topic_partition, []))
        return records

    async def _republish_all(self, reason: str) -> None:
        log.warning("broker lost %s (%s); republishing from the start", self._topic, reason)
        self._metrics.republishes.labels(self._topic).inc()
        self.position = RelayPosition()
        self._ahead = {}
        await asyncio.to_thread(self.record_position, self.position)
