"""Fault (#19, item 1): a message its own producer put in the chain that a consumer
cannot decode (a contract version it does not know yet, a strict-schema failure).

It used to be dead-lettered with no position recorded, so the next message —
naming it as predecessor — looked like a gap: the consumer re-read the
partition from offset 0, dead-lettered the bad one again and held the next
event, with no time limit on a quiet partition and a lag gauge reading 0.
Three bad messages gave nine dead letters.
"""

from __future__ import annotations

from contracts import dlq_topic, events_topic
from services.escalation.application import EscalationApplication
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env
from tests.support import (
    RawMessage,
    as_published,
    consents_noted,
    eventually,
    metric_value,
    oral_consent,
    produce_raw,
    read_topic,
    running_consumer,
)

SUBJECT = "7" * 64


def given(n: int, prev: int | None = None) -> RawMessage:
    """The n-th consent for SUBJECT, as the relay publishes it (sequence n after `prev`)."""
    return as_published(oral_consent(n, SUBJECT), n, prev)


def unreadable(n: int) -> RawMessage:
    """The n-th in the chain, in a contract version this consumer does not know yet."""
    key, value, headers = given(n)
    return key, value, [(k, v.replace(b".v1", b".v9")) for k, v in headers]


def noted(app: EscalationApplication) -> list[int]:
    return consents_noted(app, SUBJECT)


async def test_undecodable_messages_in_the_chain_are_dead_lettered_once_and_stall_nothing(
    runtime_settings: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    settings = runtime_settings
    topic = events_topic("consent", prefix=settings.topic_prefix)
    dead_letters = dlq_topic("escalation", prefix=settings.topic_prefix)
    escalation = EscalationApplication(env=store_env(settings, "escalation"))
    chain = [given(1), unreadable(2), given(3), unreadable(4), unreadable(5), given(6)]
    await produce_raw(kafka.bootstrap, topic, chain)

    async with running_consumer(settings, escalation, ["consent"], "escalation") as metrics:
        await eventually(lambda: noted(escalation) == [1, 3, 6], timeout=15)
        await eventually(lambda: len(read_topic(kafka.bootstrap, dead_letters)) >= 3)
        assert metric_value(metrics, "rewinds", topic=topic) == 0

    # Read again from the start (a new member of a new group, offsets gone): the
    # three are behind the recorded position now, not dead letters again.
    async with running_consumer(settings, escalation, ["consent"], "escalation-again") as metrics:
        await eventually(
            lambda: metric_value(metrics, "handled", topic=topic, outcome="duplicate") == 6
        )
    assert noted(escalation) == [1, 3, 6]
    assert len(read_topic(kafka.bootstrap, dead_letters)) == 3
    escalation.close()


async def test_a_gap_nothing_fills_is_given_up_on_a_timer_and_counted_as_lag_meanwhile(
    runtime_settings: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    """Consent 2 is gone for good (retention took it, say) and the partition goes quiet:
    no later record arrives to notice that the grace period is over."""
    settings = runtime_settings
    topic = events_topic("consent", prefix=settings.topic_prefix)
    escalation = EscalationApplication(env=store_env(settings, "escalation"))
    await produce_raw(kafka.bootstrap, topic, [given(1), given(3, prev=2)])
    partition = read_topic(kafka.bootstrap, topic)[0].partition

    async with running_consumer(
        settings, escalation, ["consent"], "escalation", gap_grace_seconds=4.0
    ) as metrics:
        await eventually(lambda: metric_value(metrics, "handled", topic=topic, outcome="gap") >= 1)
        assert noted(escalation) == [1]
        # The held record is still to do: it counts as lag while it waits.
        await eventually(
            lambda: metric_value(metrics, "lag", topic=topic, partition=str(partition)) == 1,
            timeout=3,
        )
        await eventually(lambda: noted(escalation) == [1, 3], timeout=15)
        await eventually(
            lambda: metric_value(metrics, "lag", topic=topic, partition=str(partition)) == 0
        )
    escalation.close()
