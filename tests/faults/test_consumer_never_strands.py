"""Fault (#19, item 2): an exception that escaped the batch handler stranded records.

A failed dead-letter send or a store outage while recording a skip raised out
of the handler; the rest of the fetched batch was never applied (until some
later gap forced a rewind) while the lag gauge read 0. What is transient is
now retried with backoff; anything else seeks the partition back to its first
unhandled record.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaConnectionError
from eventsourcing.persistence import OperationalError, Tracking
from faststream.kafka import KafkaBroker, KafkaMessage
from prometheus_client import CollectorRegistry

from contracts import PARTITIONS, dlq_topic, events_topic
from services.escalation.application import EscalationApplication
from services.runtime.messaging.consumer.metrics import ConsumerMetrics
from services.runtime.messaging.consumer.subscription import TrackedConsumer
from services.runtime.messaging.consumer.target import TrackedTarget
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.messaging.kafka import ensure_topics
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env
from tests.faults.test_poison_in_chain import given, noted
from tests.support import eventually, produce_raw, read_topic, running_consumer


class DeadLettersUnavailable(KafkaBroker):
    """The broker, with its dead-letter topic unreachable for the first `failures` sends."""

    def __init__(self, *args: Any, dead_letters: str, failures: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dead_letters, self.failures = dead_letters, failures

    async def publish(self, *args: Any, topic: str = "", **kwargs: Any) -> Any:
        if topic == self.dead_letters and self.failures > 0:
            self.failures -= 1
            raise KafkaConnectionError("dead-letter topic unreachable")
        return await super().publish(*args, topic=topic, **kwargs)  # type: ignore[call-overload]


def failing_for(consent: int, target: TrackedTarget, **faults: Any) -> TrackedTarget:
    """`target` whose effect of `consent` keeps failing (a handler bug), and whose
    tracking store fails as `faults` say while that skip is recorded."""

    def process_event(event: Any, tracking: Tracking) -> None:
        if event.consent_id.int == consent:
            raise RuntimeError("policy bug")
        target.process_event(event, tracking)

    outages = list(faults.get("outages", ()))

    def insert_tracking(tracking: Tracking) -> None:
        if outages:
            raise outages.pop(0)
        target.insert_tracking(tracking)

    return replace(
        target, process_event=process_event, insert_tracking=insert_tracking, process_events=None
    )


async def test_a_dead_letter_topic_unavailable_for_a_while_strands_nothing(
    runtime_settings: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    settings = runtime_settings
    topic = events_topic("consent", prefix=settings.topic_prefix)
    dead_letters = dlq_topic("escalation", prefix=settings.topic_prefix)
    escalation = EscalationApplication(env=store_env(settings, "escalation"))
    key = given(1)[0]
    garbage = (key, b"not an event", [("content-type", b"application/json")])
    await produce_raw(kafka.bootstrap, topic, [given(1), garbage, given(2)])
    broker = DeadLettersUnavailable(
        settings.kafka_bootstrap, log_level=logging.DEBUG, dead_letters=dead_letters, failures=3
    )

    async with running_consumer(settings, escalation, ["consent"], "escalation", broker=broker):
        await eventually(lambda: noted(escalation) == [1, 2], timeout=15)
    assert broker.failures == 0
    assert [r.value for r in read_topic(kafka.bootstrap, dead_letters)] == [b"not an event"]
    escalation.close()


async def test_a_store_outage_while_recording_a_skip_strands_nothing(
    runtime_settings: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    settings = runtime_settings
    topic = events_topic("consent", prefix=settings.topic_prefix)
    escalation = EscalationApplication(env=store_env(settings, "escalation"))
    await produce_raw(kafka.bootstrap, topic, [given(1), given(2), given(3)])
    outage = OperationalError("database is locked")
    target = failing_for(
        2, TrackedTarget.of(escalation, escalation.recorder), outages=[outage, outage]
    )

    async with running_consumer(settings, escalation, ["consent"], "escalation", target=target):
        await eventually(lambda: noted(escalation) == [1, 3], timeout=15)
    escalation.close()


async def test_an_unexpected_failure_reads_the_partition_again_from_the_first_unhandled(
    runtime_settings: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    settings = runtime_settings
    topic = events_topic("consent", prefix=settings.topic_prefix)
    escalation = EscalationApplication(env=store_env(settings, "escalation"))
    await produce_raw(kafka.bootstrap, topic, [given(1), given(2), given(3)])
    target = failing_for(
        2, TrackedTarget.of(escalation, escalation.recorder), outages=[RuntimeError("bug")]
    )

    async with running_consumer(settings, escalation, ["consent"], "escalation", target=target):
        await eventually(lambda: noted(escalation) == [1, 3], timeout=15)
    escalation.close()


async def test_a_dead_letter_waiting_for_its_topic_gives_way_when_the_partition_is_reassigned(
    runtime_settings: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    """Found by the campaign: two reporting consumers sent the same dead letter when the
    dead-letter topic came back — the old owner was still retrying after the revoke
    stopped waiting for it. A retry now first asks whether the partition is still ours."""
    settings = runtime_settings
    topic = events_topic("consent", prefix=settings.topic_prefix)
    dead_letters = dlq_topic("escalation", prefix=settings.topic_prefix)
    await ensure_topics(settings, [topic, dead_letters])
    await produce_raw(kafka.bootstrap, topic, [(b"k", b"not an event", [])])
    records = read_topic(kafka.bootstrap, topic)
    partition = TopicPartition(topic, records[0].partition)
    elsewhere = TopicPartition(topic, (records[0].partition + 1) % PARTITIONS)

    escalation = EscalationApplication(env=store_env(settings, "escalation"))
    broker = DeadLettersUnavailable(
        settings.kafka_bootstrap, dead_letters=dead_letters, failures=1_000_000
    )
    tracked = TrackedConsumer(
        group_id=f"{settings.topic_prefix}.escalation",
        dlq_topic=dead_letters,
        target=TrackedTarget.of(escalation, escalation.recorder),
        metrics=ConsumerMetrics.register(CollectorRegistry()),
        max_retries=2,
    )
    tracked.subscribe(broker, [topic], session_timeout_ms=settings.kafka_session_timeout_ms)
    owner = AIOKafkaConsumer(
        bootstrap_servers=kafka.bootstrap,
        group_id=f"{settings.topic_prefix}.escalation",
        enable_auto_commit=False,
    )
    await owner.start()
    owner.assign([partition])
    try:
        batch = KafkaMessage(raw_message=tuple(records), body=[], consumer=owner)
        handling = asyncio.create_task(tracked.handle([], batch))
        await asyncio.sleep(1.0)
        assert not handling.done()  # waiting for the dead-letter topic
        owner.assign([elsewhere])  # the group handed the partition on
        await asyncio.wait_for(handling, 10)
    finally:
        await owner.stop()
        escalation.close()
    assert read_topic(kafka.bootstrap, dead_letters) == []
