"""Reporting counts a fetched batch that spans partitions in ONE transaction (#24).

An event reaching reporting waited for its whole fetched batch, and the batch
was one transaction (one commit, an fsync on SQLite) per partition, one after
the other. Now reporting's intake takes every partition's run at once
(`Intake.process_partitions`), each partition still recorded at its own first
and last positions, so a redelivery is skipped and an overlapping former owner
refused as before; a batch with anything unusual in it (here a message that
cannot be decoded) is handled a partition at a time, as always.
"""

from __future__ import annotations

import dataclasses

from aiokafka import TopicPartition

from contracts import ConsentGiven, dlq_topic
from services.reporting.application import ReportingApplication
from services.reporting.domain.measures import CONSENTS_GIVEN
from services.reporting.upstream import Intake
from services.reporting.views.statistics import Statistics, statistics_view
from services.runtime.messaging.consumer.target import TrackedRuns as Runs
from services.runtime.messaging.consumer.target import TrackedTarget
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env
from tests.faults.escalation_downstream import (
    consent_topic,
    fetched_batch,
    hand_driven_consumer,
    one_consent_per_partition,
    partition_owner,
)
from tests.support import (
    as_published,
    eventually,
    oral_consent,
    produce_raw,
    read_topic,
    running_consumer,
)

SUBJECTS = ["1" * 64, "2" * 64, "3" * 64]


def _consents_counted(reporting: ReportingApplication) -> int:
    return sum(
        row.count for row in statistics_view(reporting).counts() if row.measure == CONSENTS_GIVEN
    )


def _noting(intake: Intake, calls: list[Runs]) -> TrackedTarget:
    """Reporting's target, noting each call of `process_partitions`."""

    def process_partitions(runs: Runs) -> None:
        calls.append(runs)
        intake.process_partitions(runs)

    return dataclasses.replace(intake.target(), process_partitions=process_partitions)


async def test_d6_a_batch_over_three_partitions_is_counted_in_one_transaction(
    runtime_settings: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    settings = runtime_settings
    topic, records = await one_consent_per_partition(settings, SUBJECTS)
    partitions = [TopicPartition(topic, n) for n in range(3)]
    owner = await partition_owner(kafka.bootstrap, settings, partitions)
    reporting = ReportingApplication(env=store_env(settings, "reporting"))
    calls: list[Runs] = []
    intake = Intake(reporting, Statistics(statistics_view(reporting)))
    tracked = hand_driven_consumer(settings, _noting(intake, calls))
    try:
        batch = fetched_batch(records, owner)
        await tracked.handle([r.value for r in records], batch)

        assert [len(runs) for runs in calls] == [3]
        assert _consents_counted(reporting) == 3
        view = statistics_view(reporting)
        for n in range(3):
            assert view.max_tracking_id(f"{ConsentGiven.ce_source()}#{n}") == 1
            assert await owner.committed(partitions[n]) == 1

        # Delivered again: every message is behind its partition's position.
        await tracked.handle([r.value for r in records], batch)
        assert _consents_counted(reporting) == 3
    finally:
        await owner.stop()
        reporting.close()


async def test_a_batch_with_a_message_that_cannot_be_decoded_is_handled_a_partition_at_a_time(
    runtime_settings: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    settings = runtime_settings
    topic = consent_topic(settings)
    good = [as_published(oral_consent(n + 1, s), 1, 0) for n, s in enumerate(SUBJECTS[:2])]
    await produce_raw(
        kafka.bootstrap,
        topic,
        [good[0], (b"k", b"\x8f garbage", [("ce_type", b"\xe8\xff")]), good[1]],
        partitions=[0, 1, 2],
    )
    reporting = ReportingApplication(env=store_env(settings, "reporting"))
    target = Intake(reporting, Statistics(statistics_view(reporting))).target()
    try:
        async with running_consumer(settings, reporting, ["consent"], "reporting", target=target):
            await eventually(lambda: _consents_counted(reporting) == 2, timeout=15)
            dead_letters = dlq_topic("reporting", prefix=settings.topic_prefix)
            await eventually(lambda: len(read_topic(kafka.bootstrap, dead_letters)) == 1)
        view = statistics_view(reporting)
        assert view.max_tracking_id(f"{ConsentGiven.ce_source()}#0") == 1
        assert view.max_tracking_id(f"{ConsentGiven.ce_source()}#2") == 1
    finally:
        reporting.close()
