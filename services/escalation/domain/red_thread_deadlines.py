"""The red thread's deadlines (E-3, E-5) and the events of their passing (D-7).

The meeting is due 14 calendar days after the pull, the follow-up on its own day,
both counted on Swedish calendar dates; a deadline is missed at the first
instant after its day in Europe/Stockholm. `RedThreadDeadlines` holds the
red thread's side of it: whether a deadline has passed, and recording that
once (RedThreadMeetingOverdue, RedThreadFollowUpOverdue).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from contracts import MeetingStage
from services.escalation.domain.red_thread_actions import Action
from services.escalation.domain.red_thread_stalls import (
    ActionOverdue,
    FollowUpNotBooked,
    MeetingNotRecorded,
)
from services.escalation.domain.red_thread_state import RedThreadState
from services.runtime.kernel.stockholm_time import STOCKHOLM, stockholm_date
from services.runtime.kernel.working_days import meeting_record_overdue_at

MEETING_WITHIN = timedelta(days=14)


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


def follow_up_not_booked_at(meeting_at: datetime, within_days: int) -> datetime:
    """E-11, D-7: a held meeting's follow-up is booked within `within_days` calendar days of
    the meeting's Stockholm date; from this instant it is overdue."""
    return day_is_over(stockholm_date(meeting_at) + timedelta(days=within_days))


def action_overdue_at(due_on: date) -> datetime:
    """E-11, D-7: an agreed action (E-10) is overdue once its due day is over in Stockholm."""
    return day_is_over(due_on)


def next_action_due(actions: tuple[Action, ...]) -> Action | None:
    """E-11: the open action (not evaluated, not yet raised) due first: the one deadline
    the red thread's actions have standing at a time."""
    open_ = [action for action in actions if action.status is None and not action.overdue]
    return min(open_, key=lambda action: action.due_on, default=None)


class RedThreadDeadlines:
    """The red thread's deadlines: part of `RedThread`."""

    meeting_not_recorded_since: datetime | None = None
    follow_up_not_booked_since: datetime | None = None

    @property
    def meeting_deadline(self: RedThreadState) -> date:
        return meeting_deadline(self.pulled_at)

    def meeting_overdue(self: RedThreadState, now: datetime) -> bool:
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

    def raise_meeting_overdue_if_due(self: RedThreadState, now: datetime) -> bool:
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

    def follow_up_overdue(self: RedThreadState, now: datetime) -> bool:
        """E-5: the follow-up's day is over and it has not been evaluated."""
        return (
            self.closed_at is None
            and self.follow_up_at is not None
            and not self.follow_up_evaluated
            and now >= follow_up_overdue_at(self.follow_up_at)
        )

    def raise_follow_up_overdue_if_due(self: RedThreadState, now: datetime) -> bool:
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

    # --- E-11: nothing stalls silently ------------------------------------------------------

    def raise_meeting_not_recorded_if_due(self: RedThreadState, now: datetime) -> bool:
        """E-11: a scheduled meeting (not cancelled, not on hold) not recorded as held by the
        end of the first Swedish working day after its date; once per meeting time."""
        if (
            self.closed_at is not None
            or self.meeting_held
            or self.meeting_at is None
            or self.hold is not None
            or self.meeting_not_recorded_since is not None
        ):
            return False
        overdue_at = meeting_record_overdue_at(self.meeting_at)
        if now < overdue_at:
            return False
        self._record(
            MeetingNotRecorded,
            subject_id=self.subject_id,
            meeting_at=self.meeting_at,
            overdue_at=overdue_at,
            concerned_orgs=self.concerned_orgs,
        )
        return True

    def raise_follow_up_not_booked_if_due(
        self: RedThreadState, now: datetime, within_days: int
    ) -> bool:
        """E-11: a held meeting with no follow-up booked within `within_days` of it; once."""
        if (
            self.closed_at is not None
            or not self.meeting_held
            or self.meeting_at is None
            or self.follow_up_at is not None
            or self.follow_up_evaluated
            or self.follow_up_not_booked_since is not None
        ):
            return False
        overdue_at = follow_up_not_booked_at(self.meeting_at, within_days)
        if now < overdue_at:
            return False
        self._record(
            FollowUpNotBooked,
            subject_id=self.subject_id,
            meeting_at=self.meeting_at,
            within_days=within_days,
            overdue_at=overdue_at,
            concerned_orgs=self.concerned_orgs,
        )
        return True

    def raise_actions_overdue_if_due(self: RedThreadState, now: datetime) -> int:
        """E-11: each agreed action past its due day and not evaluated, once per action.
        How many were recorded now."""
        if self.closed_at is not None:
            return 0
        raised = 0
        for action in self.actions:
            overdue_at = action_overdue_at(action.due_on)
            if action.status is None and not action.overdue and now >= overdue_at:
                self._record(
                    ActionOverdue,
                    subject_id=self.subject_id,
                    action_id=action.id,
                    responsible_org=action.responsible_org,
                    due_on=action.due_on,
                    overdue_at=overdue_at,
                )
                raised += 1
        return raised
