"""Fault: poison arrives after the broker lost its log, dead-letter topic and all.

Found by the chaos campaign (#12): a consumer's producer that had sent dead
letters before the loss still knew the dead-letter topic; the restarted
(embedded) broker acknowledged its sends to the topic it no longer had and
kept nothing, so poison vanished instead of reaching the dead-letter topic.
The consumer now creates the topic again before a fetched batch's first
dead letter. (Reading the topic creates it too: the campaign only read it after
the poison was sent.)
"""

from __future__ import annotations

import httpx

from contracts import dlq_topic, events_topic
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.settings import RuntimeSettings
from tests.support import ServiceProcess, produce_raw, read_topic, wait_for


def dead_lettered(process: ServiceProcess) -> float:
    """Dead letters the service has sent, as its /metrics tell operators."""
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in httpx.get(f"{process.url}/metrics").text.splitlines()
        if line.startswith("samverkan_dead_letters_total{")
    )


async def test_poison_after_a_broker_log_loss_still_reaches_the_dead_letter_topic(
    runtime_settings: RuntimeSettings, private_kafka: EmbeddedBroker
) -> None:
    settings = runtime_settings.model_copy(update={"kafka_bootstrap": private_kafka.bootstrap})
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    topic = events_topic("consent", prefix=settings.topic_prefix)
    dead = dlq_topic("escalation", prefix=settings.topic_prefix)
    escalation = ServiceProcess("escalation", settings).start()
    try:
        await produce_raw(private_kafka.bootstrap, topic, [(b"k", b"before", [])])
        wait_for(lambda: len(read_topic(private_kafka.bootstrap, dead)) == 1, timeout=30)

        private_kafka.restart()  # every topic is gone, the dead-letter topic too

        await produce_raw(private_kafka.bootstrap, topic, [(b"k", b"after", [])])
        # Not read before it was sent: reading would create the topic anew by itself.
        wait_for(lambda: dead_lettered(escalation) == 2, timeout=60)
        assert [r.value for r in read_topic(private_kafka.bootstrap, dead)] == [b"after"]
    finally:
        escalation.stop()
