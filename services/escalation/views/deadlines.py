"""The deadline read model: what is due when, for whom (E-3, E-5, E-7, E-11; D-7).

One row per deadline — a red thread's 14-day meeting limit (E-3), its
follow-up (E-5), a monthly meeting's registration cutoff (E-7), and what must not
stall (E-11): the meeting recorded as held, the follow-up booked, the agreed
actions done by their day (one row per red thread, due with the earliest open action,
kept from the actions' own table) — with the organisations it concerns. The overdue
schedule asks it which deadlines may have passed instead of replaying every red
thread; the deadlines listing and the `samverkan_red_threads_overdue` gauge read it too.

It lives in the escalation service's own database and follows the service's
own notification log (eventsourcing `Projection` with tracking), caught up
before it is read, so it never lags what was stored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from contracts import MeetingStage
from services.escalation.domain import (
    FOLLOW_UP_BOOKING_DAYS,
    MonthlyMeeting,
    RedThread,
    action_overdue_at,
    follow_up_not_booked_at,
    follow_up_overdue_at,
    meeting_overdue_at,
    registration_cutoff,
)
from services.runtime.kernel.working_days import meeting_record_overdue_at
from services.runtime.store.read_models import SqlReadModel, sql_read_model

log = logging.getLogger(__name__)


class DeadlineKind(StrEnum):
    RED_THREAD_MEETING = "red_thread_meeting"
    """E-3: the meeting within 14 calendar days of the pull."""
    RED_THREAD_FOLLOW_UP = "red_thread_follow_up"
    """E-5: the follow-up evaluation on its booked day."""
    MONTHLY_MEETING_REGISTRATION = "monthly_meeting_registration"
    """E-7: cases registered by 12:00 the day before."""
    RED_THREAD_MEETING_RECORD = "red_thread_meeting_record"
    """E-11: the scheduled meeting recorded as held by the working day after its date."""
    RED_THREAD_FOLLOW_UP_BOOKING = "red_thread_follow_up_booking"
    """E-11: the follow-up booked within the configured days of the held meeting."""
    RED_THREAD_ACTION = "red_thread_action"
    """E-11: the agreed actions (E-10) done by their day; due with the earliest open one."""


RAISED_BY_THE_RED_THREAD = (
    DeadlineKind.RED_THREAD_MEETING,
    DeadlineKind.RED_THREAD_FOLLOW_UP,
    DeadlineKind.RED_THREAD_MEETING_RECORD,
    DeadlineKind.RED_THREAD_FOLLOW_UP_BOOKING,
    DeadlineKind.RED_THREAD_ACTION,
)
"""The kinds the overdue schedule asks the red thread about (`raise_due`)."""


@dataclass(frozen=True)
class Deadline:
    item_id: UUID
    kind: DeadlineKind
    subject_id: str | None
    due_at: datetime
    """The first instant the deadline is missed."""
    takes_place_at: datetime | None
    met: bool
    """Something stands that meets it (a meeting scheduled, not on hold)."""
    overdue_raised: bool


def _us(instant: datetime) -> int:
    """Instants as integer microseconds since the epoch: comparable in SQL, exact."""
    if instant.year >= 9999:
        return 2**62  # "never": beyond any clock the service will see
    return round(instant.timestamp() * 1_000_000)


def _instant(us: int) -> datetime:
    if us >= 2**62:
        return datetime.max.replace(tzinfo=UTC)
    return datetime.fromtimestamp(us / 1_000_000, UTC)


_TABLES = [
    "CREATE TABLE IF NOT EXISTS {deadline} ("
    "item_id TEXT NOT NULL, kind TEXT NOT NULL, subject_id TEXT, due_at BIGINT NOT NULL, "
    "takes_place_at BIGINT, met INTEGER NOT NULL, raised INTEGER NOT NULL, "
    "done INTEGER NOT NULL, PRIMARY KEY (item_id, kind))",
    "CREATE INDEX IF NOT EXISTS {deadline_due} ON {deadline} (due_at) WHERE done = 0",
    "CREATE TABLE IF NOT EXISTS {deadline_party} ("
    "item_id TEXT NOT NULL, kind TEXT NOT NULL, org_id TEXT NOT NULL, "
    "PRIMARY KEY (item_id, kind, org_id))",
    "CREATE INDEX IF NOT EXISTS {deadline_party_org} ON {deadline_party} (org_id)",
    "CREATE TABLE IF NOT EXISTS {deadline_action} ("
    "item_id TEXT NOT NULL, action_id TEXT NOT NULL, due_at BIGINT NOT NULL, "
    "open INTEGER NOT NULL, PRIMARY KEY (item_id, action_id))",
]

_OPEN = (
    "INSERT INTO {deadline} (item_id, kind, subject_id, due_at, takes_place_at, met, raised, "
    "done) VALUES (?, ?, ?, ?, ?, ?, ?, 0)"
)
_FORGET = "DELETE FROM {deadline} WHERE item_id = ? AND kind = ?"
_FORGET_PARTIES = "DELETE FROM {deadline_party} WHERE item_id = ? AND kind = ?"
_PARTY = (
    "INSERT INTO {deadline_party} (item_id, kind, org_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"
)
_MET = "UPDATE {deadline} SET met = ?, takes_place_at = ? WHERE item_id = ? AND kind = ?"
_MET_ONLY = "UPDATE {deadline} SET met = ? WHERE item_id = ? AND kind = ?"
_MOVED = (
    "UPDATE {deadline} SET due_at = ?, takes_place_at = ?, raised = 0 "
    "WHERE item_id = ? AND kind = ?"
)
_RAISED = "UPDATE {deadline} SET raised = 1 WHERE item_id = ? AND kind = ?"
_DONE = "UPDATE {deadline} SET done = 1 WHERE item_id = ? AND kind = ?"
_ALL_DONE = "UPDATE {deadline} SET done = 1 WHERE item_id = ?"
_DUE = (
    "SELECT d.item_id, d.kind, d.subject_id, d.due_at, d.takes_place_at, d.met, d.raised "
    "FROM {deadline} d WHERE d.done = 0 AND d.met = 0 AND d.raised = 0 "
    "AND d.due_at <= ? AND d.kind IN ("
    + ", ".join("?" * len(RAISED_BY_THE_RED_THREAD))
    + ") ORDER BY d.due_at"
)
_REOPEN = "UPDATE {deadline} SET done = 0 WHERE item_id = ? AND kind = ?"
_ACTION = (
    "INSERT INTO {deadline_action} (item_id, action_id, due_at, open) VALUES (?, ?, ?, 1) "
    "ON CONFLICT DO NOTHING"
)
_ACTION_CLOSED = "UPDATE {deadline_action} SET open = 0 WHERE item_id = ? AND action_id = ?"
_ACTIONS_CLOSED = "UPDATE {deadline_action} SET open = 0 WHERE item_id = ?"
_ACTION_ROW = (
    "INSERT INTO {deadline} (item_id, kind, subject_id, due_at, takes_place_at, met, raised, "
    "done) VALUES (?, ?, ?, ?, NULL, 0, 0, 0) ON CONFLICT DO NOTHING"
)
_ACTION_NEXT = (
    "UPDATE {deadline} SET raised = 0, "
    "due_at = COALESCE((SELECT MIN(a.due_at) FROM {deadline_action} a "
    "WHERE a.item_id = ? AND a.open = 1), due_at), "
    "done = CASE WHEN EXISTS (SELECT 1 FROM {deadline_action} a "
    "WHERE a.item_id = ? AND a.open = 1) THEN 0 ELSE 1 END "
    "WHERE item_id = ? AND kind = ?"
)
_OF_ORG = (
    "SELECT d.item_id, d.kind, d.subject_id, d.due_at, d.takes_place_at, d.met, d.raised "
    "FROM {deadline} d JOIN {deadline_party} p "
    "ON p.item_id = d.item_id AND p.kind = d.kind "
    "WHERE p.org_id = ? AND d.done = 0 AND (d.due_at >= ? OR d.met = 0) ORDER BY d.due_at"
)
_OVERDUE_COUNT = (
    "SELECT COUNT(*) AS n FROM {deadline} WHERE kind = ? AND done = 0 AND met = 0 AND due_at <= ?"
)

_INDEXES = ("deadline_due", "deadline_party_org")

Operations = list[tuple[str, tuple[Any, ...]]]


class DeadlineView(SqlReadModel):
    """The read model's queries (runtime SqlReadModel spells them per database)."""

    TABLES = _TABLES
    NAMES = ("deadline", "deadline_party", "deadline_action")
    INDEXES = _INDEXES

    def due(self, now: datetime) -> list[Deadline]:
        """Red-thread deadlines that have passed with nothing to meet them, not yet raised."""
        kinds = tuple(kind.value for kind in RAISED_BY_THE_RED_THREAD)
        return [_deadline(row) for row in self.select(_DUE, (_us(now), *kinds))]

    def of_org(self, org_id: str, now: datetime) -> list[Deadline]:
        """What an organisation has coming: deadlines not yet passed, and those missed."""
        return [_deadline(row) for row in self.select(_OF_ORG, (org_id, _us(now)))]

    def red_threads_overdue(self, now: datetime) -> int:
        """Red threads past their E-3 meeting deadline with no meeting standing."""
        rows = self.select(_OVERDUE_COUNT, (DeadlineKind.RED_THREAD_MEETING.value, _us(now)))
        return int(rows[0][0]) if rows else 0


def _deadline(row: tuple[Any, ...]) -> Deadline:
    item_id, kind, subject_id, due_at, takes_place_at, met, raised = row
    return Deadline(
        item_id=UUID(item_id),
        kind=DeadlineKind(kind),
        subject_id=subject_id,
        due_at=_instant(due_at),
        takes_place_at=_instant(takes_place_at) if takes_place_at is not None else None,
        met=bool(met),
        overdue_raised=bool(raised),
    )


def deadline_view(application: Application[Any]) -> DeadlineView:
    """The read model on the escalation application's own database."""
    return sql_read_model(
        DeadlineView,  # type: ignore[type-abstract]
        application,
        tracking_table="deadline_tracking",
    )


def _open(
    item_id: UUID,
    kind: DeadlineKind,
    subject_id: str | None,
    due_at: datetime,
    takes_place_at: datetime | None,
    orgs: list[str],
    *,
    met: bool = False,
    raised: bool = False,
) -> Operations:
    key = (str(item_id), kind.value)
    return [
        (_FORGET, key),
        (_FORGET_PARTIES, key),
        (
            _OPEN,
            (
                *key,
                subject_id,
                _us(due_at),
                _us(takes_place_at) if takes_place_at else None,
                int(met),
                int(raised),
            ),
        ),
        *_parties(item_id, kind, orgs),
    ]


def _parties(item_id: UUID, kind: DeadlineKind, orgs: list[str]) -> Operations:
    key = (str(item_id), kind.value)
    return [(_PARTY, (*key, org)) for org in dict.fromkeys(orgs)]


def _set(statement: str, item_id: UUID, kind: DeadlineKind, *values: Any) -> Operations:
    return [(statement, (*values, str(item_id), kind.value))]


MEETING = DeadlineKind.RED_THREAD_MEETING
FOLLOW_UP = DeadlineKind.RED_THREAD_FOLLOW_UP
REGISTRATION = DeadlineKind.MONTHLY_MEETING_REGISTRATION
RECORD = DeadlineKind.RED_THREAD_MEETING_RECORD
BOOKING = DeadlineKind.RED_THREAD_FOLLOW_UP_BOOKING
ACTION = DeadlineKind.RED_THREAD_ACTION

_MARKED_BY: dict[type[Any], tuple[str, DeadlineKind]] = {
    RedThread.MeetingOverdue: (_RAISED, MEETING),
    RedThread.FollowUpEvaluated: (_DONE, FOLLOW_UP),
    RedThread.FollowUpOverdue: (_RAISED, FOLLOW_UP),
    RedThread.MeetingNotRecorded: (_RAISED, RECORD),
    RedThread.FollowUpNotBooked: (_RAISED, BOOKING),
}
"""The red-thread events that only mark a deadline: met for good (done), or missed and
raised."""


class Deadlines(Projection[DeadlineView]):
    """Escalation's own domain events → deadline rows and the organisations they concern."""

    name = "deadlines"

    def __init__(
        self, view: DeadlineView, *, follow_up_booking_days: int = FOLLOW_UP_BOOKING_DAYS
    ) -> None:
        super().__init__(view)
        self.follow_up_booking_days = follow_up_booking_days
        """E-11: the follow-up is booked within this many days of the held meeting."""

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.apply([], tracking)

    @process_event.register
    def _(self, e: RedThread.Pulled, tracking: Tracking) -> None:
        orgs = [e.pulled_by_org, *e.burdened_orgs]
        due = meeting_overdue_at(e.pulled_at)
        self.view.apply(_open(e.originator_id, MEETING, e.subject_id, due, None, orgs), tracking)

    @process_event.register
    def _(self, e: RedThread.MeetingScheduled, tracking: Tracking) -> None:
        operations = _set(_MET, e.originator_id, MEETING, 1, _us(e.meeting_at))
        operations += _parties(e.originator_id, MEETING, e.invited_orgs)
        record = meeting_record_overdue_at(e.meeting_at)
        orgs = self._concerned(e.originator_id, e.invited_orgs)
        operations += _open(e.originator_id, RECORD, e.subject_id, record, e.meeting_at, orgs)
        self.view.apply(operations, tracking)

    def _concerned(self, item_id: UUID, invited: list[str]) -> list[str]:
        """E-11: everyone the red thread involves: its E-3 row's parties and the invited."""
        rows = self.view.select(
            "SELECT org_id FROM {deadline_party} WHERE item_id = ? AND kind = ?",
            (str(item_id), MEETING.value),
        )
        return [*(row[0] for row in rows), *invited]

    @process_event.register
    def _(self, e: RedThread.MeetingMoved, tracking: Tracking) -> None:
        """W-2: the meeting stands at its new time; the E-3 deadline stays the pull's; the
        E-11 one is the new time's, and may be missed (raised) anew."""
        operations = _set(_MET, e.originator_id, MEETING, 1, _us(e.meeting_at))
        record = _us(meeting_record_overdue_at(e.meeting_at))
        operations += _set(_MOVED, e.originator_id, RECORD, record, _us(e.meeting_at))
        self.view.apply(operations, tracking)

    @process_event.register
    def _(self, e: RedThread.MeetingCancelled, tracking: Tracking) -> None:
        """W-2: nothing meets the E-3 deadline until the meeting is scheduled again; no
        meeting, nothing to record as held (E-11)."""
        key = (str(e.originator_id), RECORD.value)
        operations = [(_FORGET, key), (_FORGET_PARTIES, key)]
        self.view.apply(_set(_MET, e.originator_id, MEETING, 0, None) + operations, tracking)

    @process_event.register
    def _(self, e: RedThread.FollowUpMoved, tracking: Tracking) -> None:
        """W-2: the follow-up is due on its new day, and may be missed (raised) anew."""
        due = follow_up_overdue_at(e.follow_up_at)
        operations = _set(_MOVED, e.originator_id, FOLLOW_UP, _us(due), _us(e.follow_up_at))
        self.view.apply(operations, tracking)

    @process_event.register
    def _(self, e: RedThread.FollowUpCancelled, tracking: Tracking) -> None:
        """W-2: no follow-up, no deadline; booking it again opens a new one. Until then
        the follow-up is not booked (E-11), by the held meeting's deadline."""
        key = (str(e.originator_id), FOLLOW_UP.value)
        operations = [(_FORGET, key), (_FORGET_PARTIES, key)]
        self.view.apply(operations + _set(_REOPEN, e.originator_id, BOOKING), tracking)

    @process_event.register
    def _(self, e: RedThread.PutOnHold | RedThread.Resumed, tracking: Tracking) -> None:
        """A meeting on hold does not stand until it resumes, nor is it due to be recorded
        as held (E-11); a follow-up's row stays."""
        operations: Operations = []
        if e.stage == MeetingStage.MEETING.value:
            standing = isinstance(e, RedThread.Resumed)
            operations = _set(_MET_ONLY, e.originator_id, MEETING, int(standing))
            operations += _set(_MET_ONLY, e.originator_id, RECORD, int(not standing))
        self.view.apply(operations, tracking)

    @process_event.register
    def _(
        self,
        e: RedThread.MeetingOverdue
        | RedThread.FollowUpEvaluated
        | RedThread.FollowUpOverdue
        | RedThread.MeetingNotRecorded
        | RedThread.FollowUpNotBooked,
        tracking: Tracking,
    ) -> None:
        statement, kind = _MARKED_BY[type(e)]
        self.view.apply(_set(statement, e.originator_id, kind), tracking)

    @process_event.register
    def _(self, e: RedThread.MeetingHeld, tracking: Tracking) -> None:
        """E-3 met, the meeting recorded (E-11); now the follow-up is to be booked in time."""
        booking = follow_up_not_booked_at(e.meeting_at, self.follow_up_booking_days)
        orgs = self._concerned(e.originator_id, [])
        operations = _set(_DONE, e.originator_id, MEETING) + _set(_DONE, e.originator_id, RECORD)
        operations += _open(e.originator_id, BOOKING, e.subject_id, booking, None, orgs)
        self.view.apply(operations, tracking)

    @process_event.register
    def _(self, e: RedThread.ActionAgreed, tracking: Tracking) -> None:
        """E-11: the thread's action row is due with its earliest open action."""
        item = str(e.originator_id)
        due = _us(action_overdue_at(e.due_on))
        operations: Operations = [
            (_ACTION, (item, str(e.action_id), due)),
            (_ACTION_ROW, (item, ACTION.value, e.subject_id, due)),
            *_parties(e.originator_id, ACTION, [e.responsible_org]),
        ]
        self.view.apply(operations + self._next_action(e.originator_id), tracking)

    @process_event.register
    def _(self, e: RedThread.ActionOverdue | RedThread.ActionEvaluated, tracking: Tracking) -> None:
        """E-11: raised or evaluated, the action is no longer open; the row moves on to the
        next open action's due, or is done."""
        closed = (_ACTION_CLOSED, (str(e.originator_id), str(e.action_id)))
        self.view.apply([closed, *self._next_action(e.originator_id)], tracking)

    @staticmethod
    def _next_action(item_id: UUID) -> Operations:
        item = str(item_id)
        return [(_ACTION_NEXT, (item, item, item, ACTION.value))]

    @process_event.register
    def _(self, e: RedThread.FollowUpBooked, tracking: Tracking) -> None:
        due = follow_up_overdue_at(e.follow_up_at)
        operations = _open(
            e.originator_id, FOLLOW_UP, e.subject_id, due, e.follow_up_at, e.invited_orgs
        )
        self.view.apply(operations + _set(_DONE, e.originator_id, BOOKING), tracking)

    @process_event.register
    def _(self, e: RedThread.Closed | RedThread.ClosedEarly, tracking: Tracking) -> None:
        item = (str(e.originator_id),)
        self.view.apply([(_ALL_DONE, item), (_ACTIONS_CLOSED, item)], tracking)

    @process_event.register
    def _(self, e: MonthlyMeeting.Planned, tracking: Tracking) -> None:
        # Nothing is raised when a cutoff passes (a late registration is refused, E-7):
        # the row is met from the start and only listed until it passes.
        cutoff = registration_cutoff(e.starts_at)
        operations = _open(
            e.originator_id, REGISTRATION, None, cutoff, e.starts_at, e.members, met=True
        )
        self.view.apply(operations, tracking)

    @process_event.register
    def _(self, e: MonthlyMeeting.Moved, tracking: Tracking) -> None:
        """W-2: registration closes by the new time's cutoff (E-7)."""
        due, starts = _us(registration_cutoff(e.starts_at)), _us(e.starts_at)
        self.view.apply(_set(_MOVED, e.originator_id, REGISTRATION, due, starts), tracking)

    @process_event.register
    def _(self, e: MonthlyMeeting.Cancelled, tracking: Tracking) -> None:
        """W-2: no meeting, no registration deadline."""
        key = (str(e.originator_id), REGISTRATION.value)
        self.view.apply([(_FORGET, key), (_FORGET_PARTIES, key)], tracking)
