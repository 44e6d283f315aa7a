"""Where upstream events land: detected deviations (D-7) and the statistics (D-5, D-6).

Reporting has one tracked consumer for every topic. Each event first goes to
the application, which destroys an erased subject's key (`SubjectErased`)
or turns an overdue event into a deviation — idempotent
by the deviation's id, derived from the source event — and then to the
statistics projection, which counts it and records the consumed position in
one transaction. If the process stops between the two, the redelivered event
finds its deviation already there and is only counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from eventsourcing.persistence import Tracking

from contracts import IntegrationEvent, SubjectErased
from services.reporting.application import ReportingApplication
from services.reporting.statistics import Statistics
from services.runtime.consumer import TrackedTarget


@dataclass(frozen=True)
class Intake:
    application: ReportingApplication
    statistics: Statistics

    def process_event(self, event: IntegrationEvent, tracking: Tracking) -> None:
        if isinstance(event, SubjectErased):
            # Idempotent: destroying a destroyed key changes nothing.
            self.application.erase_subject(event.subject_id, event.erased_at)
        self.application.detect_missed_routine(event)
        self.statistics.process_event(event, tracking)

    def target(self) -> TrackedTarget:
        view = self.statistics.view
        return TrackedTarget(self.process_event, view.max_tracking_id, view.insert_tracking)
