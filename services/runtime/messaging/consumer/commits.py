"""Offsets committed as aiokafka commits them, except onto a log the broker made again.

aiokafka's ``commit`` retries a partition the broker does not know
(UNKNOWN_TOPIC_OR_PARTITION is "retriable") until the broker knows it again.
After the broker lost its log, a batch read before the loss kept committing
its offsets until a relay made the topic again, and the embedded broker then
took the stale commit for the new, republished log: the consumer's group,
rejoined, read on from there and skipped the republished records below it. With
nothing after them to show a gap, those events were never applied (the
broker-restart flake, seen in every failing run after topic auto-creation was
turned off). A partition the broker does not know now ends the commit as a
rebalance does (`CommitFailedError`): offsets only save re-reading, and
tracking skips what is read again.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka import TopicPartition
from aiokafka.errors import (
    CommitFailedError,
    IllegalGenerationError,
    IllegalStateError,
    KafkaError,
    RebalanceInProgressError,
    UnknownMemberIdError,
    UnknownTopicOrPartitionError,
)
from aiokafka.structs import OffsetAndMetadata

_REJOINING = (UnknownMemberIdError, IllegalGenerationError, RebalanceInProgressError)


async def commit(consumer: Any, offsets: dict[TopicPartition, int]) -> None:
    """``consumer.commit(offsets)``: the same checks and the same request, retried as aiokafka
    (0.14) retries it (``GroupCoordinator.commit_offsets``), except that a partition the
    broker does not know raises `CommitFailedError` at once instead of being retried."""
    coordinator = getattr(consumer, "_coordinator", None)
    subscription = getattr(getattr(consumer, "_subscription", None), "subscription", None)
    if coordinator is None or subscription is None:
        await consumer.commit(offsets)  # not a group member aiokafka made: its own checks
        return
    assignment = subscription.assignment
    if assignment is None:
        raise IllegalStateError("No partitions assigned")
    for partition in offsets:
        if partition not in assignment.tps:
            raise IllegalStateError(f"Partition {partition} is not assigned")
    request = {partition: OffsetAndMetadata(end, "") for partition, end in offsets.items()}
    while True:
        await coordinator.ensure_coordinator_known()
        try:
            async with coordinator._commit_lock:
                await asyncio.shield(coordinator._do_commit_offsets(assignment, request))
        except _REJOINING as error:
            raise CommitFailedError("the group has rebalanced") from error
        except UnknownTopicOrPartitionError as error:
            raise CommitFailedError("the broker no longer knows the partition") from error
        except KafkaError as error:
            if not error.retriable:
                raise
            await asyncio.sleep(coordinator._retry_backoff_ms / 1000)
        else:
            return
