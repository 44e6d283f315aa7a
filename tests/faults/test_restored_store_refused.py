"""Fault: the producer's store is restored from a backup older than what it published.

Issue #19, item 10. The restored store hands out notification ids the relay
had already published: consumers, having seen those sequence numbers, drop
the new events as duplicates — silently, for good. The relay now reads the
last messages of its topic before publishing; a sequence above the store's
newest event means the store is behind, and the relay refuses (ERROR log,
readiness "relay failing: … refuses to publish …") instead of reusing them.
The normal cases still start: an empty topic (first start) and a topic with
only what this store published (a restart).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from contracts import events_topic
from services.consent.application import ConsentApplication
from services.consent.translate import to_integration_event
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.messaging.relay.metrics import RelayMetrics
from services.runtime.messaging.relay.outbox import OutboxRelay
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import RelayPositions, store_env
from tests.faults.test_untranslatable_notification import SUBJECTS, give, reaches
from tests.support import eventually, read_topic


def open_consent(settings: RuntimeSettings) -> ConsentApplication:
    return ConsentApplication(
        env=store_env(settings, "consent"), longest_emergency_disclosure=timedelta(hours=72)
    )


def start_relay(
    settings: RuntimeSettings, consent: ConsentApplication
) -> tuple[OutboxRelay, asyncio.Task[None]]:
    relay = OutboxRelay(
        app=consent,
        translate=to_integration_event,
        topic=events_topic("consent", prefix=settings.topic_prefix),
        settings=settings,
        positions=RelayPositions(consent.recorder.datastore),  # type: ignore[attr-defined]
        metrics=RelayMetrics.register(CollectorRegistry()),
    )
    return relay, asyncio.create_task(relay.run())


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def copy_database(source: Path, target: Path) -> None:
    """SQLite's online backup: the whole database, as a backup tool takes it."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


async def test_a_store_restored_behind_its_topic_is_refused_not_published(
    runtime_settings: RuntimeSettings,
    kafka: EmbeddedBroker,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = runtime_settings
    topic = events_topic("consent", prefix=settings.topic_prefix)
    database = settings.var_dir / "consent.db"
    backup = tmp_path / "consent-backup.db"

    consent = open_consent(settings)  # first start: an empty topic
    for subject_id in SUBJECTS[:2]:
        give(consent, subject_id)
    relay, task = start_relay(settings, consent)
    await reaches(relay, task, 2)
    await stop(task)
    consent.close()
    copy_database(database, backup)  # the nightly backup

    consent = open_consent(settings)  # a restart: the topic holds only our own messages
    for subject_id in SUBJECTS[2:6]:
        give(consent, subject_id)
    relay, task = start_relay(settings, consent)
    await reaches(relay, task, 6)
    await stop(task)
    consent.close()
    published = read_topic(kafka.bootstrap, topic)
    assert len(published) == 6

    copy_database(backup, database)  # the disk is lost; the backup comes back
    consent = open_consent(settings)
    assert consent.recorder.max_notification_id() == 2
    with caplog.at_level(logging.ERROR, logger="services.runtime.messaging.relay"):
        relay, task = start_relay(settings, consent)
        try:
            await eventually(lambda: relay.last_error is not None, timeout=20)
            give(consent, SUBJECTS[6])  # would be published as sequence 3, seen before
            relay.wake()
            await asyncio.sleep(1)
            assert not task.done()  # still there, saying why (readiness), not crashed
        finally:
            await stop(task)
            consent.close()
    assert relay.last_error is not None
    assert "refuses to publish" in relay.last_error
    assert "holds sequence 6" in relay.last_error
    assert "newest event is 2" in relay.last_error
    assert "docs/runbook.md" in relay.last_error
    assert any("refuses to publish" in r.getMessage() for r in caplog.records)
    assert relay.position.sequence == 2
    after = read_topic(kafka.bootstrap, topic)
    assert len(after) == 6  # the new event was not sent under a reused number
    sequences = [dict(r.headers)["ce_sequence"] for r in after]
    assert sorted(sequences) == [str(n).encode() for n in range(1, 7)]
