"""Each unit's meetings, for its calendar feed (W-1): the red-thread meetings and follow-ups
it is summoned to (E-3, E-5), its forums' monthly meetings (E-7), the departments' yearly
routine review (E-13), and the three-party and care-planning meetings booked in the cases
service (K-8, K-9), learnt from its topic.

One row per meeting and unit, kept as the meeting changes: moved (a new time),
on hold (tentative), cancelled, each change a higher SEQUENCE so a calendar
that fetched the feed before takes the new entry as an update (RFC 5545). A
calendar entry carries times and ids only: who the meeting is about stays
behind the work list (the feed names neither the person nor the record: an entry's UID
is a digest of the meeting's), where reading it is access-logged.

Fed by the service's own events (eventsourcing `Projection`, tracked in the
same transaction), caught up before the feed is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from contracts import MeetingStage
from services.escalation.domain import CaseMeeting, MonthlyMeeting, RedThread, RoutineReview
from services.runtime.store.read_models import Operations, SqlReadModel, sql_read_model

MEETING_LENGTH = timedelta(minutes=90)
"""How long a red-thread meeting or follow-up is booked for in the participants' calendars."""
MONTHLY_MEETING_LENGTH = timedelta(hours=2)
ROUTINE_REVIEW_LENGTH = timedelta(hours=3)
ROUTINE_REVIEW_SUMMARY = "Årlig genomgång av samverkansrutinen"
"""E-13: "förankra, revidera och levandegöra rutinen", once a year."""


class MeetingStatus(StrEnum):
    """A calendar entry's STATUS (RFC 5545 3.8.1.11) as a meeting stands."""

    CONFIRMED = "CONFIRMED"
    TENTATIVE = "TENTATIVE"
    """On hold: it goes ahead only when a legal basis is back (E-4)."""
    CANCELLED = "CANCELLED"
    """Called off (W-2): the participants' calendars remove it."""


CONFIRMED, TENTATIVE = MeetingStatus.CONFIRMED.value, MeetingStatus.TENTATIVE.value


@dataclass(frozen=True)
class CalendarEntry:
    uid: str
    starts_at: datetime
    ends_at: datetime
    status: str
    sequence: int
    summary: str


def _us(at: datetime) -> int:
    return round(at.timestamp() * 1_000_000)


def _at(us: int) -> datetime:
    return datetime.fromtimestamp(us / 1_000_000, UTC)


_TABLES = [
    "CREATE TABLE IF NOT EXISTS {calendar_entry} ("
    "uid TEXT NOT NULL, unit TEXT NOT NULL, starts_at BIGINT NOT NULL, "
    "ends_at BIGINT NOT NULL, status TEXT NOT NULL, sequence INTEGER NOT NULL, "
    "summary TEXT NOT NULL, PRIMARY KEY (uid, unit))",
    "CREATE INDEX IF NOT EXISTS {calendar_entry_unit} ON {calendar_entry} (unit, starts_at)",
]
_FORGET = "DELETE FROM {calendar_entry} WHERE uid = ?"
_ENTRY = (
    "INSERT INTO {calendar_entry} (uid, unit, starts_at, ends_at, status, sequence, summary) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_MOVE = (
    "UPDATE {calendar_entry} SET starts_at = ?, ends_at = ?, status = ?, sequence = ? WHERE uid = ?"
)
_CANCEL = "UPDATE {calendar_entry} SET status = 'CANCELLED', sequence = ? WHERE uid = ?"
_CANCEL_COMING = (
    "UPDATE {calendar_entry} SET status = 'CANCELLED', sequence = ? "
    "WHERE uid IN (?, ?) AND starts_at > ? AND status <> 'CANCELLED'"
)
_OF_UNIT = (
    "SELECT uid, starts_at, ends_at, status, sequence, summary FROM {calendar_entry} "
    "WHERE unit = ? AND starts_at >= ? ORDER BY starts_at, uid"
)


class CalendarView(SqlReadModel):
    """The calendar entries and their one query (runtime SqlReadModel spells it per database)."""

    TABLES = _TABLES
    NAMES = ("calendar_entry",)
    INDEXES = ("calendar_entry_unit",)

    def of_unit(self, unit: str, since: datetime) -> list[CalendarEntry]:
        """The unit's meetings from `since` on, cancelled ones included (so calendars that
        have them drop them)."""
        return [
            CalendarEntry(uid, _at(starts), _at(ends), status, int(sequence), summary)
            for uid, starts, ends, status, sequence, summary in self.select(
                _OF_UNIT, (unit, _us(since))
            )
        ]


def calendar_view(application: Application[Any]) -> CalendarView:
    """The read model on the escalation application's own database."""
    return sql_read_model(
        CalendarView,  # type: ignore[type-abstract]
        application,
        tracking_table="calendar_entry_tracking",
    )


def meeting_uid(red_thread_id: UUID, stage: MeetingStage) -> str:
    """The same UID as the meeting's own .ics file, so either updates the other."""
    name = "meeting" if stage is MeetingStage.MEETING else "follow-up"
    return f"red-thread-{red_thread_id}-{name}"


def _entry(
    uid: str,
    units: list[str],
    starts_at: datetime,
    length: timedelta,
    summary: str,
    sequence: int = 0,
) -> Operations:
    ends_at = starts_at + length
    row = (_us(starts_at), _us(ends_at), CONFIRMED, sequence, summary)
    return [(_FORGET, (uid,))] + [(_ENTRY, (uid, unit, *row)) for unit in dict.fromkeys(units)]


CASE_MEETING_SUMMARY = {"three_party": "Trepartsmöte", "care_planning": "Samordnad vårdplanering"}
"""K-8, K-9: what the cases service's meetings are called in a calendar."""

SUMMARY = {
    MeetingStage.MEETING: "Samverkansmöte, röd tråd",
    MeetingStage.FOLLOW_UP: "Uppföljning, röd tråd",
}


class UnitCalendars(Projection[CalendarView]):
    """Escalation's own domain events → each unit's calendar entries."""

    name = "calendar"

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.apply([], tracking)

    @process_event.register
    def _(
        self, e: RedThread.MeetingScheduled | RedThread.FollowUpBooked, tracking: Tracking
    ) -> None:
        """Scheduled (again, after a cancellation: a higher SEQUENCE than before)."""
        stage = MeetingStage.MEETING
        starts_at = getattr(e, "meeting_at", None)
        if isinstance(e, RedThread.FollowUpBooked):
            stage, starts_at = MeetingStage.FOLLOW_UP, e.follow_up_at
        assert starts_at is not None
        uid = meeting_uid(e.originator_id, stage)
        summary, version = SUMMARY[stage], e.originator_version
        operations = _entry(uid, e.invited_orgs, starts_at, MEETING_LENGTH, summary, version)
        self.view.apply(operations, tracking)

    @process_event.register
    def _(self, e: RedThread.PutOnHold | RedThread.Resumed, tracking: Tracking) -> None:
        held = isinstance(e, RedThread.PutOnHold)
        uid = meeting_uid(e.originator_id, MeetingStage(e.stage))
        starts = _us(e.meeting_at)
        ends = _us(e.meeting_at + MEETING_LENGTH)
        status = TENTATIVE if held else CONFIRMED
        self.view.apply([(_MOVE, (starts, ends, status, e.originator_version, uid))], tracking)

    @process_event.register
    def _(self, e: RedThread.MeetingMoved | RedThread.FollowUpMoved, tracking: Tracking) -> None:
        """W-2: the entry moves to the new time, confirmed (a move is never on hold)."""
        stage, starts_at = MeetingStage.MEETING, getattr(e, "meeting_at", None)
        if isinstance(e, RedThread.FollowUpMoved):
            stage, starts_at = MeetingStage.FOLLOW_UP, e.follow_up_at
        assert starts_at is not None
        uid = meeting_uid(e.originator_id, stage)
        starts, ends = _us(starts_at), _us(starts_at + MEETING_LENGTH)
        self.view.apply([(_MOVE, (starts, ends, CONFIRMED, e.originator_version, uid))], tracking)

    @process_event.register
    def _(
        self, e: RedThread.MeetingCancelled | RedThread.FollowUpCancelled, tracking: Tracking
    ) -> None:
        """W-2: the entry stays, cancelled, so calendars that have it drop it."""
        stage = MeetingStage.MEETING
        if isinstance(e, RedThread.FollowUpCancelled):
            stage = MeetingStage.FOLLOW_UP
        uid = meeting_uid(e.originator_id, stage)
        self.view.apply([(_CANCEL, (e.originator_version, uid))], tracking)

    @process_event.register
    def _(self, e: RedThread.ClosedEarly, tracking: Tracking) -> None:
        """W-2: closed early, the thread's meetings still to come will not take place."""
        uids = [meeting_uid(e.originator_id, stage) for stage in MeetingStage]
        coming = (e.originator_version, *uids, _us(e.closed_at))
        self.view.apply([(_CANCEL_COMING, coming)], tracking)

    @process_event.register
    def _(self, e: CaseMeeting.Booked | CaseMeeting.Rebooked, tracking: Tracking) -> None:
        """K-8, K-9: a meeting booked in the cases service, as escalation learnt of it."""
        summary = CASE_MEETING_SUMMARY.get(e.kind, "Möte om en enskild")
        length, version = e.ends_at - e.starts_at, e.originator_version
        uid = f"case-meeting-{e.originator_id}"
        self.view.apply(_entry(uid, e.units, e.starts_at, length, summary, version), tracking)

    @process_event.register
    def _(self, e: CaseMeeting.Cancelled, tracking: Tracking) -> None:
        uid = f"case-meeting-{e.originator_id}"
        self.view.apply([(_CANCEL, (e.originator_version, uid))], tracking)

    @process_event.register
    def _(self, e: MonthlyMeeting.Planned, tracking: Tracking) -> None:
        summary = "Månadsmöte" + (", inventering" if e.inventory else "")
        uid = f"monthly-meeting-{e.originator_id}"
        operations = _entry(uid, e.members, e.starts_at, MONTHLY_MEETING_LENGTH, summary)
        self.view.apply(operations, tracking)

    @process_event.register
    def _(self, e: MonthlyMeeting.Moved, tracking: Tracking) -> None:
        """W-2: the entry moves to the new time, with a higher SEQUENCE."""
        uid = f"monthly-meeting-{e.originator_id}"
        starts, ends = _us(e.starts_at), _us(e.starts_at + MONTHLY_MEETING_LENGTH)
        self.view.apply([(_MOVE, (starts, ends, CONFIRMED, e.originator_version, uid))], tracking)

    @process_event.register
    def _(self, e: MonthlyMeeting.Cancelled, tracking: Tracking) -> None:
        """W-2: the entry stays, cancelled, so calendars that have it drop it."""
        uid = f"monthly-meeting-{e.originator_id}"
        self.view.apply([(_CANCEL, (e.originator_version, uid))], tracking)

    @process_event.register
    def _(self, e: RoutineReview.Scheduled, tracking: Tracking) -> None:
        """E-13: the year's review, in each member department's calendar."""
        uid = f"routine-review-{e.originator_id}"
        summary = ROUTINE_REVIEW_SUMMARY
        operations = _entry(uid, e.members, e.starts_at, ROUTINE_REVIEW_LENGTH, summary)
        self.view.apply(operations, tracking)
