"""E-11 Nothing stalls silently: a red-thread meeting not recorded as held the working day
after its date, a held meeting with no follow-up booked within a configurable number of
days, and an agreed action (E-10) past its day without an evaluation are overdue; each
is an event of its own, raised once, that feeds D-7.

The events are declared here with how each changes the thread (`apply`) and named on
`RedThread`, like `red_thread_plans`'s, so each is stored as the aggregate's own. When
each is due is `red_thread_deadlines`'s business.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING
from uuid import UUID

from services.runtime.kernel.aggregate import Aggregate

if TYPE_CHECKING:
    from services.escalation.domain.red_thread_state import RedThreadState

FOLLOW_UP_BOOKING_DAYS = 14
"""E-11: the calendar days after a held meeting within which its follow-up is booked, unless
the service is configured otherwise (Settings.follow_up_booking_days)."""


class MeetingNotRecorded(Aggregate.Event):
    """E-11: the scheduled meeting was not recorded as held by the end of the first Swedish
    working day after its date. Raised once per meeting time: moving it re-arms it."""

    subject_id: str
    meeting_at: datetime
    overdue_at: datetime
    concerned_orgs: list[str]

    def apply(self, aggregate: RedThreadState) -> None:
        aggregate.meeting_not_recorded_since = self.overdue_at


class FollowUpNotBooked(Aggregate.Event):
    """E-11: the meeting was held, and no follow-up was booked within `within_days` of it."""

    subject_id: str
    meeting_at: datetime
    within_days: int
    overdue_at: datetime
    concerned_orgs: list[str]

    def apply(self, aggregate: RedThreadState) -> None:
        aggregate.follow_up_not_booked_since = self.overdue_at


class ActionOverdue(Aggregate.Event):
    """E-11: an agreed action (E-10) is past the end of its due day and not evaluated."""

    subject_id: str
    action_id: UUID
    responsible_org: str
    due_on: date
    overdue_at: datetime

    def apply(self, aggregate: RedThreadState) -> None:
        aggregate.actions = tuple(
            replace(action, overdue=True) if action.id == self.action_id else action
            for action in aggregate.actions
        )
