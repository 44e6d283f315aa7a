"""Rebuilding reporting's statistics from the log, against raw read rates (issue #7).

N public events (consents, red threads pulled, deviations reported: a mix of
what the statistics count) are put on their topics as the relays would have
published them, and N stored events in an event store. Then, in the same
run:

- raw topic read: every message fetched with a plain consumer, nothing decoded;
- raw notification read: the store's notification log read in pages (the
  baseline issue #7 names);
- rebuild: ``samverkan rebuild reporting-statistics``'s work (read, decode,
  deduplicate, count, swap in) through services.runtime.messaging.rebuild.

Run alone with ``python -m bench.rebuild [--count N] [--postgres] [--mixed]
[--profile]``; ``make bench`` runs it too. Target: >= 50,000 events/s and >= 25%
of the raw read. Every event of the default mix is one the statistics count
(the rebuild's dearest case); ``--mixed`` makes every other one a type they do
not count (``CoordinatorAssigned``), which the rebuild does not decode (#24),
as most of a real log is.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from eventsourcing.persistence import StoredEvent

from bench.stack import POSTGRES_URL, new_schema_prefix
from contracts import (
    ConsentForm,
    ConsentGiven,
    CoordinatorAssigned,
    DeviationCategory,
    DeviationReported,
    IntegrationEvent,
    MeasureTried,
    OrgType,
    Purpose,
    RedThreadPulled,
    encode,
    events_topic,
)
from services.reporting.views.rebuild import UPSTREAM
from services.reporting.views.rebuild import statistics as statistics_projection
from services.runtime.messaging.embedded_broker import EmbeddedBroker, free_port
from services.runtime.messaging.kafka import ensure_topics, producer_options, send
from services.runtime.messaging.partitioning import event_partition
from services.runtime.messaging.rebuild import rebuild
from services.runtime.messaging.republish import StoredLog
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env

START = datetime(2025, 1, 1, 8, 0, tzinfo=UTC)
ORGS = ("SE2120000001-SOC1", "SE2321000016-HC01", "SE2321000016-POL1")
PAGE = 1000


@dataclass(frozen=True)
class RebuildFigures:
    count: int
    rebuild: float
    raw_topic_read: float
    raw_notification_read: float

    @property
    def ratio(self) -> float:
        """Rebuild rate over the raw read of the same log (the topics)."""
        return self.rebuild / self.raw_topic_read if self.raw_topic_read else 0.0

    @property
    def ratio_to_notifications(self) -> float:
        return self.rebuild / self.raw_notification_read if self.raw_notification_read else 0.0


def _event(n: int, *, mixed: bool = False) -> IntegrationEvent:
    """The n-th event of a mix the statistics count, spread over two years; `mixed`:
    every other one a type they do not count."""
    at = START + timedelta(hours=3 * n)
    subject = f"{n % 5000:064x}"
    if mixed and n % 2:
        return CoordinatorAssigned(
            subject_id=subject,
            red_thread_id=uuid.UUID(int=n),
            coordinator="SE2321000016-K001",
            assigned_by="SE2321000016-K002",
            assigned_at=at,
        )
    kind = n % 3
    if kind == 0:
        return ConsentGiven(
            subject_id=subject,
            consent_id=uuid.UUID(int=n),
            purpose=(Purpose.RED_THREAD_MEETING, Purpose.SIP)[n % 2],
            parties=ORGS[:2],
            form=ConsentForm.ORAL,
            recorded_by="SE2120000001-S001",
            informed=True,
            given_at=at,
            valid_until=date(2030, 1, 1),
        )
    if kind == 1:
        return RedThreadPulled(
            subject_id=subject,
            red_thread_id=uuid.UUID(int=n),
            pulled_at=at,
            pulled_by="SE2321000016-P001",
            pulled_by_org_type=OrgType.POLICE,
            measures_tried=(MeasureTried.SIP,),
            burdened_orgs=ORGS[2:],
            municipality_code=("0180", "1480", "1280")[n % 3],
        )
    return DeviationReported(
        deviation_id=uuid.UUID(int=n),
        subject_id=subject,
        category=(DeviationCategory.ROUTINES, DeviationCategory.NO_SIP)[n % 2],
        reported_at=at,
        reporting_org=ORGS[1],
        reporting_org_type=OrgType.HEALTH_CARE,
        affected_orgs=ORGS[:1],
    )


async def fill_topics(settings: RuntimeSettings, count: int, *, mixed: bool = False) -> None:
    """`count` events on the upstream topics, with the relay's sequences and predecessors."""
    topics = {s: events_topic(s, prefix=settings.topic_prefix) for s in UPSTREAM}
    await ensure_topics(settings, list(topics.values()))
    producer = AIOKafkaProducer(**{**producer_options(settings), "linger_ms": 20})
    try:
        await producer.start()
        sequences: dict[str, int] = {}
        tails: dict[tuple[str, int], int] = {}
        pending = []
        for n in range(count):
            event = _event(n, mixed=mixed)
            topic = topics[event.service]
            partition = event_partition(event.partition_key().encode())  # as the relay picks
            sequence = sequences[topic] = sequences.get(topic, 0) + 1
            message = encode(
                event,
                event_id=str(uuid.uuid5(uuid.NAMESPACE_OID, f"{topic}:{sequence}")),
                time=START,
                sequence=sequence,
                prev_sequence=tails.get((topic, partition), 0),
            )
            tails[(topic, partition)] = sequence
            pending.append(await send(producer, topic, partition, message))
            if len(pending) >= 5000:
                await asyncio.gather(*pending)
                pending = []
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


async def raw_topic_read(settings: RuntimeSettings, count: int) -> float:
    """Messages per second fetched from the upstream topics, nothing decoded."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        enable_auto_commit=False,
        max_partition_fetch_bytes=8 * 1024 * 1024,
        fetch_max_bytes=64 * 1024 * 1024,
    )
    try:
        await consumer.start()
        partitions = []
        for service in UPSTREAM:
            topic = events_topic(service, prefix=settings.topic_prefix)
            partitions += [
                TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()
            ]
        if not partitions:
            await consumer.topics()
            for service in UPSTREAM:
                topic = events_topic(service, prefix=settings.topic_prefix)
                partitions += [
                    TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()
                ]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        started = time.perf_counter()
        read = 0
        while read < count:
            batch = await consumer.getmany(timeout_ms=1000, max_records=5000)
            if not batch:
                break
            read += sum(len(records) for records in batch.values())
        return read / (time.perf_counter() - started)
    finally:
        await consumer.stop()


def fill_store(settings: RuntimeSettings, count: int) -> StoredLog:
    """`count` stored events in an event store, written in pages as raw records."""
    # An underscore, not a hyphen: on PostgreSQL the name becomes a type name too.
    log = StoredLog(env=store_env(settings, "bench_notifications"))
    state = _event(0).model_dump_json().encode()
    topic = "bench.rebuild:Stored"
    for start in range(0, count, PAGE):
        log.recorder.insert_events(
            [
                StoredEvent(uuid.UUID(int=n + 1), 1, topic, state)
                for n in range(start, min(start + PAGE, count))
            ]
        )
    return log


def raw_notification_read(log: StoredLog) -> float:
    """Notifications per second read from the store's notification log, in pages."""
    started = time.perf_counter()
    read, position = 0, 0
    while page := log.recorder.select_notifications(position + 1, PAGE):
        read += len(page)
        position = page[-1].id
    return read / (time.perf_counter() - started)


def measure(
    bootstrap: str,
    var_dir: Path,
    count: int,
    profile: Path | None = None,
    *,
    postgres: bool = False,
    mixed: bool = False,
) -> RebuildFigures:
    """Fill, read raw, rebuild; with `postgres`, the stores (the rebuilt statistics
    swapped into reporting's, the notification log) in PostgreSQL schemas of their own."""
    settings = RuntimeSettings(
        kafka_bootstrap=bootstrap,
        topic_prefix=f"bench{uuid.uuid4().hex[:8]}.samverkan",
        var_dir=var_dir,
        database_url=POSTGRES_URL if postgres else None,
        database_schema_prefix=new_schema_prefix(),
    )
    var_dir.mkdir(parents=True, exist_ok=True)
    try:
        return _measure(settings, count, profile, mixed=mixed)
    finally:
        if postgres:
            _drop_schemas(settings.database_schema_prefix)


def _drop_schemas(prefix: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        names = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", (prefix + "%",)
        ).fetchall()
        for (name,) in names:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))


def _measure(
    settings: RuntimeSettings, count: int, profile: Path | None, *, mixed: bool
) -> RebuildFigures:
    asyncio.run(fill_topics(settings, count, mixed=mixed))
    log = fill_store(settings, count)
    try:
        notifications = raw_notification_read(log)
    finally:
        log.close()
    topic_read = asyncio.run(raw_topic_read(settings, count))
    profiler = cProfile.Profile() if profile else None
    if profiler is not None:
        profiler.enable()
    report = asyncio.run(rebuild(settings, statistics_projection))
    if profiler is not None and profile is not None:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").dump_stats(profile)
    if report.applied + report.skipped != count or (report.skipped > 0) != mixed:
        msg = f"rebuild applied {report.applied} and skipped {report.skipped} of {count} events"
        raise AssertionError(msg)
    return RebuildFigures(count, report.rate, topic_read, notifications)


def print_figures(figures: RebuildFigures, *, heading: bool = True) -> None:
    if heading:
        print(f"{'figure':<40} {'rate':>12} {'baseline':>12} {'ratio':>7}")
    name = f"rebuild statistics ({figures.count:,} events)"
    rate, raw = figures.rebuild, figures.raw_topic_read
    print(f"{name:<40} {rate:>10,.0f}/s {raw:>10,.0f}/s {figures.ratio:>7.0%}")
    name = "  vs raw notification read"
    print(
        f"{name:<40} {figures.rebuild:>10,.0f}/s {figures.raw_notification_read:>10,.0f}/s "
        f"{figures.ratio_to_notifications:>7.0%}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=200_000, help="events on the topics")
    parser.add_argument("--profile", type=Path, help="write cProfile stats of the rebuild here")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL stores")
    parser.add_argument(
        "--mixed", action="store_true", help="every other event a type the statistics skip"
    )
    args = parser.parse_args()
    with EmbeddedBroker(free_port()) as broker, tempfile.TemporaryDirectory() as tmp:
        figures = measure(
            broker.bootstrap,
            Path(tmp),
            args.count,
            args.profile,
            postgres=args.postgres,
            mixed=args.mixed,
        )
    print_figures(figures)
    if args.profile:
        pstats.Stats(str(args.profile)).sort_stats("tottime").print_stats(25)


def as_json(figures: RebuildFigures) -> dict[str, float]:
    return {
        "count": figures.count,
        "rate": figures.rebuild,
        "raw_topic_read": figures.raw_topic_read,
        "raw_notification_read": figures.raw_notification_read,
        "ratio": figures.ratio,
    }


if __name__ == "__main__":
    main()
