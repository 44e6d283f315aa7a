"""Fault (#19, found by the campaign): partitions added to an upstream topic.

A consumer learns of new partitions only when it next refreshes its
metadata — every five minutes by default — and until then nobody consumes
them while every lag gauge reads 0. The chaos campaign lost 13 of 150 poison
messages this way after a broker re-created a lost topic with more
partitions. Consumers now refresh within ``SAMVERKAN_KAFKA_METADATA_MAX_AGE_MS``.
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from contracts import PARTITIONS, events_topic
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.settings import RuntimeSettings
from tests.support import eventually

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


async def grow(bootstrap: str, topic: str, partitions: int) -> None:
    """The topic made again with more partitions (the embedded broker has no
    CreatePartitions). A client's metadata request may beat our create to it, and
    the broker then makes it with its own default of four: more, all the same."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        await admin.start()
        await admin.delete_topics([topic])
        await admin.create_topics([NewTopic(topic, partitions, 1)])
        for _ in range(50):  # until the broker's metadata shows it grown
            (described,) = await admin.describe_topics([topic])
            if len(described["partitions"]) > PARTITIONS:
                return
            await asyncio.sleep(0.2)
        raise AssertionError(f"{topic} never grew")
    finally:
        await admin.close()


async def test_a_consumer_learns_of_partitions_added_to_its_upstream_topic_soon(
    runtime_settings: RuntimeSettings, kafka: EmbeddedBroker, start_service: Any
) -> None:
    """Seen in the service's own log: its group notices the new partition count (and
    rebalances onto it) within the configured age, not five minutes later.

    Applying a message on the new partition is not asserted: after a topic is made
    again, the embedded broker's metadata keeps flipping between the old and the new
    count, and its group assignment follows the old one.
    """
    settings = runtime_settings
    topic = events_topic("consent", prefix=settings.topic_prefix)
    escalation = start_service("escalation", settings, SAMVERKAN_KAFKA_METADATA_MAX_AGE_MS="2000")
    await grow(kafka.bootstrap, topic, PARTITIONS + 2)

    counts = re.compile(rf"'{re.escape(topic)}': (\d+)")

    def noticed() -> bool:
        """A metadata change of the topic to anything but the catalogue's count."""
        changes = [
            counts.findall(line.split(" to ")[-1])
            for line in escalation.logs().splitlines()
            if "Metadata for topic has changed" in line
        ]
        return any(int(count) != PARTITIONS for found in changes for count in found)

    await eventually(noticed, timeout=15)
