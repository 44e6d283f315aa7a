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

`Offsets` coalesces them: at 200 events a second in batches of about one
record, a commit after every batch was an OffsetCommit per event and group,
a round trip before each next fetch and a share of the broker's CPU. A
consumer now commits at most once per interval (the first batch after a quiet
spell at once, the rest together when the interval ends), at once after it
dead-lettered garbage that names no place (only the committed offset says that
letter was sent), and before its partitions are revoked and before it stops.
Whatever it handled since its last commit, a crash makes it read again, and
tracking skips it. A commit that fails is dropped, never retried later: a newer
one follows, and an offset kept back must not land on a log the broker has made
again (above). One held back can still land there if the broker loses its log
and a relay makes the topic again (about 0.5 s) before the commit and before
the consumer notices (the embedded broker checks no member or generation on a
commit): the interval widens that window from one round trip to one interval, which
is why its default (200 ms) stays short of the relay's half second.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
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

log = logging.getLogger(__name__)

_REJOINING = (UnknownMemberIdError, IllegalGenerationError, RebalanceInProgressError)

_REBALANCED = (IllegalStateError, CommitFailedError)
"""A partition taken away (group rebalance) while a batch of it was being handled."""


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


class Offsets:
    """The offsets one consumer has handled and not yet committed, committed at most once
    every `interval` seconds (0: after every batch).

    Offsets only save re-reading; tracking decides what is applied. So a later
    commit costs a restarted consumer a longer re-read (of at most one interval's
    events, each skipped), never an event. A partition's newest end replaces the
    one pending, lower or not: after a rewind the committed offset moves back, as
    it did when every batch committed.
    """

    def __init__(
        self,
        interval: float,
        handling: asyncio.Lock,
        record_lag: Callable[[Any, TopicPartition, int], None],
    ) -> None:
        self.interval = interval
        self.stopping: Callable[[], bool] = lambda: False
        """True once the consumer is stopping: then each batch commits at once."""
        self.requests = 0
        """OffsetCommit requests made (the rebalance fallback's one per partition each)."""
        self._handling = handling
        self._record_lag = record_lag
        self._pending: dict[TopicPartition, int] = {}
        self._consumer: Any = None
        self._last = -math.inf
        self._timer: asyncio.Task[None] | None = None

    @property
    def pending(self) -> dict[TopicPartition, int]:
        """The ends handled and not committed yet, by partition."""
        return dict(self._pending)

    async def handled(
        self, consumer: Any, ends: dict[TopicPartition, int], *, now: bool = False
    ) -> None:
        """A batch handled up to `ends` (under the handling lock): committed when the last
        commit is an interval old or `now`, else at the interval's end."""
        assigned = consumer.assignment()
        for partition, end in ends.items():
            if partition in assigned:  # a partition lost meanwhile is its new owner's to report
                self._record_lag(consumer, partition, end)
        self._pending.update(ends)
        self._consumer = consumer
        wait = self._last + self.interval - time.monotonic()
        if wait <= 0 or now or self.stopping():
            await self._commit_pending()
        elif self._timer is None:
            self._timer = asyncio.create_task(self._commit_later(wait))

    async def commit_pending(self) -> None:
        """Commit what is pending now: the partitions are being revoked, or the consumer
        stops. The caller holds the handling lock (or gave up waiting for the batch)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        await self._commit_pending()

    async def _commit_later(self, wait: float) -> None:
        await asyncio.sleep(wait)
        async with self._handling:  # between batches, never in the middle of one
            self._timer = None
            await self._commit_pending()

    async def _commit_pending(self) -> None:
        if not self._pending:
            return
        offsets, self._pending = self._pending, {}
        self._last = time.monotonic()
        await self._commit(self._consumer, offsets)

    async def _commit(self, consumer: Any, offsets: dict[TopicPartition, int]) -> None:
        """All partitions in one request. Should one of them have been taken away
        meanwhile (a rebalance), the broker refuses the whole request; each is then
        committed on its own, so the partitions still ours are committed and only the
        lost one is left to its new owner, who re-reads from the last commit and skips
        what we applied."""
        self.requests += 1
        try:
            await commit(consumer, offsets)
        except _REBALANCED:
            for partition, end in offsets.items():
                self.requests += 1
                try:
                    await commit(consumer, {partition: end})
                except _REBALANCED as error:
                    log.info("not committing %s, no longer ours: %r", partition, error)
                except KafkaError as error:
                    log.warning("could not commit %s at %s: %r", partition, end, error)
        except KafkaError as error:
            log.warning("could not commit %s: %r", offsets, error)
