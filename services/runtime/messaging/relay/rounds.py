"""What one round of the relay publishes, and the next round read while it is acknowledged.

While the broker acknowledges one round, the next is read and translated
(`ReadAhead`): the relay's own work (mostly translation and encoding) then
overlaps the broker's round trip and the store's read instead of following
them. A read-ahead is used only if the round it was read for ends as expected
(acked, position recorded, nothing republished); sending stays strictly in
order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from eventsourcing.persistence import Notification

from services.runtime.messaging.relay.outgoing import TranslatedBatch


@dataclass(frozen=True)
class Round:
    """What one round publishes: the notifications read and their translation."""

    notifications: Sequence[Notification]
    batch: TranslatedBatch


@dataclass(frozen=True)
class ReadAhead:
    """The next round, read and translated while the broker acknowledged the last one.

    Valid only for the position it was read after (`start`, `tails`): a round that
    ended otherwise (republish from the start, an error) leaves it unused.
    """

    start: int
    tails: dict[int, int]
    task: asyncio.Task[Round]

    def fits(self, start: int, tails: dict[int, int]) -> bool:
        """Whether it was read for the round that starts at `start` with these `tails`."""
        return self.start == start and self.tails == tails


def discard(ahead: ReadAhead | None) -> None:
    """Drop a read-ahead nobody will use; its failure, if any, is the next read's to see."""
    if ahead is None:
        return
    ahead.task.cancel()  # nothing, when it is done already
    ahead.task.add_done_callback(lambda task: task.cancelled() or task.exception())
