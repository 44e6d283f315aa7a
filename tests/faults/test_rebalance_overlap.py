"""Fault (#19, item 3): two owners of one partition during a rebalance.

A batch recorded only its last position, and the revoke callback did not wait
for the batch in flight: on PostgreSQL with two reporting replicas, an old
owner's batch 1..6 committed after the new owner's 1..4, and 1..4 were
counted twice. The revoke now waits for the batch in flight, and a batch also
records its first position, so an overlap that still happens (an owner thrown
out of the group mid-batch) is refused instead of counted.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from aiokafka import TopicPartition
from eventsourcing.persistence import IntegrityError, Tracking
from faststream.kafka import KafkaMessage

from contracts import IntegrationEvent
from services.reporting.application import ReportingApplication
from services.reporting.upstream import Intake
from services.reporting.views.statistics import Statistics, statistics_view
from services.runtime.messaging.consumer.target import TrackedTarget
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.settings import RuntimeSettings
from tests.faults.escalation_downstream import (
    consents_published,
    escalation_store,
    hand_driven_consumer,
    partition_owner,
)
from tests.integration.test_reporting_intake_batch import SOURCE, _counts, _intake, _messages
from tests.support import as_published, oral_consent, read_topic


@pytest.fixture
def reporting(
    store_backend: str, pg_schema_prefix: str, tmp_path: Path
) -> Iterator[ReportingApplication]:
    application = _intake(tmp_path, "reporting", store_backend, pg_schema_prefix)
    yield application
    application.close()


def test_d6_an_old_owners_overlapping_batch_is_refused_not_counted_twice(
    reporting: ReportingApplication,
) -> None:
    messages = _messages()
    new_owner = Intake(reporting, Statistics(statistics_view(reporting)))
    new_owner.process_messages(messages[:4])
    counted = _counts(reporting)

    # The old owner read the same starting position before the new owner
    # committed, and commits its longer batch afterwards.
    old_owner = Intake(reporting, Statistics(statistics_view(reporting)))
    with pytest.raises(IntegrityError):
        old_owner.process_messages(messages[:6])

    assert _counts(reporting) == counted
    assert statistics_view(reporting).max_tracking_id(f"{SOURCE}#0") == 4


async def test_a_revoked_partition_is_let_go_only_after_the_batch_in_flight(
    runtime_settings: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    settings = runtime_settings
    topic = await consents_published(
        settings, [as_published(oral_consent(n, "8" * 64), n) for n in (1, 2)]
    )
    records = read_topic(kafka.bootstrap, topic)
    partition = TopicPartition(topic, records[0].partition)

    escalation = escalation_store(settings)
    entered, release = threading.Event(), threading.Event()
    batched = TrackedTarget.of(escalation, escalation.recorder)
    assert batched.process_events is not None
    apply_batch = batched.process_events

    def slow(batch: Sequence[tuple[IntegrationEvent, Tracking]]) -> None:
        entered.set()
        release.wait(10)
        apply_batch(batch)

    target = TrackedTarget(
        batched.process_event, batched.max_tracking_id, batched.insert_tracking, slow
    )
    owner = await partition_owner(kafka.bootstrap, settings, [partition])
    tracked = hand_driven_consumer(settings, target)
    try:
        batch = KafkaMessage(
            raw_message=tuple(records), body=[r.value for r in records], consumer=owner
        )
        handling = asyncio.create_task(tracked.handle([r.value for r in records], batch))
        assert await asyncio.to_thread(entered.wait, 10)
        revoking = asyncio.create_task(tracked._membership.on_partitions_revoked({partition}))
        await asyncio.sleep(0.5)
        assert not revoking.done()  # the group must not hand it on yet

        release.set()
        await handling
        await asyncio.wait_for(revoking, 10)
        assert await owner.committed(partition) == records[-1].offset + 1
    finally:
        release.set()
        await owner.stop()
        escalation.close()
