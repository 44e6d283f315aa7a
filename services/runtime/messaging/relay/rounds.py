"""What one round of the relay publishes, and the next round read while it is acknowledged.

While the broker acknowledges one round, the next is read and translated
(`ReadAhead`): the relay's own work (mostly translation and encoding) then
overlaps the broker's round trip and the store's read instead of following
them. A read-ahead is used only if the round it was read for ends as expected
(acked, position recorded, nothing republished); sending stays strictly in
order.

A read-ahead that found nothing is read again when a save wakes the relay while
the acks are still awaited (`ReadAhead.found_nothing`, `OutboxRelay._saved`):
under a steady stream of commands the read-ahead, begun right after the sends,
mostly comes back empty, and the events saved during the acks were then read
only after them. And a read-ahead that found something is topped up, once the
acks are in, with what was saved since it began (`Round.then`): those events
waited a whole round more before.
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

    def then(self, more: Round) -> Round:
        """This round and `more`, read from its end with its tails, as one round."""
        if not more.notifications:
            return self
        return Round(
            [*self.notifications, *more.notifications],
            TranslatedBatch(
                [*self.batch.messages, *more.batch.messages],
                [*self.batch.untranslatable, *more.batch.untranslatable],
                more.batch.tails,
            ),
        )


@dataclass(frozen=True)
class ReadAhead:
    """The next round, read and translated while the broker acknowledged the last one.

    Valid only for the position it was read after (`start`, `tails`): a round that
    ended otherwise (republish from the start, an error) leaves it unused.
    """

    start: int
    tails: dict[int, int]
    task: asyncio.Task[Round]
    saves: int
    """The relay's count of saves when this read began: one after it may be missing."""

    def fits(self, start: int, tails: dict[int, int]) -> bool:
        """Whether it was read for the round that starts at `start` with these `tails`."""
        return self.start == start and self.tails == tails

    def found_nothing(self) -> bool:
        """Whether its read is done and found nothing new (not failed, not cancelled):
        then a read again from the same place can take its place."""
        task = self.task
        if not task.done() or task.cancelled() or task.exception() is not None:
            return False
        return not task.result().notifications


def discard(ahead: ReadAhead | None) -> None:
    """Drop a read-ahead nobody will use; its failure, if any, is the next read's to see."""
    if ahead is None:
        return
    ahead.task.cancel()  # nothing, when it is done already
    ahead.task.add_done_callback(lambda task: task.cancelled() or task.exception())
