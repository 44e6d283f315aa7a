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
from services.escalation.domain.red_thread_state import RedThreadState
from services.runtime.kernel.stockholm_time import STOCKHOLM, stockholm_date

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


class RedThreadDeadlines:
    """The red thread's deadlines: part of `RedThread`."""

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
