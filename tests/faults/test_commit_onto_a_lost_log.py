"""Fault: a batch read before the broker lost its log commits its offsets after the loss.

aiokafka retried the commit of a partition the broker no longer knew until a
relay made the topic again; the embedded broker then took the stale offset for
the new, republished log, and the group read on from there: the republished
records below it were skipped, and with nothing after them to show a gap,
never applied (the broker-restart flake). The commit now gives up
(consumer.commits) as it does after a rebalance.
"""

from __future__ import annotations

import asyncio

import pytest
from aiokafka import TopicPartition
from aiokafka.errors import CommitFailedError

from services.runtime.messaging.consumer.commits import commit
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.messaging.kafka import ensure_topics
from services.runtime.settings import RuntimeSettings
from tests.faults.escalation_downstream import consent_topic, partition_owner


async def test_a_commit_for_a_partition_the_broker_lost_is_not_retried_onto_the_topic_made_again(
    runtime_settings: RuntimeSettings, private_kafka: EmbeddedBroker
) -> None:
    settings = runtime_settings.model_copy(update={"kafka_bootstrap": private_kafka.bootstrap})
    topic = consent_topic(settings)
    await ensure_topics(settings, [topic])
    partition = TopicPartition(topic, 1)
    owner = await partition_owner(private_kafka.bootstrap, settings, [partition])
    try:
        private_kafka.restart()  # the topic, its offsets and the group are gone

        committing = asyncio.create_task(commit(owner, {partition: 4}))
        await asyncio.wait({committing}, timeout=10)  # given up (before: retried for good)
        await ensure_topics(settings, [topic])  # a relay makes the topic again
        with pytest.raises(CommitFailedError):
            await asyncio.wait_for(committing, 10)
        assert await owner.committed(partition) is None
    finally:
        await owner.stop()
