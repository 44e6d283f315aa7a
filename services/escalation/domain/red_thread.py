"""The red thread (det röda snöret): emergency escalation around one individual.

Pure domain: no I/O, no clock. Rules E-1..E-5 from DOMAIN.md, seed 000.

The lifecycle: pulled (E-1, E-2) → a coordinator assigned → the meeting
scheduled within 14 calendar days (E-3) on a legal basis (E-4) → held, with
attendance per summoned organisation → a follow-up booked (E-5) → evaluated →
closed. A meeting or follow-up that loses its basis before it takes place is
put on hold and resumes when a basis is back. A deadline that passes is an
event of its own (RedThreadMeetingOverdue, RedThreadFollowUpOverdue). Plans change
(W-2): the meeting or follow-up moved or cancelled, the thread closed early.

This module holds the pull and what happened: the events and how each changes
the red thread. What may happen after the pull, rule by rule, is one module per
concept, each a part of `RedThread`: the meeting and the follow-up
(`red_thread_meetings`), hold and resume (`red_thread_holds`), the deadlines
(`red_thread_deadlines`), plans that change and closing (`red_thread_plans`);
`red_thread_state` is the red thread as they see it.
Stored events name their class by topic,
``services.escalation.domain.red_thread:RedThread.<Event>``: the events are
declared here, on the aggregate (W-2's named here), so that name stays theirs.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, TypeAlias
from uuid import UUID

from contracts import HoldReason, LegalBasis, MeetingStage
from services.escalation.domain import red_thread_actions as actions
from services.escalation.domain import red_thread_plans as plans
from services.escalation.domain import red_thread_stalls as stalls
from services.escalation.domain.authorisations import Basis
from services.escalation.domain.errors import RedThreadAlreadyClosed
from services.escalation.domain.red_thread_deadlines import RedThreadDeadlines
from services.escalation.domain.red_thread_holds import RedThreadHolds
from services.escalation.domain.red_thread_meetings import RedThreadMeetings
from services.escalation.domain.red_thread_plans import RedThreadPlans
from services.escalation.domain.red_thread_pull import check_pull, may_pull_red_thread
from services.escalation.domain.red_thread_state import Hold
from services.runtime.kernel.aggregate import Aggregate, event
from services.runtime.kernel.personal import OwnedBySubject, Personal

__all__ = ["RedThread", "may_pull_red_thread"]


class RedThread(RedThreadMeetings, RedThreadHolds, RedThreadDeadlines, RedThreadPlans, Aggregate):
    """One pull of the red thread, from the pull to its closing."""

    class Pulled(OwnedBySubject, Aggregate.Created):
        """`individual_harmed` (v2, E-2): stated at the pull; None for pulls before it was."""

        class_version = 2

        subject_id: str
        pulled_at: datetime
        pulled_by: str
        pulled_by_org: str
        pulled_by_org_type: str
        measures_tried: list[str]
        burdened_orgs: list[str]
        municipality_code: str
        individual_harmed: bool | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            state["individual_harmed"] = None

    class CoordinatorAssigned(Aggregate.Event):
        """`office` is the coordination office the coordinator works at (E-3): the thread
        is handed on within it only. Unknown (None) for threads assigned before it was kept."""

        class_version = 2

        subject_id: str
        coordinator: str
        assigned_by: str
        assigned_at: datetime
        office: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            state["office"] = None

    class MeetingScheduled(Aggregate.Event):
        subject_id: str
        meeting_at: datetime
        invited_orgs: list[str]
        legal_basis: str
        basis_id: UUID
        scheduled_by: str

    class PutOnHold(Aggregate.Event):
        subject_id: str
        stage: str
        meeting_at: datetime
        reason: str
        basis_id: UUID
        held_since: datetime

    class Resumed(Aggregate.Event):
        subject_id: str
        stage: str
        meeting_at: datetime
        legal_basis: str
        basis_id: UUID
        resumed_at: datetime

    class BasisReplaced(Aggregate.Event):
        """The basis ended but another one covers the meeting: it goes ahead on that (C-9).

        Published (MeetingBasisReplaced): nothing changes for the parties, but which
        basis the meeting relies on does.
        """

        subject_id: str
        stage: str
        legal_basis: str
        basis_id: UUID
        replaced_basis_id: UUID
        replaced_at: datetime

    class MeetingHeld(Aggregate.Event):
        subject_id: str
        meeting_at: datetime
        legal_basis: str
        basis_id: UUID
        attended_orgs: list[str]
        absent_orgs: list[str]
        outcome: str
        notes: Personal
        recorded_by: str
        recorded_at: datetime

        legacy_personal: ClassVar[tuple[str, ...]] = ("notes",)

    class AbsenceRecorded(Aggregate.Event):
        subject_id: str
        stage: str
        meeting_at: datetime
        absent_org: str
        recorded_by: str

    class FollowUpBooked(Aggregate.Event):
        subject_id: str
        follow_up_at: datetime
        invited_orgs: list[str]
        legal_basis: str
        basis_id: UUID
        booked_by: str
        booked_at: datetime

    class FollowUpEvaluated(Aggregate.Event):
        subject_id: str
        follow_up_at: datetime
        attended_orgs: list[str]
        absent_orgs: list[str]
        result: str
        notes: Personal
        recorded_by: str
        recorded_at: datetime

        legacy_personal: ClassVar[tuple[str, ...]] = ("notes",)

    class Closed(Aggregate.Event):
        subject_id: str
        closed_at: datetime
        closed_by: str

    # W-2, declared with how each changes the thread in red_thread_plans; named here so
    # each is stored as RedThread's own, like the events above.
    MeetingMoved: TypeAlias = plans.MeetingMoved
    MeetingCancelled: TypeAlias = plans.MeetingCancelled
    FollowUpMoved: TypeAlias = plans.FollowUpMoved
    FollowUpCancelled: TypeAlias = plans.FollowUpCancelled
    ClosedEarly: TypeAlias = plans.ClosedEarly
    ActionAgreed: TypeAlias = actions.ActionAgreed  # E-10, with red_thread_actions
    ActionEvaluated: TypeAlias = actions.ActionEvaluated
    MeetingNotRecorded: TypeAlias = stalls.MeetingNotRecorded  # E-11, with red_thread_stalls
    FollowUpNotBooked: TypeAlias = stalls.FollowUpNotBooked
    ActionOverdue: TypeAlias = stalls.ActionOverdue

    class MeetingOverdue(Aggregate.Event):
        subject_id: str
        meeting_deadline: date
        overdue_at: datetime
        concerned_orgs: list[str]

    class FollowUpOverdue(Aggregate.Event):
        subject_id: str
        follow_up_at: datetime
        overdue_at: datetime
        concerned_orgs: list[str]

    # --- E-1, E-2: the pull ---------------------------------------------------------------

    @classmethod
    def pull(
        cls,
        *,
        subject_id: str,
        pulled_at: datetime,
        pulled_by: str,
        pulled_by_org: str,
        pulled_by_org_type: str,
        measures_tried: list[str],
        burdened_orgs: list[str],
        municipality_code: str,
        individual_harmed: bool,
    ) -> RedThread:
        check_pull(
            org_type=pulled_by_org_type,
            measures_tried=measures_tried,
            individual_harmed=individual_harmed,
        )
        red_thread: RedThread = cls(
            subject_id=subject_id,
            pulled_at=pulled_at,
            pulled_by=pulled_by,
            pulled_by_org=pulled_by_org,
            pulled_by_org_type=pulled_by_org_type,
            measures_tried=list(dict.fromkeys(measures_tried)),
            burdened_orgs=list(dict.fromkeys(burdened_orgs)),
            municipality_code=municipality_code,
            individual_harmed=individual_harmed,
        )
        return red_thread

    @event(Pulled)
    def __init__(
        self,
        *,
        subject_id: str,
        pulled_at: datetime,
        pulled_by: str,
        pulled_by_org: str,
        pulled_by_org_type: str,
        measures_tried: list[str],
        burdened_orgs: list[str],
        municipality_code: str,
        individual_harmed: bool | None,
    ) -> None:
        self.subject_id = subject_id
        self.pulled_at = pulled_at
        self.pulled_by = pulled_by
        self.pulled_by_org = pulled_by_org
        self.pulled_by_org_type = pulled_by_org_type
        self.measures_tried = measures_tried
        self.burdened_orgs = burdened_orgs
        self.municipality_code = municipality_code
        self.individual_harmed = individual_harmed
        self.coordinator: str | None = None
        self.coordinator_office: str | None = None
        self.meeting_at: datetime | None = None
        self.invited_orgs: list[str] = []
        self.basis: Basis | None = None
        self.meeting_held = False
        self.attended_orgs: list[str] = []
        self.absent_orgs: list[str] = []
        self.outcome: str | None = None
        self.outcome_notes: Personal | None = None
        self.follow_up_at: datetime | None = None
        self.follow_up_basis: Basis | None = None
        self.follow_up_evaluated = False
        self.follow_up_attended_orgs: list[str] = []
        self.follow_up_absent_orgs: list[str] = []
        self.follow_up_result: str | None = None
        self.follow_up_notes: Personal | None = None
        self.hold: Hold | None = None
        self.closed_at: datetime | None = None
        self.meeting_overdue_since: datetime | None = None
        self.follow_up_overdue_since: datetime | None = None

    @property
    def concerned_orgs(self) -> list[str]:
        """Everyone the red thread involves: the puller, the burdened and the summoned."""
        return list(dict.fromkeys([self.pulled_by_org, *self.burdened_orgs, *self.invited_orgs]))

    @property
    def status(self) -> str:
        if self.closed_at is not None:
            return "closed"
        if self.hold is not None:
            return "on_hold"
        if self.follow_up_evaluated:
            return "evaluated"
        if self.follow_up_at is not None:
            return "follow_up_booked"
        if self.meeting_held:
            return "meeting_held"
        if self.meeting_at is not None:
            return "meeting_scheduled"
        return "pulled"

    def _require_open(self) -> None:
        if self.closed_at is not None:
            raise RedThreadAlreadyClosed(f"the red thread was closed at {self.closed_at}")

    # --- the coordinator (E-3) ------------------------------------------------------------

    def assign_coordinator(
        self, *, coordinator: str, assigned_by: str, at: datetime, office: str | None = None
    ) -> None:
        """E-3: the coordinator at the coordination office (`office`) convenes the meeting."""
        self._require_open()
        if coordinator == self.coordinator and office in (None, self.coordinator_office):
            return
        self._coordinator_assigned(
            subject_id=self.subject_id,
            coordinator=coordinator,
            assigned_by=assigned_by,
            assigned_at=at,
            office=office,
        )

    @event(CoordinatorAssigned)
    def _coordinator_assigned(
        self,
        *,
        subject_id: str,
        coordinator: str,
        assigned_by: str,
        assigned_at: datetime,
        office: str | None,
    ) -> None:
        self.coordinator = coordinator
        self.coordinator_office = office

    # --- the meeting (E-3, E-4); its rules: red_thread_meetings ----------------------------

    @event(MeetingScheduled)
    def _scheduled(
        self,
        *,
        subject_id: str,
        meeting_at: datetime,
        invited_orgs: list[str],
        legal_basis: str,
        basis_id: UUID,
        scheduled_by: str,
    ) -> None:
        self.meeting_at = meeting_at
        self.cancelled_meeting_at = self.meeting_not_recorded_since = None
        self.invited_orgs = invited_orgs
        self.basis = Basis(LegalBasis(legal_basis), basis_id)
        self.hold = None

    @event(MeetingHeld)
    def _held(
        self,
        *,
        subject_id: str,
        meeting_at: datetime,
        legal_basis: str,
        basis_id: UUID,
        attended_orgs: list[str],
        absent_orgs: list[str],
        outcome: str,
        notes: Personal,
        recorded_by: str,
        recorded_at: datetime,
    ) -> None:
        self.meeting_held = True
        self.attended_orgs = attended_orgs
        self.absent_orgs = absent_orgs
        self.outcome = outcome
        self.outcome_notes = notes

    @event(AbsenceRecorded)
    def _absence(
        self,
        *,
        subject_id: str,
        stage: str,
        meeting_at: datetime,
        absent_org: str,
        recorded_by: str,
    ) -> None:
        pass

    # --- E-4 after scheduling: hold and resume; the rules: red_thread_holds ---------------

    def _set_pending_basis(self, stage: str, basis: Basis | None) -> None:
        if stage == MeetingStage.FOLLOW_UP.value:
            self.follow_up_basis = basis
        else:
            self.basis = basis

    @event(BasisReplaced)
    def _basis_replaced(
        self,
        *,
        subject_id: str,
        stage: str,
        legal_basis: str,
        basis_id: UUID,
        replaced_basis_id: UUID,
        replaced_at: datetime,
    ) -> None:
        self._set_pending_basis(stage, Basis(LegalBasis(legal_basis), basis_id))

    @event(PutOnHold)
    def _put_on_hold(
        self,
        *,
        subject_id: str,
        stage: str,
        meeting_at: datetime,
        reason: str,
        basis_id: UUID,
        held_since: datetime,
    ) -> None:
        self.hold = Hold(MeetingStage(stage), HoldReason(reason), basis_id, held_since)

    @event(Resumed)
    def _resumed(
        self,
        *,
        subject_id: str,
        stage: str,
        meeting_at: datetime,
        legal_basis: str,
        basis_id: UUID,
        resumed_at: datetime,
    ) -> None:
        self._set_pending_basis(stage, Basis(LegalBasis(legal_basis), basis_id))
        self.hold = None

    # --- the follow-up (E-5); its rules: red_thread_meetings ------------------------------

    @event(FollowUpBooked)
    def _follow_up_booked(
        self,
        *,
        subject_id: str,
        follow_up_at: datetime,
        invited_orgs: list[str],
        legal_basis: str,
        basis_id: UUID,
        booked_by: str,
        booked_at: datetime,
    ) -> None:
        self.follow_up_at = follow_up_at
        self.cancelled_follow_up_at = None
        self.follow_up_basis = Basis(LegalBasis(legal_basis), basis_id)
        self.follow_up_overdue_since = None
        self.hold = None

    @event(FollowUpEvaluated)
    def _evaluated(
        self,
        *,
        subject_id: str,
        follow_up_at: datetime,
        attended_orgs: list[str],
        absent_orgs: list[str],
        result: str,
        notes: Personal,
        recorded_by: str,
        recorded_at: datetime,
    ) -> None:
        self.follow_up_evaluated = True
        self.follow_up_attended_orgs = attended_orgs
        self.follow_up_absent_orgs = absent_orgs
        self.follow_up_result = result
        self.follow_up_notes = notes

    # --- closing (E-5, W-2); its rules: red_thread_plans --------------------------------

    @event(Closed)
    def _closed(self, *, subject_id: str, closed_at: datetime, closed_by: str) -> None:
        self.closed_at = closed_at
        self.hold = None

    # --- deadlines that pass (E-3, E-5, D-7); when: red_thread_deadlines -----------------

    @event(MeetingOverdue)
    def _meeting_overdue(
        self,
        *,
        subject_id: str,
        meeting_deadline: date,
        overdue_at: datetime,
        concerned_orgs: list[str],
    ) -> None:
        self.meeting_overdue_since = overdue_at

    @event(FollowUpOverdue)
    def _follow_up_overdue(
        self,
        *,
        subject_id: str,
        follow_up_at: datetime,
        overdue_at: datetime,
        concerned_orgs: list[str],
    ) -> None:
        self.follow_up_overdue_since = overdue_at
