"""Offsets are committed at most once per commit interval, and before a revoke or a stop (#24).

At 200 events a second in batches of about one record, committing after every
batch was one OffsetCommit per event and consumer group: a round trip before
each next fetch and a share of the embedded broker's CPU. What is handled within
an interval is now committed together at its end (`commits.Offsets`); what a
crash leaves uncommitted is read again and skipped by tracking.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator

from aiokafka import AIOKafkaConsumer, TopicPartition
from prometheus_client import CollectorRegistry

from services.escalation.application import EscalationApplication
from services.runtime.messaging.consumer.metrics import ConsumerMetrics
from services.runtime.messaging.consumer.subscription import TrackedConsumer
from services.runtime.messaging.consumer.target import TrackedTarget
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.messaging.kafka import ensure_topics, faststream_broker
from services.runtime.settings import RuntimeSettings
from tests.faults.escalation_downstream import (
    ConsentChain,
    consent_topic,
    consents_published,
    escalation_dead_letters,
    escalation_group,
    escalation_store,
    fetched_batch,
    hand_driven_consumer,
    partition_owner,
)
from tests.support import eventually, metric_value, produce_raw, read_topic

CHAIN = ConsentChain("c" * 64)


def coalescing(consumer: TrackedConsumer, interval: float) -> TrackedConsumer:
    consumer.offsets.interval = interval
    return consumer


async def committed(bootstrap: str, group: str, partition: TopicPartition) -> int | None:
    """The group's committed offset of `partition`, asked by a client outside the group."""
    asker = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group)
    await asker.start()
    try:
        return await asker.committed(partition)
    finally:
        await asker.stop()


async def test_batches_within_the_interval_are_committed_together_at_its_end(
    runtime_settings: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    settings = runtime_settings
    count = 12
    topic = await consents_published(
        settings, [CHAIN.given(n) for n in range(1, count + 1)], partitions=[0] * count
    )
    records = read_topic(kafka.bootstrap, topic)
    partition = TopicPartition(topic, 0)
    owner = await partition_owner(kafka.bootstrap, settings, [partition])
    escalation = escalation_store(settings)
    interval = 0.3
    tracked = coalescing(
        hand_driven_consumer(settings, TrackedTarget.of(escalation, escalation.recorder)),
        interval,
    )
    try:
        began = time.monotonic()
        for record in records:  # one record a batch, as at 200 events a second
            await tracked.handle([record.value], fetched_batch([record], owner))
            await asyncio.sleep(0.02)
        elapsed = time.monotonic() - began
        # The first batch at once, then at most one commit per interval begun.
        assert tracked.offsets.requests <= 2 + int(elapsed / interval)
        await asyncio.sleep(interval * 2)  # the last interval's commit, with nothing after it

        assert await owner.committed(partition) == count
        assert tracked.offsets.pending == {}
        assert CHAIN.noted(escalation) == list(range(1, count + 1))
    finally:
        await owner.stop()
        escalation.close()


async def test_a_revoke_commits_what_the_interval_held_back(
    runtime_settings: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    settings = runtime_settings
    topic = await consents_published(settings, [CHAIN.given(1), CHAIN.given(2)], partitions=[0, 0])
    first, second = read_topic(kafka.bootstrap, topic)
    partition = TopicPartition(topic, 0)
    owner = await partition_owner(kafka.bootstrap, settings, [partition])
    escalation = escalation_store(settings)
    tracked = coalescing(
        hand_driven_consumer(settings, TrackedTarget.of(escalation, escalation.recorder)), 60
    )
    try:
        await tracked.handle([first.value], fetched_batch([first], owner))
        await tracked.handle([second.value], fetched_batch([second], owner))
        assert await owner.committed(partition) == 1  # the first at once, the second held back

        await tracked.membership.on_partitions_revoked({partition})

        assert await owner.committed(partition) == 2
        assert tracked.offsets.pending == {}
    finally:
        await owner.stop()
        escalation.close()


async def test_garbage_that_names_no_place_is_committed_at_once_once_dead_lettered(
    runtime_settings: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    settings = runtime_settings
    topic = await consents_published(
        settings, [CHAIN.given(1), (b"k", b"garbage", [])], partitions=[0, 0]
    )
    await ensure_topics(settings, [escalation_dead_letters(settings)])
    consent, garbage = read_topic(kafka.bootstrap, topic)
    partition = TopicPartition(topic, 0)
    owner = await partition_owner(kafka.bootstrap, settings, [partition])
    escalation = escalation_store(settings)
    tracked = coalescing(
        hand_driven_consumer(settings, TrackedTarget.of(escalation, escalation.recorder)), 60
    )
    broker = faststream_broker(settings.kafka_bootstrap)
    tracked.subscribe(broker, [topic], session_timeout_ms=settings.kafka_session_timeout_ms)
    await broker.connect()  # to send the dead letter; the subscriber is driven by hand
    tracked.offsets.stopping = lambda: False  # as if it ran: never started, it counts as stopping
    try:
        await tracked.handle([consent.value], fetched_batch([consent], owner))
        await tracked.handle([garbage.value], fetched_batch([garbage], owner))

        # A re-read would send its letter again: nothing but this offset says it was sent.
        assert await owner.committed(partition) == 2
        assert len(read_topic(kafka.bootstrap, escalation_dead_letters(settings))) == 1
    finally:
        await owner.stop()
        await broker.stop()
        escalation.close()


@contextlib.asynccontextmanager
async def escalation_consuming(
    settings: RuntimeSettings, escalation: EscalationApplication, interval: float
) -> AsyncIterator[tuple[TrackedConsumer, ConsumerMetrics]]:
    """Escalation's consumer of consent's topic, as the service runs it, committing every
    `interval` seconds; its broker stopped (the subscriber's own stop) on leaving."""
    broker = faststream_broker(settings.kafka_bootstrap, log_level=logging.DEBUG)
    metrics = ConsumerMetrics.register(CollectorRegistry())
    tracked = TrackedConsumer(
        group_id=escalation_group(settings),
        dlq_topic=escalation_dead_letters(settings),
        ensure_dlq_topic=lambda: ensure_topics(settings, [escalation_dead_letters(settings)]),
        target=TrackedTarget.of(escalation, escalation.recorder),
        metrics=metrics,
        max_retries=2,
        commit_interval=interval,
    )
    tracked.subscribe(
        broker, [consent_topic(settings)], session_timeout_ms=settings.kafka_session_timeout_ms
    )
    try:
        await broker.start()
        yield tracked, metrics
    finally:
        await broker.stop()


def handled(metrics: ConsumerMetrics, topic: str, outcome: str) -> float:
    return metric_value(metrics, "handled", topic=topic, outcome=outcome)


@contextlib.asynccontextmanager
async def two_held_back(
    settings: RuntimeSettings, kafka: EmbeddedBroker, escalation: EscalationApplication
) -> AsyncIterator[tuple[TopicPartition, TrackedConsumer]]:
    """Escalation consuming with a minute's interval: the first event applied and committed
    at once, the next two applied and their offsets held back; stopped on leaving."""
    topic = await consents_published(settings, [CHAIN.given(1)], partitions=[0])
    partition = TopicPartition(topic, 0)
    async with escalation_consuming(settings, escalation, 60) as (tracked, metrics):
        await eventually(lambda: handled(metrics, topic, "applied") == 1)
        await produce_raw(kafka.bootstrap, topic, [CHAIN.given(2), CHAIN.given(3)], [0, 0])
        await eventually(lambda: handled(metrics, topic, "applied") == 3)
        assert tracked.offsets.pending == {partition: 3}
        yield partition, tracked


async def test_a_stop_commits_what_the_interval_held_back(
    runtime_settings: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    settings = runtime_settings
    escalation = escalation_store(settings)
    try:
        async with two_held_back(settings, kafka, escalation) as (partition, _):
            pass

        assert await committed(kafka.bootstrap, escalation_group(settings), partition) == 3
    finally:
        escalation.close()


async def test_a_crash_with_applied_events_uncommitted_applies_each_once_after_the_restart(
    runtime_settings: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    settings = runtime_settings
    group = escalation_group(settings)
    escalation = escalation_store(settings)
    try:
        async with two_held_back(settings, kafka, escalation) as (partition, tracked):
            # The process dies: its client goes without committing what it held back.
            assert tracked.watchdog is not None
            tracked.watchdog.subscriber.before_stop = None
        assert await committed(kafka.bootstrap, group, partition) == 1

        topic = partition.topic
        await produce_raw(kafka.bootstrap, topic, [CHAIN.given(4)], [0])
        async with escalation_consuming(settings, escalation, 60) as (_, metrics):
            await eventually(lambda: handled(metrics, topic, "applied") == 1)
            assert handled(metrics, topic, "duplicate") == 2  # 2 and 3, read again

        assert CHAIN.noted(escalation) == [1, 2, 3, 4]
    finally:
        escalation.close()
