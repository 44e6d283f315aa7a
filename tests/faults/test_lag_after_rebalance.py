"""Fault: a partition is taken away by a rebalance; its lag must not stay exported here.

Found by the chaos campaign (#12): at the end of a long run every event was
applied, but escalation's service process still reported
``samverkan_consumer_lag`` 3 for a partition that a rebalance had handed to
another member minutes before. The gauge kept the last value measured while
the partition was its own, so the platform looked behind for good (the
campaign's recovery never ended, and a lag alert would have fired). A revoked
partition's lag is now removed; its new owner reports it.
"""

from __future__ import annotations

from aiokafka import TopicPartition
from faststream.kafka import KafkaMessage
from prometheus_client import CollectorRegistry

from services.runtime.messaging.consumer.target import TrackedTarget
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.settings import RuntimeSettings
from tests.faults.escalation_downstream import (
    consents_published,
    escalation_store,
    hand_driven_consumer,
    partition_owner,
)
from tests.support import as_published, oral_consent


async def test_a_partition_taken_away_reports_no_lag_here(
    runtime_settings: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    settings = runtime_settings
    placed = [(partition, sequence) for partition in (0, 1) for sequence in (1, 2, 3)]
    topic = await consents_published(
        settings,
        [
            as_published(
                oral_consent(partition * 100 + sequence, str(partition + 1) * 64), sequence
            )
            for partition, sequence in placed
        ],
        partitions=[partition for partition, _ in placed],
    )

    zero, one = TopicPartition(topic, 0), TopicPartition(topic, 1)
    owner = await partition_owner(
        kafka.bootstrap, settings, [zero, one], auto_offset_reset="earliest"
    )
    fetched = await owner.getmany(timeout_ms=5000)
    while len(fetched.get(zero, [])) < 1 or len(fetched.get(one, [])) < 1:
        more = await owner.getmany(timeout_ms=5000)
        for partition, records in more.items():
            fetched.setdefault(partition, []).extend(records)
    registry = CollectorRegistry()
    escalation = escalation_store(settings)
    tracked = hand_driven_consumer(
        settings, TrackedTarget.of(escalation, escalation.recorder), registry=registry
    )

    def lag(partition: int) -> float | None:
        labels = {"topic": topic, "partition": str(partition)}
        return registry.get_sample_value("samverkan_consumer_lag", labels)

    try:
        # The first record of each partition handled: two more behind it on each.
        firsts = (fetched[zero][0], fetched[one][0])
        batch = KafkaMessage(raw_message=firsts, body=[r.value for r in firsts], consumer=owner)
        await tracked.handle([r.value for r in firsts], batch)
        assert (lag(0), lag(1)) == (2.0, 2.0)

        await tracked._membership.on_partitions_revoked({zero})  # a rebalance took it

        assert lag(0) is None  # not ours: its new owner reports it
        assert lag(1) == 2.0
    finally:
        await owner.stop()
        escalation.close()
