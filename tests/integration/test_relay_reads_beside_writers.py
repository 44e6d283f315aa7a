"""On a SQLite file the relay reads new events beside the store's writers, not behind them
(#24): eventsourcing's pool queues every request behind a writer waiting for the write
lock, so each event reached the relay up to a commit late under a stream of commands.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest

from contracts import decode, events_topic
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.messaging.relay import outbox
from services.runtime.settings import RuntimeSettings
from tests.steps import consent_store, record_consent
from tests.support import outbox_relay, reaches, read_topic, running_relay

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PARTIES = ["SE2321000016-POL1", "SE2120000001-SOC1"]


@contextmanager
def writers_queued(datastore: Any) -> Iterator[None]:
    """One writer holds the pool's write connection; a second waits for it, first in
    the pool's queue (a command committing, and the next one)."""
    release = threading.Event()
    holding = threading.Event()

    def hold() -> None:
        with datastore.transaction(commit=True):
            holding.set()
            release.wait(timeout=30)

    def queue() -> None:
        with datastore.transaction(commit=True):
            pass

    first = threading.Thread(target=hold)
    first.start()
    holding.wait(timeout=10)
    second = threading.Thread(target=queue)
    second.start()
    try:
        yield
    finally:
        release.set()
        first.join()
        second.join()


async def test_the_relay_reads_a_new_event_while_writers_queue_for_the_store(
    runtime_settings: RuntimeSettings, kafka: EmbeddedBroker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox, "IDLE_POLL_SECONDS", 60.0)  # it reads when woken
    app = consent_store(runtime_settings)
    topic = events_topic("consent", prefix=runtime_settings.topic_prefix)
    record_consent(app, f"{1:064x}", NOW, parties=PARTIES, form="oral")
    relay = outbox_relay(app, runtime_settings, topic)
    async with running_relay(relay) as task:
        await reaches(relay, task, 1)
        record_consent(app, f"{2:064x}", NOW, parties=PARTIES, form="oral")
        with writers_queued(app.recorder.datastore):  # type: ignore[attr-defined]
            relay.wake()
            await reaches(relay, task, 2, timeout=3)  # before the queued writer gives up (5 s)
    records = read_topic(kafka.bootstrap, topic)
    assert [decode(r.value, r.headers).sequence for r in records] == [1, 2]
