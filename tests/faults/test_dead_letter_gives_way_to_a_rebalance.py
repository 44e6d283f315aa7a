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

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaConnectionError
from faststream.kafka import KafkaBroker, KafkaMessage
from prometheus_client import CollectorRegistry

from contracts import dlq_topic, events_topic
from services.escalation.application import EscalationApplication
from services.runtime.messaging.consumer.metrics import ConsumerMetrics
from services.runtime.messaging.consumer.subscription import TrackedConsumer
from services.runtime.messaging.consumer.target import TrackedTarget
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.messaging.kafka import ensure_topics
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env
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
    topic = events_topic("consent", prefix=settings.topic_prefix)
    dead_letters = dlq_topic("escalation", prefix=settings.topic_prefix)
    group = f"{settings.topic_prefix}.escalation"
    await ensure_topics(settings, [topic, dead_letters])
    await produce_raw(kafka.bootstrap, topic, [(b"k", FIRST, []), (b"k", SECOND, [])])
    records = read_topic(kafka.bootstrap, topic)
    partition = TopicPartition(topic, records[0].partition)

    escalation = EscalationApplication(env=store_env(settings, "escalation"))
    tracked = TrackedConsumer(
        group_id=group,
        dlq_topic=dead_letters,
        target=TrackedTarget.of(escalation, escalation.recorder),
        metrics=ConsumerMetrics.register(CollectorRegistry()),
        max_retries=2,
    )
    broker = SecondLetterUndeliverable(settings.kafka_bootstrap)
    tracked.subscribe(broker, [topic], session_timeout_ms=settings.kafka_session_timeout_ms)
    await broker.connect()  # to publish; its subscriber is driven by hand below
    owner = AIOKafkaConsumer(
        bootstrap_servers=kafka.bootstrap, group_id=group, enable_auto_commit=False
    )
    await owner.start()
    owner.assign([partition])
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
