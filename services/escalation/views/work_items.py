"""Escalation's work lists (W-1): who must act on a red thread, a matter or a meeting, next.

- The coordination office learns of every red thread pulled in a municipality
  it serves, and convenes its meeting (E-3); it books, then evaluates, the
  follow-up and closes the thread (E-5). Addressed to ``municipality:<kod>``
  with the coordinator's role: a coordinator sees the municipalities their
  office serves as configured when they read.
- The invited organisations see the meeting and the follow-up they are
  summoned to (E-3, E-5), and everyone concerned sees a red thread that went
  overdue (D-7), or stalled: its meeting not recorded as held, its follow-up not
  booked in time (E-11). The organisation responsible for an action the meeting
  agreed on has it, due at the end of its day, until the follow-up evaluates it
  (E-10); past its day it is raised overdue (E-11).
- A deputy unit manager sees the acute matters sent to their unit (E-8) and
  the monthly meetings they may register cases for, until the cutoff (E-7);
  the role at the matter's current step sees a ladder matter (E-6), in the state
  `cost_settled` once the department heads settled who pays (E-12).
- The member departments' heads see the yearly routine review they are to hold, due by
  the end of its day, until it is recorded held (E-13); it names no one.

Fed by the service's own events (eventsourcing `Projection`, tracked in the
same transaction), caught up before it is read.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from contracts import EscalationLevel, EscalationTrack, MeetingStage, Role
from services.escalation.domain import (
    MAX_ACTIONS,
    AcuteMatter,
    Escalation,
    MonthlyMeeting,
    RedThread,
    RoutineReview,
    action_id,
    day_is_over,
    follow_up_overdue_at,
    meeting_overdue_at,
    registration_cutoff,
)
from services.escalation.domain.ladder import NEEDS_ROLE
from services.runtime.http.work_list import WorkKind
from services.runtime.kernel.stockholm_time import stockholm_date
from services.runtime.store.read_models import Operations
from services.runtime.store.work_items import (
    Addressed,
    WorkListView,
    done,
    due_anew,
    moved_on,
    opened,
    overdue_lifted,
    raised_overdue,
    readdressed,
    succeeded_by,
    with_role,
)

MEETING = "red_thread_meeting"
INVITATION = "red_thread_invitation"
FOLLOW_UP = "red_thread_follow_up"
OVERDUE = "red_thread_overdue"
ACTION = "red_thread_action"
ACUTE_MATTER = "acute_matter"
LADDER_STEP = "ladder_step"
REGISTRATION = "monthly_meeting_registration"
ROUTINE_REVIEW = "routine_review"

WORK_KINDS = {
    MEETING: WorkKind("Take the red thread and hold its meeting within 14 days", "E-3"),
    INVITATION: WorkKind("Attend the red-thread meeting or follow-up you are summoned to", "E-3"),
    FOLLOW_UP: WorkKind("Book, evaluate and close the red thread's follow-up", "E-5"),
    OVERDUE: WorkKind("A red thread you are part of is overdue or stalled", "D-7"),
    ACTION: WorkKind("Do what the red-thread meeting agreed your organisation does", "E-10"),
    ACUTE_MATTER: WorkKind("Take the acute matter sent to your unit", "E-8"),
    LADDER_STEP: WorkKind("Settle or escalate the matter now at your step", "E-6"),
    REGISTRATION: WorkKind("Register cases for the monthly meeting before the cutoff", "E-7"),
    ROUTINE_REVIEW: WorkKind("Hold the departments' yearly routine review, with minutes", "E-13"),
}
"""What escalation puts on work lists, and the rule each comes from."""


def municipality(code: str) -> str:
    """The addressee of what waits for the coordination office serving `code` (E-3)."""
    return f"municipality:{code}"


def _red_thread(item_id: UUID) -> str:
    return f"/v1/red-threads/{item_id}"


_COORDINATOR = Role.COORDINATOR.value
_DEPUTY = Role.DEPUTY_UNIT_MANAGER.value
_DEPARTMENT_HEAD = Role.DEPARTMENT_HEAD.value


def _ladder_role(track: str, level: str) -> str | None:
    """E-6: on the needs ladder the step is a role; on the dispute ladder any manager of
    a party acts, so the matter waits at the unit without one role."""
    if EscalationTrack(track) is EscalationTrack.NEEDS:
        return NEEDS_ROLE[EscalationLevel(level)].value
    return None


_STALLED: dict[type[Any], tuple[str, str]] = {
    RedThread.MeetingOverdue: (MEETING, "meeting_overdue"),
    RedThread.FollowUpOverdue: (FOLLOW_UP, "follow_up_overdue"),
    RedThread.MeetingNotRecorded: (MEETING, "meeting_not_recorded"),
    RedThread.FollowUpNotBooked: (FOLLOW_UP, "follow_up_not_booked"),
}
"""A red thread stalled (D-7, E-11): whose item it makes overdue, and the state the concerned
see it in."""


class EscalationWork(Projection[WorkListView]):
    """Escalation's own domain events → work items on the lists of those who must act."""

    name = "work_items"

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.apply([], tracking)

    # --- the red thread (E-3, E-5, D-7) -------------------------------------------------

    @process_event.register
    def _(self, e: RedThread.Pulled, tracking: Tracking) -> None:
        to = Addressed([municipality(e.municipality_code)], _COORDINATOR)
        self.view.apply(
            opened(
                e.originator_id,
                MEETING,
                to,
                state="new",
                since=e.timestamp,
                href=_red_thread(e.originator_id),
                subject_id=e.subject_id,
                due_at=meeting_overdue_at(e.pulled_at),
            ),
            tracking,
        )

    @process_event.register
    def _(self, e: RedThread.CoordinatorAssigned, tracking: Tracking) -> None:
        """E-3: taken, the thread is its coordinator's office's to run, whoever serves the
        municipality later (a thread taken before the office was kept stays where it was)."""
        operations = moved_on(e.originator_id, MEETING, "taken", e.timestamp)
        if e.office is not None:
            operations += readdressed(e.originator_id, MEETING, e.office, _COORDINATOR)
        self.view.apply(operations, tracking)

    @process_event.register
    def _(self, e: RedThread.MeetingScheduled, tracking: Tracking) -> None:
        self.view.apply(
            moved_on(e.originator_id, MEETING, "scheduled", e.timestamp)
            + self._invited(e.originator_id, e.subject_id, e.invited_orgs, "meeting", e),
            tracking,
        )

    @process_event.register
    def _(self, e: RedThread.PutOnHold | RedThread.Resumed, tracking: Tracking) -> None:
        """E-4: a meeting without a basis does not stand; the coordinator must act on it."""
        held = isinstance(e, RedThread.PutOnHold)
        stage = "meeting" if e.stage == MeetingStage.MEETING.value else "follow_up"
        coordinating = MEETING if stage == "meeting" else FOLLOW_UP
        standing = "scheduled" if stage == "meeting" else "booked"
        self.view.apply(
            moved_on(e.originator_id, coordinating, "on_hold" if held else standing, e.timestamp)
            + moved_on(
                e.originator_id, INVITATION, "on_hold" if held else f"{stage}_invited", e.timestamp
            ),
            tracking,
        )

    @process_event.register
    def _(self, e: RedThread.MeetingMoved | RedThread.FollowUpMoved, tracking: Tracking) -> None:
        """W-2: the summoned see their meeting moved; a follow-up is due on its new day, and
        one that went overdue on the old day is not overdue any more."""
        item = e.originator_id
        if isinstance(e, RedThread.MeetingMoved):
            # E-11: a meeting not recorded on the old day is not overdue any more; the
            # coordinator's item keeps the E-3 deadline.
            self.view.apply(
                overdue_lifted(item, MEETING)
                + moved_on(item, INVITATION, "meeting_moved", e.timestamp)
                + done(item, OVERDUE),
                tracking,
            )
            return
        due = follow_up_overdue_at(e.follow_up_at)
        self.view.apply(
            due_anew(item, FOLLOW_UP, "booked", e.timestamp, due)
            + moved_on(item, INVITATION, "follow_up_moved", e.timestamp)
            + done(item, OVERDUE),
            tracking,
        )

    @process_event.register
    def _(
        self, e: RedThread.MeetingCancelled | RedThread.FollowUpCancelled, tracking: Tracking
    ) -> None:
        """W-2: the summoned need not come; the coordinator schedules (books) it again,
        the meeting still within 14 days of the pull (E-3)."""
        item = e.originator_id
        again = (
            moved_on(item, MEETING, "cancelled", e.timestamp)
            if isinstance(e, RedThread.MeetingCancelled)
            else due_anew(item, FOLLOW_UP, "to_book", e.timestamp, None)
        )
        self.view.apply(again + done(item, INVITATION), tracking)

    @process_event.register
    def _(self, e: RedThread.MeetingHeld, tracking: Tracking) -> None:
        """E-5: the meeting held, its coordinator books the follow-up."""
        item = e.originator_id
        self.view.apply(
            succeeded_by(item, MEETING, FOLLOW_UP, state="to_book", since=e.timestamp)
            + done(item, INVITATION, OVERDUE),
            tracking,
        )

    @process_event.register
    def _(self, e: RedThread.FollowUpBooked, tracking: Tracking) -> None:
        item = e.originator_id
        self.view.apply(
            due_anew(item, FOLLOW_UP, "booked", e.timestamp, follow_up_overdue_at(e.follow_up_at))
            + self._invited(item, e.subject_id, e.invited_orgs, "follow_up", e)
            + done(item, OVERDUE),  # E-11: booked, late or not, it no longer stalls
            tracking,
        )

    @process_event.register
    def _(self, e: RedThread.FollowUpEvaluated, tracking: Tracking) -> None:
        item = e.originator_id
        self.view.apply(
            done(item, INVITATION, OVERDUE)
            + due_anew(item, FOLLOW_UP, "to_close", e.timestamp, None),
            tracking,
        )

    @process_event.register
    def _(self, e: RedThread.ActionAgreed, tracking: Tracking) -> None:
        """E-10: the responsible organisation does it by the end of its day (Stockholm)."""
        self.view.apply(
            opened(
                e.action_id,
                ACTION,
                Addressed([e.responsible_org]),
                state="agreed",
                since=e.timestamp,
                href=_red_thread(e.originator_id),
                subject_id=e.subject_id,
                due_at=day_is_over(e.due_on),
            ),
            tracking,
        )

    @process_event.register
    def _(self, e: RedThread.ActionEvaluated, tracking: Tracking) -> None:
        """E-10: gone through at the follow-up, the action is off the list."""
        self.view.apply(done(e.action_id, ACTION), tracking)

    @process_event.register
    def _(self, e: RedThread.Closed | RedThread.ClosedEarly, tracking: Tracking) -> None:
        """Off every list, its agreed actions too (E-10: their ids are the thread's first
        `MAX_ACTIONS`), evaluated or not: a thread closed early has no follow-up."""
        item = e.originator_id
        actions = [op for n in range(MAX_ACTIONS) for op in done(action_id(item, n), ACTION)]
        self.view.apply(done(item) + actions, tracking)

    @process_event.register
    def _(
        self,
        e: RedThread.MeetingOverdue
        | RedThread.FollowUpOverdue
        | RedThread.MeetingNotRecorded
        | RedThread.FollowUpNotBooked,
        tracking: Tracking,
    ) -> None:
        """D-7, E-11: nothing stalls silently: the coordinator's item is overdue from now on,
        whatever its deadline says, and everyone concerned hears the red thread stalled,
        until it moves again."""
        coordinating, state = _STALLED[type(e)]
        self.view.apply(
            raised_overdue(e.originator_id, coordinating)
            + opened(
                e.originator_id,
                OVERDUE,
                Addressed(e.concerned_orgs),
                state=state,
                since=e.timestamp,
                href=_red_thread(e.originator_id),
                subject_id=e.subject_id,
                due_at=e.overdue_at,
            ),
            tracking,
        )

    @process_event.register
    def _(self, e: RedThread.ActionOverdue, tracking: Tracking) -> None:
        """E-11: the responsible organisation's action is overdue until it is evaluated."""
        self.view.apply(raised_overdue(e.action_id, ACTION), tracking)

    @staticmethod
    def _invited(item: UUID, subject_id: str, invited: list[str], stage: str, e: Any) -> Operations:
        """E-3, E-5: the summoned organisations, each on its own list."""
        return opened(
            item,
            INVITATION,
            Addressed(invited),
            state=f"{stage}_invited",
            since=e.timestamp,
            href=_red_thread(item),
            subject_id=subject_id,
        )

    # --- acute matters (E-8), the ladder (E-6), monthly meetings (E-7) ------------------

    @process_event.register
    def _(self, e: AcuteMatter.Raised, tracking: Tracking) -> None:
        self.view.apply(
            opened(
                e.originator_id,
                ACUTE_MATTER,
                Addressed([e.to_org], _DEPUTY),
                state="raised",
                since=e.timestamp,
                href=f"/v1/acute-matters/{e.originator_id}",
                subject_id=e.subject_id,
            ),
            tracking,
        )

    @process_event.register
    def _(self, e: AcuteMatter.Taken | Escalation.Resolved, tracking: Tracking) -> None:
        self.view.apply(done(e.originator_id), tracking)

    @process_event.register
    def _(self, e: Escalation.Escalated, tracking: Tracking) -> None:
        role = _ladder_role(e.track, e.level)
        self.view.apply(
            with_role(e.originator_id, LADDER_STEP, role, e.level, e.timestamp), tracking
        )

    @process_event.register
    def _(self, e: Escalation.Raised, tracking: Tracking) -> None:
        """E-6: the matter waits at its parties, for the role at its current step."""
        parties = [e.raised_by_org, *e.counterpart_orgs]
        self.view.apply(
            opened(
                e.originator_id,
                LADDER_STEP,
                Addressed(parties, _ladder_role(e.track, e.level)),
                state=e.level,
                since=e.timestamp,
                href=f"/v1/escalations/{e.originator_id}",
                subject_id=e.subject_id,
            ),
            tracking,
        )

    @process_event.register
    def _(self, e: MonthlyMeeting.Planned | MonthlyMeeting.Moved, tracking: Tracking) -> None:
        """E-7: each member's deputy unit manager may register cases until the cutoff; W-2:
        moved, until the new time's cutoff (back on the lists if the old one had passed)."""
        cutoff = registration_cutoff(e.starts_at)
        self.view.apply(
            opened(
                e.originator_id,
                REGISTRATION,
                Addressed(e.members, _DEPUTY),
                state="moved" if isinstance(e, MonthlyMeeting.Moved) else "open",
                since=e.timestamp,
                href=f"/v1/monthly-meetings/{e.originator_id}",
                due_at=cutoff,
                expires_at=cutoff,
            ),
            tracking,
        )

    @process_event.register
    def _(self, e: MonthlyMeeting.Cancelled, tracking: Tracking) -> None:
        """W-2: a cancelled meeting takes no registrations."""
        self.view.apply(done(e.originator_id, REGISTRATION), tracking)

    @process_event.register
    def _(self, e: Escalation.CostSettled, tracking: Tracking) -> None:
        """E-12: who pays is settled; the department heads still resolve the matter (E-6)."""
        self.view.apply(
            moved_on(e.originator_id, LADDER_STEP, "cost_settled", e.timestamp), tracking
        )

    # --- the yearly routine review (E-13) ----------------------------------------------

    @process_event.register
    def _(self, e: RoutineReview.Scheduled, tracking: Tracking) -> None:
        """E-13: each member department's head holds it, by the end of its day."""
        self.view.apply(
            opened(
                e.originator_id,
                ROUTINE_REVIEW,
                Addressed(e.members, _DEPARTMENT_HEAD),
                state="scheduled",
                since=e.timestamp,
                href=f"/v1/routine-reviews/{e.originator_id}",
                due_at=day_is_over(stockholm_date(e.starts_at)),
            ),
            tracking,
        )

    @process_event.register
    def _(self, e: RoutineReview.Held, tracking: Tracking) -> None:
        self.view.apply(done(e.originator_id, ROUTINE_REVIEW), tracking)
