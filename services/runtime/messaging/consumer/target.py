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

    @classmethod
    def of(cls, processor: Any, recorder: Any) -> TrackedTarget:
        """An eventsourcing ``EventSourcedProjection`` (processor and recorder are the
        application and its recorder) or a ``Projection`` (its ``view`` as recorder)."""
        batched = (
            getattr(processor, "process_events", None) if hasattr(processor, "policy") else None
        )
        return cls(
            processor.process_event, recorder.max_tracking_id, recorder.insert_tracking, batched
        )


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
        name = tracking_of(*run[0]).application_name
        try:
            seen = target.max_tracking_id(name) or 0
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
        # With the SDK: one consumer span per message of the run (none current: each
        # is in a trace of its own), ended when the transaction is.
        spans = (
            consumer_spans([(_span_name(r), r.headers, span_attributes(r, e)) for r, e in run])
            if recording()
            else [None] * len(run)
        )
        try:
            if batch and target.process_messages is not None:
                target.process_messages(batch)
            elif batch and target.process_events is not None:
                target.process_events([(e.event, t) for e, t in batch])
        except Exception as error:  # retried one at a time, where it is isolated
            end_spans([span for span in spans if span is not None], error)
            log.info("batch of %d fell back to one at a time: %r", len(batch), error)
            return None
        if log.isEnabledFor(logging.DEBUG):
            for (record, envelope), outcome, span in zip(run, outcomes, spans, strict=True):
                with (
                    trace.use_span(span, end_on_exit=False)
                    if span is not None
                    else consuming(_span_name(record), record.headers)
                ):
                    log_handled(record, envelope, outcome)
        end_spans([span for span in spans if span is not None])
        return RunResult(outcomes=outcomes)

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
