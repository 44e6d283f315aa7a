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

from contracts import events_topic
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
    running_consumer,
)

SUBJECT = "5" * 64


def given(n: int) -> RawMessage:
    """The n-th consent for SUBJECT, as the relay publishes it (sequence n after n - 1)."""
    return as_published(oral_consent(n, SUBJECT), n)


def noted(app: EscalationApplication) -> list[int]:
    """The consents escalation noted for SUBJECT, in the order it noted them."""
    return consents_noted(app, SUBJECT)


async def test_a_gap_in_a_new_log_waits_for_the_republish_instead_of_losing_events(
    runtime_settings: RuntimeSettings, private_kafka: EmbeddedBroker
) -> None:
    settings = runtime_settings.model_copy(update={"kafka_bootstrap": private_kafka.bootstrap})
    topic = events_topic("consent", prefix=settings.topic_prefix)
    escalation = EscalationApplication(env=store_env(settings, "escalation"))

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
