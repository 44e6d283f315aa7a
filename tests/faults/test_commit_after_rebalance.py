"""Fault: a partition is taken away (a rebalance) while a batch of it is being handled.

Found by the chaos campaign (#12): committing the offset of a partition the
consumer no longer owned raised out of the batch handler, and the rest of the
fetched batch — other partitions, still owned — was dropped unhandled: those
events were not applied until the next rebalance (73 acknowledged consents
missing at the end of a long run). The commit is now skipped for a partition
that is gone; the new owner re-reads it from the last commit.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiokafka import TopicPartition

from services.escalation.domain.authorisations import authorisations_id
from services.runtime.messaging.consumer.target import TrackedTarget
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.settings import RuntimeSettings
from tests.faults.escalation_downstream import (
    escalation_store,
    fetched_batch,
    hand_driven_consumer,
    one_consent_per_partition,
    partition_owner,
)

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
SUBJECTS = ["1" * 64, "2" * 64]


async def test_a_partition_taken_away_mid_batch_does_not_drop_the_others(
    runtime_settings: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    settings = runtime_settings
    topic, records = await one_consent_per_partition(settings, SUBJECTS)
    assert [r.partition for r in records] == [0, 1]

    # This member owns partition 1 only: partition 0 went to another member
    # after the batch holding both was fetched.
    owner = await partition_owner(kafka.bootstrap, settings, [TopicPartition(topic, 1)])
    escalation = escalation_store(settings)
    tracked = hand_driven_consumer(settings, TrackedTarget.of(escalation, escalation.recorder))
    try:
        await tracked.handle([r.value for r in records], fetched_batch(records, owner))
        for subject in SUBJECTS:
            assert escalation.repository.get(authorisations_id(subject)).version == 2
        committed = await owner.committed(TopicPartition(topic, 1))
        assert committed == 1
    finally:
        await owner.stop()
        escalation.close()
