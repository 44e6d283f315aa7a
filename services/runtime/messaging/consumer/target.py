"""Applying upstream events to the consumer's own store exactly once.

The target applies an event and records its position (eventsourcing's
tracking record) in one transaction. Here, in a worker thread, a run of one
partition's decoded records is applied in order: a record at or below the
tracked position is a duplicate, one whose predecessor is above it a gap (the
caller decides what to do about it), and one that keeps failing stops the run
so the caller can dead-letter it. A whole run goes in one transaction when the
target can batch and nothing in the run is unusual.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from aiokafka import ConsumerRecord
from eventsourcing.persistence import IntegrityError, Tracking
from opentelemetry import trace

from contracts import Envelope, IntegrationEvent
from services.runtime.kernel.tracing import consumer_spans, consuming, end_spans, recording
from services.runtime.messaging.consumer.backoff import TRANSIENT, retrying
from services.runtime.messaging.consumer.records import span_attributes, tracking_of

log = logging.getLogger(__name__)

Run = list[tuple[ConsumerRecord[bytes, bytes], Envelope]]
"""One partition's decoded records, in offset order."""
TrackedRuns = Sequence[Sequence[tuple[Envelope, Tracking]]]
"""A fetched batch's runs, one per partition, each event with the position it is tracked at."""


@dataclass(frozen=True)
class TrackedTarget:
    """Where effects and tracking records land, atomically, in the consumer's own store."""

    process_event: Callable[[IntegrationEvent, Tracking], None]
    max_tracking_id: Callable[[str], int | None]
    insert_tracking: Callable[[Tracking], None]
    process_events: Callable[[Sequence[tuple[IntegrationEvent, Tracking]]], None] | None = None
    """Several events of one partition in one transaction, when the target can."""
    process_message: Callable[[Envelope, Tracking], None] | None = None
    """Instead of `process_event`, for a target that needs the CloudEvents attributes
    too (the ``ce_id`` a detected deviation links to); applied one at a time."""
    process_messages: Callable[[Sequence[tuple[Envelope, Tracking]]], None] | None = None
    """Several messages of one partition in one transaction, with their CloudEvents
    attributes: the batched form of `process_message`, preferred when present."""
    process_partitions: Callable[[TrackedRuns], None] | None = None
    """Several partitions' messages (one sequence per partition, each in order) in ONE
    transaction, each partition recorded at its own first and last positions as
    `process_messages` records them: one commit per fetched batch."""

    @classmethod
    def of(cls, processor: Any, recorder: Any) -> TrackedTarget:
        """An eventsourcing ``EventSourcedProjection`` (processor and recorder are the
        application and its recorder) or a ``Projection`` (its ``view`` as recorder).

        An application with a policy that can apply several partitions' events in
        one transaction (`OutboxApplication.process_partitions`) takes the
        consumer's whole fetch at once."""
        has_policy = hasattr(processor, "policy")
        batched = getattr(processor, "process_events", None) if has_policy else None
        together = getattr(processor, "process_partitions", None) if has_policy else None
        return cls(
            processor.process_event,
            recorder.max_tracking_id,
            recorder.insert_tracking,
            batched,
            process_partitions=None if together is None else partial(_events_of, together),
        )


def _events_of(
    process_partitions: Callable[[Sequence[Sequence[tuple[IntegrationEvent, Tracking]]]], None],
    runs: TrackedRuns,
) -> None:
    """`process_partitions` of an application, which takes the events without their envelopes."""
    process_partitions([[(envelope.event, tracking) for envelope, tracking in run] for run in runs])


class Outcome(enum.Enum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    GAP = "gap"


@dataclass
class RunResult:
    """What a worker thread did with a run of one partition's records."""

    outcomes: list[Outcome] = field(default_factory=list)
    gap: bool = False
    failed: Exception | None = None


def _span_name(record: ConsumerRecord[bytes, bytes]) -> str:
    return f"process {record.topic}"


def log_handled(record: ConsumerRecord[bytes, bytes], envelope: Envelope, outcome: Outcome) -> None:
    """One DEBUG line per message, in its trace context (``trace_id`` of the command)."""
    log.debug(
        "%s %s from %s[%s]@%s",
        outcome.value,
        envelope.type,
        record.topic,
        record.partition,
        record.offset,
        extra={"ce_id": envelope.id, "ce_sequence": envelope.sequence},
    )


@dataclass(frozen=True)
class Applier:
    """Applies runs of records to one target, in a worker thread, retrying a failing one."""

    target: TrackedTarget
    max_retries: int
    retry_delay: float

    def apply_in_order(self, run: Run, accept_gap: bool) -> RunResult:
        """In a worker thread: apply until done, a gap, or a record that keeps failing."""
        batched = self._apply_together(run, accept_gap)
        if batched is not None:
            return batched
        result = RunResult()
        for position, (record, envelope) in enumerate(run):
            tracked = tracking_of(record, envelope)
            accept = accept_gap and position == 0
            attempt = 0
            while True:
                try:
                    with consuming(
                        _span_name(record),
                        record.headers,
                        span_attributes(record, envelope),
                    ):
                        outcome = retrying(partial(self._apply, envelope, tracked, accept))
                        log_handled(record, envelope, outcome)
                    break
                except Exception as error:
                    attempt += 1
                    if attempt >= self.max_retries:
                        result.failed = error
                        return result
                    time.sleep(self.retry_delay * attempt)
            if outcome is Outcome.GAP:
                result.gap = True
                return result
            result.outcomes.append(outcome)
        return result

    def _apply_together(self, run: Run, accept_gap: bool) -> RunResult | None:
        """The fast path: the whole run in one transaction, when nothing in it is unusual.

        Returns None (use the one-at-a-time path) when the target cannot
        batch, when the run holds a gap, or when the batch fails for any
        reason: then every record is tried again on its own, so a failing one
        is isolated and dead-lettered and a store outage is waited out.
        """
        target = self.target
        if (target.process_events is None and target.process_messages is None) or len(run) < 2:
            return None
        sorted_out = self._sort_out(run, accept_gap)
        if sorted_out is None:
            return None
        outcomes, batch = sorted_out

        def process() -> None:
            if batch and target.process_messages is not None:
                target.process_messages(batch)
            elif batch and target.process_events is not None:
                target.process_events([(e.event, t) for e, t in batch])

        if not self._in_spans([run], outcomes, process):
            return None
        return RunResult(outcomes=outcomes)

    def apply_partitions(self, runs: Sequence[Run]) -> list[RunResult] | None:
        """In a worker thread: several partitions' runs in ONE transaction, each recorded
        at its own positions (`TrackedTarget.process_partitions`): one commit per
        fetched batch instead of one per partition, the wait every event of the
        batch shares.

        Only when every run is plain (no gap; duplicates are skipped as always);
        None otherwise, or when the transaction fails for any reason: nothing
        is recorded then, and the caller applies each partition's run on its own
        (`apply_in_order`), where gaps are decided and failures isolated.
        """
        target = self.target
        if target.process_partitions is None or len(runs) < 2:
            return None
        results: list[RunResult] = []
        batches: list[list[tuple[Envelope, Tracking]]] = []
        for run in runs:
            sorted_out = self._sort_out(run, accept_gap=False)
            if sorted_out is None:
                return None
            outcomes, batch = sorted_out
            results.append(RunResult(outcomes=outcomes))
            if batch:
                batches.append(batch)
        process = target.process_partitions
        outcomes = [outcome for result in results for outcome in result.outcomes]
        if not self._in_spans(runs, outcomes, lambda: process(batches) if batches else None):
            return None
        return results

    def _sort_out(
        self, run: Run, accept_gap: bool
    ) -> tuple[list[Outcome], list[tuple[Envelope, Tracking]]] | None:
        """Each record's outcome, and those to apply with their positions; None when the
        run holds a gap (or its position cannot be read now)."""
        name = tracking_of(*run[0]).application_name
        try:
            seen = self.target.max_tracking_id(name) or 0
        except TRANSIENT:
            return None
        outcomes: list[Outcome] = []
        batch: list[tuple[Envelope, Tracking]] = []
        for position, (record, envelope) in enumerate(run):
            if envelope.sequence <= seen:
                outcomes.append(Outcome.DUPLICATE)
                continue
            if envelope.prev_sequence > seen and not (accept_gap and position == 0):
                return None
            batch.append((envelope, tracking_of(record, envelope)))
            outcomes.append(Outcome.APPLIED)
            seen = envelope.sequence
        return outcomes, batch

    def _in_spans(
        self, runs: Sequence[Run], outcomes: Sequence[Outcome], process: Callable[[], object]
    ) -> bool:
        """Run `process` (one transaction for `runs`, whose records came to `outcomes`);
        whether it succeeded.

        With the SDK: one consumer span per message (none current: each is in
        a trace of its own), ended when the transaction is.
        """
        records = [pair for run in runs for pair in run]
        spans = (
            consumer_spans([(_span_name(r), r.headers, span_attributes(r, e)) for r, e in records])
            if recording()
            else [None] * len(records)
        )
        try:
            process()
        except Exception as error:  # retried one at a time, where it is isolated
            end_spans([span for span in spans if span is not None], error)
            log.info("batch of %d fell back to one at a time: %r", len(records), error)
            return False
        if log.isEnabledFor(logging.DEBUG):
            for (record, envelope), outcome, span in zip(records, outcomes, spans, strict=True):
                with (
                    trace.use_span(span, end_on_exit=False)
                    if span is not None
                    else consuming(_span_name(record), record.headers)
                ):
                    log_handled(record, envelope, outcome)
        end_spans([span for span in spans if span is not None])
        return True

    def _apply(self, envelope: Envelope, tracking: Tracking, accept_gap: bool) -> Outcome:
        seen = self.target.max_tracking_id(tracking.application_name) or 0
        if envelope.sequence <= seen:
            return Outcome.DUPLICATE
        if envelope.prev_sequence > seen and not accept_gap:
            return Outcome.GAP
        try:
            if self.target.process_message is not None:
                self.target.process_message(envelope, tracking)
            else:
                self.target.process_event(envelope.event, tracking)
        except IntegrityError:
            # Either another replica applied it first (the tracking row proves
            # it), or the policy lost a race with a command on the same
            # aggregate: that one must be retried, not dropped.
            applied = self.target.max_tracking_id(tracking.application_name) or 0
            if applied >= tracking.notification_id:
                return Outcome.DUPLICATE
            raise
        return Outcome.APPLIED

    def record_only(self, tracking: Tracking) -> None:
        """Move past a dead-lettered message so its successors are not seen as a gap."""

        def insert() -> None:
            try:
                self.target.insert_tracking(tracking)
            except IntegrityError:
                log.info("tracking %s already recorded", tracking)

        retrying(insert)

    def seen(self, tracking: Tracking) -> int:
        """The highest position applied for `tracking`'s ``source#partition``."""
        seen: int = retrying(lambda: self.target.max_tracking_id(tracking.application_name) or 0)
        return seen
