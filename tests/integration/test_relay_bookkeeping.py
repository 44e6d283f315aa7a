"""The outbox relay writes its position down every so often, not after every batch (#24).

The position only spares a restarted relay work: it reads back what the topic
holds past it and sends none of that again (tests/faults/test_relay_crash.py).
Written after every batch, it was a commit the next batch waited for, and on
SQLite one more writer the commands' own commits queued behind. Both stores
(`store_backend`); the stores are real, counted where the relay writes them.
"""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry

from contracts import decode, events_topic
from services.consent.translate import to_integration_event
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.messaging.relay.metrics import RelayMetrics
from services.runtime.messaging.relay.outbox import OutboxRelay
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import RelayPosition, RelayPositions
from tests.steps import consent_store, record_consent
from tests.support import reaches, read_topic, running_relay

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PARTIES = ["SE2321000016-POL1", "SE2120000001-SOC1"]
EVENTS = 12
BATCH = 2


class CountedPositions(RelayPositions):
    """The relay's real position table, counting the times the relay writes it."""

    saves = 0

    def __init__(self, datastore: Any) -> None:
        super().__init__(datastore)
        self._saved = threading.Condition()

    def save(self, topic: str, position: RelayPosition) -> None:
        super().save(topic, position)
        with self._saved:
            self.saves += 1
            self._saved.notify_all()

    def wait_for_saves(self, count: int, timeout: float = 10.0) -> None:
        """Until `count` writes are done (in a worker thread: it blocks)."""
        with self._saved:
            if not self._saved.wait_for(lambda: self.saves >= count, timeout):
                raise AssertionError(f"{self.saves} of {count} positions written")


async def relay_all(
    settings: RuntimeSettings, interval: float, recorded: int = 0
) -> tuple[CountedPositions, str]:
    """Store `EVENTS` consents, then relay them `BATCH` at a time until stopped, once
    `recorded` positions are written.

    The relay reaches its head before the last batch's record is written; stopped
    in that moment, the write still completes in its thread while the cancelled
    relay holds the position as unrecorded and writes it once more on its way out
    (the same position, harmless; but one write more than counted, now and then
    under load, on the code before and after #24's fourth round)."""
    settings = settings.model_copy(
        update={"relay_position_interval_seconds": interval, "relay_batch_size": BATCH}
    )
    app = consent_store(settings)
    for n in range(EVENTS):
        record_consent(app, f"{n:064x}", NOW, parties=PARTIES, form="oral")
    topic = events_topic("consent", prefix=settings.topic_prefix)
    positions = CountedPositions(app.recorder.datastore)  # type: ignore[attr-defined]
    relay = OutboxRelay(
        app=app,
        translate=to_integration_event,
        topic=topic,
        settings=settings,
        positions=positions,
        metrics=RelayMetrics.register(CollectorRegistry()),
    )
    async with running_relay(relay) as task:
        await reaches(relay, task, EVENTS)
        await asyncio.to_thread(positions.wait_for_saves, recorded)
    return positions, topic


async def test_a_relay_records_its_position_once_for_many_batches_and_all_of_it_by_its_stop(
    backend_settings: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    positions, topic = await relay_all(backend_settings, interval=60.0)

    # Six batches back to back, one record: when it went idle, or when it stopped.
    # Before #24: one per batch.
    assert positions.saves == 1
    assert positions.load(topic).sequence == EVENTS
    published = [decode(r.value, r.headers).sequence for r in read_topic(kafka.bootstrap, topic)]
    assert sorted(published) == list(range(1, EVENTS + 1))  # each once


async def test_with_an_interval_of_zero_a_relay_records_its_position_after_every_batch(
    backend_settings: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    positions, topic = await relay_all(backend_settings, interval=0.0, recorded=EVENTS // BATCH)

    assert positions.saves == EVENTS // BATCH
    assert positions.load(topic).sequence == EVENTS


class HeldPositions(CountedPositions):
    """The position table, whose first write waits until the test lets it through (a
    commit queued behind the commands' writers)."""

    def __init__(self, datastore: Any) -> None:
        super().__init__(datastore)
        self.let_through = threading.Event()

    def save(self, topic: str, position: RelayPosition) -> None:
        if not self.saves:
            self.let_through.wait(timeout=30)
        super().save(topic, position)


async def test_a_slow_position_write_holds_no_round_back_and_the_newest_position_is_kept(
    backend_settings: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    settings = backend_settings.model_copy(update={"relay_position_interval_seconds": 0.01})
    app = consent_store(settings)
    topic = events_topic("consent", prefix=settings.topic_prefix)
    positions = HeldPositions(app.recorder.datastore)  # type: ignore[attr-defined]
    relay = OutboxRelay(
        app=app,
        translate=to_integration_event,
        topic=topic,
        settings=settings,
        positions=positions,
        metrics=RelayMetrics.register(CollectorRegistry()),
    )
    async with running_relay(relay) as task:
        for n in range(EVENTS):  # the first round's record is due, and held, at once
            await asyncio.to_thread(record_consent, app, f"{n:064x}", NOW, parties=PARTIES)
            relay.wake()
            await reaches(relay, task, n + 1, timeout=10)
        assert positions.saves == 0  # all of them sent while the first write waited
        positions.let_through.set()
    # stopped: the write in progress finished, and the newest position was recorded after it
    assert positions.load(topic).sequence == EVENTS
    published = [decode(r.value, r.headers).sequence for r in read_topic(kafka.bootstrap, topic)]
    assert sorted(published) == list(range(1, EVENTS + 1))
