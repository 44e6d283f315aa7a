"""The event flow's two hot loops against raw Kafka client baselines.

- outbox relay publish rate  vs  raw aiokafka pipelined send to the same broker
- tracked consumer apply rate (effect + tracking in one transaction)  vs  raw consume

Same broker, same message sizes, same run: the ratio is the figure that
matters, because it cancels the machine's speed and noise. On a machine other
work shares, the process CPU each side spends per message (printed beside the
rates) is the steadier comparison: a rate also counts the time the process
waited for a core.

The figures are taken with the collector set as a served process sets it
(`services.runtime.ops.serve`: the start-up heap frozen, young objects collected
every 50,000 allocations), so the consumer and relay run as they do in service.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import gc
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from eventsourcing.application import ProcessingEvent
from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.projection import EventSourcedProjection
from faststream.kafka import KafkaBroker
from prometheus_client import CollectorRegistry

from bench.stack import POSTGRES_URL, _drop_schemas, new_schema_prefix
from contracts import OrgType, Role, events_topic
from services.consent.application import ConsentApplication, GiveConsent
from services.consent.translate import to_integration_event
from services.runtime.kernel.actor import Actor
from services.runtime.kernel.aggregate import Aggregate, event
from services.runtime.messaging.consumer.metrics import ConsumerMetrics
from services.runtime.messaging.consumer.subscription import TrackedConsumer
from services.runtime.messaging.consumer.target import TrackedTarget
from services.runtime.messaging.embedded_broker import EmbeddedBroker, free_port
from services.runtime.messaging.kafka import ensure_topics, producer_options
from services.runtime.messaging.relay.metrics import RelayMetrics
from services.runtime.messaging.relay.outbox import OutboxRelay
from services.runtime.settings import RuntimeSettings
from services.runtime.store.application import OutboxApplication
from services.runtime.store.database import RelayPositions, store_env

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@functools.lru_cache(maxsize=1024)
def _noted_id(subject_id: str) -> UUID:
    """Remembered for the last subjects: the projection asks for one subject's id three
    times a message (its `aggregate_ids`, its policy's `find`, the created event), and
    three `uuid5` were ~9 µs of the consumer's CPU per message that measured this bench's
    ids, not the runtime. Positional, as callers pass it either way (the created event by
    keyword), and the cache tells the two apart."""
    return uuid.uuid5(uuid.NAMESPACE_URL, subject_id)


class Noted(Aggregate):
    """One per subject: how many upstream events were seen about it.

    On the runtime's aggregate base, as every service's aggregates are.
    """

    @event("Opened")
    def __init__(self, subject_id: str) -> None:
        self.subject_id = subject_id
        self.seen = 0

    @staticmethod
    def create_id(subject_id: str) -> UUID:
        return _noted_id(subject_id)

    @event("Seen")
    def see(self) -> None:
        self.seen += 1


class NotingProjection(OutboxApplication, EventSourcedProjection[UUID]):
    """A consumer's typical work: load (or open) an aggregate, change it, record it.

    Kept here rather than borrowed from a service so the figure measures the
    runtime's consumer, not one service's rules.
    """

    name = "bench"

    def aggregate_ids(self, domain_event: Any) -> tuple[UUID, ...]:
        """The subject's `Noted`, for the batch to load with the others in one query."""
        return (Noted.create_id(domain_event.subject_id),)

    @singledispatchmethod
    def policy(self, domain_event: Any, processing_event: ProcessingEvent[UUID]) -> None:
        subject_id = domain_event.subject_id
        noted = self.find(Noted.create_id(subject_id), Noted) or Noted(subject_id)
        noted.see()
        processing_event.collect_events(noted)


@dataclass(frozen=True)
class Figure:
    name: str
    rate: float
    baseline: float
    unit: str = "msg/s"
    cpu_us: float | None = None
    """Process CPU per message (user + system, µs), where measured."""
    baseline_cpu_us: float | None = None

    @property
    def ratio(self) -> float:
        return self.rate / self.baseline if self.baseline else 0.0

    @property
    def cpu_ratio(self) -> float | None:
        """The baseline's CPU per message over this one's: the rate ratio a process that
        had a core to itself would reach, as far as CPU decides it."""
        if not self.cpu_us or self.baseline_cpu_us is None:
            return None
        return self.baseline_cpu_us / self.cpu_us


@dataclass(frozen=True)
class Timed:
    """A rate and the process CPU per message it took."""

    rate: float
    cpu_us: float


@contextmanager
def served_collector() -> Iterator[None]:
    """The collector as `serve` sets it for a service's life, restored afterwards.

    A served consumer runs so (services.runtime.ops.serve); with the defaults,
    the young collections that every few hundred allocations traverse a fetched
    batch's records and their decoded events cost the benchmark's consumer
    about a quarter of its CPU, which no service pays.
    """
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(50_000, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


CONSENT_RECORDER = Actor(
    "SE2120000001-S001", "SE2120000001-SOC1", OrgType.SOCIAL_SERVICES, Role.CASEWORKER
)
"""Who records the benchmark's consents: a party to each (C-3)."""


def fill_consent_store(settings: RuntimeSettings, count: int) -> ConsentApplication:
    app = ConsentApplication(
        env=store_env(settings, "consent"), longest_emergency_disclosure=timedelta(hours=72)
    )
    for n in range(count):
        app.give_consent(
            CONSENT_RECORDER,
            GiveConsent(
                subject_id=f"{n:064x}",
                purpose="red_thread_meeting",
                parties=["SE2321000016-POL1", "SE2120000001-SOC1"],
                form="oral",
                informed=True,
                valid_until=None,
            ),
            at=NOW,
            today=NOW.date(),
        )
    return app


async def raw_send_rate(settings: RuntimeSettings, topic: str, value: bytes, count: int) -> Timed:
    await ensure_topics(settings, [topic])
    producer = AIOKafkaProducer(**producer_options(settings))
    try:
        await producer.start()
        started, cpu = time.perf_counter(), time.process_time()
        futures = [
            await producer.send(topic, value=value, key=f"{n:064x}".encode()) for n in range(count)
        ]
        await asyncio.gather(*futures)
        elapsed, used = time.perf_counter() - started, time.process_time() - cpu
        return Timed(count / elapsed, used / count * 1e6)
    finally:
        await producer.stop()


class _TimedRelay(OutboxRelay):
    """The relay, noting when it first reads the store: the benchmark's clock starts there."""

    first_read: float | None = None
    first_cpu: float = 0.0

    async def _read(self, start: int, tails: dict[int, int], limit: int | None = None) -> Any:
        if self.first_read is None:
            self.first_read, self.first_cpu = time.perf_counter(), time.process_time()
        return await super()._read(start, tails, limit)


async def relay_rate(settings: RuntimeSettings, app: ConsentApplication, topic: str) -> Timed:
    """From the relay's first read of the store to its last recorded position.

    Its start (Kafka clients, the topic's creation and tail read) is not counted,
    as the raw baseline's producer start is not: it is paid once per leadership,
    not per message, and at a few thousand messages it was 10-20 % of the figure.
    """
    relay = _TimedRelay(
        app=app,
        translate=to_integration_event,
        topic=topic,
        settings=settings,
        positions=RelayPositions(app.recorder.datastore),  # type: ignore[attr-defined]
        metrics=RelayMetrics.register(CollectorRegistry()),
    )
    head = app.recorder.max_notification_id() or 0
    task = asyncio.create_task(relay.run())
    while relay.position.sequence < head and not task.done():
        await asyncio.sleep(0.005)
    finished, cpu = time.perf_counter(), time.process_time()
    task.cancel()
    assert relay.first_read is not None
    return Timed(head / (finished - relay.first_read), (cpu - relay.first_cpu) / head * 1e6)


async def raw_consume_rate(settings: RuntimeSettings, topic: str, count: int) -> Timed:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=settings.kafka_bootstrap, auto_offset_reset="earliest"
    )
    try:
        await consumer.start()
        seen = 0
        started, cpu = time.perf_counter(), time.process_time()
        while seen < count:
            batch = await consumer.getmany(timeout_ms=1000)
            seen += sum(len(records) for records in batch.values())
        cpu_us = (time.process_time() - cpu) / count * 1e6
        return Timed(count / (time.perf_counter() - started), cpu_us)
    finally:
        await consumer.stop()


async def consumer_rate(settings: RuntimeSettings, topic: str, count: int) -> Timed:
    app = NotingProjection(env=store_env(settings, "bench"))
    metrics = ConsumerMetrics.register(CollectorRegistry())

    def applied() -> float:
        value: float = metrics.handled.labels(topic, "applied")._value.get()
        return value

    broker = KafkaBroker(settings.kafka_bootstrap, log_level=10)
    tracked = TrackedConsumer(
        group_id=f"bench-{uuid.uuid4().hex[:8]}",
        dlq_topic=f"{topic}.bench-dlq",
        target=TrackedTarget.of(app, app.recorder),
        metrics=metrics,
        max_retries=2,
    )
    tracked.subscribe(broker, [topic], session_timeout_ms=settings.kafka_session_timeout_ms)
    try:
        await broker.start()
        # The group join is not part of the rate; the clock starts once the group has
        # handed the consumer its partitions, before the first fetch (as the raw
        # consume's starts before its first): a small backlog over several
        # partitions is one fetch, applied in one transaction.
        while not tracked.joined:
            await asyncio.sleep(0.001)
        started, cpu, first = time.perf_counter(), time.process_time(), applied()
        while applied() < count:
            await asyncio.sleep(0.01)
        done = applied() - first
        if not done:
            msg = f"all {count} messages were applied before the clock started: count more"
            raise RuntimeError(msg)
        cpu_us = (time.process_time() - cpu) / done * 1e6
        return Timed(done / (time.perf_counter() - started), cpu_us)
    finally:
        await broker.stop()


async def run(
    bootstrap: str,
    var_dir: Path,
    count: int,
    database_url: str | None = None,
    relay_only: bool = False,
) -> list[Figure]:
    """Both figures, with the stores in SQLite files under `var_dir` or, given a
    `database_url`, in PostgreSQL schemas of this run's own (dropped afterwards)."""
    prefix = f"bench{uuid.uuid4().hex[:8]}.samverkan"
    settings = RuntimeSettings(
        kafka_bootstrap=bootstrap,
        topic_prefix=prefix,
        var_dir=var_dir,
        kafka_session_timeout_ms=3000,
        database_url=database_url,
        database_schema_prefix=new_schema_prefix(),
    )
    try:
        with served_collector():
            return await _figures(settings, count, relay_only)
    finally:
        if database_url is not None:
            _drop_schemas(settings.database_schema_prefix, ("consent", "bench"))


async def _figures(settings: RuntimeSettings, count: int, relay_only: bool) -> list[Figure]:
    prefix = settings.topic_prefix
    topic = events_topic("consent", prefix=prefix)
    app = await asyncio.to_thread(fill_consent_store, settings, count)
    sample = app.recorder.select_notifications(1, 1)[0]
    sample_event = to_integration_event(app.mapper.to_domain_event(sample))
    assert sample_event is not None
    value = sample_event.model_dump_json().encode()

    baseline_send = await raw_send_rate(settings, f"{topic}.raw", value, count)
    relay = await relay_rate(settings, app, topic)
    figures = [
        Figure(
            "outbox relay publish",
            relay.rate,
            baseline_send.rate,
            cpu_us=relay.cpu_us,
            baseline_cpu_us=baseline_send.cpu_us,
        )
    ]
    if relay_only:
        return figures
    baseline_consume = await raw_consume_rate(settings, topic, count)
    consume = await consumer_rate(settings, topic, count)
    store = "SQLite" if settings.database_url is None else "PostgreSQL"
    return [
        *figures,
        Figure(
            f"tracked consumer apply ({store})",
            consume.rate,
            baseline_consume.rate,
            cpu_us=consume.cpu_us,
            baseline_cpu_us=baseline_consume.cpu_us,
        ),
    ]


def main() -> None:
    """``python -m bench.flow [--count N] [--postgres] [--relay-only]``: only these two
    figures (or the relay's alone)."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--count", type=int, default=5000, help="messages per figure")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL stores")
    parser.add_argument("--relay-only", action="store_true", help="skip the consumer's figure")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, EmbeddedBroker(free_port()) as broker:
        url = POSTGRES_URL if args.postgres else None
        figures = asyncio.run(run(broker.bootstrap, Path(tmp), args.count, url, args.relay_only))
    for f in figures:
        print(f"{f.name:<40} {f.rate:>10,.0f}/s {f.baseline:>10,.0f}/s {f.ratio:>7.0%}")
        if f.cpu_us is not None and f.baseline_cpu_us is not None:
            cpu = f"CPU per message {f.cpu_us:,.1f} µs, baseline {f.baseline_cpu_us:,.1f} µs"
            print(f"{'':<4}{cpu} ({f.cpu_ratio:.0%})")


if __name__ == "__main__":
    main()
