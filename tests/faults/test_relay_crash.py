"""Fault: the relay dies after publishing and before recording its position."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime

from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import RelayPositions
from tests.faults.escalation_downstream import (
    assert_noted_once,
    consent_topic,
    consents_recorded,
    consumed_by_escalation,
    subject_ids,
)
from tests.support import ROOT, drain_relay, metric_value, read_topic, settings_env

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SUBJECTS = subject_ids(range(1, 6))


async def test_relay_killed_before_recording_does_not_send_again_what_the_topic_holds(
    runtime_settings: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    settings = runtime_settings
    consent = consents_recorded(settings, SUBJECTS, NOW)
    topic = consent_topic(settings)

    crashed = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "tests.faults.crashing_relay"],
        env={**os.environ, **settings_env(settings)},
        cwd=ROOT,
        timeout=60,
        capture_output=True,
        check=False,
    )

    assert crashed.returncode == -9, crashed.stderr.decode()[-2000:]
    assert len(read_topic(kafka.bootstrap, topic)) == len(SUBJECTS)  # published…
    assert RelayPositions(consent.recorder.datastore).load(topic).sequence == 0  # …not recorded

    await drain_relay(consent, settings, topic)  # the restarted relay

    records = read_topic(kafka.bootstrap, topic)
    assert len(records) == len(SUBJECTS)  # found on the topic, not sent again
    assert len({dict(r.headers)["ce_id"] for r in records}) == len(SUBJECTS)
    recorded = RelayPositions(consent.recorder.datastore).load(topic)
    assert recorded.sequence == consent.recorder.max_notification_id()  # and now recorded

    escalation, metrics = await consumed_by_escalation(settings, topic, len(SUBJECTS))
    assert_noted_once(escalation, SUBJECTS)
    assert metric_value(metrics, "handled", topic=topic, outcome="duplicate") == 0
