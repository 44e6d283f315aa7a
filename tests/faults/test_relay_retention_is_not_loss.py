"""Fault: a slow broker, and retention moving the log start, taken for a lost log.

Issue #19, item 4. The relay checked the log by fetching its last message
with a 1.5 s bound and, when nothing came, took the log for lost and
republished the whole store: a broker that was merely slow to answer a fetch
doubled every message on the topic. Retention removing our
last message (the log start moved past it) was taken for a loss the same way.
Now the relay reads log start and end first, calls a moved log start with
the end where we left it retention, and asks a slow broker again instead of
deciding.

The embedded broker enforces no retention and answers fetches at once, so the
relay's probe is swapped for one that shows it such a broker:
`RetainingConsumer` as a broker looks once retention removed everything
before a given offset (the log start there, fetches below it out of range),
`SlowConsumer` as one whose fetches bring nothing for a while.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, ClassVar

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import OffsetOutOfRangeError
from prometheus_client import CollectorRegistry

from contracts import events_topic
from services.consent.application import ConsentApplication
from services.consent.translate import to_integration_event
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.messaging.relay import outbox as relay_module
from services.runtime.messaging.relay.metrics import RelayMetrics
from services.runtime.messaging.relay.outbox import OutboxRelay
from services.runtime.settings import RuntimeSettings
from tests.faults.test_untranslatable_notification import NOW, SUBJECTS
from tests.steps import consent_store, record_consent
from tests.support import metric_value, outbox_relay, reaches, read_topic, running_relay


@asynccontextmanager
async def relaying(
    settings: RuntimeSettings,
) -> AsyncIterator[tuple[ConsentApplication, OutboxRelay, RelayMetrics, asyncio.Task[None]]]:
    consent = consent_store(settings)
    metrics = RelayMetrics.register(CollectorRegistry())
    topic = events_topic("consent", prefix=settings.topic_prefix)
    relay = outbox_relay(consent, settings, topic, to_integration_event, metrics)
    try:
        async with running_relay(relay) as task:
            yield consent, relay, metrics, task
    finally:
        consent.close()


async def give_one_by_one(
    consent: ConsentApplication, relay: OutboxRelay, task: asyncio.Task[None], subjects: list[str]
) -> None:
    """Each event published before the next is stored: one record per produce."""
    for subject_id in subjects:
        record_consent(consent, subject_id, NOW)
        relay.wake()
        await reaches(relay, task, consent.recorder.max_notification_id() or 0)


def each_once(bootstrap: str, topic: str, expected: int) -> None:
    ce_ids = [dict(r.headers)["ce_id"] for r in read_topic(bootstrap, topic)]
    assert len(ce_ids) == expected, f"{len(ce_ids)} messages for {expected} events"
    assert len(set(ce_ids)) == len(ce_ids)


class SlowConsumer(AIOKafkaConsumer):  # type: ignore[misc]
    """The relay's probe, on a broker that answers no fetch until `slow_until`.

    Metadata and list-offsets still answer; a fetch brings nothing within its
    bound, as it does when the broker is loaded or a fetch waits at the broker.
    """

    slow_until: ClassVar[float] = 0.0

    async def getmany(self, *partitions: TopicPartition, timeout_ms: int = 0, **kwargs: Any) -> Any:
        if time.monotonic() < self.slow_until:
            await asyncio.sleep(timeout_ms / 1000)
            return {}
        return await super().getmany(*partitions, timeout_ms=timeout_ms, **kwargs)


async def test_a_broker_slow_to_answer_the_log_check_is_not_a_lost_log(
    runtime_settings: RuntimeSettings, kafka: EmbeddedBroker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """#19, item 4: fetches unanswered for seconds are asked again, not taken for loss."""
    monkeypatch.setattr(relay_module, "AIOKafkaConsumer", SlowConsumer)
    monkeypatch.setattr(SlowConsumer, "slow_until", 0.0)
    settings = runtime_settings
    topic = events_topic("consent", prefix=settings.topic_prefix)
    async with relaying(settings) as (consent, relay, metrics, task):
        await give_one_by_one(consent, relay, task, SUBJECTS[:4])
        SlowConsumer.slow_until = time.monotonic() + 4
        await asyncio.sleep(7)  # log checks during the slow spell, and after it
        await give_one_by_one(consent, relay, task, SUBJECTS[4:6])  # still flowing
        assert metric_value(metrics, "republishes", topic=topic) == 0
    each_once(kafka.bootstrap, topic, 6)


class RetainingConsumer(AIOKafkaConsumer):  # type: ignore[misc]
    """The relay's probe, on a broker whose retention removed all before `log_start`."""

    log_start: ClassVar[dict[int, int]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sought: dict[TopicPartition, int] = {}

    def seek(self, partition: TopicPartition, offset: int) -> None:
        self._sought[partition] = offset
        super().seek(partition, offset)

    async def beginning_offsets(self, partitions: list[TopicPartition]) -> Any:
        offsets = await super().beginning_offsets(partitions)
        return {tp: max(o, self.log_start.get(tp.partition, 0)) for tp, o in offsets.items()}

    async def getmany(self, *partitions: TopicPartition, **kwargs: Any) -> Any:
        for tp in partitions:
            if self._sought.get(tp, 0) < self.log_start.get(tp.partition, 0):
                raise OffsetOutOfRangeError({tp: self._sought[tp]})
        return await super().getmany(*partitions, **kwargs)


async def test_retention_past_the_last_message_is_not_a_lost_log(
    runtime_settings: RuntimeSettings, kafka: EmbeddedBroker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """#19, item 4: the log start moved past our last message, the end did not: no republish."""
    monkeypatch.setattr(relay_module, "AIOKafkaConsumer", RetainingConsumer)
    monkeypatch.setattr(RetainingConsumer, "log_start", {})
    settings = runtime_settings
    topic = events_topic("consent", prefix=settings.topic_prefix)
    async with relaying(settings) as (consent, relay, metrics, task):
        await give_one_by_one(consent, relay, task, SUBJECTS[:5])
        # Retention removes every partition's messages, up to and including our last.
        RetainingConsumer.log_start.update(relay.position.ends)
        await asyncio.sleep(3)  # several log checks
        assert metric_value(metrics, "republishes", topic=topic) == 0
        await give_one_by_one(consent, relay, task, SUBJECTS[5:7])  # the chain goes on
        assert metric_value(metrics, "republishes", topic=topic) == 0
        assert relay.last_error is None
    each_once(kafka.bootstrap, topic, 7)
