"""The consumer's place in its group: joined (readiness), since when it waits for an
assignment (`watchdog`), its topics ensured before each join (`rejoin`), and
partitions let go only once the batch in flight is done and their offsets held back
(`commits.Offsets`) are committed."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka import ConsumerRebalanceListener, TopicPartition

from services.runtime.messaging.consumer.metrics import ConsumerMetrics

log = logging.getLogger(__name__)

REVOKE_WAIT_SECONDS = 30.0
"""How long a revoked partition waits for the batch in flight before it is let go anyway
(a batch stuck on a store outage must not hold the whole group's rebalance for good)."""


class GroupMembership(ConsumerRebalanceListener):  # type: ignore[misc]
    """Knows whether the consumer has joined its group (readiness), lets partitions
    go only after the batch in flight, and forgets rewind bookkeeping and lag for
    partitions it no longer owns."""

    def __init__(
        self,
        metrics: ConsumerMetrics,
        handling: asyncio.Lock,
        *bookkeeping: dict[TopicPartition, Any],
        commit_pending: Callable[[], Awaitable[None]] | None = None,
        before_join: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.joined = False
        self.joining_since: float | None = None
        """When (monotonic) the consumer, its partitions let go, began to wait for an
        assignment; None once it has one. A join that never ends shows here (`watchdog`)."""
        self.before_join = before_join
        """What a join does first (`rejoin`), also before the watchdog starts a new client."""
        self.letting_go = asyncio.Event()
        """Set while a revoke waits for the batch in flight: the batch stops at its next
        wait (a dead-letter topic that is down), commits what it handled, and returns,
        instead of keeping the member out of the rebalance until the group goes on
        without it and hands its partitions, uncommitted, to another member."""
        self._metrics = metrics
        self._handling = handling
        self._commit_pending = commit_pending
        """Commits what is handled and held back: while the partitions are still ours,
        so their next owner (maybe this member again) reads on from there."""
        self._bookkeeping = bookkeeping

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        # The group hands these partitions to another member as soon as this
        # returns: a batch still being applied here would then be applied by
        # both, each recording its own last position, and counted twice.
        self.letting_go.set()
        try:
            await asyncio.wait_for(self._handling.acquire(), REVOKE_WAIT_SECONDS)
        except TimeoutError:
            log.warning("letting %s go with a batch still in flight", sorted(revoked))
            if self._commit_pending is not None:
                await self._commit_pending()
        else:
            try:
                if self._commit_pending is not None:
                    await self._commit_pending()
            finally:
                self._handling.release()
        finally:
            self.letting_go.clear()
        for partition in revoked:
            for entries in self._bookkeeping:
                entries.pop(partition, None)
            self._metrics.forget_lag(partition)
        # aiokafka calls this before every (re)join, the first one included.
        if self.before_join is not None:
            await self.before_join()
        self.joining_since = time.monotonic()

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        self.joined = True
        self.joining_since = None
