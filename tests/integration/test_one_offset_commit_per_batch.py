"""A fetched batch's offsets are committed in one request, whatever partitions it spans (#24).

An event waits for its whole batch, and the next fetch is taken only once the
batch's offsets are committed: one round trip to the broker per partition,
one after the other, was part of every downstream hop. Now the partitions'
offsets go in one request; should one of them be taken away meanwhile, the
others are still committed (tests/faults/test_commit_after_rebalance.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

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
SUBJECTS = ["1" * 64, "2" * 64, "3" * 64]


async def test_a_batch_over_three_partitions_commits_their_offsets_in_one_request(
    runtime_settings: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    settings = runtime_settings
    topic, records = await one_consent_per_partition(settings, SUBJECTS)
    partitions = [TopicPartition(topic, n) for n in range(3)]
    owner = await partition_owner(kafka.bootstrap, settings, partitions)
    commits: list[dict[TopicPartition, int]] = []
    coordinator = owner._coordinator
    request = coordinator._do_commit_offsets  # one OffsetCommit request each call

    async def noted(assignment: Any, offsets: dict[TopicPartition, Any]) -> Any:
        commits.append({partition: end.offset for partition, end in offsets.items()})
        return await request(assignment, offsets)

    coordinator._do_commit_offsets = noted
    escalation = escalation_store(settings)
    tracked = hand_driven_consumer(settings, TrackedTarget.of(escalation, escalation.recorder))
    try:
        await tracked.handle([r.value for r in records], fetched_batch(records, owner))

        for subject in SUBJECTS:
            assert escalation.repository.get(authorisations_id(subject)).version == 2
        assert commits == [{partition: 1 for partition in partitions}]
        for partition in partitions:
            assert await owner.committed(partition) == 1
    finally:
        await owner.stop()
        escalation.close()
