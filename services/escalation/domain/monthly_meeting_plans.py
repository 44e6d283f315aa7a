"""Plans change (W-2) for the monthly meetings (E-7): a meeting moved or cancelled, with a
reason, by the forum's managers, while it is still to come.

Readings, written down:

- A meeting moves within the month it was planned for: the forum meets once a month
  and its kinds alternate by sequence (E-7), so a move that crossed into another month
  would have to re-plan the series. A meeting wanted in another month is cancelled and
  that month's meeting planned.
- The registration cutoff follows the new time (E-7: 12:00 the day before it). The cases
  already registered stay on the agenda, even if the meeting moved earlier than their
  registration would now allow: they were registered in time, and the units that
  registered them are told of the new time by the event and their work lists.
- Once the meeting has begun (or has minutes) it is neither moved nor cancelled: what
  happened is recorded instead. A cancelled meeting takes no registrations, attendance
  or minutes, and is not moved or cancelled again.
- The reason may name people: it is sealed as the meeting's own (like the general part
  of the minutes), and never published.

The events are declared here with how each changes the meeting (`apply`) and named on
`MonthlyMeeting` (``Moved = monthly_meeting_plans.Moved``), which makes each the
aggregate's own, as `red_thread_plans` does for the red thread.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from services.escalation.domain.errors import (
    MonthlyMeetingBegun,
    MonthlyMeetingCalledOff,
    MonthlyMeetingInvalid,
    NothingMoved,
    ReasonRequired,
)
from services.escalation.domain.owners import minutes_owner
from services.runtime.kernel.aggregate import Aggregate
from services.runtime.kernel.personal import Personal
from services.runtime.kernel.stockholm_time import stockholm_date


class _Meeting(Protocol):
    """What the rules read of `MonthlyMeeting`."""

    @property
    def id(self) -> UUID: ...

    starts_at: datetime
    members: list[str]
    minutes: Personal | None
    cancelled_at: datetime | None

    def trigger_event(self, event_class: Any, **kwargs: Any) -> None: ...
    def _require_going_ahead(self) -> None: ...
    def _to_come(self, now: datetime) -> None: ...
    def _reason(self, reason: str) -> Personal: ...


class Moved(Aggregate.Event):
    """W-2: the meeting moved to a new time in its month; registration closes by the new
    time (E-7)."""

    starts_at: datetime
    previous_starts_at: datetime
    members: list[str]
    reason: Personal
    moved_by: str
    moved_at: datetime

    def apply(self, aggregate: Any) -> None:
        aggregate.starts_at = self.starts_at


class Cancelled(Aggregate.Event):
    """W-2: the meeting will not take place; the forum's next meeting is planned as usual."""

    starts_at: datetime
    members: list[str]
    reason: Personal
    cancelled_by: str
    cancelled_at: datetime

    def apply(self, aggregate: Any) -> None:
        aggregate.cancelled_at = self.cancelled_at


class MonthlyMeetingPlans:
    """Moving and cancelling: part of `MonthlyMeeting`."""

    cancelled_at: datetime | None = None
    """When the meeting was cancelled (W-2); None while it goes ahead."""

    def _require_going_ahead(self) -> None:
        """W-2: a cancelled meeting takes no registrations, attendance or minutes."""
        if self.cancelled_at is not None:
            raise MonthlyMeetingCalledOff("the monthly meeting was cancelled")

    def _to_come(self: _Meeting, now: datetime) -> None:
        """W-2: plans change while the meeting is still to come, not once it has begun."""
        self._require_going_ahead()
        if now >= self.starts_at or self.minutes is not None:
            raise MonthlyMeetingBegun(
                f"the monthly meeting began at {self.starts_at.isoformat()}: record what "
                "happened instead"
            )

    def _reason(self: _Meeting, reason: str) -> Personal:
        text = reason.strip()
        if not text:
            raise ReasonRequired("say why the plan changes: reason must not be blank")
        return Personal(minutes_owner(self.id), text)

    def move(self: _Meeting, *, to: datetime, reason: str, moved_by: str, now: datetime) -> None:
        """W-2 within the meeting's month (E-7: once a month); the cutoff follows."""
        self._to_come(now)
        why = self._reason(reason)
        if to == self.starts_at:
            raise NothingMoved(
                f"the meeting is already at {to.isoformat()}", field="body.starts_at"
            )
        if to <= now:
            raise MonthlyMeetingInvalid("starts_at is in the past", field="body.starts_at")
        if stockholm_date(to).replace(day=1) != stockholm_date(self.starts_at).replace(day=1):
            raise MonthlyMeetingInvalid(
                "a monthly meeting moves within its month (E-7: the forum meets once a "
                "month); cancel it and plan that month's meeting instead",
                field="body.starts_at",
            )
        self.trigger_event(
            type(self).Moved,  # type: ignore[attr-defined]
            starts_at=to,
            previous_starts_at=self.starts_at,
            members=self.members,
            reason=why,
            moved_by=moved_by,
            moved_at=now,
        )

    def cancel(self: _Meeting, *, reason: str, cancelled_by: str, now: datetime) -> None:
        """W-2: the meeting will not take place; its registrations go with it."""
        self._to_come(now)
        self.trigger_event(
            type(self).Cancelled,  # type: ignore[attr-defined]
            starts_at=self.starts_at,
            members=self.members,
            reason=self._reason(reason),
            cancelled_by=cancelled_by,
            cancelled_at=now,
        )
