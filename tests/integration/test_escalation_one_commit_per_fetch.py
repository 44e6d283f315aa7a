"""Escalation (an event-sourced consumer) applies a fetched batch that spans partitions
in ONE transaction (#24), as reporting does, and a batch whose transaction fails
half-way is applied again a partition at a time: nothing lost, nothing doubled.

`TrackedTarget.of` hands the consumer the application's `process_partitions`;
each partition is still recorded at its own positions and committed at its own
offset, and a redelivered batch is skipped.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import pytest
from aiokafka import TopicPartition
from eventsourcing.persistence import StoredEvent

from contracts import ConsentGiven, decode
from services.escalation.application import EscalationApplication
from services.runtime.messaging.consumer import subscription
from services.runtime.messaging.consumer.target import TrackedRuns as Runs
from services.runtime.messaging.consumer.target import TrackedTarget
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.settings import RuntimeSettings
from services.runtime.store.group_commit import group_writes
from tests.faults.escalation_downstream import (
    assert_noted_once,
    escalation_store,
    fetched_batch,
    hand_driven_consumer,
    one_consent_per_partition,
    partition_owner,
)

SUBJECTS = ["4" * 64, "5" * 64, "6" * 64]


def _noting(escalation: EscalationApplication, calls: list[Runs]) -> TrackedTarget:
    """Escalation's target, noting each call of `process_partitions`."""
    target = TrackedTarget.of(escalation, escalation.recorder)
    assert target.process_partitions is not None
    together = target.process_partitions

    def process_partitions(runs: Runs) -> None:
        calls.append(runs)
        together(runs)

    return dataclasses.replace(target, process_partitions=process_partitions)


class FailsOnce:
    """An insert hook failing the first transaction that stores events, inside it: after
    the batch's other partitions' positions were written, before its own and its events."""

    def __init__(self) -> None:
        self.failed = False

    def in_transaction(self, cursor: Any, stored_events: Sequence[StoredEvent]) -> None:
        if not self.failed:
            self.failed = True
            raise RuntimeError("the store failed mid-batch")

    def committed(self, stored_events: Sequence[StoredEvent]) -> None:
        pass


async def _handle_twice(
    settings: RuntimeSettings, kafka: EmbeddedBroker, escalation: EscalationApplication
) -> list[Runs]:
    """One consent per partition, handled as one fetched batch, then delivered again;
    each partition's position and committed offset checked; the calls made."""
    topic, records = await one_consent_per_partition(settings, SUBJECTS)
    partitions = [TopicPartition(topic, n) for n in range(3)]
    owner = await partition_owner(kafka.bootstrap, settings, partitions)
    calls: list[Runs] = []
    tracked = hand_driven_consumer(settings, _noting(escalation, calls))
    try:
        batch = fetched_batch(records, owner)
        await tracked.handle([r.value for r in records], batch)
        for n in range(3):
            assert escalation.recorder.max_tracking_id(f"{ConsentGiven.ce_source()}#{n}") == 1
            assert await owner.committed(partitions[n]) == 1
        await tracked.handle([r.value for r in records], batch)  # every one a duplicate
    finally:
        await owner.stop()
    assert_noted_once(escalation, SUBJECTS)
    return calls


async def test_e4_a_batch_over_three_partitions_is_applied_in_one_transaction(
    runtime_settings: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    escalation = escalation_store(runtime_settings)
    try:
        calls = await _handle_twice(runtime_settings, kafka, escalation)
    finally:
        escalation.close()
    assert [len(runs) for runs in calls] == [3]


@pytest.mark.parametrize("grouped", [False, True], ids=["own transaction", "group commit"])
async def test_e4_a_batch_failing_mid_transaction_is_applied_again_once_a_partition_at_a_time(
    runtime_settings: RuntimeSettings, kafka: EmbeddedBroker, grouped: bool
) -> None:
    escalation = escalation_store(runtime_settings)
    writes = group_writes(escalation.recorder, "escalation") if grouped else None
    hook = FailsOnce()
    escalation.recorder.insert_hooks.append(hook)  # type: ignore[attr-defined]
    try:
        calls = await _handle_twice(runtime_settings, kafka, escalation)
    finally:
        if writes is not None:
            writes.close()
        escalation.close()
    assert hook.failed
    assert [len(runs) for runs in calls] == [3]  # tried together once, then one by one


async def test_a_batch_applied_again_a_partition_at_a_time_is_decoded_once(
    runtime_settings: RuntimeSettings, kafka: EmbeddedBroker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each record of a fetched batch is decoded (its envelope checked, its payload
    validated) once, though the transaction over its partitions failed and each
    partition was applied again on its own: it was decoded a second time there."""
    decoded: list[bytes | None] = []

    def counting(value: bytes | None, headers: Any) -> Any:
        decoded.append(value)
        return decode(value, headers)

    monkeypatch.setattr(subscription, "decode", counting)
    escalation = escalation_store(runtime_settings)
    hook = FailsOnce()
    escalation.recorder.insert_hooks.append(hook)  # type: ignore[attr-defined]
    try:
        calls = await _handle_twice(runtime_settings, kafka, escalation)
    finally:
        escalation.close()
    assert hook.failed
    assert [len(runs) for runs in calls] == [3]
    assert len(decoded) == 2 * len(SUBJECTS)  # each batch's records once, twice handled
