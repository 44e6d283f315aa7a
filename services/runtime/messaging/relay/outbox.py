"""The outbox relay: the store's notification log, published to the service's topic.

The notification log *is* the outbox, so a command is acknowledged as soon as
its events are stored; this relay makes sure they also reach Kafka, in order,
at least once:

1. read notifications after the recorded position;
2. translate the whole batch first, then send the public ones in one
   pipelined batch (every send enqueued before any is awaited; as record
   batches built here, one per partition, unless a message needs a span or a
   look at what the topic already holds);
3. wait for the broker's acks, then note the new position (written down every
   so often, not after every batch: `bookkeeping`).

While the broker acknowledges one batch, the next is read and translated
(`rounds.ReadAhead`); sending stays strictly in order.

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
With the OpenTelemetry SDK configured, each send is a producer span, child of
that request's span, and the message carries the producer span's context
instead, so a consumer's span is the send's child (`_producer_span`).

A crash between 2 and 3 (or a leader frozen there while a standby takes
over) leaves a batch on the topic that the store's position does not name. A
relay that starts, or takes the lead, first reads what the topic holds past
its recorded position and does not send those messages again (`TopicLog.tail`);
what it cannot see (a message the broker acknowledged after that read) is
still sent twice, and consumers drop what they have already applied.

Each message names its predecessor on the same partition
(``ce_prevsequence``) so a consumer can tell "I missed something" from "this
is new". A broker that lost its log (the embedded broker restarting, a topic
re-created) no longer holds our last message where it acknowledged it, or
acknowledges a new one at a smaller offset; the relay then republishes from
the start of the log — consumers skip what they have. Retention (the log
start moved past our last message, the end still where we left it) is not a
loss, and neither is a broker slow to answer a fetch (`TopicLog.loss`; #19, item 4).

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
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import psycopg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError
from eventsourcing.application import Application
from eventsourcing.persistence import PersistenceError
from opentelemetry.trace import Span

from contracts.cloudevents import H_ID, H_SEQUENCE, H_TYPE, OutgoingMessage
from services.runtime.kernel.tracing import end_spans, producer_span, recording, traced_headers
from services.runtime.messaging.kafka import (
    client_options,
    ensure_topics,
    producer_options,
    send,
    send_batches,
)
from services.runtime.messaging.parked import ParkedNotifications
from services.runtime.messaging.partitioning import catalogue_partitions
from services.runtime.messaging.relay.bookkeeping import PositionBookkeeping
from services.runtime.messaging.relay.log_checks import LogChecks
from services.runtime.messaging.relay.metrics import RelayMetrics
from services.runtime.messaging.relay.outgoing import (
    TranslatedBatch,
    Translator,
    Untranslatable,
    translate_batch,
)
from services.runtime.messaging.relay.reading import NotificationReader
from services.runtime.messaging.relay.rounds import ReadAhead, Round, discard
from services.runtime.messaging.relay.topic_log import (
    Ahead,
    LogUnanswered,
    StoreBehindTopic,
    TopicLog,
)
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import RelayPosition, RelayPositions
from services.runtime.store.leadership import Leadership, LostLeadership

log = logging.getLogger(__name__)

IDLE_POLL_SECONDS = 0.5
"""How long an idle relay waits for a `wake` before it reads the store anyway (a save
whose wake was lost, one by another process without a channel to this one)."""

REFUSED_RETRY_SECONDS = 30.0
"""How often a relay that refused a store behind its topic looks again (an operator
may have restored the newer state meanwhile)."""


def _message_sequence(message: OutgoingMessage) -> int:
    """An outgoing message's ``ce_sequence`` (its store position)."""
    return int(dict(message.headers)[H_SEQUENCE])


def _past(ahead: Ahead, sequence: int) -> Ahead:
    """What is still ahead of `sequence` (the rest was sent, found, or parked)."""
    kept = {p: {s: o for s, o in found.items() if s > sequence} for p, found in ahead.items()}
    return {p: found for p, found in kept.items() if found}


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
        self._log = TopicLog(topic, settings)
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
        self._saves = 0  # wakes after a save, counted: what a read-ahead may have missed
        self._loop: asyncio.AbstractEventLoop | None = None
        self.position = RelayPosition()
        self.last_error: str | None = None
        self._ahead: Ahead = {}
        self._prefetch: ReadAhead | None = None
        self._checks: LogChecks | None = None
        self._reader = NotificationReader(app.recorder.select_notifications)
        self._bookkeeping = PositionBookkeeping(
            lambda position: self.record_position(position),
            settings.relay_position_interval_seconds,
        )

    def wake(self) -> None:
        """Thread-safe nudge after new events were stored, so idle latency stays low."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._saved)

    def _saved(self) -> None:
        """On the loop, after a save: wake an idle relay, and read again ahead of the round
        being acknowledged if its read-ahead found nothing. The save came after that read,
        which under a steady stream of commands is the rule: read now, its events go out
        as soon as the acks are in, not after a read of their own (a thread hop and a
        select, 1 ms at p50 but 15 ms at p90 on a busy host; #24)."""
        self._saves += 1
        self._wakeup.set()
        ahead = self._prefetch
        if ahead is not None and ahead.found_nothing():
            read = asyncio.create_task(self._read(ahead.start, ahead.tails))
            self._prefetch = ReadAhead(ahead.start, ahead.tails, read, self._saves)

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
        checks = self._checks = LogChecks(
            self._log, self._probe, self._settings.relay_log_check_seconds, self._topic
        )
        self._reader = NotificationReader.of(self._app.recorder)
        try:  # both stopped on every path, a start that failed included (kafka.started)
            await producer.start()
            await checks.probe.start()
            await ensure_topics(self._settings, [self._topic])
            self.position = await asyncio.to_thread(self._positions.load, self._topic)
            on_topic = await producer.partitions_for(self._topic)
            head = await asyncio.to_thread(self._app.recorder.max_notification_id) or 0
            self._ahead = await self._log.tail(checks.probe, sorted(on_topic), self.position, head)
            partitions = catalogue_partitions(self._topic, on_topic)
            while True:
                if not await self._leadership.still_leading():  # a lease check, no round trip
                    raise LostLeadership(self._topic)
                loss = checks.between_rounds(self.position)  # checks run beside the rounds
                if loss is not None:
                    await self._republish_all(loss)
                # Cleared before the round reads, not after it came back empty: a save
                # committed after the read's snapshot but before that wakes the wait below
                # (cleared after, it waited for the idle poll).
                self._wakeup.clear()
                published = await self.publish_batch(producer, partitions)
                if not published:
                    try:
                        await asyncio.wait_for(self._wakeup.wait(), timeout=IDLE_POLL_SECONDS)
                    except TimeoutError:
                        await self._bookkeeping.idle()  # a good moment to record
                        continue
        finally:
            discard(self._prefetch)
            self._prefetch = None
            self._checks = None
            await self._last_record()
            await checks.stop()
            await producer.stop()
            # After a discarded read still under way on its connection (see reading.py).
            await asyncio.to_thread(self._reader.close)

    async def _last_record(self) -> None:
        """Record the position reached before stopping, unless another relay leads now
        (its position is newer than ours)."""
        leading = self._bookkeeping.unrecorded and await self._leadership.still_leading()
        await self._bookkeeping.flush_on_stop(record=leading)
        self._bookkeeping.forget()

    async def publish_batch(self, producer: AIOKafkaProducer, partitions: Sequence[int]) -> bool:
        """One round of read → translate all → send all → await acks → record. False when idle.

        `partitions` are the catalogue's (checked present on the topic); every
        message goes to the one `event_partition` picks among them. The next
        round is read and translated while this one's acks are awaited.
        """
        ready = await self._next_round()
        notifications, batch = ready.notifications, ready.batch
        if not notifications:
            self._healthy()
            return False
        if batch.untranslatable:
            await asyncio.to_thread(self._park, batch.untranslatable)
        if not await self._leadership.still_leading():  # frozen since the loop's check?
            raise LostLeadership(self._topic)
        ends = dict(self.position.ends)
        pending: list[tuple[int, int, asyncio.Future[Any]]] = []  # partition, messages, acked
        spans: dict[int, Span] = {}
        traced = recording()  # without an SDK, no span and no header copy per message
        try:
            if traced or self._ahead:  # a span, or a look at the topic, per message
                for partition, message in batch.messages:
                    if self._ahead and self._already_sent(partition, message, ends):
                        continue
                    span = self._producer_span(partition, message) if traced else None
                    if span is not None:
                        spans[len(pending)] = span
                        message = replace(message, headers=traced_headers(message.headers, span))
                    sent = await send(producer, self._topic, partition, message)
                    pending.append((partition, 1, sent))
            else:
                pending = await send_batches(producer, self._topic, batch.messages)
            self._read_ahead(notifications[-1].id + 1, batch.tails)
            results = await asyncio.gather(*(future for _, _, future in pending))
        except BaseException as error:
            end_spans(list(spans.values()), error)
            raise
        for index, span in spans.items():
            span.set_attribute("messaging.kafka.offset", results[index].offset)
        end_spans(list(spans.values()))
        for (partition, count, _), metadata in zip(pending, results, strict=True):
            if metadata.offset < ends.get(partition, 0):
                # Offsets only grow: a smaller one means a new, empty log.
                await self._republish_all(f"partition {partition} restarted at {metadata.offset}")
                return True
            ends[partition] = metadata.offset + count  # a batch's offset is its first's
        self.position = RelayPosition(notifications[-1].id, batch.tails, ends)
        await self._bookkeeping.reached(self.position)
        if self._ahead:
            self._ahead = _past(self._ahead, self.position.sequence)
        self.last_error = None
        self._metrics.published.labels(self._topic).inc(sum(count for _, count, _ in pending))
        self._metrics.position.labels(self._topic).set(self.position.sequence)
        return True

    def _already_sent(self, partition: int, message: OutgoingMessage, ends: dict[int, int]) -> bool:
        """Whether `message` is on the topic already (sent before a crash or a takeover,
        `TopicLog.tail`); then `ends` takes its offset into account."""
        found = self._ahead.get(partition, {}).pop(_message_sequence(message), None)
        if found is None or found[1] != dict(message.headers)[H_ID]:
            return False
        ends[partition] = max(ends.get(partition, 0), found[0] + 1)
        self._metrics.skipped.labels(self._topic).inc()
        return True

    async def _next_round(self) -> Round:
        """The notifications after the position, translated: read ahead during the last
        round's acks if that read still fits the position and found anything, else now.

        An empty read-ahead is not trusted: an event stored (and its `wake`) since
        would otherwise wait for the idle poll. One that found something is topped
        up with what was saved after it began, rather than leave that for a round more.
        """
        prefetch, self._prefetch = self._prefetch, None
        position = self.position
        if prefetch is not None and prefetch.fits(position.sequence + 1, position.tails):
            ready = await prefetch.task
            room = self._settings.relay_batch_size - len(ready.notifications)
            if ready.notifications and (self._saves == prefetch.saves or room <= 0):
                return ready
            if ready.notifications:
                end = ready.notifications[-1].id + 1
                return ready.then(await self._read(end, ready.batch.tails, room))
        else:
            discard(prefetch)
        return await self._read(position.sequence + 1, position.tails)

    def _read_ahead(self, start: int, tails: dict[int, int]) -> None:
        """Begin reading and translating the round after the one being acknowledged."""
        discard(self._prefetch)
        self._prefetch = ReadAhead(
            start, dict(tails), asyncio.create_task(self._read(start, tails)), self._saves
        )

    async def _read(self, start: int, tails: dict[int, int], limit: int | None = None) -> Round:
        """Up to `limit` (a batch) notifications from `start`, translated (nothing is sent)."""
        notifications = await asyncio.to_thread(
            self._reader.select, start, limit or self._settings.relay_batch_size
        )
        if not notifications:
            return Round(notifications, TranslatedBatch([], [], dict(tails)))
        self._metrics.head.labels(self._topic).set(notifications[-1].id)
        return Round(
            notifications, translate_batch(self._app, self._translate, notifications, tails)
        )

    def _producer_span(self, partition: int, message: OutgoingMessage) -> Span | None:
        """The send's span (None without the SDK): topic, partition and the CloudEvents
        id and type, never the key or the payload (they may name the subject)."""
        headers = dict(message.headers)
        return producer_span(
            f"send {self._topic}",
            message.headers,
            {
                "messaging.system": "kafka",
                "messaging.operation.type": "send",
                "messaging.destination.name": self._topic,
                "messaging.destination.partition.id": str(partition),
                "cloudevents.event_id": headers[H_ID].decode(),
                "cloudevents.event_type": headers[H_TYPE].decode(),
            },
        )

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

    def _probe(self) -> AIOKafkaConsumer:
        """The consumer that reads the relay's own topic back (`TopicLog`)."""
        return AIOKafkaConsumer(
            **client_options(self._settings), auto_offset_reset="none", enable_auto_commit=False
        )

    async def _republish_all(self, reason: str) -> None:
        log.warning("broker lost %s (%s); republishing from the start", self._topic, reason)
        self._metrics.republishes.labels(self._topic).inc()
        self.position = RelayPosition()
        self._ahead = {}
        self._bookkeeping.forget()
        await self._bookkeeping.settle()  # an older position's write must not land after
        if self._checks is not None:
            self._checks.forget()
        await asyncio.to_thread(self.record_position, self.position)
