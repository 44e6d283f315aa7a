"""Rebuilding a projection from the log: the upstream topics, read from the beginning.

A projection (reporting's statistics, say) is derived data: if it is wrong
(a bug fixed in how it counts) or lost, it can be built again from the facts
on the topics. The rebuild runs *beside* the live projection, so the service
can keep running and answering:

1. every partition of the upstream topics is read from its start with a
   plain consumer (no group: the service's own offsets are untouched);
2. each message is skipped when its ``ce_sequence`` is not above what was
   already applied from its ``source#partition`` (republished and duplicated
   messages); a message of a type the projection counts is decoded and handed
   to the projection's `Rebuilder`, which builds the new state off to the side
   (memory, not the service's store). Any other message only moves the
   position on, read from its headers, undecoded: most of a log is types a
   projection does nothing with, and validating them would cost more than
   everything else the rebuild does. The position moves exactly as the live
   consumer moves it: past every message whose headers name its place in the
   producer's chain (``chain_position``), dead-lettered ones included, so that
   the live projection is never ahead of the rebuild because of a message
   neither counts;
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
import contextlib
import gc
import logging
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from eventsourcing.persistence import Tracking

from contracts import EVENT_TYPES, IntegrationEvent, PoisonMessage, decode, events_topic
from contracts.cloudevents import H_TYPE
from services.runtime.messaging.consumer.records import chain_position
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
    counted: frozenset[str] | None = None
    """The ``ce_type``s the projection does anything with beyond moving its position on
    (`types_handled_by`); None: every type is decoded and handed over."""


def types_handled_by(projection: type[Any]) -> frozenset[str]:
    """The ``ce_type``s an eventsourcing `Projection`'s ``process_event`` has a handler
    for other than its default (which, for a projection, only moves the position on).

    Asked of the dispatcher itself, type by type, so it cannot drift from what the
    projection does: a handler added for a new event (or version) is counted here
    the moment it is registered.
    """
    dispatch = dispatcher_of(projection).dispatch
    default = dispatch(object)
    return frozenset(t for t, cls in EVENT_TYPES.items() if dispatch(cls) is not default)


def dispatcher_of(projection: type[Any]) -> Any:
    """The functools dispatcher behind a projection's ``process_event``."""
    getattr(projection, "process_event")  # noqa: B009 - runs deferred registrations
    method = next(
        c.__dict__["process_event"] for c in projection.__mro__ if "process_event" in c.__dict__
    )
    return method.dispatcher


@dataclass
class RebuildReport:
    """What a rebuild read and applied."""

    read: int = 0
    applied: int = 0
    """Messages handed to the projection."""
    skipped: int = 0
    """Messages of types the projection does not count: only their position was taken."""
    duplicates: int = 0
    undecodable: int = 0
    """Counted types that would not decode, and messages that name no place in a chain."""
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
    with _collecting_young_objects_less():
        return await _rebuild(settings, projection, progress, max_rounds)


@contextlib.contextmanager
def _collecting_young_objects_less() -> Iterator[None]:
    """For the rebuild's length, run the cyclic collector after 50,000 new objects rather
    than Python's 700 (as a served process does, services.runtime.ops.serve).

    A rebuild makes a dozen short-lived objects per message (the record, its
    headers, the event), all freed by reference counting; but a fetched batch
    lives while the one before it is applied, long enough to be promoted, so the
    default thresholds had the collector traverse the batches again and again
    for nothing: about a quarter of the rebuild's CPU time (bench/RESULTS.md).
    """
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], 50_000), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


async def _rebuild(
    settings: RuntimeSettings,
    projection: RebuildableProjection,
    progress: Progress | None,
    max_rounds: int,
) -> RebuildReport:
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
        replay = _Replay(rebuilder, projection.counted, sources, seen)
        while True:
            report.rounds += 1
            await _read_to_end(consumer, partitions, replay, report, progress)
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
    replay: _Replay,
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
            applying = asyncio.ensure_future(asyncio.to_thread(replay.apply, records, report))
            if progress is not None:
                progress(report.read, max(sum(ends.values()), report.read))
    finally:
        if applying is not None:
            await applying


class _Replay:
    """What each fetched record does to the rebuild: counted, only its position taken,
    or nothing (see the module docs, step 2)."""

    def __init__(
        self,
        rebuilder: Rebuilder,
        counted: frozenset[str] | None,
        sources: Collection[str],
        seen: dict[str, int],
    ) -> None:
        self._rebuilder = rebuilder
        # Header values are bytes: compared undecoded, an uncounted message costs
        # one scan of its headers.
        self._counted = None if counted is None else frozenset(t.encode() for t in counted)
        self._sources = frozenset(sources)
        self._seen = seen

    def apply(self, records: list[ConsumerRecord[bytes, bytes]], report: RebuildReport) -> None:
        counted, seen = self._counted, self._seen
        batch: list[tuple[IntegrationEvent, Tracking]] = []
        for record in records:
            if counted is not None and _type_of(record.headers) not in counted:
                moved = self._move_past(record)
                if moved is None:  # names no place: the live consumer dead-lettered it
                    report.undecodable += 1
                elif moved:
                    report.skipped += 1
                else:
                    report.duplicates += 1
                continue
            try:
                envelope = decode(record.value, record.headers)
            except PoisonMessage:
                report.undecodable += 1  # the live consumer dead-lettered it too
                self._move_past(record)  # and moved on
                continue
            name = f"{envelope.source}#{record.partition}"
            if envelope.sequence <= seen.get(name, 0):
                report.duplicates += 1
                continue
            seen[name] = envelope.sequence
            batch.append((envelope.event, Tracking(name, envelope.sequence)))
        if batch:
            self._rebuilder.apply(batch)
            report.applied += len(batch)

    def _move_past(self, record: ConsumerRecord[bytes, bytes]) -> bool | None:
        """Move the position past a message the projection does not count, as the live
        consumer moves past one it does not count or dead-letters: when its headers
        name its place in a chain (``chain_position``). Whether it moved (False: a
        duplicate); None when the message names no place.

        A place in a chain of a source the projection does not read is left alone,
        as the swap leaves the live one alone.
        """
        position = chain_position(record)
        if position is None:
            return None
        name, sequence = position.tracking.application_name, position.tracking.notification_id
        if sequence <= self._seen.get(name, 0):
            return False
        if name.rpartition("#")[0] in self._sources:
            self._seen[name] = sequence
        return True


def _type_of(headers: Sequence[tuple[str, bytes | None]]) -> bytes | None:
    """The first ``ce_type`` header's value, undecoded (decode refuses a repeated one)."""
    for name, value in headers:
        if name == H_TYPE:
            return value
    return None
