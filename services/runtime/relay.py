"""The outbox relay: the store's notification log, published to the service's topic.

The notification log *is* the outbox, so a command is acknowledged as soon as
its events are stored; this relay makes sure they also reach Kafka, in order,
at least once:

1. read notifications after the recorded position;
2. translate the public ones into integration events and send them in one
   pipelined batch (every send enqueued before any is awaited);
3. wait for the broker's acks, then record the new position.

Each message also carries the W3C ``traceparent`` of the request that stored
the event (services.runtime.tracing), so consumers log under the same trace.

A crash between 2 and 3 republishes the batch; consumers drop what they have
already applied. Each message names its predecessor on the same partition
(``ce_prevsequence``) so a consumer can tell "I missed something" from "this
is new". A broker that lost its log (the embedded broker restarting, a topic
re-created) no longer holds our last message where it acknowledged it, or
acknowledges a new one at a smaller offset; the relay then republishes from
the start of the log — consumers skip what they have.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import psycopg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError, OffsetOutOfRangeError
from eventsourcing.application import Application
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Notification, PersistenceError
from prometheus_client import CollectorRegistry, Counter, Gauge

from contracts import PARTITIONS, IntegrationEvent, encode
from contracts.cloudevents import OutgoingMessage
from services.runtime.kafka import client_options, ensure_topics, producer_options
from services.runtime.leadership import Leadership, LostLeadership
from services.runtime.partitioning import KeyPartitioner
from services.runtime.settings import RuntimeSettings
from services.runtime.store import RelayPosition, RelayPositions
from services.runtime.tracing import message_headers, to_domain_event_traced

log = logging.getLogger(__name__)

Translator = Callable[[DomainEventProtocol[Any]], IntegrationEvent | None]
"""Turns a stored domain event into its public form, or None when it stays private."""

_EVENT_ID_NAMESPACE = uuid.UUID("5f0c3a52-6d2b-4d8e-9a39-8f1f2f7f6b11")


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
    partitions: Sequence[int],
    tails: dict[int, int],
    partitioner: Callable[[bytes, list[int], list[int]], int],
) -> tuple[int, OutgoingMessage] | None:
    """The partition and message for a stored event, or None when it stays private.

    `tails` (the last sequence sent to each partition) gives the message its
    predecessor and is advanced. The message carries the trace context the
    event was stored with (``traceparent``, services.runtime.tracing). Used
    by the relay and by ``samverkan outbox republish``, so both send the
    same bytes with the same ``ce_id``.
    """
    domain_event, traceparent = to_domain_event_traced(app.mapper, notification)
    event = translate(domain_event)
    if event is None:
        return None
    key = event.partition_key().encode()
    partition: int = partitioner(key, list(partitions), list(partitions))
    message = encode(
        event,
        event_id=event_id(notification),
        time=domain_event.timestamp,
        sequence=notification.id,
        prev_sequence=tails.get(partition, 0),
    )
    tails[partition] = notification.id
    trace_headers = message_headers(traceparent)
    if trace_headers:
        message = replace(message, headers=[*message.headers, *trace_headers])
    return partition, message


@dataclass(frozen=True)
class RelayMetrics:
    leading: Gauge
    published: Counter
    position: Gauge
    head: Gauge
    republishes: Counter
    failures: Counter

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
    ) -> None:
        self._app = app
        self._translate = translate
        self._topic = topic
        self._settings = settings
        self._positions = positions
        self._metrics = metrics
        self._leadership = leadership or Leadership()
        for counter in (metrics.published, metrics.republishes, metrics.failures):
            counter.labels(topic)  # present at 0 from the start, so increases are visible
        self._wakeup = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._partitioner = KeyPartitioner()
        self.position = RelayPosition()
        self.last_error: str | None = None

    def wake(self) -> None:
        """Thread-safe nudge after new events were stored, so idle latency stays low."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wakeup.set)

    async def run(self) -> None:
        """Publish until cancelled; broker or store outages are waited out, not fatal."""
        self._loop = asyncio.get_running_loop()
        backoff = 0.1
        while True:
            try:
                await self._run_connected()
            except (KafkaError, OSError, PersistenceError, LostLeadership, psycopg.Error) as error:
                self._failed(error, backoff)
            except Exception as error:
                # A notification that cannot be translated is a bug; skipping it
                # would lose a fact for every consumer. Stay on it, loudly
                # (readiness reports it), until a fixed version is deployed.
                log.exception("outbox relay for %s cannot publish", self._topic)
                self._failed(error, backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)

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
            partitions = await self._catalogue_partitions(producer)
            checked_at = 0.0
            while True:
                if time.monotonic() - checked_at > self._settings.relay_log_check_seconds:
                    if not await self._leadership.still_leading():
                        raise LostLeadership(self._topic)
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

    async def _catalogue_partitions(self, producer: AIOKafkaProducer) -> list[int]:
        """The catalogue's partitions, not whatever the topic has now.

        A consumer tracks its position per ``source#partition``: an event sent
        to another partition than before is new to it and applied again. A
        broker that lost its log may re-create the topic on its own, with its
        default partition count, before we create it as catalogued; keys must
        still land where they always did.
        """
        present = await producer.partitions_for(self._topic)
        partitions = list(range(PARTITIONS))
        if not set(partitions) <= set(present):
            msg = f"{self._topic} has partitions {sorted(present)}; needs {PARTITIONS}"
            raise RuntimeError(msg)
        return partitions

    async def publish_batch(self, producer: AIOKafkaProducer, partitions: Sequence[int]) -> bool:
        """One round of read → send all → await acks → record. False when idle."""
        start = self.position.sequence + 1
        notifications = await asyncio.to_thread(
            self._app.recorder.select_notifications, start, self._settings.relay_batch_size
        )
        if not notifications:
            self._healthy()
            return False
        self._metrics.head.labels(self._topic).set(notifications[-1].id)
        tails = dict(self.position.tails)
        pending: list[tuple[int, asyncio.Future[Any]]] = []
        for notification in notifications:
            outgoing = outgoing_message(
                self._app, self._translate, notification, partitions, tails, self._partitioner
            )
            if outgoing is None:
                continue
            partition, message = outgoing
            future = await producer.send(
                self._topic,
                value=message.value,
                key=message.key,
                headers=message.headers,
                partition=partition,
            )
            pending.append((partition, future))
        results = await asyncio.gather(*(future for _, future in pending))
        ends = dict(self.position.ends)
        for (partition, _), metadata in zip(pending, results, strict=True):
            if metadata.offset < ends.get(partition, 0):
                # Offsets only grow: a smaller one means a new, empty log.
                await self._republish_all(f"partition {partition} restarted at {metadata.offset}")
                return True
            ends[partition] = metadata.offset + 1
        self.position = RelayPosition(notifications[-1].id, tails, ends)
        await asyncio.to_thread(self.record_position, self.position)
        self.last_error = None
        self._metrics.published.labels(self._topic).inc(len(pending))
        self._metrics.position.labels(self._topic).set(self.position.sequence)
        return True

    def record_position(self, position: RelayPosition) -> None:
        """Durably remember how far we got; everything before is on the broker."""
        self._positions.save(self._topic, position)

    async def _check_log(self, probe: AIOKafkaConsumer) -> None:
        """Republish everything when the broker no longer holds our last message.

        We fetch the record at the last offset we were acknowledged on each
        partition and expect our own last sequence there. (End offsets would
        be cheaper, but the embedded broker under-reports them after batched
        produces, and a re-created topic can have grown past them again.)
        """
        if not self.position.ends:
            return
        await ensure_topics(self._settings, [self._topic])
        for partition, end in sorted(self.position.ends.items()):
            sequence = self.position.tails[partition]
            if not await self._holds(probe, partition, end - 1, sequence):
                await self._republish_all(
                    f"partition {partition} no longer holds sequence {sequence} at offset {end - 1}"
                )
                return

    async def _holds(
        self, probe: AIOKafkaConsumer, partition: int, offset: int, sequence: int
    ) -> bool:
        topic_partition = TopicPartition(self._topic, partition)
        probe.assign([topic_partition])
        probe.seek(topic_partition, offset)
        try:
            batch = await probe.getmany(topic_partition, timeout_ms=1500, max_records=1)
        except OffsetOutOfRangeError:
            return False
        records = batch.get(topic_partition, [])
        return bool(records) and (
            records[0].offset == offset
            and dict(records[0].headers).get("ce_sequence") == str(sequence).encode()
        )

    async def _republish_all(self, reason: str) -> None:
        log.warning("broker lost %s (%s); republishing from the start", self._topic, reason)
        self._metrics.republishes.labels(self._topic).inc()
        self.position = RelayPosition()
        await asyncio.to_thread(self.record_position, self.position)
