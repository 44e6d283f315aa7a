"""The red thread (det röda snöret): emergency escalation around one individual.

Pure domain: no I/O, no clock. Rules E-1..E-5 from DOMAIN.md, seed 000.

The lifecycle: pulled (E-1, E-2) → a coordinator assigned → the meeting
scheduled within 14 calendar days (E-3) on a legal basis (E-4) → held, with
attendance per summoned organisation → a follow-up booked (E-5) → evaluated →
closed. A meeting or follow-up that loses its basis before it takes place is
put on hold and resumes when a basis is back. A deadline that passes is an
event of its own (RedThreadMeetingOverdue, RedThreadFollowUpOverdue).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from contracts import (
    DeviationCategory,
    FollowUpResult,
    HoldReason,
    LegalBasis,
    MeetingOutcome,
    MeetingStage,
)
from services.escalation.domain.authorisations import Basis
from services.escalation.domain.errors import (
    AttendanceInvalid,
    ClosedBeforeFollowUp,
    FollowUpAlreadyBooked,
    FollowUpAlreadyEvaluated,
    FollowUpNotBooked,
    FollowUpNotPossibleYet,
    FollowUpTimeInvalid,
    MeasuresMustBeRecorded,
    MeetingAlreadyHeld,
    MeetingAlreadyScheduled,
    MeetingInThePast,
    MeetingNotYetStarted,
    MeetingOnHold,
    MeetingTooLate,
    NoLegalBasisForMeeting,
    NoMeetingScheduled,
    OnlyBlueLightMayPull,
    RedThreadAlreadyClosed,
)
from services.runtime.kernel.stockholm_time import STOCKHOLM, stockholm_date

BLUE_LIGHT_ORG_TYPES = frozenset({"ambulance", "rescue", "police"})
MEETING_WITHIN = timedelta(days=14)
ABSENCE_CATEGORY = DeviationCategory.ROUTINES
"""D-7: a summoned party that stays away did not follow the routine (seed 000: must attend)."""


def may_pull_red_thread(org_type: str) -> bool:
    """E-1 (seed 000): only ambulance, rescue services and police pull the red thread.

    Everyone else escalates along the ordinary ladder (E-6).
    """
    return org_type in BLUE_LIGHT_ORG_TYPES


def meeting_deadline(pulled_at: datetime) -> date:
    """E-3 (seed 000): the meeting is held no later than two weeks — 14 calendar days —
    after the pull, counted on Swedish calendar dates (Europe/Stockholm)."""
    return stockholm_date(pulled_at) + MEETING_WITHIN


def day_is_over(day: date) -> datetime:
    """The first instant after `day` in Europe/Stockholm: when a deadline on that day is missed.

    Summer and winter time are the zone's business: the day after 28 March
    2026 starts at 23:00 UTC, the day after 29 March at 22:00 UTC. At the end
    of the calendar there is no next day; the deadline then never passes.
    """
    if day == date.max:
        return datetime.max.replace(tzinfo=UTC)
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=STOCKHOLM)


def meeting_overdue_at(pulled_at: datetime) -> datetime:
    """E-3, D-7: from this instant a red thread without a meeting is overdue."""
    return day_is_over(meeting_deadline(pulled_at))


def follow_up_overdue_at(follow_up_at: datetime) -> datetime:
    """E-5, D-7: the follow-up's day has passed without an evaluation."""
    return day_is_over(stockholm_date(follow_up_at))


@dataclass(frozen=True)
class Hold:
    """Why the pending meeting may not go ahead (E-4), since when."""

    stage: MeetingStage
    reason: HoldReason
    basis_id: UUID
    since: datetime


@dataclass(frozen=True)
class Pending:
    """The red thread's next meeting: what it needs a legal basis for (E-4)."""

    stage: MeetingStage
    at: datetime
    invited_orgs: list[str]
    basis: Basis | None


def _attendance(invited: list[str], attended: list[str]) -> tuple[list[str], list[str]]:
    """E-3: attendance per summoned organisation; anyone else was not summoned."""
    unsummoned = [org for org in attended if org not in invited]
    if unsummoned:
        raise AttendanceInvalid(
            f"attendance is recorded for the summoned organisations only; "
            f"{', '.join(unsummoned)} were not summoned"
        )
    present = [org for org in invited if org in attended]
    absent = [org for org in invited if org not in attended]
    return present, absent


class RedThread(Aggregate):
    """One pull of the red thread, from the pull to its closing."""

    class Pulled(Aggregate.Created):
        subject_id: str
        pulled_at: datetime
        pulled_by: str
        pulled_by_org: str
        pulled_by_org_type: str
        measures_tried: list[str]
        burdened_orgs: list[str]
        municipality_code: str

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

        Kept for audit, not published: nothing changes for the parties.
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
        notes: str
        recorded_by: str
        recorded_at: datetime

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
        notes: str
        recorded_by: str
        recorded_at: datetime

    class Closed(Aggregate.Event):
        subject_id: str
        closed_at: datetime
        closed_by: str

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
    ) -> RedThread:
        if not may_pull_red_thread(pulled_by_org_type):
            raise OnlyBlueLightMayPull(
                f"only ambulance, rescue services and police may pull the red thread, "
                f"not {pulled_by_org_type}; use the escalation ladder (E-6)"
            )
        if not measures_tried:
            raise MeasuresMustBeRecorded(
                "record which measures (including SIP) were tried before pulling"
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
    ) -> None:
        self.subject_id = subject_id
        self.pulled_at = pulled_at
        self.pulled_by = pulled_by
        self.pulled_by_org = pulled_by_org
        self.pulled_by_org_type = pulled_by_org_type
        self.measures_tried = measures_tried
        self.burdened_orgs = burdened_orgs
        self.municipality_code = municipality_code
        self.coordinator: str | None = None
        self.coordinator_office: str | None = None
        self.meeting_at: datetime | None = None
        self.invited_orgs: list[str] = []
        self.basis: Basis | None = None
        self.meeting_held = False
        self.attended_orgs: list[str] = []
        self.absent_orgs: list[str] = []
        self.outcome: str | None = None
        self.outcome_notes: str | None = None
        self.follow_up_at: datetime | None = None
        self.follow_up_basis: Basis | None = None
        self.follow_up_evaluated = False
        self.follow_up_attended_orgs: list[str] = []
        self.follow_up_absent_orgs: list[str] = []
        self.follow_up_result: str | None = None
        self.follow_up_notes: str | None = None
        self.hold: Hold | None = None
        self.closed_at: datetime | None = None
        self.meeting_overdue_since: datetime | None = None
        self.follow_up_overdue_since: datetime | None = None

    @property
    def meeting_deadline(self) -> date:
        return meeting_deadline(self.pulled_at)

    @property
    def concerned_orgs(self) -> list[str]:
        """Everyone the red thread involves: the puller, the burdened and the summoned."""
        return list(dict.fromkeys([self.pulled_by_org, *self.burdened_orgs, *self.invited_orgs]))

    @property
    def pending(self) -> Pending | None:
        """The meeting that is still to take place, if any."""
        if self.closed_at is not None:
            return None
        if self.follow_up_at is not None and not self.follow_up_evaluated:
            return Pending(
                MeetingStage.FOLLOW_UP, self.follow_up_at, self.invited_orgs, self.follow_up_basis
            )
        if self.meeting_at is not None and not self.meeting_held:
            return Pending(MeetingStage.MEETING, self.meeting_at, self.invited_orgs, self.basis)
        return None

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

    # --- the meeting (E-3, E-4) -----------------------------------------------------------

    def schedule_meeting(
        self,
        *,
        meeting_at: datetime,
        invited_orgs: list[str],
        basis: Basis | None,
        scheduled_by: str,
        now: datetime,
    ) -> None:
        """E-3: within 14 calendar days of the pull; E-4: on a basis holding at the meeting.

        Scheduled once; again only while it is on hold (a new time on a new basis).
        """
        self._require_open()
        if self.meeting_held:
            raise MeetingAlreadyHeld("the red-thread meeting was already held")
        if self.meeting_at is not None and self.hold is None:
            raise MeetingAlreadyScheduled(
                f"the meeting is already scheduled for {self.meeting_at.isoformat()}"
            )
        if meeting_at <= now:
            raise MeetingInThePast("meeting_at is in the past")
        if stockholm_date(meeting_at) > self.meeting_deadline:
            raise MeetingTooLate(
                f"the meeting must be held no later than {self.meeting_deadline.isoformat()}, "
                "14 calendar days after the red thread was pulled"
            )
        if basis is None:
            raise NoLegalBasisForMeeting(
                "no valid consent for a red-thread meeting covering all invited organisations, "
                "and no emergency disclosure naming them, holds at the time of the meeting"
            )
        self._scheduled(
            subject_id=self.subject_id,
            meeting_at=meeting_at,
            invited_orgs=list(dict.fromkeys(invited_orgs)),
            legal_basis=basis.kind.value,
            basis_id=basis.id,
            scheduled_by=scheduled_by,
        )

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
        self.invited_orgs = invited_orgs
        self.basis = Basis(LegalBasis(legal_basis), basis_id)
        self.hold = None

    def record_meeting_held(
        self,
        *,
        attended_orgs: list[str],
        outcome: MeetingOutcome,
        notes: str,
        recorded_by: str,
        now: datetime,
    ) -> list[str]:
        """E-3: attendance per summoned organisation; each absence is recorded on its own
        (a deviation, D-7). Returns the absent organisations."""
        self._require_open()
        if self.meeting_at is None:
            raise NoMeetingScheduled("no red-thread meeting is scheduled")
        if self.meeting_held:
            raise MeetingAlreadyHeld("the red-thread meeting was already recorded as held")
        if self.hold is not None:
            raise MeetingOnHold(_hold_message(self.hold))
        if now < self.meeting_at:
            raise MeetingNotYetStarted(
                f"the meeting starts at {self.meeting_at.isoformat()}; record it afterwards"
            )
        present, absent = _attendance(self.invited_orgs, list(dict.fromkeys(attended_orgs)))
        assert self.basis is not None
        self._held(
            subject_id=self.subject_id,
            meeting_at=self.meeting_at,
            legal_basis=self.basis.kind.value,
            basis_id=self.basis.id,
            attended_orgs=present,
            absent_orgs=absent,
            outcome=outcome.value,
            notes=notes.strip(),
            recorded_by=recorded_by,
            recorded_at=now,
        )
        self._record_absences(absent, MeetingStage.MEETING, self.meeting_at, recorded_by)
        return absent

    def _record_absences(
        self, absent: list[str], stage: MeetingStage, at: datetime, recorded_by: str
    ) -> None:
        """E-3: each summoned party that stayed away is a fact of its own (a deviation)."""
        for org in absent:
            self._absence(
                subject_id=self.subject_id,
                stage=stage.value,
                meeting_at=at,
                absent_org=org,
                recorded_by=recorded_by,
            )

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
        notes: str,
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

    # --- E-4 after scheduling: hold and resume ------------------------------------------

    def basis_lost(
        self, *, basis_id: UUID, reason: HoldReason, at: datetime, alternative: Basis | None
    ) -> None:
        """E-4 re-checked: the basis `basis_id` ended at `at`.

        A pending meeting that relies on it and takes place at or after `at`
        goes ahead on `alternative` if there is one (C-9: the new basis is
        recorded), else it is put on hold. A meeting that took place before
        the basis ended was lawful and is left alone.
        """
        pending = self.pending
        if pending is None or pending.basis is None or pending.basis.id != basis_id:
            return
        if self.hold is not None or pending.at < at:
            return
        if alternative is not None:
            self._basis_replaced(
                subject_id=self.subject_id,
                stage=pending.stage.value,
                legal_basis=alternative.kind.value,
                basis_id=alternative.id,
                replaced_basis_id=basis_id,
                replaced_at=at,
            )
            return
        self._put_on_hold(
            subject_id=self.subject_id,
            stage=pending.stage.value,
            meeting_at=pending.at,
            reason=reason.value,
            basis_id=basis_id,
            held_since=at,
        )

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

    def resume_if_possible(self, basis: Basis | None, *, at: datetime) -> bool:
        """E-4, C-5: a meeting on hold goes ahead again once a basis covers it.

        Only a meeting still to come: one whose time passed while on hold did not
        take place lawfully and is scheduled (or booked) anew instead.
        """
        pending = self.pending
        if self.hold is None or pending is None or basis is None or pending.at < at:
            return False
        self._resumed(
            subject_id=self.subject_id,
            stage=pending.stage.value,
            meeting_at=pending.at,
            legal_basis=basis.kind.value,
            basis_id=basis.id,
            resumed_at=at,
        )
        return True

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

    # --- the follow-up (E-5) --------------------------------------------------------------

    def book_follow_up(
        self, *, follow_up_at: datetime, basis: Basis | None, booked_by: str, now: datetime
    ) -> None:
        """E-5: after the meeting, a follow-up and evaluation is booked to follow the outcome.

        It is a meeting of the same parties about the individual, so it needs a
        legal basis at its time too (E-4). Booked once; again only while on hold.
        """
        self._require_open()
        if not self.meeting_held:
            raise FollowUpNotPossibleYet("the follow-up is booked after the meeting was held")
        if self.follow_up_evaluated:
            raise FollowUpAlreadyEvaluated("the follow-up was already evaluated")
        if self.follow_up_at is not None and self.hold is None:
            raise FollowUpAlreadyBooked(
                f"the follow-up is already booked for {self.follow_up_at.isoformat()}"
            )
        assert self.meeting_at is not None
        if follow_up_at <= now or follow_up_at <= self.meeting_at:
            raise FollowUpTimeInvalid("follow_up_at must be in the future, after the meeting")
        if basis is None:
            raise NoLegalBasisForMeeting(
                "no valid consent for a red-thread meeting covering the invited organisations, "
                "and no emergency disclosure naming them, holds at the time of the follow-up"
            )
        self._follow_up_booked(
            subject_id=self.subject_id,
            follow_up_at=follow_up_at,
            invited_orgs=self.invited_orgs,
            legal_basis=basis.kind.value,
            basis_id=basis.id,
            booked_by=booked_by,
            booked_at=now,
        )

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
        self.follow_up_basis = Basis(LegalBasis(legal_basis), basis_id)
        self.follow_up_overdue_since = None
        self.hold = None

    def evaluate_follow_up(
        self,
        *,
        attended_orgs: list[str],
        result: FollowUpResult,
        notes: str,
        recorded_by: str,
        now: datetime,
    ) -> list[str]:
        """E-5: the follow-up is held and the outcome evaluated; absences recorded as at
        the meeting. Returns the absent organisations."""
        self._require_open()
        if self.follow_up_at is None:
            raise FollowUpNotBooked("no follow-up is booked")
        if self.follow_up_evaluated:
            raise FollowUpAlreadyEvaluated("the follow-up was already evaluated")
        if self.hold is not None:
            raise MeetingOnHold(_hold_message(self.hold))
        if now < self.follow_up_at:
            raise FollowUpTimeInvalid(
                f"the follow-up starts at {self.follow_up_at.isoformat()}; evaluate it afterwards"
            )
        present, absent = _attendance(self.invited_orgs, list(dict.fromkeys(attended_orgs)))
        self._evaluated(
            subject_id=self.subject_id,
            follow_up_at=self.follow_up_at,
            attended_orgs=present,
            absent_orgs=absent,
            result=result.value,
            notes=notes.strip(),
            recorded_by=recorded_by,
            recorded_at=now,
        )
        self._record_absences(absent, MeetingStage.FOLLOW_UP, self.follow_up_at, recorded_by)
        return absent

    @event(FollowUpEvaluated)
    def _evaluated(
        self,
        *,
        subject_id: str,
        follow_up_at: datetime,
        attended_orgs: list[str],
        absent_orgs: list[str],
        result: str,
        notes: str,
        recorded_by: str,
        recorded_at: datetime,
    ) -> None:
        self.follow_up_evaluated = True
        self.follow_up_attended_orgs = attended_orgs
        self.follow_up_absent_orgs = absent_orgs
        self.follow_up_result = result
        self.follow_up_notes = notes

    # --- closing --------------------------------------------------------------------------

    def close(self, *, closed_by: str, now: datetime) -> None:
        """E-5: the red thread is closed once its follow-up has been evaluated."""
        self._require_open()
        if not self.follow_up_evaluated:
            raise ClosedBeforeFollowUp(
                "a red thread is closed only after its follow-up has been evaluated (E-5)"
            )
        self._closed(subject_id=self.subject_id, closed_at=now, closed_by=closed_by)

    @event(Closed)
    def _closed(self, *, subject_id: str, closed_at: datetime, closed_by: str) -> None:
        self.closed_at = closed_at
        self.hold = None

    # --- deadlines that pass (E-3, E-5, D-7) --------------------------------------------

    def meeting_overdue(self, now: datetime) -> bool:
        """E-3: 14 calendar days have passed and no meeting took place.

        A meeting that stood scheduled (not on hold) for a time within the
        deadline is taken to have taken place, even if its attendance is not
        recorded yet; one that was on hold when the deadline passed was not.
        """
        if self.closed_at is not None or self.meeting_held:
            return False
        if now < meeting_overdue_at(self.pulled_at):
            return False
        stood = self.meeting_at is not None and not (
            self.hold is not None and self.hold.stage is MeetingStage.MEETING
        )
        return not stood

    def raise_meeting_overdue_if_due(self, now: datetime) -> bool:
        """Record RedThreadMeetingOverdue once; True when it was recorded now."""
        if self.meeting_overdue_since is not None or not self.meeting_overdue(now):
            return False
        self._meeting_overdue(
            subject_id=self.subject_id,
            meeting_deadline=self.meeting_deadline,
            overdue_at=meeting_overdue_at(self.pulled_at),
            concerned_orgs=self.concerned_orgs,
        )
        return True

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

    def follow_up_overdue(self, now: datetime) -> bool:
        """E-5: the follow-up's day is over and it has not been evaluated."""
        return (
            self.closed_at is None
            and self.follow_up_at is not None
            and not self.follow_up_evaluated
            and now >= follow_up_overdue_at(self.follow_up_at)
        )

    def raise_follow_up_overdue_if_due(self, now: datetime) -> bool:
        """Record RedThreadFollowUpOverdue once per booking; True when recorded now."""
        if self.follow_up_overdue_since is not None or not self.follow_up_overdue(now):
            return False
        assert self.follow_up_at is not None
        self._follow_up_overdue(
            subject_id=self.subject_id,
            follow_up_at=self.follow_up_at,
            overdue_at=follow_up_overdue_at(self.follow_up_at),
            concerned_orgs=self.concerned_orgs,
        )
        return True

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


def _hold_message(hold: Hold) -> str:
    what = "follow-up" if hold.stage is MeetingStage.FOLLOW_UP else "meeting"
    return (
        f"the {what} is on hold since {hold.since.isoformat()}: "
        f"{hold.reason.value.replace('_', ' ')} (basis {hold.basis_id}); "
        "it goes ahead when a new consent or an emergency "
        "disclosure covers everyone invited"
    )
