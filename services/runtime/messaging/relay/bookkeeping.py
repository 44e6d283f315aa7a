"""When the relay writes down how far it got: every so often, not after every batch (#24).

The recorded position only spares a restarted relay (or a standby taking over)
work: it reads the topic past that position and does not send again what it
finds there (`TopicLog.tail`), and consumers drop a repeat by its sequence. It
decides nothing a command or a consumer relies on. Written after every batch,
it was a commit per batch that the next batch waited for, and on SQLite one
more turn at the store's single writer that the commands' own commits queued
behind: at 200 commands a second, a commit (and its fsync) for nearly every
event. Now it is written at most every ``relay_position_interval_seconds``,
when the relay has been idle for a poll, and when it stops, and the rounds
do not wait for it (`PositionBookkeeping`); a relay killed
in between leaves at most that interval of messages for the next one to find
on the topic.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from services.runtime.store.database import RelayPosition

log = logging.getLogger(__name__)


class PositionBookkeeping:
    """Holds the relay's newest position until it is due to be recorded.

    A record due after a round is written beside the next rounds, not before
    them: it is a commit, on SQLite a turn behind the commands' own writers, and
    the round after it waited for it once a second (5-15 ms, more under load);
    so is the record of a relay gone idle, which a wake then waited for.
    One write at a time, in order; one that failed is raised by the next call
    (`reached`, `flush`, `settle`), so the relay fails as it did when it waited.
    With an interval of 0 every record is waited for, as before.
    """

    def __init__(self, record: Callable[[RelayPosition], None], interval: float) -> None:
        self._record = record
        self._interval = interval
        self._unrecorded: RelayPosition | None = None
        self._recorded_at = time.monotonic()
        self._writing: asyncio.Task[None] | None = None

    @property
    def unrecorded(self) -> bool:
        """Whether a position reached is not written down yet."""
        return self._unrecorded is not None

    async def reached(self, position: RelayPosition) -> None:
        """After a batch was acknowledged: record `position` if the interval has passed
        since the last record (at once with an interval of 0), else hold it."""
        self._unrecorded = position
        if time.monotonic() - self._recorded_at < self._interval:
            return
        if self._interval == 0:
            await self.flush()
        else:
            await self.idle()

    async def idle(self) -> None:
        """Begin recording the position held, beside whatever the relay does next, unless
        a write is still in progress (the position is then recorded when next due)."""
        writing = self._writing
        if writing is not None:
            if not writing.done():
                return
            await self.settle()  # raises what it failed with
        if self._unrecorded is not None:
            self._writing = asyncio.create_task(self._write())

    async def flush(self) -> None:
        """Record the position held, if any (in a worker thread: it is a commit), after
        the write in progress."""
        await self.settle()
        await self._write()

    async def settle(self) -> None:
        """Wait for the write in progress, if any; its failure is raised here."""
        writing, self._writing = self._writing, None
        if writing is not None:
            await writing

    async def _write(self) -> None:
        position, self._unrecorded = self._unrecorded, None
        if position is None:
            return
        try:
            await asyncio.to_thread(self._record, position)
        except BaseException:
            if self._unrecorded is None:  # still the newest: try again next time
                self._unrecorded = position
            raise
        self._recorded_at = time.monotonic()

    def forget(self) -> None:
        """Drop the position held (another was recorded in its place, or the relay no
        longer leads and must not write over its successor's)."""
        self._unrecorded = None

    async def flush_on_stop(self, record: bool) -> None:
        """The last record of a relay that stops (`record`: it still leads): best effort,
        as a crash would leave it; a write in progress is waited for either way."""
        try:
            if record:
                await self.flush()
            else:
                await self.settle()
        except Exception as error:  # the relay is stopping anyway; the next one reads the tail
            log.warning("outbox relay stopped before recording its position: %r", error)
