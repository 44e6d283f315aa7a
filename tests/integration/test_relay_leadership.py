"""Several replicas of a service on one PostgreSQL schema: one relay publishes at a time,
and another takes over when it stops, from the recorded position."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from datetime import UTC, datetime, timedelta

from prometheus_client import CollectorRegistry

from contracts import events_topic
from services.consent.application import ConsentApplication
from services.consent.translate import to_integration_event
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.messaging.relay.metrics import RelayMetrics
from services.runtime.messaging.relay.outbox import OutboxRelay
from services.runtime.settings import RuntimeSettings
from services.runtime.store.leadership import AdvisoryLockLeadership, leadership_for
from tests.steps import SIP_PARTIES, consent_store, record_consent
from tests.support import PG_URL, eventually, outbox_relay, read_topic

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def give(app: ConsentApplication, n: int) -> None:
    record_consent(app, f"{n:064x}", NOW, purpose="sip", parties=SIP_PARTIES, form="oral")


def replica(
    settings: RuntimeSettings, topic: str
) -> tuple[ConsentApplication, OutboxRelay, RelayMetrics]:
    app = consent_store(settings, longest_emergency_disclosure=timedelta(hours=1))
    datastore = app.recorder.datastore  # type: ignore[attr-defined]
    metrics = RelayMetrics.register(CollectorRegistry())
    leadership = leadership_for(datastore, f"samverkan.relay:{topic}")
    relay = outbox_relay(app, settings, topic, to_integration_event, metrics, leadership)
    return app, relay, metrics


async def stopped(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def leading(metrics: RelayMetrics, topic: str) -> float:
    value: float = metrics.leading.labels(topic)._value.get()
    return value


async def test_one_replica_relays_and_another_takes_over_where_it_stopped(
    runtime_settings: RuntimeSettings, kafka: EmbeddedBroker, pg_schema_prefix: str
) -> None:
    settings = runtime_settings.model_copy(
        update={"database_url": PG_URL, "database_schema_prefix": pg_schema_prefix}
    )
    topic = events_topic("consent", prefix=settings.topic_prefix)
    app, first, first_metrics = replica(settings, topic)
    _, second, second_metrics = replica(settings, topic)
    first_task = asyncio.create_task(first.run())
    second_task: asyncio.Task[None] | None = None
    try:
        await eventually(lambda: leading(first_metrics, topic) == 1)
        second_task = asyncio.create_task(second.run())
        for n in range(10):
            give(app, n)

        await eventually(lambda: len(read_topic(kafka.bootstrap, topic)) == 10)
        assert leading(second_metrics, topic) == 0  # stood by the whole time

        await stopped(first_task)
        # Within a poll of the lock (2 s); the bound is generous for a loaded CI machine,
        # and a miss says what the standby last met.
        try:
            await eventually(lambda: leading(second_metrics, topic) == 1, timeout=60)
        except AssertionError as missed:
            raise AssertionError(f"no takeover; standby met {second.last_error}") from missed
        for n in range(10, 15):
            give(app, n)
        await eventually(lambda: len(read_topic(kafka.bootstrap, topic)) >= 15)
    finally:
        await stopped(first_task)
        if second_task is not None:
            await stopped(second_task)

    ids = [dict(r.headers)["ce_id"] for r in read_topic(kafka.bootstrap, topic)]
    assert len(ids) == len(set(ids)) == 15  # nothing published twice


def contending(
    runtime_settings: RuntimeSettings, pg_schema_prefix: str, lock: str, lease_seconds: float
) -> tuple[AdvisoryLockLeadership, AdvisoryLockLeadership]:
    """Two replicas' leaderships of one lock, on consent's store in the test's own schemas."""
    settings = runtime_settings.model_copy(
        update={"database_url": PG_URL, "database_schema_prefix": pg_schema_prefix}
    )
    app = consent_store(settings, longest_emergency_disclosure=timedelta(hours=1))
    datastore = app.recorder.datastore  # type: ignore[attr-defined]
    name = f"samverkan.relay:{pg_schema_prefix}{lock}"
    first = AdvisoryLockLeadership(datastore, name, lease_seconds=lease_seconds)
    return first, AdvisoryLockLeadership(datastore, name, lease_seconds=lease_seconds)


async def test_a_leader_keeps_its_lease_while_it_renews_and_loses_it_when_it_stops(
    runtime_settings: RuntimeSettings, pg_schema_prefix: str
) -> None:
    """The lease (services.runtime.store.leadership): renewed, it outlives several leases;
    unrenewed (a frozen event loop), the server ends the lock session within the lease,
    a contender takes over, and the old leader says so without a round trip."""
    first, second = contending(runtime_settings, pg_schema_prefix, "lease", lease_seconds=1.0)
    await first.acquire()
    contender = asyncio.create_task(second.acquire())
    try:
        await asyncio.sleep(3.5)  # three leases, renewed
        assert not contender.done()
        assert await first.still_leading()

        assert first._renewing is not None
        first._renewing.cancel()  # stops renewing, as a frozen process does
        await asyncio.wait_for(contender, timeout=3.0)
        assert not await first.still_leading()
    finally:
        contender.cancel()
        await first.release()
        await second.release()


async def test_a_replica_stopped_while_it_asks_for_the_lock_does_not_keep_it(
    runtime_settings: RuntimeSettings, pg_schema_prefix: str
) -> None:
    """Stopping a relay while its poll for the lock is in flight left the lock taken by the
    poll's thread: unrenewed and never released, it kept every other replica standing by
    until the server's idle timeout ended the session a whole lease later."""
    stopped, other = contending(runtime_settings, pg_schema_prefix, "cancelled", lease_seconds=15.0)
    asked = threading.Event()
    try_lock = stopped._try_lock

    def slow_try_lock() -> bool:
        locked = try_lock()
        asked.set()
        time.sleep(0.5)  # the lock is taken, its answer still on the way, when stopped
        return locked

    stopped._try_lock = slow_try_lock  # type: ignore[method-assign]
    asking = asyncio.create_task(stopped.acquire())
    await asyncio.to_thread(asked.wait)
    asking.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await asking
    try:
        await asyncio.wait_for(other.acquire(), timeout=5.0)  # well inside the 15 s lease
    finally:
        await other.release()
        await stopped.release()
