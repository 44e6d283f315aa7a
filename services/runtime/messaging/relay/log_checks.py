"""The relay's look at its own topic, every so often, beside its rounds rather than between them.

Each check (`TopicLog.loss`: list-offsets, then a fetch per partition published
to) answers whether the broker still holds what it acknowledged. Made between
two rounds, it held publishing back for as long as it took: 15 ms at p50 and
over 100 ms on a loaded host, every ``relay_log_check_seconds`` (2 s), so the
events saved meanwhile reached the topic that much later (#24). Now a check is
a task of its own, begun between rounds and taken up between later ones
(`LogChecks.between_rounds`): a loss still resets the relay's position only
between rounds, never under one whose acks are awaited, and a check's failure
still ends the relay's connection as before.

A check looks at the position the relay had when it began; what was
acknowledged by then must still be there whatever was sent since. A check
still running when the relay republishes everything (a partition restarted
under a round) is let finish, but what it found is not taken up: it is about a
position that is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer

from services.runtime.messaging.relay.topic_log import LogUnanswered, TopicLog
from services.runtime.store.database import RelayPosition

log = logging.getLogger(__name__)


class LogChecks:
    """The probe that reads the topic back, and the check in progress, if any."""

    def __init__(
        self,
        topic_log: TopicLog,
        probe: Callable[[], AIOKafkaConsumer],
        interval: float,
        topic: str,
    ) -> None:
        self._log = topic_log
        self._new_probe = probe
        self._interval = interval
        self._topic = topic
        self.probe = probe()
        self._checked_at = 0.0  # the first check is due at once
        self._check: asyncio.Task[str | None] | None = None
        self._stale = False

    def between_rounds(self, position: RelayPosition) -> str | None:
        """The loss the finished check found, if any (its failure is raised here), and a
        new check begun, from `position`, when one is due. One check at a time."""
        check, found = self._check, None
        if check is not None and check.done():
            self._check = None
            self._checked_at = time.monotonic()
            found = check.result()
            if self._stale:
                self._stale, found = False, None
        if self._check is None and time.monotonic() - self._checked_at > self._interval:
            self._check = asyncio.create_task(self._loss(position))
        return found

    def forget(self) -> None:
        """The relay republishes everything: a check in progress has nothing left to say
        (it is left to finish, so that it never shares the probe with the next)."""
        self._stale = self._check is not None

    async def stop(self) -> None:
        """End a check in progress and stop the probe (every path, a failed start included)."""
        check, self._check = self._check, None
        if check is not None:
            check.cancel()
            with contextlib.suppress(BaseException):
                await check
        await self.probe.stop()

    async def _loss(self, position: RelayPosition) -> str | None:
        """Why the broker no longer holds what it acknowledged (`TopicLog.loss`), or None.

        A probe whose fetch brought nothing is replaced: after the embedded broker
        restarted, one kept fetching nothing at every later check (so a later loss
        could only be seen from the offsets), while a new one read the log at once.
        """
        try:
            return await self._log.loss(self.probe, position)
        except LogUnanswered as unanswered:
            log.warning("outbox relay for %s: %s; the probe is replaced", self._topic, unanswered)
            await self.probe.stop()
            self.probe = self._new_probe()
            await self.probe.start()  # a failed start: `stop` stops it
            return None
