"""The relay's check that its topic still holds what it published runs beside the rounds
(#24): a check slow to answer holds no event back, and a loss it finds is still acted on,
between rounds, by republishing everything.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from prometheus_client import CollectorRegistry

from contracts import decode, events_topic
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.messaging.relay.metrics import RelayMetrics
from services.runtime.messaging.relay.topic_log import TopicLog
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import RelayPosition
from tests.steps import consent_store, record_consent
from tests.support import metric_value, outbox_relay, reaches, read_topic, running_relay

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PARTIES = ["SE2321000016-POL1", "SE2120000001-SOC1"]


async def test_a_slow_log_check_holds_no_event_back_and_its_loss_still_republishes(
    backend_settings: RuntimeSettings, kafka: EmbeddedBroker, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer = asyncio.Event()
    checked: list[RelayPosition] = []

    async def slow_loss(self: TopicLog, probe: object, position: RelayPosition) -> str | None:
        checked.append(position)
        if len(checked) > 1:
            return None
        await answer.wait()  # the broker takes its time with the first check
        return "lost, as the test says"

    monkeypatch.setattr(TopicLog, "loss", slow_loss)
    app = consent_store(backend_settings)
    topic = events_topic("consent", prefix=backend_settings.topic_prefix)
    metrics = RelayMetrics.register(CollectorRegistry())
    relay = outbox_relay(app, backend_settings, topic, metrics=metrics)
    async with running_relay(relay) as task:
        for n in range(3):
            await asyncio.to_thread(record_consent, app, f"{n:064x}", NOW, parties=PARTIES)
            relay.wake()
            await reaches(relay, task, n + 1)  # while the first check still waits
        assert len(checked) == 1
        answer.set()
        for _ in range(200):  # the check's finding is taken up between two rounds
            if metric_value(metrics, "republishes", topic=topic):
                break
            await asyncio.sleep(0.05)
        assert metric_value(metrics, "republishes", topic=topic) == 1
        await reaches(relay, task, 3)

    sequences = [decode(r.value, r.headers).sequence for r in read_topic(kafka.bootstrap, topic)]
    assert sorted(sequences) == [1, 1, 2, 2, 3, 3]  # sent, then all of it again after the loss
