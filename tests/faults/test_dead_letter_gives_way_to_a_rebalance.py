"""Found by the chaos campaign: garbage dead-lettered twice around a rebalance.

A batch waited for a dead-letter topic that was down while the group
rebalanced; the revoke waited for the batch, the broker went on without the
member after its rebalance timeout and handed the partition, uncommitted, to
another member. The old owner then sent the dead letters it had waited for and
its commit was refused; the new owner read the garbage again from the last
commit and sent it a second time (garbage names no place in a chain, so only
the committed offset says it was handled).

Now a revoke that waits for the batch makes it give way at once: the batch
commits what it handled and returns, and what it had not sent is its next
owner's to send, once.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka import TopicPartition
from aiokafka.errors import KafkaConnectionError
from faststream.kafka import KafkaBroker, KafkaMessage

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
from tests.support import produce_raw, read_topic

FIRST, SECOND = b"first garbage", b"second garbage"


class SecondLetterUndeliverable(KafkaBroker):
    """The broker, with the dead-letter topic down by the time the second letter is due."""

    async def publish(self, body: Any = b"", *args: Any, **kwargs: Any) -> Any:
        if body == SECOND:
            raise KafkaConnectionError("dead-letter topic unreachable")
        return await super().publish(body, *args, **kwargs)  # type: ignore[call-overload]


async def test_a_batch_waiting_for_its_dead_letter_topic_gives_way_to_a_revoke_and_commits(
    runtime_settings: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    settings = runtime_settings
    topic = consent_topic(settings)
    dead_letters = escalation_dead_letters(settings)
    await ensure_topics(settings, [topic, dead_letters])
    await produce_raw(kafka.bootstrap, topic, [(b"k", FIRST, []), (b"k", SECOND, [])])
    records = read_topic(kafka.bootstrap, topic)
    partition = TopicPartition(topic, records[0].partition)

    escalation = escalation_store(settings)
    tracked = hand_driven_consumer(settings, TrackedTarget.of(escalation, escalation.recorder))
    broker = SecondLetterUndeliverable(settings.kafka_bootstrap)
    tracked.subscribe(broker, [topic], session_timeout_ms=settings.kafka_session_timeout_ms)
    await broker.connect()  # to publish; its subscriber is driven by hand below
    owner = await partition_owner(kafka.bootstrap, settings, [partition])
    try:
        batch = KafkaMessage(raw_message=tuple(records), body=[], consumer=owner)
        handling = asyncio.create_task(tracked.handle([], batch))
        await asyncio.sleep(1.0)
        assert not handling.done()  # the second letter waits for its topic

        # The group rebalances: the revoke no longer waits out the outage.
        await asyncio.wait_for(tracked.membership.on_partitions_revoked({partition}), 5)
        await asyncio.wait_for(handling, 5)
        committed = await owner.committed(partition)
    finally:
        await owner.stop()
        await broker.stop()
        escalation.close()

    assert [r.value for r in read_topic(kafka.bootstrap, dead_letters)] == [FIRST]
    assert committed == records[0].offset + 1  # the first letter's message, handled
