"""Fault: the relay's reads of its own topic bring nothing, and the relay stops for good.

Seen after the embedded broker lost its log mid-story (tests/faults/test_broker_restart.py,
failing in CI): the relay, on (re)starting, reads what lies past its recorded position so as
not to send it twice. A partition reported records there and sent none; the relay asked
again, forever, and published nothing more, so every later event stayed in its outbox.

In the same runs, the probe that checks the topic still holds what was acknowledged fetched
nothing at every check after the restart: the check could only decide from offsets.

The embedded broker does not do these on demand, so the relay's probe is swapped for one that
shows them: `PhantomEndConsumer` reports each partition's end two records further than what
any fetch brings; `WedgedConsumer`, once wedged, brings nothing from any fetch.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, ClassVar

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from contracts import events_topic
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.messaging.relay import outbox as relay_module
from services.runtime.messaging.relay import topic_log
from services.runtime.messaging.relay.outbox import OutboxRelay
from services.runtime.settings import RuntimeSettings
from tests.faults.test_relay_retention_is_not_loss import each_once, give_one_by_one, relaying
from tests.faults.test_untranslatable_notification import NOW, SUBJECTS
from tests.steps import record_consent
from tests.support import metric_value, reaches


class PhantomEndConsumer(AIOKafkaConsumer):  # type: ignore[misc]
    """The relay's probe, on a broker whose reported ends lie `phantom` records past its log."""

    phantom: ClassVar[int] = 0

    async def end_offsets(self, partitions: list[TopicPartition]) -> Any:
        ends = await super().end_offsets(partitions)
        return {tp: end + self.phantom if end else end for tp, end in ends.items()}


async def test_a_log_end_no_fetch_reaches_does_not_stop_the_relay(
    runtime_settings: RuntimeSettings, kafka: EmbeddedBroker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Asked a few times, then taken as holding nothing of ours: new events flow again,
    each on the topic once."""
    monkeypatch.setattr(relay_module, "AIOKafkaConsumer", PhantomEndConsumer)
    monkeypatch.setattr(PhantomEndConsumer, "phantom", 0)
    monkeypatch.setattr(topic_log, "LOG_PROBE_SECONDS", 0.5)
    settings = runtime_settings
    topic = events_topic("consent", prefix=settings.topic_prefix)
    async with relaying(settings) as (consent, relay, _, task):
        await give_one_by_one(consent, relay, task, SUBJECTS[:3])
    PhantomEndConsumer.phantom = 2
    async with relaying(settings) as (consent, relay, _, task):  # a restart reads the tail
        for subject_id in SUBJECTS[3:5]:
            record_consent(consent, subject_id, NOW)
        await reaches(relay, task, consent.recorder.max_notification_id() or 0, timeout=30)
        await healthy_again(relay, task)
    each_once(kafka.bootstrap, topic, 5)


async def healthy_again(
    relay: OutboxRelay, task: asyncio.Task[None], timeout: float = 10.0
) -> None:
    """The relay ends without an error standing. A check of the phantom tail may still be
    asking (LogUnanswered, asked again until taken as holding nothing) as the last event
    lands; on a busy machine that check can straddle the moment `reaches` returns."""
    deadline = time.monotonic() + timeout
    while relay.last_error is not None:
        assert not task.done(), "the relay stopped"
        assert time.monotonic() < deadline, relay.last_error
        await asyncio.sleep(0.05)


class WedgedConsumer(AIOKafkaConsumer):  # type: ignore[misc]
    """The relay's probe; those in `wedged` bring nothing from any fetch."""

    made: ClassVar[list[WedgedConsumer]] = []
    wedged: ClassVar[list[WedgedConsumer]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.made.append(self)

    async def getmany(self, *partitions: TopicPartition, timeout_ms: int = 0, **kwargs: Any) -> Any:
        if self in self.wedged:
            await asyncio.sleep(timeout_ms / 1000)
            return {}
        return await super().getmany(*partitions, timeout_ms=timeout_ms, **kwargs)


async def test_a_probe_that_fetches_nothing_is_replaced_not_kept(
    runtime_settings: RuntimeSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next log check is made with a new probe: no republish, no reconnect, events flow."""
    monkeypatch.setattr(relay_module, "AIOKafkaConsumer", WedgedConsumer)
    monkeypatch.setattr(WedgedConsumer, "made", [])
    monkeypatch.setattr(WedgedConsumer, "wedged", [])
    monkeypatch.setattr(topic_log, "LOG_PROBE_SECONDS", 0.5)
    settings = runtime_settings
    topic = events_topic("consent", prefix=settings.topic_prefix)
    async with relaying(settings) as (consent, relay, metrics, task):
        await give_one_by_one(consent, relay, task, SUBJECTS[:3])
        WedgedConsumer.wedged.extend(WedgedConsumer.made)
        for _ in range(100):  # a log check every 0.5 s, each fetch bounded by 1.5 s
            if len(WedgedConsumer.made) > len(WedgedConsumer.wedged):
                break
            await asyncio.sleep(0.1)
        assert len(WedgedConsumer.made) > len(WedgedConsumer.wedged), "the probe was kept"
        await give_one_by_one(consent, relay, task, SUBJECTS[3:5])
        assert relay.last_error is None
        assert metric_value(metrics, "republishes", topic=topic) == 0
