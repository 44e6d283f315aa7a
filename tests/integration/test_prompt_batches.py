"""The tracked consumer polls without faststream's sleep after an empty poll (#24).

faststream (0.7) slept as long as the poll's timeout after every poll that
found nothing, and an event fetched meanwhile waited for the sleep: up to
10 ms on every hop into a consumer. `PromptBatches` only polls; the poll
itself waits, and returns as soon as a fetch brings records.
"""

from __future__ import annotations

import asyncio

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from faststream.kafka.subscriber.usecase import BatchSubscriber
from prometheus_client import CollectorRegistry

from services.runtime.messaging.consumer.metrics import ConsumerMetrics
from services.runtime.messaging.consumer.records import LeanBatchParser
from services.runtime.messaging.consumer.subscription import (
    POLL_MS,
    PromptBatches,
    TrackedConsumer,
    prompt,
)
from services.runtime.messaging.consumer.target import TrackedTarget
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.messaging.kafka import ensure_topics, faststream_broker, started
from services.runtime.settings import RuntimeSettings


def _tracked(settings: RuntimeSettings) -> TrackedConsumer:
    def never(*_: object) -> None:
        raise AssertionError("nothing is applied here")

    return TrackedConsumer(
        group_id=f"{settings.topic_prefix}.prompt",
        dlq_topic=f"{settings.topic_prefix}.prompt.dlq",
        target=TrackedTarget(never, lambda _: None, never),
        metrics=ConsumerMetrics.register(CollectorRegistry()),
        max_retries=1,
    )


def test_the_tracked_consumer_subscribes_with_prompt_batches(
    runtime_settings: RuntimeSettings,
) -> None:
    broker = faststream_broker(runtime_settings.kafka_bootstrap)
    _tracked(runtime_settings).subscribe(
        broker, [f"{runtime_settings.topic_prefix}.upstream"], session_timeout_ms=3000
    )

    (subscriber,) = broker.subscribers
    assert type(subscriber) is PromptBatches
    assert subscriber.batch_timeout_ms == POLL_MS
    assert type(subscriber.parser) is LeanBatchParser  # no header read before ours


def test_only_a_batch_subscriber_is_made_prompt(runtime_settings: RuntimeSettings) -> None:
    broker = faststream_broker(runtime_settings.kafka_bootstrap)
    one_at_a_time = broker.subscriber(f"{runtime_settings.topic_prefix}.upstream")

    with pytest.raises(TypeError, match="BatchSubscriber"):
        prompt(one_at_a_time)
    assert not isinstance(one_at_a_time, BatchSubscriber)


async def test_a_prompt_poll_brings_nothing_from_an_empty_topic_and_then_what_arrives(
    runtime_settings: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    topic = f"{runtime_settings.topic_prefix}.prompt"
    await ensure_topics(runtime_settings, [topic], partitions=1)
    broker = faststream_broker(kafka.bootstrap)
    _tracked(runtime_settings).subscribe(broker, [topic], session_timeout_ms=3000)
    (subscriber,) = broker.subscribers
    assert isinstance(subscriber, PromptBatches)
    partition = TopicPartition(topic, 0)
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap, fetch_max_wait_ms=10)
    async with started(consumer), started(AIOKafkaProducer(bootstrap_servers=kafka.bootstrap)) as p:
        consumer.assign([partition])
        await consumer.seek_to_beginning(partition)

        assert await subscriber.get_msg(consumer) == ()

        await p.send_and_wait(topic, b"arrived", partition=0)
        fetched: tuple[object, ...] = ()
        for _ in range(50):  # polls, each up to POLL_MS: the record comes in one of them
            fetched = await subscriber.get_msg(consumer)
            if fetched:
                break
            await asyncio.sleep(0)
        assert [r.value for r in fetched] == [b"arrived"]  # type: ignore[attr-defined]
