"""Escalation's records by individual (W-3): the red threads, ladder matters, acute matters
and named consultations about one person, for the units party to each.

The parties are those who may read the record where it points (the application
checks the same when it loads it): a red thread's organisations and the office
serving its municipality (E-3), a ladder matter's parties (E-6), an acute
matter's two units (E-8), a consultation's consulting and consulted units
(E-9). Anonymous records are about no one and are listed under nobody.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from services.escalation.domain import AcuteMatter, Consultation, Escalation, RedThread
from services.escalation.views.work_items import municipality
from services.runtime.store.subject_records import (
    SubjectRecordView,
    joined,
    recorded,
    restated,
)

RED_THREAD = "red_thread"
ESCALATION = "escalation"
ACUTE_MATTER = "acute_matter"
CONSULTATION = "consultation"

RECORD_KINDS = {
    RED_THREAD: "a red thread pulled about the individual (E-1..E-5)",
    ESCALATION: "a matter on the escalation ladder (E-6)",
    ACUTE_MATTER: "an acute matter sent to another unit (E-8)",
    CONSULTATION: "a named consultation (E-9)",
}

_RED_THREAD_STATE: dict[type[Any], str] = {
    RedThread.CoordinatorAssigned: "taken",
    RedThread.MeetingScheduled: "meeting_scheduled",
    RedThread.PutOnHold: "on_hold",
    RedThread.MeetingHeld: "meeting_held",
    RedThread.FollowUpBooked: "follow_up_booked",
    RedThread.FollowUpEvaluated: "evaluated",
    RedThread.Closed: "closed",
    RedThread.MeetingMoved: "meeting_scheduled",
    RedThread.MeetingCancelled: "meeting_cancelled",
    RedThread.FollowUpMoved: "follow_up_booked",
    RedThread.FollowUpCancelled: "follow_up_cancelled",
    RedThread.ClosedEarly: "closed",
}
"""Where a red thread stands after each of its events (its own `status`, in short)."""


class EscalationRecords(Projection[SubjectRecordView]):
    """Escalation's own domain events → the index of its records by individual."""

    name = "subject_records"

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.apply([], tracking)

    @process_event.register
    def _(self, e: RedThread.Pulled, tracking: Tracking) -> None:
        parties = [e.pulled_by_org, *e.burdened_orgs, municipality(e.municipality_code)]
        self.view.apply(
            recorded(
                e.subject_id,
                RED_THREAD,
                e.originator_id,
                parties=parties,
                state="pulled",
                at=e.pulled_at,
                href=f"/v1/red-threads/{e.originator_id}",
            ),
            tracking,
        )

    @process_event.register
    def _(
        self,
        e: RedThread.CoordinatorAssigned
        | RedThread.MeetingScheduled
        | RedThread.PutOnHold
        | RedThread.MeetingHeld
        | RedThread.FollowUpBooked
        | RedThread.FollowUpEvaluated
        | RedThread.Closed
        | RedThread.MeetingMoved
        | RedThread.MeetingCancelled
        | RedThread.FollowUpMoved
        | RedThread.FollowUpCancelled
        | RedThread.ClosedEarly,
        tracking: Tracking,
    ) -> None:
        """The thread's new state (plans that change, W-2, included); the summoned and the
        office that took it join its parties (they read it from now on)."""
        item = e.originator_id
        operations = restated(RED_THREAD, item, _RED_THREAD_STATE[type(e)], e.timestamp)
        if isinstance(e, RedThread.MeetingScheduled):
            operations += joined(RED_THREAD, item, e.invited_orgs)
        if isinstance(e, RedThread.CoordinatorAssigned) and e.office is not None:
            operations += joined(RED_THREAD, item, [e.office])
        self.view.apply(operations, tracking)

    @process_event.register
    def _(self, e: RedThread.Resumed, tracking: Tracking) -> None:
        state = "meeting_scheduled" if e.stage == "meeting" else "follow_up_booked"
        self.view.apply(restated(RED_THREAD, e.originator_id, state, e.timestamp), tracking)

    @process_event.register
    def _(self, e: Escalation.Raised, tracking: Tracking) -> None:
        self.view.apply(
            recorded(
                e.subject_id,
                ESCALATION,
                e.originator_id,
                parties=[e.raised_by_org, *e.counterpart_orgs],
                state=e.level,
                at=e.raised_at,
                href=f"/v1/escalations/{e.originator_id}",
            ),
            tracking,
        )

    @process_event.register
    def _(self, e: Escalation.Escalated | Escalation.Resolved, tracking: Tracking) -> None:
        state = e.level if isinstance(e, Escalation.Escalated) else f"resolved_{e.resolution}"
        self.view.apply(restated(ESCALATION, e.originator_id, state, e.timestamp), tracking)

    @process_event.register
    def _(self, e: AcuteMatter.Raised, tracking: Tracking) -> None:
        self.view.apply(
            recorded(
                e.subject_id,
                ACUTE_MATTER,
                e.originator_id,
                parties=[e.from_org, e.to_org],
                state="raised",
                at=e.raised_at,
                href=f"/v1/acute-matters/{e.originator_id}",
            ),
            tracking,
        )

    @process_event.register
    def _(self, e: AcuteMatter.Taken, tracking: Tracking) -> None:
        self.view.apply(restated(ACUTE_MATTER, e.originator_id, "taken", e.taken_at), tracking)

    @process_event.register
    def _(self, e: Consultation.Held, tracking: Tracking) -> None:
        self.view.apply(
            recorded(
                e.subject_id,
                CONSULTATION,
                e.originator_id,
                parties=[e.consulting_org, *e.consulted_orgs],
                state=e.outcome,
                at=e.held_at,
                href=f"/v1/consultations/{e.originator_id}",
            ),
            tracking,
        )
