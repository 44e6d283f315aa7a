"""Reporting's work lists (W-1): who must act on a deviation next.

- A reported deviation waits at the organisations it names as affected: after
  dialogue with the reporting unit, a manager of one side proposes the joint
  summary (D-2 step 2), quickly (D-3). A deviation detected from a missed
  deadline (D-7) waits at the organisations that missed it the same way.
- A proposed summary waits at the other side for its countersignature
  (D-2 step 2, `Deviation.countersigners`); a new proposal replaces it.
- Countersigned, the deviation is off its parties' lists: feedback has gone to
  every party (D-3). Closed early (W-2), off every list.

- Countersigned, the filled-in report also waits at the controllers who keep
  its parties' municipalities, to be filed (D-8); filed, it is off their list.
- Past its feedback deadline (D-3, `deviation_feedback`) unsolved, the items
  to summarise and countersign are raised overdue.

Any manager of the unit (deputy unit manager or above, D-2) may act, so an
item waits at the unit without one role. Both items are due when the feedback
is, `feedback_deadline_working_days` Swedish working days after the report
(D-3: "skyndsamt", a service setting). A controller's item is addressed to the
organisation (``controller:SE2120000001``) for the controller role, so which
controller keeps which municipality is read when the list is (`Controllers`).

Fed by the service's own events (eventsourcing `Projection`, tracked in the
same transaction), caught up before it is read. A proposed summary's event
names only its signer; who countersigns is read from the deviation, whose
parties never change once it is reported or detected.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from contracts import Role
from services.reporting.domain import (
    FEEDBACK_DEADLINE_WORKING_DAYS,
    Deviation,
    feedback_due,
    organisation,
)
from services.runtime.http.work_list import WorkKind
from services.runtime.store.work_items import (
    Addressed,
    WorkListView,
    done,
    opened,
    raised_overdue,
)

TO_SUMMARISE = "deviation_to_summarise"
TO_COUNTERSIGN = "summary_to_countersign"
TO_FILE = "deviation_to_file"

FEEDBACK_DUE_KINDS = (TO_SUMMARISE, TO_COUNTERSIGN)
"""The items due when the feedback is (D-3): what the overdue check looks at."""

WORK_KINDS = {
    TO_SUMMARISE: WorkKind(
        "Agree the joint summary of a deviation your unit is affected by, and propose it", "D-2"
    ),
    TO_COUNTERSIGN: WorkKind("Countersign the joint summary the other side proposed", "D-2"),
    TO_FILE: WorkKind("File the filled-in deviation report of your municipality", "D-8"),
}
"""What reporting puts on work lists, and the rule each comes from."""


def _deviation(deviation_id: UUID) -> str:
    return f"/v1/deviations/{deviation_id}"


def controller_addressee(organisation_id: str) -> str:
    """D-8: the name a filled-in report of `organisation_id`'s is addressed to; the
    controllers who keep that organisation's reports read it."""
    return f"controller:{organisation_id}"


class ReportingWork(Projection[WorkListView]):
    """Reporting's own domain events → work items on the lists of those who must act."""

    name = "work_items"

    def __init__(
        self,
        view: WorkListView,
        deviation: Callable[[UUID], Deviation],
        feedback_days: int = FEEDBACK_DEADLINE_WORKING_DAYS,
    ) -> None:
        super().__init__(view)
        self._deviation = deviation
        """The deviation as stored (who countersigns a proposed summary)."""
        self._feedback_days = feedback_days
        """D-3: the working days from report to feedback (the service's setting)."""

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.apply([], tracking)

    @process_event.register
    def _(self, e: Deviation.Reported | Deviation.Detected, tracking: Tracking) -> None:
        """D-2, D-7: the affected organisations (those that missed the deadline) summarise."""
        if isinstance(e, Deviation.Detected):
            state, at = "detected", e.detected_at
        else:
            state, at = "reported", e.reported_at
        self.view.apply(
            opened(
                e.originator_id,
                TO_SUMMARISE,
                Addressed(e.affected_orgs),
                state=state,
                since=e.timestamp,
                href=_deviation(e.originator_id),
                subject_id=e.subject_id,
                due_at=feedback_due(at, self._feedback_days),
            ),
            tracking,
        )

    @process_event.register
    def _(self, e: Deviation.SummaryProposed, tracking: Tracking) -> None:
        """D-2 step 2: one side signed; the other side countersigns (a new proposal, by
        either side, replaces the one before)."""
        deviation = self._deviation(e.originator_id)
        countersigners = deviation.countersigners(e.signature["org_id"])
        late = deviation.feedback_overdue_at is not None
        self.view.apply(
            done(e.originator_id, TO_SUMMARISE)
            + opened(
                e.originator_id,
                TO_COUNTERSIGN,
                Addressed(countersigners),
                state="proposed",
                since=e.timestamp,
                href=_deviation(e.originator_id),
                subject_id=deviation.subject_id,
                due_at=deviation.feedback_due(self._feedback_days),
            )
            + (raised_overdue(e.originator_id, TO_COUNTERSIGN) if late else []),
            tracking,
        )

    @process_event.register
    def _(self, e: Deviation.FeedbackOverdue, tracking: Tracking) -> None:
        """D-3: unsolved past the deadline for "skyndsamt": overdue on every list it is on."""
        self.view.apply(
            [op for kind in FEEDBACK_DUE_KINDS for op in raised_overdue(e.originator_id, kind)],
            tracking,
        )

    @process_event.register
    def _(self, e: Deviation.Summarised, tracking: Tracking) -> None:
        """D-3: signed by both sides, feedback goes to every party, and nothing waits for
        them; D-8: the filled-in report waits at the controllers to be filed."""
        deviation = self._deviation(e.originator_id)
        organisations = dict.fromkeys(organisation(p) for p in deviation.parties())
        self.view.apply(
            done(e.originator_id)
            + opened(
                e.originator_id,
                TO_FILE,
                Addressed([controller_addressee(o) for o in organisations], Role.CONTROLLER.value),
                state="summarised",
                since=e.timestamp,
                href=f"{_deviation(e.originator_id)}/form",
                subject_id=e.subject_id,
            ),
            tracking,
        )

    @process_event.register
    def _(self, e: Deviation.Closed | Deviation.Filed, tracking: Tracking) -> None:
        """W-2: closed early, nothing waits; D-8: filed, nothing waits."""
        self.view.apply(done(e.originator_id), tracking)
