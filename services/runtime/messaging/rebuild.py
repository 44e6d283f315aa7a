"""Rebuilding a projection from the log: the upstream topics, read from the beginning.

A projection (reporting's statistics, say) is derived data: if it is wrong
(a bug fixed in how it counts) or lost, it can be built again from the facts
on the topics. The rebuild runs *beside* the live projection, so the service
can keep running and answering:

1. every partition of the upstream topics is read from its start with a
   plain consumer (no group: the service's own offsets are untouched);
2. each message is decoded, skipped when its ``ce_sequence`` is not above
   what was already applied from its ``source#partition`` (republished and
   duplicated messages), and handed to the projection's `Rebuilder`, which
   builds the new state off to the side (memory, not the service's store);
3. at the end the rebuilder swaps the new state in, in one transaction that
   also sets the tracking positions to those of the rebuild. If the running
   service has meanwhile applied a message the rebuild has not read (its
   position is ahead), nothing is swapped: the rebuild reads on and tries
   again. After the swap the service skips what the rebuild already
   counted, as duplicates.

Which projections can be rebuilt is not known here (the runtime imports no
service): each service's composition root lists its own in ``Service.projections``,
as a `RebuildableProjection` named ``<service>-<projection>``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from eventsourcing.persistence import Tracking

from contracts import EVENT_TYPES, IntegrationEvent, PoisonMessage, decode, events_topic
from services.runtime.messaging.kafka import client_options
from services.runtime.settings import RuntimeSettings

log = logging.getLogger(__name__)

FETCH_RECORDS = 5000
"""Records taken from the client per round; one thread trip each."""


class Rebuilder(Protocol):
    """A projection being built again, off to the side of the live one."""

    def apply(self, batch: Sequence[tuple[IntegrationEvent, Tracking]]) -> None:
        """Apply events in log order (per partition), already deduplicated."""

    def swap(self, positions: Mapping[str, int], sources: Collection[str]) -> dict[str, int]:
        """Put the rebuilt state in place of the live one, with `positions` as its
        tracking, in one transaction; every tracking name of `sources` not in
        `positions` is removed.

        Returns, without changing anything, the live positions that are ahead of
        `positions` (the running service applied more meanwhile); {} once swapped.
        """

    def close(self) -> None: ...


@dataclass(frozen=True)
class RebuildableProjection:
    """What a service offers for rebuilding (``Service.projections``)."""

    description: str
    upstream: tuple[str, ...]
    """The services whose events topics the projection is built from."""
    open: Callable[[RuntimeSettings], Rebuilder]


@dataclass
class RebuildReport:
    """What a rebuild read and applied."""

    read: int = 0
    applied: int = 0
    duplicates: int = 0
    undecodable: int = 0
    rounds: int = 0
    seconds: float = 0.0
    positions: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        """Messages read per second, the whole rebuild (swap included)."""
        return self.read / self.seconds if self.seconds else 0.0


class LogIncomplete(Exception):
    """The live projection has applied messages the topics do not hold (any more)."""


Progress = Callable[[int, int], None]
"""Called with (messages read, messages known on the topics so far)."""


def sources_of(services: Collection[str]) -> set[str]:
    """The CloudEvents sources (``/samverkan/<service>``) of the given services."""
    return {cls.ce_source() for cls in EVENT_TYPES.values() if cls.service in services}


async def rebuild(
    settings: RuntimeSettings,
    projection: RebuildableProjection,
    *,
    progress: Progress | None = None,
    max_rounds: int = 20,
) -> RebuildReport:
    """Rebuild `projection` from its upstream topics and swap it in (see module docs)."""
    started = time.perf_counter()
    topics = [events_topic(s, prefix=settings.topic_prefix) for s in projection.upstream]
    report = RebuildReport()
    rebuilder = await asyncio.to_thread(projection.open, settings)
    consumer = AIOKafkaConsumer(
        **client_options(settings),
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=8 * 1024 * 1024,
        fetch_max_bytes=64 * 1024 * 1024,
    )
    try:
        await consumer.start()  # inside: a start that fails is stopped too (kafka.started)
        partitions = await _partitions(consumer, topics)
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        seen: dict[str, int] = {}
        sources = sources_of(projection.upstream)
        while True:
            report.rounds += 1
            await _read_to_end(consumer, partitions, rebuilder, seen, report, progress)
            ahead = await asyncio.to_thread(rebuilder.swap, dict(seen), sources)
            if not ahead:
                break
            if report.rounds >= max_rounds:
                behind = {name: (seen.get(name, 0), live) for name, live in ahead.items()}
                msg = (
                    f"the live projection has applied messages the topics do not hold "
                    f"(rebuilt, live): {behind}"
                )
                raise LogIncomplete(msg)
            log.info("live projection is ahead at %s; reading on", sorted(ahead))
            await asyncio.sleep(min(0.1 * report.rounds, 1.0))
        report.positions = seen
    finally:
        await consumer.stop()
        await asyncio.to_thread(rebuilder.close)
    report.seconds = time.perf_counter() - started
    return report


async def _partitions(consumer: AIOKafkaConsumer, topics: Sequence[str]) -> list[TopicPartition]:
    existing = await consumer.topics()
    missing = [t for t in topics if t not in existing]
    if missing:
        msg = f"no such topic: {', '.join(missing)} (samverkan topics create)"
        raise LookupError(msg)
    return [
        TopicPartition(topic, p)
        for topic in topics
        for p in sorted(consumer.partitions_for_topic(topic) or ())
    ]


async def _read_to_end(
    consumer: AIOKafkaConsumer,
    partitions: list[TopicPartition],
    rebuilder: Rebuilder,
    seen: dict[str, int],
    report: RebuildReport,
    progress: Progress | None,
) -> None:
    """Read every partition up to its end offset (as it is now), applying as we go.

    Fetching the next batch overlaps applying the previous one (in a worker
    thread); batches are applied strictly in turn, so order is kept.
    """
    ends = await consumer.end_offsets(partitions)
    applying: asyncio.Future[None] | None = None
    try:
        while True:
            remaining = [tp for tp in partitions if await consumer.position(tp) < ends[tp]]
            if remaining:
                fetched = await consumer.getmany(
                    *remaining, timeout_ms=1000, max_records=FETCH_RECORDS
                )
            else:
                # At the reported ends. The embedded broker under-reports them after
                # batched produces, so only a fetch that brings nothing proves the end.
                fetched = await consumer.getmany(timeout_ms=300, max_records=FETCH_RECORDS)
                if not fetched:
                    break
                ends = await consumer.end_offsets(partitions)
            records = [record for batch in fetched.values() for record in batch]
            if not records:
                continue
            if applying is not None:
                await applying
            report.read += len(records)
            applying = asyncio.ensure_future(
                asyncio.to_thread(_apply, records, rebuilder, seen, report)
            )
            if progress is not None:
                progress(report.read, max(sum(ends.values()), report.read))
    finally:
        if applying is not None:
            await applying


def _apply(
    records: list[ConsumerRecord[bytes, bytes]],
    rebuilder: Rebuilder,
    seen: dict[str, int],
    report: RebuildReport,
) -> None:
    batch: list[tuple[IntegrationEvent, Tracking]] = []
    for record in records:
        try:
            envelope = decode(record.value, record.headers)
        except PoisonMessage:
            report.undecodable += 1  # the live consumer dead-lettered it too
            continue
        name = f"{envelope.source}#{record.partition}"
        if envelope.sequence <= seen.get(name, 0):
            report.duplicates += 1
            continue
        seen[name] = envelope.sequence
        batch.append((envelope.event, Tracking(name, envelope.sequence)))
    if batch:
        rebuilder.apply(batch)
        report.applied += len(batch)
