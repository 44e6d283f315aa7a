"""Reading a topic the broker does not hold: nothing to read, and nothing created.

Since no client of ours creates a topic by asking for it
(services.runtime.messaging.metadata), a reader subscribed to a missing topic
waited out its request timeout and failed (UnknownTopicOrPartitionError after
40 s) where it used to create the topic with the broker's own partition count and
read nothing. Tests read a service's topic before it has published anything, and
operators peek at a dead-letter topic nothing was ever parked on: both have
nothing to read, and neither may create the topic.
"""

from __future__ import annotations

import asyncio
import uuid

from aiokafka.admin import AIOKafkaAdminClient

from services.runtime.messaging import peek
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.messaging.kafka import started


async def _listed(bootstrap: str) -> set[str]:
    async with started(AIOKafkaAdminClient(bootstrap_servers=bootstrap)) as admin:
        return set(await admin.list_topics())


def test_a_missing_topic_reads_as_empty_and_is_not_created(kafka: EmbeddedBroker) -> None:
    topic = f"t{uuid.uuid4().hex[:12]}.samverkan.never.events"

    records = asyncio.run(asyncio.wait_for(peek.read_topic(kafka.bootstrap, topic), 20))

    assert records == []
    assert topic not in asyncio.run(_listed(kafka.bootstrap))
