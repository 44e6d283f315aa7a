"""Fault (#19, item 1): a message its own producer put in the chain that a consumer
cannot decode (a contract version it does not know yet, a strict-schema failure).

It used to be dead-lettered with no position recorded, so the next message —
naming it as predecessor — looked like a gap: the consumer re-read the
partition from offset 0, dead-lettered the bad one again and held the next
event, with no time limit on a quiet partition and a lag gauge reading 0.
Three bad messages gave nine dead letters.
"""

from __future__ import annotations

from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.settings import RuntimeSettings
from tests.faults.escalation_downstream import (
    ConsentChain,
    consent_topic,
    escalation_dead_letters,
    escalation_store,
)
from tests.support import (
    RawMessage,
    eventually,
    metric_value,
    produce_raw,
    read_topic,
    running_consumer,
)

CHAIN = ConsentChain("7" * 64)
"""One subject's consents: `given(n)` as the relay publishes the n-th, `noted` what
escalation made of them."""
given, noted = CHAIN.given, CHAIN.noted


def unreadable(n: int) -> RawMessage:
    """The n-th in the chain, in a contract version this consumer does not know yet."""
    key, value, headers = given(n)
    return key, value, [(k, v.replace(b".v1", b".v9")) for k, v in headers]


async def test_undecodable_messages_in_the_chain_are_dead_lettered_once_and_stall_nothing(
    runtime_settings: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    settings = runtime_settings
    topic = consent_topic(settings)
    dead_letters = escalation_dead_letters(settings)
    escalation = escalation_store(settings)
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
    topic = consent_topic(settings)
    escalation = escalation_store(settings)
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
