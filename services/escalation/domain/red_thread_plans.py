"""Plans change (W-2): the red thread's meeting and follow-up moved or cancelled, and the
thread closed, after its evaluation (E-5) or early, each change with a reason.

A meeting or follow-up still to take place moves to a new time by the rules it was set
by (E-3 within 14 days of the pull, E-5 after the meeting, E-4 on a basis holding at
the new time), not while it is on hold (it is scheduled anew instead); or it is
cancelled, and may then be scheduled (booked) again. Each names the invited, whose
calendars and work lists follow it (W-1); what the reason says is about the individual:
it is theirs, sealed at rest.

The events are declared here with how each changes the thread (`apply`), and named on
`RedThread` (``MeetingMoved = red_thread_plans.MeetingMoved``), which makes each the
aggregate's own: stored as ``services.escalation.domain.red_thread:RedThread.<Event>``
like every other red-thread event. `RedThreadPlans` holds the rules, a part of
`RedThread`; it records an event as the aggregate names it (`_record`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from contracts import LegalBasis
from services.escalation.domain.authorisations import Basis
from services.escalation.domain.errors import (
    ClosedBeforeFollowUp,
    FollowUpAlreadyEvaluated,
    FollowUpNotBooked,
    MeetingAlreadyHeld,
    MeetingOnHold,
    NoMeetingScheduled,
    NothingMoved,
    ReasonRequired,
)
from services.escalation.domain.red_thread_holds import hold_message
from services.escalation.domain.red_thread_state import RedThreadState
from services.runtime.kernel.aggregate import Aggregate
from services.runtime.kernel.personal import Personal


def reason_given(owner: str, reason: str | None) -> Personal:
    """W-2: a plan changed says why; what it says is the individual's (sealed)."""
    text = (reason or "").strip()
    if not text:
        raise ReasonRequired("say why the plan changes: reason must not be blank")
    return Personal(owner, text)


# --- the events, and how each changes the red thread ----------------------------------------


class MeetingMoved(Aggregate.Event):
    """W-2: the meeting moved to a new time, on a basis holding then (E-3, E-4)."""

    subject_id: str
    meeting_at: datetime
    previous_meeting_at: datetime
    invited_orgs: list[str]
    reason: Personal
    legal_basis: str
    basis_id: UUID
    moved_by: str
    moved_at: datetime

    def apply(self, aggregate: RedThreadState) -> None:
        aggregate.meeting_at = self.meeting_at
        aggregate.basis = Basis(LegalBasis(self.legal_basis), self.basis_id)
        aggregate.meeting_not_recorded_since = None  # E-11: the new time may be missed anew


class MeetingCancelled(Aggregate.Event):
    """W-2: the meeting will not take place; it may be scheduled again (E-3)."""

    subject_id: str
    meeting_at: datetime
    invited_orgs: list[str]
    reason: Personal
    cancelled_by: str
    cancelled_at: datetime

    def apply(self, aggregate: RedThreadState) -> None:
        aggregate.meeting_at, aggregate.cancelled_meeting_at = None, self.meeting_at
        aggregate.basis = aggregate.hold = None


class FollowUpMoved(Aggregate.Event):
    """W-2: the follow-up moved to a new time, on a basis holding then (E-5, E-4); its
    day is the new one, so a deadline missed on the old day may be missed again."""

    subject_id: str
    follow_up_at: datetime
    previous_follow_up_at: datetime
    invited_orgs: list[str]
    reason: Personal
    legal_basis: str
    basis_id: UUID
    moved_by: str
    moved_at: datetime

    def apply(self, aggregate: RedThreadState) -> None:
        aggregate.follow_up_at = self.follow_up_at
        aggregate.follow_up_basis = Basis(LegalBasis(self.legal_basis), self.basis_id)
        aggregate.follow_up_overdue_since = None


class FollowUpCancelled(Aggregate.Event):
    """W-2: the follow-up will not take place; it may be booked again (E-5)."""

    subject_id: str
    follow_up_at: datetime
    invited_orgs: list[str]
    reason: Personal
    cancelled_by: str
    cancelled_at: datetime

    def apply(self, aggregate: RedThreadState) -> None:
        aggregate.follow_up_at, aggregate.cancelled_follow_up_at = None, self.follow_up_at
        aggregate.follow_up_basis = aggregate.hold = None
        aggregate.follow_up_overdue_since = None


class ClosedEarly(Aggregate.Event):
    """W-2: closed before its follow-up was evaluated (E-5), with the reason why (the
    individual moved away, say). A closing after the evaluation is `RedThread.Closed`."""

    subject_id: str
    closed_at: datetime
    closed_by: str
    reason: Personal
    meeting_held: bool

    def apply(self, aggregate: RedThreadState) -> None:
        aggregate.closed_at, aggregate.closing_reason = self.closed_at, self.reason
        aggregate.hold = None


# --- the rules ------------------------------------------------------------------------------


class RedThreadPlans:
    """Moving, cancelling and closing: part of `RedThread`."""

    cancelled_meeting_at: datetime | None = None
    """The time of the meeting last cancelled, while none is scheduled instead (for the
    calendar entry that calls it off)."""
    cancelled_follow_up_at: datetime | None = None
    closing_reason: Personal | None = None
    """Why the thread was closed early (W-2); none when closed after its evaluation."""

    def _record(self: RedThreadState, event: type[Aggregate.Event], **fields: Any) -> None:
        """Trigger `event` as the aggregate names it, so it is stored as RedThread's own."""
        self.trigger_event(getattr(type(self), event.__name__), **fields)

    # --- the meeting (E-3, E-4) -----------------------------------------------------------

    def _meeting_to_come(self: RedThreadState) -> datetime:
        """W-2: a meeting is moved or cancelled while it is scheduled and not yet held."""
        self._require_open()
        if self.meeting_held:
            raise MeetingAlreadyHeld("the red-thread meeting was already held")
        if self.meeting_at is None:
            raise NoMeetingScheduled("no red-thread meeting is scheduled")
        return self.meeting_at

    def move_meeting(
        self: RedThreadState,
        *,
        to: datetime,
        basis: Basis | None,
        reason: str,
        moved_by: str,
        now: datetime,
    ) -> None:
        """W-2 by the rules it was scheduled by (E-3, E-4). Not while it is on hold: that
        meeting has no basis to move; it is scheduled anew (or cancelled) instead."""
        previous = self._meeting_to_come()
        if self.hold is not None:
            raise MeetingOnHold(hold_message(self.hold))
        why = reason_given(self.subject_id, reason)
        if to == previous:
            raise NothingMoved(f"the meeting is already scheduled for {previous.isoformat()}")
        basis = self._meeting_time_allowed(to, basis, now)
        self._record(
            MeetingMoved,
            subject_id=self.subject_id,
            meeting_at=to,
            previous_meeting_at=previous,
            invited_orgs=self.invited_orgs,
            reason=why,
            legal_basis=basis.kind.value,
            basis_id=basis.id,
            moved_by=moved_by,
            moved_at=now,
        )

    def cancel_meeting(
        self: RedThreadState, *, reason: str, cancelled_by: str, now: datetime
    ) -> None:
        """W-2: the meeting will not take place (on hold or not); it may be scheduled again,
        and until then the 14-day deadline (E-3) stands unmet."""
        meeting_at = self._meeting_to_come()
        self._record(
            MeetingCancelled,
            subject_id=self.subject_id,
            meeting_at=meeting_at,
            invited_orgs=self.invited_orgs,
            reason=reason_given(self.subject_id, reason),
            cancelled_by=cancelled_by,
            cancelled_at=now,
        )

    # --- the follow-up (E-5, E-4) ---------------------------------------------------------

    def _follow_up_to_come(self: RedThreadState) -> datetime:
        """W-2: a follow-up is moved or cancelled while it is booked and not yet evaluated."""
        self._require_open()
        if self.follow_up_evaluated:
            raise FollowUpAlreadyEvaluated("the follow-up was already evaluated")
        if self.follow_up_at is None:
            raise FollowUpNotBooked("no follow-up is booked")
        return self.follow_up_at

    def move_follow_up(
        self: RedThreadState,
        *,
        to: datetime,
        basis: Basis | None,
        reason: str,
        moved_by: str,
        now: datetime,
    ) -> None:
        """W-2 by the rules it was booked by (E-5, E-4). Not while it is on hold: it is
        booked anew (or cancelled) instead."""
        previous = self._follow_up_to_come()
        if self.hold is not None:
            raise MeetingOnHold(hold_message(self.hold))
        why = reason_given(self.subject_id, reason)
        if to == previous:
            raise NothingMoved(f"the follow-up is already booked for {previous.isoformat()}")
        basis = self._follow_up_time_allowed(to, basis, now)
        self._record(
            FollowUpMoved,
            subject_id=self.subject_id,
            follow_up_at=to,
            previous_follow_up_at=previous,
            invited_orgs=self.invited_orgs,
            reason=why,
            legal_basis=basis.kind.value,
            basis_id=basis.id,
            moved_by=moved_by,
            moved_at=now,
        )

    def cancel_follow_up(
        self: RedThreadState, *, reason: str, cancelled_by: str, now: datetime
    ) -> None:
        """W-2: the follow-up will not take place (on hold or not); it may be booked again,
        and its deadline (E-5) goes with it."""
        follow_up_at = self._follow_up_to_come()
        self._record(
            FollowUpCancelled,
            subject_id=self.subject_id,
            follow_up_at=follow_up_at,
            invited_orgs=self.invited_orgs,
            reason=reason_given(self.subject_id, reason),
            cancelled_by=cancelled_by,
            cancelled_at=now,
        )

    # --- closing (E-5, W-2) ---------------------------------------------------------------

    def close(
        self: RedThreadState, *, closed_by: str, now: datetime, reason: str | None = None
    ) -> None:
        """E-5: the red thread is closed once its follow-up has been evaluated; W-2: before
        that only early, with a reason (the individual moved away, say).

        After the evaluation no reason is asked for, and one given is not kept: the
        evaluation says how it ended.
        """
        self._require_open()
        if self.follow_up_evaluated:
            self._closed(subject_id=self.subject_id, closed_at=now, closed_by=closed_by)
            return
        if not (reason or "").strip():
            raise ClosedBeforeFollowUp(
                "a red thread is closed after its follow-up has been evaluated (E-5), "
                "or early with a reason (W-2)",
                field="body.reason",
            )
        self._record(
            ClosedEarly,
            subject_id=self.subject_id,
            closed_at=now,
            closed_by=closed_by,
            reason=reason_given(self.subject_id, reason),
            meeting_held=self.meeting_held,
        )
