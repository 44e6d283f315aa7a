"""Fault: the relay dies after publishing and before recording its position."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime

from contracts import events_topic
from services.escalation.application import EscalationApplication
from services.escalation.domain import authorisations_id
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import RelayPositions, store_env
from tests.steps import consent_store, record_consent
from tests.support import (
    ROOT,
    drain_relay,
    eventually,
    metric_value,
    read_topic,
    running_consumer,
    settings_env,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SUBJECTS = [f"{n:064x}" for n in range(1, 6)]


async def test_relay_killed_before_recording_does_not_send_again_what_the_topic_holds(
    runtime_settings: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    settings = runtime_settings
    consent = consent_store(settings)
    for subject_id in SUBJECTS:
        record_consent(consent, subject_id, NOW)
    topic = events_topic("consent", prefix=settings.topic_prefix)

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

    escalation = EscalationApplication(env=store_env(settings, "escalation"))
    async with running_consumer(settings, escalation, ["consent"], "escalation") as metrics:
        await eventually(
            lambda: (
                metric_value(metrics, "handled", topic=topic, outcome="applied") == len(SUBJECTS)
            )
        )
    for subject_id in SUBJECTS:
        view = escalation.repository.get(authorisations_id(subject_id))
        assert view.version == 2  # opened + noted once
        assert len(view.consents) == 1
    assert metric_value(metrics, "handled", topic=topic, outcome="duplicate") == 0
