"""What the relay's topic holds, held against what the relay recorded publishing.

Two questions are asked of the broker's log, with a probe consumer:

- Did the broker lose what it acknowledged (`TopicLog.loss`)? Then the relay
  republishes from the start. Retention, or a broker slow to answer a fetch,
  is not a loss (#19, item 4).
- What lies past the recorded position (`TopicLog.tail`)? A relay that crashed,
  or lost the lead, after the acks but before recording them left it there;
  it is not sent again. The same read finds a store behind its topic
  (`StoreBehindTopic`; #19, item 10).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import OffsetOutOfRangeError

from contracts.cloudevents import H_ID, H_SEQUENCE
from services.runtime.messaging.kafka import ensure_topics
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import RelayPosition

log = logging.getLogger(__name__)

LOG_PROBE_SECONDS = 10.0
"""How long the relay keeps asking for one record before it calls the broker slow
(not the log lost). A fetch that answers nothing for a moment used to count as loss."""


TAIL_PATIENCE = 2
"""How many reads of the tail in a row may find a partition that reports records past the
relay's position and sends none, before the relay takes it that none of ours lie there.

After the embedded broker lost its log, a partition has been seen reporting an end that no
fetch reaches; asked forever, the relay published nothing more (a fresh relay neither). The
cause was found since: a topic created over writes the broker took while it listed no such
topic (`services.runtime.messaging.kafka.ensure_topics` now deletes and creates it again);
the patience stays for any other broker that answers so. What
it then sends again may already be on the topic, which is safe: consumers drop a repeat by
its sequence."""


class LogUnanswered(Exception):
    """The broker answered no fetch for a partition that has records: retried, not decided."""


class StoreBehindTopic(Exception):
    """The topic holds a sequence above the store's newest event: the store was restored
    from a backup (or is the wrong database), and publishing would reuse sequence numbers
    consumers have already seen."""

    def __init__(self, topic: str, partition: int, published: int, head: int) -> None:
        super().__init__(
            f"outbox relay for {topic} refuses to publish: partition {partition} of the topic "
            f"holds sequence {published}, but the store's newest event is {head}. The store is "
            "behind what it once published (restored from a backup, or the wrong database); "
            "new events would reuse sequence numbers consumers have seen, and they would drop "
            "them as duplicates. Restore the store's latest state (point-in-time recovery) or "
            "point the service at its own database, then restart it; see docs/runbook.md, "
            "'Store behind its topic'."
        )
        self.topic = topic
        self.partition = partition
        self.published = published
        self.head = head


def _sequence(record: ConsumerRecord[Any, Any]) -> int:
    """A record's ``ce_sequence``; 0 for one that carries none (not one of ours)."""
    raw = dict(record.headers).get(H_SEQUENCE)
    try:
        return int(raw) if raw is not None else 0
    except ValueError:
        return 0


Ahead = dict[int, dict[int, tuple[int, bytes]]]
"""Per partition, the records past the relay's recorded position: their sequence, offset and
``ce_id``. Only a record whose ``ce_id`` is the one the relay would send counts as sent:
anything else produced to the topic with a ``ce_sequence`` (a partner's mistake, a test's
poison) is not taken for ours."""


class TopicLog:
    """One relay's topic, read through its probe consumer."""

    def __init__(self, topic: str, settings: RuntimeSettings) -> None:
        self._topic = topic
        self._settings = settings
        self._retained_logged: dict[int, int] = {}
        self._unanswered_tails = 0
        """Reads of the tail in a row that found a partition sending nothing."""

    async def loss(self, probe: AIOKafkaConsumer, position: RelayPosition) -> str | None:
        """Why the broker no longer holds what it acknowledged; None when it does (or when
        retention, not loss, removed it).

        Read with list-offsets first (log start and end of every partition we
        published to), then, where that cannot decide, fetch the record at the
        last offset we were acknowledged and expect our own last sequence there:

        - the log start moved past our last message while the end is still at or
          after where we left it: retention removed it, not a loss (consumers
          that have it keep it; new ones start at the log start);
        - an empty log, an end below what was acknowledged with no record of
          ours there, or another sequence at our offset (the topic re-created
          and grown again): lost, republish;
        - a fetch that brings nothing for `LOG_PROBE_SECONDS`: undecided, not
          a loss (`LogUnanswered`) — asked again at the next check (a slow broker
          used to cost a full republish after 1.5 s).

        The end offset alone cannot decide a loss: the embedded broker reports
        the start of the last batch plus one, below the real end after batched
        produces, so it is only believed when it is 0 (nothing at all).
        """
        if not position.ends:
            return None
        await ensure_topics(self._settings, [self._topic])
        partitions = [TopicPartition(self._topic, p) for p in sorted(position.ends)]
        starts = await probe.beginning_offsets(partitions)
        ends = await probe.end_offsets(partitions)
        for topic_partition in partitions:
            loss = await self._partition_loss(
                probe, position, topic_partition, starts[topic_partition], ends[topic_partition]
            )
            if loss is not None:
                return loss
        return None

    async def _partition_loss(
        self,
        probe: AIOKafkaConsumer,
        position: RelayPosition,
        topic_partition: TopicPartition,
        start: int,
        end: int,
    ) -> str | None:
        """Why the partition no longer holds what the broker acknowledged; None when it does
        (or retention, not loss, removed it); `LogUnanswered` when no fetch answered."""
        partition = topic_partition.partition
        acknowledged = position.ends[partition]
        last, sequence = acknowledged - 1, position.tails[partition]
        if start > last:
            return self._retained(partition, start, end, acknowledged)
        if end == 0:
            return f"partition {partition} is empty; offset {last} had been acknowledged"
        try:
            record = await self._fetch_one(probe, topic_partition, last)
        except OffsetOutOfRangeError:
            start = (await probe.beginning_offsets([topic_partition]))[topic_partition]
            end = (await probe.end_offsets([topic_partition]))[topic_partition]
            if start > last:
                return self._retained(partition, start, end, acknowledged)
            return f"partition {partition} no longer has offset {last} (log {start}..{end})"
        if record is None:
            if end < acknowledged:
                return (
                    f"partition {partition} ends at {end} with no record at offset {last}, "
                    f"which had been acknowledged"
                )
            raise LogUnanswered(
                f"{self._topic}[{partition}] did not answer for offset {last} within "
                f"{LOG_PROBE_SECONDS:.0f}s; not a loss, checked again later"
            )
        held = dict(record.headers).get(H_SEQUENCE)
        if record.offset != last or held != str(sequence).encode():
            return f"partition {partition} no longer holds sequence {sequence} at offset {last}"
        return None

    def _retained(self, partition: int, start: int, end: int, acknowledged: int) -> str | None:
        """Our last message is below the log start: retention when the log still reaches
        as far as it was acknowledged, loss otherwise."""
        if end < acknowledged:
            return (
                f"partition {partition} is {start}..{end}, short of offset "
                f"{acknowledged - 1} that had been acknowledged"
            )
        if self._retained_logged.get(partition) != start:
            self._retained_logged[partition] = start
            log.info(
                "outbox relay for %s: retention moved partition %d's log start to %d, past our "
                "last message at %d; not a loss, nothing republished",
                self._topic,
                partition,
                start,
                acknowledged - 1,
            )
        return None

    async def _fetch_one(
        self, probe: AIOKafkaConsumer, topic_partition: TopicPartition, offset: int
    ) -> ConsumerRecord[Any, Any] | None:
        """The first record at or after `offset`, or None when nothing came within
        `LOG_PROBE_SECONDS` (asked again and again: one slow fetch decides nothing)."""
        probe.assign([topic_partition])
        probe.seek(topic_partition, offset)
        deadline = time.monotonic() + LOG_PROBE_SECONDS
        while True:
            batch = await probe.getmany(topic_partition, timeout_ms=1500, max_records=1)
            records = batch.get(topic_partition, [])
            if records:
                return records[0]
            if time.monotonic() >= deadline:
                return None
            probe.seek(topic_partition, offset)

    async def tail(
        self,
        probe: AIOKafkaConsumer,
        partitions: Sequence[int],
        position: RelayPosition,
        head: int,
    ) -> Ahead:
        """What each partition holds past `position`: {partition: {sequence: (offset, ce_id)}}.

        A relay that crashed (or was frozen and lost the lead) after the broker
        acknowledged a batch but before it recorded the position left that batch
        on the topic; whoever relays next finds it here and does not send it
        again. Each partition is read from where the recorded position ends (or
        one relay batch back, for a partition we have no end for) to its end.

        The same read tells whether the store is behind its topic: a store
        restored from a backup has forgotten events it once published (`head`
        is its newest), and new events would reuse sequence numbers consumers
        have already seen (they would drop them as duplicates, silently). Then
        `StoreBehindTopic`.
        """
        topic_partitions = [TopicPartition(self._topic, p) for p in partitions]
        starts = await probe.beginning_offsets(topic_partitions)
        ends = await probe.end_offsets(topic_partitions)
        ahead: Ahead = {}
        highest, on_partition = 0, 0
        for topic_partition in topic_partitions:
            start, end = starts[topic_partition], ends[topic_partition]
            if end <= start:
                continue
            # The embedded broker's end is the start of the last batch plus one,
            # so the read goes on until it has a record at or past end - 1.
            partition = topic_partition.partition
            recorded_end = position.ends.get(partition, end - self._settings.relay_batch_size)
            offset = max(start, min(recorded_end, end - 1))
            for record in await self._records_from(probe, topic_partition, offset, end):
                sequence = _sequence(record)
                if sequence > position.sequence:
                    ce_id = dict(record.headers).get(H_ID) or b""
                    ahead.setdefault(partition, {})[sequence] = (record.offset, ce_id)
                if sequence > highest:
                    highest, on_partition = sequence, partition
        self._unanswered_tails = 0
        if highest > head:
            raise StoreBehindTopic(self._topic, on_partition, highest, head)
        if ahead:
            log.warning(
                "outbox relay for %s: %d messages past the recorded position %d are already on "
                "the topic (a relay stopped before recording them); they are not sent again",
                self._topic,
                sum(len(found) for found in ahead.values()),
                position.sequence,
            )
        return ahead

    async def _records_from(
        self, probe: AIOKafkaConsumer, topic_partition: TopicPartition, offset: int, end: int
    ) -> list[ConsumerRecord[Any, Any]]:
        """The records from `offset` until one at or past `end` - 1 has come."""
        probe.assign([topic_partition])
        probe.seek(topic_partition, offset)
        deadline = time.monotonic() + LOG_PROBE_SECONDS
        records: list[ConsumerRecord[Any, Any]] = []
        while not records or records[-1].offset < end - 1:
            batch = await probe.getmany(topic_partition, timeout_ms=1500)
            fetched = batch.get(topic_partition, [])
            if fetched:
                records.extend(fetched)
                continue
            if records:
                break  # nothing more came: the end reported was not where the log ends
            if time.monotonic() >= deadline:
                self._unanswered(topic_partition.partition, offset, end)
                break
        return records

    def _unanswered(self, partition: int, offset: int, end: int) -> None:
        """Nothing came from `offset` though the partition reports its end at `end`: the
        read is asked again (`LogUnanswered`) until `TAIL_PATIENCE` reads in a row found the
        same, then the partition is taken as holding nothing past `offset`."""
        self._unanswered_tails += 1
        if self._unanswered_tails < TAIL_PATIENCE:
            raise LogUnanswered(
                f"{self._topic}[{partition}] sent nothing past offset {offset - 1} within "
                f"{LOG_PROBE_SECONDS:.0f}s (it reports its end at {end})"
            )
        log.warning(
            "outbox relay for %s: partition %d reports its end at %d but sent nothing from "
            "offset %d in %d reads; nothing there is taken as ours, and what follows the "
            "recorded position is sent again (consumers drop a repeat by its sequence)",
            self._topic,
            partition,
            end,
            offset,
            self._unanswered_tails,
        )
