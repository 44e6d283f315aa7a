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
from pathlib import Path

import pytest

from contracts import events_topic
from services.consent.application import ConsentApplication
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.messaging.relay.outbox import OutboxRelay
from services.runtime.settings import RuntimeSettings
from tests.faults.test_untranslatable_notification import NOW, SUBJECTS
from tests.steps import consent_store, record_consent
from tests.support import eventually, outbox_relay, reaches, read_topic


def start_relay(
    settings: RuntimeSettings, consent: ConsentApplication
) -> tuple[OutboxRelay, asyncio.Task[None]]:
    relay = outbox_relay(consent, settings, events_topic("consent", prefix=settings.topic_prefix))
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

    consent = consent_store(settings)  # first start: an empty topic
    for subject_id in SUBJECTS[:2]:
        record_consent(consent, subject_id, NOW)
    relay, task = start_relay(settings, consent)
    await reaches(relay, task, 2)
    await stop(task)
    consent.close()
    copy_database(database, backup)  # the nightly backup

    consent = consent_store(settings)  # a restart: the topic holds only our own messages
    for subject_id in SUBJECTS[2:6]:
        record_consent(consent, subject_id, NOW)
    relay, task = start_relay(settings, consent)
    await reaches(relay, task, 6)
    await stop(task)
    consent.close()
    published = read_topic(kafka.bootstrap, topic)
    assert len(published) == 6

    copy_database(backup, database)  # the disk is lost; the backup comes back
    consent = consent_store(settings)
    assert consent.recorder.max_notification_id() == 2
    with caplog.at_level(logging.ERROR, logger="services.runtime.messaging.relay"):
        relay, task = start_relay(settings, consent)
        try:
            await eventually(lambda: relay.last_error is not None, timeout=20)
            record_consent(
                consent, SUBJECTS[6], NOW
            )  # would be published as sequence 3, seen before
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
