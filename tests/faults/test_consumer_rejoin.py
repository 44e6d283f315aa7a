"""Fault: a consumer's join after the broker lost its log, and a join that never ends.

The broker-restart flake: escalation's consumer, the group's leader, rejoined
after the embedded broker lost its log and was never assigned anything, while
topics nobody had produced to yet came back with the broker's partition count.
A consumer now ensures its subscribed topics before each join (consumer.rejoin),
and one whose join does not end while the broker answers is restarted and
reported not ready (consumer.watchdog).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener
from prometheus_client import CollectorRegistry

from contracts import PARTITIONS, events_topic
from services.escalation.application import EscalationApplication
from services.runtime.http.readiness import consumer_check
from services.runtime.messaging.consumer.metrics import ConsumerMetrics
from services.runtime.messaging.consumer.subscription import TrackedConsumer
from services.runtime.messaging.consumer.target import TrackedTarget
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.messaging.kafka import describe_topics, ensure_topics, faststream_broker
from services.runtime.settings import RuntimeSettings
from tests.faults.escalation_downstream import (
    consent_topic,
    escalation_dead_letters,
    escalation_group,
    escalation_store,
)
from tests.faults.test_poison_in_chain import given, noted
from tests.support import eventually, produce_raw, running_task


def upstream(settings: RuntimeSettings) -> list[str]:
    """Escalation's upstream topics: consent's, and cases' which nobody produces to here."""
    return [consent_topic(settings), events_topic("cases", prefix=settings.topic_prefix)]


@asynccontextmanager
async def escalation_consuming(
    settings: RuntimeSettings, escalation: EscalationApplication
) -> AsyncIterator[TrackedConsumer]:
    """Escalation's tracked consumer as its service wires it (topics ensured before each
    join, auto-creation off), starting (a start returns once the consumer is first
    assigned, which a stuck join never is); stopped after the block."""
    topics = upstream(settings)
    broker = faststream_broker(settings.kafka_bootstrap, allow_auto_create_topics=False)
    consumer = TrackedConsumer(
        group_id=escalation_group(settings),
        dlq_topic=escalation_dead_letters(settings),
        target=TrackedTarget.of(escalation, escalation.recorder),
        metrics=ConsumerMetrics.register(CollectorRegistry()),
        max_retries=2,
        ensure_upstream_topics=lambda: ensure_topics(settings, topics),
    )
    consumer.subscribe(broker, topics, session_timeout_ms=settings.kafka_session_timeout_ms)
    await ensure_topics(settings, topics)
    try:
        async with running_task(broker.start()):
            yield consumer
    finally:
        await broker.stop()


async def test_a_consumer_rejoining_after_the_broker_lost_its_log_makes_its_topics_again(
    runtime_settings: RuntimeSettings, private_kafka: EmbeddedBroker
) -> None:
    settings = runtime_settings.model_copy(update={"kafka_bootstrap": private_kafka.bootstrap})
    escalation = escalation_store(settings)
    try:
        async with escalation_consuming(settings, escalation) as consumer:
            await eventually(lambda: consumer.joined and consumer.membership.joining_since is None)

            private_kafka.restart()  # every topic and the group are gone

            # Nobody produces to cases' topic here: only the consumer's join makes it again.
            catalogued = dict.fromkeys(upstream(settings), PARTITIONS)
            await eventually(lambda: partitions(settings) == catalogued, timeout=30)
            await produce_raw(settings.kafka_bootstrap, consent_topic(settings), [given(1)])
            await eventually(lambda: noted(escalation) == [1], timeout=30)
    finally:
        escalation.close()


def partitions(settings: RuntimeSettings) -> dict[str, int]:
    """How many partitions each of escalation's upstream topics the broker holds has."""
    states = asyncio.run(describe_topics(settings, upstream(settings)))
    return {topic: state.partitions for topic, state in states.items()}


class HoldingTheRebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    """A member whose revoke, once `armed`, waits for the test: the group's rebalance
    waits for it, and every other member's join with it."""

    def __init__(self) -> None:
        self.armed = False
        self.revoking = asyncio.Event()
        self.release = asyncio.Event()

    async def on_partitions_revoked(self, revoked: Any) -> None:
        if self.armed and revoked:
            self.revoking.set()
            await self.release.wait()

    async def on_partitions_assigned(self, assigned: Any) -> None:
        return None


def group_member(settings: RuntimeSettings, listener: Any = None) -> AIOKafkaConsumer:
    """Another member of escalation's group, subscribed to its upstream topics."""
    member = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=escalation_group(settings),
        session_timeout_ms=settings.kafka_session_timeout_ms,
        heartbeat_interval_ms=settings.kafka_session_timeout_ms // 3,
        enable_auto_commit=False,
    )
    member.subscribe(upstream(settings), listener=listener)
    return member


async def test_a_join_that_does_not_end_while_the_broker_answers_restarts_the_consumer(
    runtime_settings: RuntimeSettings, private_kafka: EmbeddedBroker
) -> None:
    settings = runtime_settings.model_copy(update={"kafka_bootstrap": private_kafka.bootstrap})
    await ensure_topics(settings, upstream(settings))
    holder = HoldingTheRebalance()
    holding, newcomer = group_member(settings, holder), group_member(settings)
    escalation = escalation_store(settings)
    try:
        await holding.start()  # returns once assigned
        async with escalation_consuming(settings, escalation) as consumer:
            watchdog = consumer.watchdog
            assert watchdog is not None
            watchdog.limit = 2 * settings.kafka_session_timeout_ms / 1000  # five: a long test
            ready = consumer_check(consumer)
            await eventually(lambda: consumer.joined and consumer.membership.joining_since is None)
            watching = asyncio.create_task(watchdog.run(_answering))
            holder.armed = True
            joining = asyncio.create_task(newcomer.start())  # a rebalance the holder holds
            await asyncio.wait_for(holder.revoking.wait(), 30)

            await eventually(lambda: watchdog.stuck_for() is not None, timeout=30)
            assert "no assignment for" in (await ready() or "")
            await eventually(lambda: watchdog.restarts >= 1, timeout=30)

            holder.release.set()  # the rebalance goes on, and the restarted consumer is in it
            await asyncio.wait_for(joining, 60)
            await eventually(lambda: consumer.membership.joining_since is None, timeout=60)
            ours = [
                tp.partition
                for tp in watchdog.subscriber.consumer.assignment()
                if tp.topic == consent_topic(settings)
            ]
            assert ours  # round robin: one of consent's three partitions for each of three
            await produce_raw(
                settings.kafka_bootstrap, consent_topic(settings), [given(1)], ours[:1]
            )
            await eventually(lambda: noted(escalation) == [1], timeout=60)
            assert await ready() is None
            watching.cancel()
    finally:
        holder.release.set()  # a member held in its revoke would not stop
        await newcomer.stop()
        await holding.stop()
        escalation.close()


async def _answering() -> bool:
    """The broker answers (the test's own broker, which it does not stop)."""
    return True
