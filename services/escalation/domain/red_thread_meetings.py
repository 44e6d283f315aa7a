"""The red thread's meetings: the meeting within 14 days (E-3) and the follow-up that
evaluates its outcome (E-5), each on a legal basis holding at its time (E-4), with
attendance per summoned organisation and every absence a fact of its own (D-7); what
the meeting agreed on is a list of actions the follow-up goes through (E-10,
`red_thread_actions`).
Moving one keeps to the same rules (`red_thread_plans`, W-2).
"""

from __future__ import annotations

from datetime import datetime

from contracts import DeviationCategory, FollowUpResult, MeetingOutcome, MeetingStage
from services.escalation.domain.authorisations import Basis
from services.escalation.domain.errors import (
    AttendanceInvalid,
    FollowUpAlreadyBooked,
    FollowUpAlreadyEvaluated,
    FollowUpNotBooked,
    FollowUpNotPossibleYet,
    FollowUpTimeInvalid,
    MeetingAlreadyHeld,
    MeetingAlreadyScheduled,
    MeetingInThePast,
    MeetingNotYetStarted,
    MeetingOnHold,
    MeetingTooLate,
    NoLegalBasisForMeeting,
    NoMeetingScheduled,
)
from services.escalation.domain.red_thread_actions import (
    Action,
    ActionAgreed,
    ActionEvaluated,
    ActionEvaluation,
    AgreedAction,
    action_id,
    agreed_actions,
    evaluations,
)
from services.escalation.domain.red_thread_holds import hold_message
from services.escalation.domain.red_thread_state import Pending, RedThreadState
from services.runtime.kernel.personal import Personal
from services.runtime.kernel.stockholm_time import stockholm_date

ABSENCE_CATEGORY = DeviationCategory.ROUTINES
"""D-7: a summoned party that stays away did not follow the routine (seed 000: must attend)."""


def attendance(invited: list[str], attended: list[str]) -> tuple[list[str], list[str]]:
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


NOT_YET_STARTED = {
    MeetingStage.MEETING: (MeetingNotYetStarted, "the meeting starts at {}; record it afterwards"),
    MeetingStage.FOLLOW_UP: (
        FollowUpTimeInvalid,
        "the follow-up starts at {}; evaluate it afterwards",
    ),
}
"""E-3, E-5: what recording a meeting or follow-up as held before it starts breaks."""


def held_attendance(
    red_thread: RedThreadState,
    stage: MeetingStage,
    starts_at: datetime,
    attended_orgs: list[str],
    now: datetime,
) -> tuple[list[str], list[str]]:
    """E-3, E-5: who came to the meeting or the follow-up, recorded as held: not while the
    thread is on hold (E-4), not before it starts, for the summoned only (`attendance`)."""
    if red_thread.hold is not None:
        raise MeetingOnHold(hold_message(red_thread.hold))
    if now < starts_at:
        too_early, message = NOT_YET_STARTED[stage]
        raise too_early(message.format(starts_at.isoformat()))
    return attendance(red_thread.invited_orgs, list(dict.fromkeys(attended_orgs)))


def no_legal_basis(what: str) -> NoLegalBasisForMeeting:
    """E-4: neither consent nor an emergency disclosure covers the meeting at `what`."""
    return NoLegalBasisForMeeting(
        "no valid consent for a red-thread meeting covering all invited organisations, "
        f"and no emergency disclosure naming them, holds at the time of the {what}"
    )


class RedThreadMeetings:
    """The red thread's meeting and follow-up: part of `RedThread`."""

    actions: tuple[Action, ...] = ()
    """E-10: what the meeting agreed on, each with its status once the follow-up evaluated it."""

    @property
    def pending(self: RedThreadState) -> Pending | None:
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

    # --- the meeting (E-3, E-4) -----------------------------------------------------------

    def schedule_meeting(
        self: RedThreadState,
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
        basis = self._meeting_time_allowed(meeting_at, basis, now)
        self._scheduled(
            subject_id=self.subject_id,
            meeting_at=meeting_at,
            invited_orgs=list(dict.fromkeys(invited_orgs)),
            legal_basis=basis.kind.value,
            basis_id=basis.id,
            scheduled_by=scheduled_by,
        )

    def _meeting_time_allowed(
        self: RedThreadState, meeting_at: datetime, basis: Basis | None, now: datetime
    ) -> Basis:
        """E-3: in the future, within 14 calendar days of the pull; E-4: on a basis holding
        at that time. The basis, once it is known to be there."""
        if meeting_at <= now:
            raise MeetingInThePast("meeting_at is in the past")
        if stockholm_date(meeting_at) > self.meeting_deadline:
            raise MeetingTooLate(
                f"the meeting must be held no later than {self.meeting_deadline.isoformat()}, "
                "14 calendar days after the red thread was pulled"
            )
        if basis is None:
            raise no_legal_basis("meeting")
        return basis

    def record_meeting_held(
        self: RedThreadState,
        *,
        attended_orgs: list[str],
        outcome: MeetingOutcome,
        notes: str,
        recorded_by: str,
        now: datetime,
        actions: list[AgreedAction] | None = None,
    ) -> list[str]:
        """E-3: attendance per summoned organisation; each absence is recorded on its own
        (a deviation, D-7); E-10: each agreed action too. Returns the absent organisations."""
        self._require_open()
        if self.meeting_at is None:
            raise NoMeetingScheduled("no red-thread meeting is scheduled")
        if self.meeting_held:
            raise MeetingAlreadyHeld("the red-thread meeting was already recorded as held")
        present, absent = held_attendance(
            self, MeetingStage.MEETING, self.meeting_at, attended_orgs, now
        )
        agreed = agreed_actions(outcome, actions or [], self.invited_orgs, self.meeting_at)
        assert self.basis is not None
        self._held(
            subject_id=self.subject_id,
            meeting_at=self.meeting_at,
            legal_basis=self.basis.kind.value,
            basis_id=self.basis.id,
            attended_orgs=present,
            absent_orgs=absent,
            outcome=outcome.value,
            notes=Personal(self.subject_id, notes.strip()),
            recorded_by=recorded_by,
            recorded_at=now,
        )
        self._record_absences(absent, MeetingStage.MEETING, self.meeting_at, recorded_by)
        for number, action in enumerate(agreed, start=len(self.actions)):
            self._record(
                ActionAgreed,
                subject_id=self.subject_id,
                action_id=action_id(self.id, number),
                responsible_org=action.responsible_org,
                what=Personal(self.subject_id, action.what.strip()),
                due_on=action.due_on,
                meeting_at=self.meeting_at,
                recorded_by=recorded_by,
            )
        return absent

    def _record_absences(
        self: RedThreadState, absent: list[str], stage: MeetingStage, at: datetime, recorded_by: str
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

    # --- the follow-up (E-5) --------------------------------------------------------------

    def book_follow_up(
        self: RedThreadState,
        *,
        follow_up_at: datetime,
        basis: Basis | None,
        booked_by: str,
        now: datetime,
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
        basis = self._follow_up_time_allowed(follow_up_at, basis, now)
        self._follow_up_booked(
            subject_id=self.subject_id,
            follow_up_at=follow_up_at,
            invited_orgs=self.invited_orgs,
            legal_basis=basis.kind.value,
            basis_id=basis.id,
            booked_by=booked_by,
            booked_at=now,
        )

    def _follow_up_time_allowed(
        self: RedThreadState, follow_up_at: datetime, basis: Basis | None, now: datetime
    ) -> Basis:
        """E-5: in the future, after the meeting; E-4: on a basis holding at that time."""
        assert self.meeting_at is not None
        if follow_up_at <= now or follow_up_at <= self.meeting_at:
            raise FollowUpTimeInvalid("follow_up_at must be in the future, after the meeting")
        if basis is None:
            raise no_legal_basis("follow-up")
        return basis

    def evaluate_follow_up(
        self: RedThreadState,
        *,
        attended_orgs: list[str],
        result: FollowUpResult,
        notes: str,
        recorded_by: str,
        now: datetime,
        actions: list[ActionEvaluation] | None = None,
    ) -> list[str]:
        """E-5: the follow-up is held and the outcome evaluated; absences recorded as at
        the meeting; E-10: every agreed action gone through, each with its status. Returns
        the absent organisations."""
        self._require_open()
        if self.follow_up_at is None:
            raise FollowUpNotBooked("no follow-up is booked")
        if self.follow_up_evaluated:
            raise FollowUpAlreadyEvaluated("the follow-up was already evaluated")
        present, absent = held_attendance(
            self, MeetingStage.FOLLOW_UP, self.follow_up_at, attended_orgs, now
        )
        gone_through = evaluations(self.actions, actions or [])
        self._evaluated(
            subject_id=self.subject_id,
            follow_up_at=self.follow_up_at,
            attended_orgs=present,
            absent_orgs=absent,
            result=result.value,
            notes=Personal(self.subject_id, notes.strip()),
            recorded_by=recorded_by,
            recorded_at=now,
        )
        self._record_absences(absent, MeetingStage.FOLLOW_UP, self.follow_up_at, recorded_by)
        for action, status in gone_through:
            self._record(
                ActionEvaluated,
                subject_id=self.subject_id,
                action_id=action.id,
                responsible_org=action.responsible_org,
                due_on=action.due_on,
                status=status.value,
                recorded_by=recorded_by,
                recorded_at=now,
            )
        return absent
