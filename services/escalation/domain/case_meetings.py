"""The cases service's meetings, as escalation keeps them for the units' calendars (W-1).

A unit subscribes one calendar feed, served by escalation (the red-thread
meetings and monthly meetings are its own). Three-party and care-planning
meetings are booked in the cases service (K-8, K-9); escalation learns of each
from the cases topic and keeps its times and units here, so the unit's feed
holds all its meetings. Times and units only: who the meeting is about stays
in cases.

Pure domain: no I/O, no clock.
"""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from services.runtime.kernel.aggregate import Aggregate, event


def case_meeting_id(meeting_id: UUID, kind: str) -> UUID:
    """Escalation's own id for one occasion (`kind`: the meeting, or a care-planning
    meeting's follow-up) of the cases service's meeting `meeting_id`."""
    return uuid5(NAMESPACE_URL, f"samverkan:escalation:case-meeting:{meeting_id}:{kind}")


class CaseMeeting(Aggregate):
    """One occasion of a meeting booked in the cases service: when, and which units meet."""

    class Booked(Aggregate.Created):
        meeting_id: UUID
        kind: str
        units: list[str]
        starts_at: datetime
        ends_at: datetime

    class Rebooked(Aggregate.Event):
        kind: str
        units: list[str]
        starts_at: datetime
        ends_at: datetime

    class Cancelled(Aggregate.Event):
        cancelled_at: datetime

    @classmethod
    def book(
        cls,
        *,
        meeting_id: UUID,
        kind: str,
        units: list[str],
        starts_at: datetime,
        ends_at: datetime,
    ) -> CaseMeeting:
        meeting: CaseMeeting = cls._create(
            cls.Booked,
            id=case_meeting_id(meeting_id, kind),
            meeting_id=meeting_id,
            kind=kind,
            units=list(dict.fromkeys(units)),
            starts_at=starts_at,
            ends_at=ends_at,
        )
        return meeting

    @event(Booked)
    def __init__(
        self,
        *,
        meeting_id: UUID,
        kind: str,
        units: list[str],
        starts_at: datetime,
        ends_at: datetime,
    ) -> None:
        self.meeting_id = meeting_id
        self.kind = kind
        self.units = units
        self.starts_at = starts_at
        self.ends_at = ends_at
        self.cancelled_at: datetime | None = None

    def rebook(self, *, units: list[str], starts_at: datetime, ends_at: datetime) -> None:
        """Booked again (a new time, other units): nothing when nothing changed, so a
        redelivered message is no change."""
        units = list(dict.fromkeys(units))
        if (units, starts_at, ends_at) == (self.units, self.starts_at, self.ends_at):
            return
        self._rebooked(kind=self.kind, units=units, starts_at=starts_at, ends_at=ends_at)

    @event(Rebooked)
    def _rebooked(
        self, *, kind: str, units: list[str], starts_at: datetime, ends_at: datetime
    ) -> None:
        self.units = units
        self.starts_at = starts_at
        self.ends_at = ends_at

    def cancel(self, *, at: datetime) -> None:
        """Called off in cases: the entry stays in the feed, cancelled (once)."""
        if self.cancelled_at is None:
            self._cancelled(cancelled_at=at)

    @event(Cancelled)
    def _cancelled(self, *, cancelled_at: datetime) -> None:
        self.cancelled_at = cancelled_at
