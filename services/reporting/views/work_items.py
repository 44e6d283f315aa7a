"""Reporting's work lists (W-1): who must act on a deviation next.

- A reported deviation waits at the organisations it names as affected: after
  dialogue with the reporting unit, a manager of one side proposes the joint
  summary (D-2 step 2), quickly (D-3). A deviation detected from a missed
  deadline (D-7) waits at the organisations that missed it the same way.
- A proposed summary waits at the other side for its countersignature
  (D-2 step 2, `Deviation.countersigners`); a new proposal replaces it.
- Countersigned, the deviation is off every list: feedback has gone to every
  party (D-3), and nothing is left to do. Closed early (W-2), likewise.

Any manager of the unit (deputy unit manager or above, D-2) may act, so an
item waits at the unit without one role. No deadline: the routine asks for
"skyndsamt" (D-3) but sets no time, and none is configured.

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

from services.reporting.domain import Deviation
from services.runtime.http.work_list import WorkKind
from services.runtime.store.work_items import Addressed, WorkListView, done, opened

TO_SUMMARISE = "deviation_to_summarise"
TO_COUNTERSIGN = "summary_to_countersign"

WORK_KINDS = {
    TO_SUMMARISE: WorkKind(
        "Agree the joint summary of a deviation your unit is affected by, and propose it", "D-2"
    ),
    TO_COUNTERSIGN: WorkKind("Countersign the joint summary the other side proposed", "D-2"),
}
"""What reporting puts on work lists, and the rule each comes from."""


def _deviation(deviation_id: UUID) -> str:
    return f"/v1/deviations/{deviation_id}"


class ReportingWork(Projection[WorkListView]):
    """Reporting's own domain events → work items on the lists of those who must act."""

    name = "work_items"

    def __init__(self, view: WorkListView, deviation: Callable[[UUID], Deviation]) -> None:
        super().__init__(view)
        self._deviation = deviation
        """The deviation as stored (who countersigns a proposed summary)."""

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.apply([], tracking)

    @process_event.register
    def _(self, e: Deviation.Reported | Deviation.Detected, tracking: Tracking) -> None:
        """D-2, D-7: the affected organisations (those that missed the deadline) summarise."""
        state = "detected" if isinstance(e, Deviation.Detected) else "reported"
        self.view.apply(
            opened(
                e.originator_id,
                TO_SUMMARISE,
                Addressed(e.affected_orgs),
                state=state,
                since=e.timestamp,
                href=_deviation(e.originator_id),
                subject_id=e.subject_id,
            ),
            tracking,
        )

    @process_event.register
    def _(self, e: Deviation.SummaryProposed, tracking: Tracking) -> None:
        """D-2 step 2: one side signed; the other side countersigns (a new proposal, by
        either side, replaces the one before)."""
        deviation = self._deviation(e.originator_id)
        countersigners = deviation.countersigners(e.signature["org_id"])
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
            ),
            tracking,
        )

    @process_event.register
    def _(self, e: Deviation.Summarised | Deviation.Closed, tracking: Tracking) -> None:
        """D-3: signed by both sides, feedback goes to every party; W-2: closed early. Either
        way nothing waits."""
        self.view.apply(done(e.originator_id), tracking)
