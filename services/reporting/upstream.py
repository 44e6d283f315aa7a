"""Where upstream events land: detected deviations (D-7) and the statistics (D-5, D-6).

Reporting has one tracked consumer for every topic. Each event first goes to
the application, which destroys an erased subject's key (`SubjectErased`)
or turns an overdue event into a deviation — linked to the source message's
``ce_id`` and idempotent by the deviation's id, derived from it — and then to the
statistics projection, which counts it and records the consumed position in
one transaction. If the process stops between the two, the redelivered event
finds its deviation already there and is only counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.persistence import Tracking

from contracts import Envelope, IntegrationEvent, SubjectErased, SubjectErasedV2
from services.reporting.application import ReportingApplication
from services.reporting.domain.routines import source_message_id
from services.reporting.views.statistics import Statistics
from services.runtime.messaging.consumer import TrackedTarget


@dataclass(frozen=True)
class Intake:
    application: ReportingApplication
    statistics: Statistics

    def process_event(
        self, event: IntegrationEvent, tracking: Tracking, source_id: UUID | None = None
    ) -> None:
        self._apply(event, source_id)
        self.statistics.process_event(event, tracking)

    def process_message(self, envelope: Envelope, tracking: Tracking) -> None:
        """As `process_event`; a detected deviation links to the message's ``ce_id`` (D-7)."""
        self.process_event(envelope.event, tracking, source_message_id(envelope.id))

    def process_messages(self, batch: Sequence[tuple[Envelope, Tracking]]) -> None:
        """Several messages of one partition: the application's effects one by one
        (each idempotent), then every count in ONE transaction at the last position.
        If that fails, the consumer retries the messages one at a time, and the
        effects already made are found again, not made twice. The batch's first
        position is recorded too, so an overlapping batch of a former owner of
        the partition is refused (#19, item 3)."""
        self.process_partitions([batch])

    def process_partitions(self, runs: Sequence[Sequence[tuple[Envelope, Tracking]]]) -> None:
        """Several partitions' messages, as `process_messages` applies one partition's, with
        every partition's counts and positions (its first and last) in ONE transaction:
        the consumer's whole fetch is one commit. Each partition's events are counted
        in their order; partitions are independent of each other, as they are on
        the broker."""
        for run in runs:
            for envelope, _ in run:
                self._apply(envelope.event, source_message_id(envelope.id))
        with self.statistics.view.batches([(run[0][1], run[-1][1]) for run in runs]):
            for run in runs:
                for envelope, tracking in run:
                    self.statistics.process_event(envelope.event, tracking)

    def _apply(self, event: IntegrationEvent, source_id: UUID | None) -> None:
        if isinstance(event, SubjectErased | SubjectErasedV2):
            # Idempotent: destroying a destroyed key changes nothing.
            self.application.erase_subject(event.subject_id, event.erased_at)
        self.application.detect_missed_routine(event, source_id)

    def target(self) -> TrackedTarget:
        view = self.statistics.view
        return TrackedTarget(
            self.process_event,
            view.max_tracking_id,
            view.insert_tracking,
            process_message=self.process_message,
            process_messages=self.process_messages,
            process_partitions=self.process_partitions,
        )
