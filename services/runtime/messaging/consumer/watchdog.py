"""A consumer that waits for its group's assignment for good is restarted, not left hanging.

A member can wait in a join without end while the broker answers everything
else: the group's leader waited on metadata for a topic the broker had lost
(the broker-restart flake), and nothing in aiokafka times that wait out. The
consumer then applied nothing while it looked alive. The watchdog notices a
consumer with no assignment for `JOIN_LIMIT_SESSIONS` session timeouts while
the broker answers, makes readiness say so, and restarts it: the stuck client
is stopped (its join cancelled, which its own ``stop`` would wait on) and a new
one joins. Nothing is lost by it: offsets are committed only after their effect,
and tracking skips what a re-read brings again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from services.runtime.messaging.consumer.membership import GroupMembership

log = logging.getLogger(__name__)

JOIN_LIMIT_SESSIONS = 5
"""Session timeouts a join may take before it counts as stuck: a rebalance waits for
every member to rejoin, which takes up to one, so five is a join that will not end."""

STOP_SECONDS = 10.0
"""How long stopping the stuck client may take before it is left to the collector."""


class JoinWatchdog:
    """Watches one consumer's `membership` and restarts its faststream `subscriber`."""

    def __init__(
        self,
        membership: GroupMembership,
        subscriber: Any,
        session_timeout_ms: int,
        limit_sessions: int = JOIN_LIMIT_SESSIONS,
    ) -> None:
        self._membership = membership
        self.subscriber = subscriber
        """faststream's subscriber: its ``consumer`` is the aiokafka client of the moment."""
        self._session = session_timeout_ms / 1000
        self.limit = limit_sessions * self._session
        self.restarts = 0

    def stuck_for(self) -> float | None:
        """How long the consumer has waited for an assignment, once that is past the limit.

        Only a consumer that was in its group once: until then readiness says it is not
        yet, and its client's start, which waits for the first assignment, is the
        service's connection task's to retry."""
        since = self._membership.joining_since
        if since is None or not self._membership.joined:
            return None
        waited = time.monotonic() - since
        return waited if waited > self.limit else None

    async def run(self, broker_answers: Callable[[], Awaitable[bool]]) -> None:
        """Look once a session; restart the consumer when stuck while the broker answers."""
        while True:
            await asyncio.sleep(self._session)
            waited = self.stuck_for()
            if waited is None or not await broker_answers():
                continue
            log.warning(
                "the consumer has had no assignment for %.0f s while the broker answers; "
                "restarting it",
                waited,
            )
            self.restarts += 1
            try:
                await self.restart()
            except Exception:
                log.exception("restarting the consumer failed; trying again later")

    async def restart(self) -> None:
        """Stop the subscriber's client, its join cancelled first, and start a new one,
        its subscribed topics ensured first (a client's start waits for their metadata).

        A start returns once the new client is assigned; one that is not within the
        limit is cancelled, to be restarted at the next look."""
        consumer = self.subscriber.consumer
        coordinator = getattr(consumer, "_coordinator", None)
        coordination = getattr(coordinator, "_coordination_task", None)
        if coordination is not None:
            # aiokafka's stop waits for this task, which waits in the join for good.
            coordination.cancel()
        # Counted from now: a start that fails is tried again after another limit.
        self._membership.joining_since = time.monotonic()
        try:
            await asyncio.wait_for(self.subscriber.stop(), STOP_SECONDS)
        except TimeoutError:
            log.warning("the stuck consumer did not stop within %s s; starting anew", STOP_SECONDS)
            self.subscriber.consumer = None
        if self._membership.before_join is not None:
            await self._membership.before_join()
        try:
            await asyncio.wait_for(self.subscriber.start(), self.limit)
        except TimeoutError:
            log.warning("the restarted consumer is not assigned yet either")
