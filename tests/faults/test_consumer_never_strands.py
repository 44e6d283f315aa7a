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

import pytest
from aiokafka import TopicPartition
from aiokafka.errors import KafkaConnectionError
from eventsourcing.persistence import OperationalError, Tracking
from faststream.kafka import KafkaBroker, KafkaMessage

from contracts import PARTITIONS
from services.runtime.messaging.consumer.target import TrackedTarget
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.messaging.kafka import ensure_topics
from services.runtime.settings import RuntimeSettings
from tests.faults.escalation_downstream import (
    consent_topic,
    escalation_dead_letters,
    escalation_store,
    hand_driven_consumer,
    partition_owner,
)
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
    topic = consent_topic(settings)
    dead_letters = escalation_dead_letters(settings)
    escalation = escalation_store(settings)
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


@pytest.mark.parametrize(
    "outages",
    [
        pytest.param(
            [OperationalError("database is locked")] * 2,
            id="store_outage_while_recording_a_skip",
        ),
        pytest.param(
            [RuntimeError("bug")],
            id="unexpected_failure_reads_again_from_the_first_unhandled",
        ),
    ],
)
async def test_a_failure_while_recording_a_skip_strands_nothing(
    runtime_settings: RuntimeSettings, kafka: EmbeddedBroker, outages: list[Exception]
) -> None:
    settings = runtime_settings
    topic = consent_topic(settings)
    escalation = escalation_store(settings)
    await produce_raw(kafka.bootstrap, topic, [given(1), given(2), given(3)])
    target = failing_for(2, TrackedTarget.of(escalation, escalation.recorder), outages=outages)

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
    topic = consent_topic(settings)
    dead_letters = escalation_dead_letters(settings)
    await ensure_topics(settings, [topic, dead_letters])
    await produce_raw(kafka.bootstrap, topic, [(b"k", b"not an event", [])])
    records = read_topic(kafka.bootstrap, topic)
    partition = TopicPartition(topic, records[0].partition)
    elsewhere = TopicPartition(topic, (records[0].partition + 1) % PARTITIONS)

    escalation = escalation_store(settings)
    broker = DeadLettersUnavailable(
        settings.kafka_bootstrap, dead_letters=dead_letters, failures=1_000_000
    )
    tracked = hand_driven_consumer(settings, TrackedTarget.of(escalation, escalation.recorder))
    tracked.subscribe(broker, [topic], session_timeout_ms=settings.kafka_session_timeout_ms)
    owner = await partition_owner(kafka.bootstrap, settings, [partition])
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
