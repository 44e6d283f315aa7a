"""A missing predecessor: re-read the partition, hold the gap open for a republish,
and at last apply over it.

A record whose ``ce_prevsequence`` is above the tracked position means the
consumer missed something: the broker lost its log and offsets no longer mean
what they meant. What to do about it is decided per partition, here; the
bookkeeping is forgotten when the partition is taken away (`membership`).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from aiokafka import ConsumerRecord, TopicPartition
from aiokafka.errors import IllegalStateError
from prometheus_client import Counter

log = logging.getLogger(__name__)

GAP_GRACE_SECONDS = 30.0
"""How long a gap that re-reading did not fill is held open for a republish."""


class Gap(enum.Enum):
    """What the consumer does about a gap (see `Gaps.decide`)."""

    REWOUND = "rewound"
    HOLD = "hold"
    ACCEPT = "accept"


@dataclass(frozen=True)
class Hold:
    """A gap being held open: its first record, skipped (not applied, not committed)."""

    offset: int
    sequence: int
    since: float


@dataclass
class Gaps:
    """The gaps of the partitions one consumer owns, and what was decided about each."""

    grace_seconds: float
    rewinds: Counter
    handling: asyncio.Lock
    """Held while a batch is handled: a hold's timer ends it only between batches."""
    rewound_at: dict[TopicPartition, int] = field(default_factory=dict, init=False)
    held: dict[TopicPartition, Hold] = field(default_factory=dict, init=False)
    accept_at: dict[TopicPartition, int] = field(default_factory=dict, init=False)
    _hold_timers: set[asyncio.Task[None]] = field(default_factory=set, init=False)

    async def decide(
        self, consumer: Any, record: ConsumerRecord[bytes, bytes], sequence: int
    ) -> Gap:
        """A predecessor is missing: re-read, hold the gap open, or (at last) apply over it.

        First the partition is re-read from its start (offsets lost, the
        predecessor is further back). If that does not fill it, the record is
        skipped and the consumer reads on for a while: after the broker lost its
        log, the relay republishes everything *behind* this record, the
        predecessors and this record again. Only when nothing fills the gap
        within the grace period (retention removed it, or its producer cannot
        republish) is the first skipped record re-read and applied anyway;
        holding the line forever would stop everything after it. The grace
        period runs on a timer, not only when the next record arrives: on a
        quiet partition nothing else would ever end it.
        """
        partition = TopicPartition(record.topic, record.partition)
        if self.accept_at.get(partition) == record.offset:
            del self.accept_at[partition]
            return Gap.ACCEPT
        hold = self.held.get(partition)
        if hold is not None:
            if time.monotonic() - hold.since < self.grace_seconds:
                return Gap.HOLD
            self._give_up_hold(consumer, partition, hold)
            return Gap.REWOUND
        rewound_at = self.rewound_at.get(partition)
        if rewound_at is not None and record.offset <= rewound_at:
            hold = Hold(record.offset, sequence, time.monotonic())
            self.held[partition] = hold
            log.warning(
                "gap at %s offset %s not filled by re-reading; holding it for a republish",
                partition,
                record.offset,
            )
            timer = asyncio.create_task(self._end_hold_later(consumer, partition, hold))
            self._hold_timers.add(timer)
            timer.add_done_callback(self._hold_timers.discard)
            return Gap.HOLD
        self.rewound_at[partition] = record.offset
        self.rewinds.labels(record.topic).inc()
        log.warning("gap at %s offset %s; re-reading from the start", partition, record.offset)
        with contextlib.suppress(IllegalStateError):  # taken away meanwhile: its owner reads it
            await consumer.seek_to_beginning(partition)
        return Gap.REWOUND

    def _give_up_hold(self, consumer: Any, partition: TopicPartition, hold: Hold) -> None:
        """Nothing filled the gap in time: re-read its first record and apply it over the gap."""
        del self.held[partition]
        log.error("gap at %s offset %s cannot be filled; applying", partition, hold.offset)
        self.accept_at[partition] = hold.offset
        with contextlib.suppress(IllegalStateError):  # taken away meanwhile
            consumer.seek(partition, hold.offset)

    async def _end_hold_later(self, consumer: Any, partition: TopicPartition, hold: Hold) -> None:
        """The grace period's timer: between batches, never in the middle of one."""
        await asyncio.sleep(self.grace_seconds)
        async with self.handling:
            if self.held.get(partition) is hold:  # not filled, not given up, still ours
                self._give_up_hold(consumer, partition, hold)

    def release(self, record: ConsumerRecord[bytes, bytes], sequence: int) -> None:
        """The held record's sequence (or a later one) was handled: the gap is filled."""
        partition = TopicPartition(record.topic, record.partition)
        hold = self.held.get(partition)
        if hold is not None and sequence >= hold.sequence:
            del self.held[partition]
            log.info("gap at %s offset %s filled", partition, hold.offset)
