"""Fault: after the broker lost its log, a new event arrives before the republished ones.

Found by the chaos campaign (#12). The relay learns of the loss only when it
next checks (or when a send comes back at a smaller offset), so the first
event it sends to the empty log still names its old predecessor. A consumer
sees a gap, re-reads the partition, finds nothing before it — the fillers
are *behind* it, in the republish about to come — and used to give up and
apply it at once: the republished predecessors then looked like duplicates
and were dropped. Acknowledged consents were lost for good.

The consumer now holds such a gap for a grace period: it skips the record
(committing nothing past it) and reads on, so the republish fills the gap
and brings the skipped event again, in order.
"""

from __future__ import annotations

from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.settings import RuntimeSettings
from tests.faults.escalation_downstream import ConsentChain, consent_topic, escalation_store
from tests.support import eventually, metric_value, produce_raw, running_consumer

CHAIN = ConsentChain("5" * 64)
"""One subject's consents: `given(n)` as the relay publishes the n-th (after n - 1),
`noted` what escalation made of them."""
given, noted = CHAIN.given, CHAIN.noted


async def test_a_gap_in_a_new_log_waits_for_the_republish_instead_of_losing_events(
    runtime_settings: RuntimeSettings, private_kafka: EmbeddedBroker
) -> None:
    settings = runtime_settings.model_copy(update={"kafka_bootstrap": private_kafka.bootstrap})
    topic = consent_topic(settings)
    escalation = escalation_store(settings)

    await produce_raw(private_kafka.bootstrap, topic, [given(n) for n in (1, 2, 3)])
    async with running_consumer(settings, escalation, ["consent"], "escalation"):
        await eventually(lambda: noted(escalation) == [1, 2, 3])

    private_kafka.restart()  # the log, the offsets and the group are gone
    # Consents 4 and 5 were published before the loss and are gone with it; 6 is
    # the relay's first send to the empty log, still naming 5 as its predecessor.
    await produce_raw(private_kafka.bootstrap, topic, [given(6)])
    async with running_consumer(settings, escalation, ["consent"], "escalation") as metrics:
        await eventually(lambda: metric_value(metrics, "handled", topic=topic, outcome="gap") >= 1)
        assert noted(escalation) == [1, 2, 3]  # 6 is held, not applied over the gap
        # The relay notices and republishes everything, in order.
        await produce_raw(private_kafka.bootstrap, topic, [given(n) for n in range(1, 7)])
        await eventually(lambda: noted(escalation) == [1, 2, 3, 4, 5, 6], timeout=30)
        assert metric_value(metrics, "handled", topic=topic, outcome="applied") == 3
