"""The deadline read model: what is due when, for whom (E-3, E-5, E-7; D-7).

One row per deadline — a red thread's 14-day meeting limit (E-3), its
follow-up (E-5), a monthly meeting's registration cutoff (E-7) — with the
organisations it concerns. The overdue schedule asks it which deadlines may
have passed instead of replaying every red thread; the deadlines listing and
the `samverkan_red_threads_overdue` gauge read it too.

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
    MonthlyMeeting,
    RedThread,
    follow_up_overdue_at,
    meeting_overdue_at,
    registration_cutoff,
)
from services.runtime.store.read_models import SqlReadModel, sql_read_model

log = logging.getLogger(__name__)


class DeadlineKind(StrEnum):
    RED_THREAD_MEETING = "red_thread_meeting"
    """E-3: the meeting within 14 calendar days of the pull."""
    RED_THREAD_FOLLOW_UP = "red_thread_follow_up"
    """E-5: the follow-up evaluation on its booked day."""
    MONTHLY_MEETING_REGISTRATION = "monthly_meeting_registration"
    """E-7: cases registered by 12:00 the day before."""


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
    "AND d.due_at <= ? AND d.kind IN (?, ?) ORDER BY d.due_at"
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
    NAMES = ("deadline", "deadline_party")
    INDEXES = _INDEXES

    def due(self, now: datetime) -> list[Deadline]:
        """Red-thread deadlines that have passed with nothing to meet them, not yet raised."""
        kinds = (DeadlineKind.RED_THREAD_MEETING.value, DeadlineKind.RED_THREAD_FOLLOW_UP.value)
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

_MARKED_BY: dict[type[Any], tuple[str, DeadlineKind]] = {
    RedThread.MeetingHeld: (_DONE, MEETING),
    RedThread.MeetingOverdue: (_RAISED, MEETING),
    RedThread.FollowUpEvaluated: (_DONE, FOLLOW_UP),
    RedThread.FollowUpOverdue: (_RAISED, FOLLOW_UP),
}
"""The red-thread events that only mark a deadline: met for good (done), or missed and
raised."""


class Deadlines(Projection[DeadlineView]):
    """Escalation's own domain events → deadline rows and the organisations they concern."""

    name = "deadlines"

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
        self.view.apply(operations + _parties(e.originator_id, MEETING, e.invited_orgs), tracking)

    @process_event.register
    def _(self, e: RedThread.MeetingMoved, tracking: Tracking) -> None:
        """W-2: the meeting stands at its new time; the E-3 deadline stays the pull's."""
        self.view.apply(_set(_MET, e.originator_id, MEETING, 1, _us(e.meeting_at)), tracking)

    @process_event.register
    def _(self, e: RedThread.MeetingCancelled, tracking: Tracking) -> None:
        """W-2: nothing meets the E-3 deadline until the meeting is scheduled again."""
        self.view.apply(_set(_MET, e.originator_id, MEETING, 0, None), tracking)

    @process_event.register
    def _(self, e: RedThread.FollowUpMoved, tracking: Tracking) -> None:
        """W-2: the follow-up is due on its new day, and may be missed (raised) anew."""
        due = follow_up_overdue_at(e.follow_up_at)
        operations = _set(_MOVED, e.originator_id, FOLLOW_UP, _us(due), _us(e.follow_up_at))
        self.view.apply(operations, tracking)

    @process_event.register
    def _(self, e: RedThread.FollowUpCancelled, tracking: Tracking) -> None:
        """W-2: no follow-up, no deadline; booking it again opens a new one."""
        key = (str(e.originator_id), FOLLOW_UP.value)
        self.view.apply([(_FORGET, key), (_FORGET_PARTIES, key)], tracking)

    @process_event.register
    def _(self, e: RedThread.PutOnHold | RedThread.Resumed, tracking: Tracking) -> None:
        """A meeting on hold does not stand until it resumes; a follow-up's row stays."""
        operations: Operations = []
        if e.stage == MeetingStage.MEETING.value:
            standing = isinstance(e, RedThread.Resumed)
            operations = _set(_MET_ONLY, e.originator_id, MEETING, int(standing))
        self.view.apply(operations, tracking)

    @process_event.register
    def _(
        self,
        e: RedThread.MeetingHeld
        | RedThread.MeetingOverdue
        | RedThread.FollowUpEvaluated
        | RedThread.FollowUpOverdue,
        tracking: Tracking,
    ) -> None:
        statement, kind = _MARKED_BY[type(e)]
        self.view.apply(_set(statement, e.originator_id, kind), tracking)

    @process_event.register
    def _(self, e: RedThread.FollowUpBooked, tracking: Tracking) -> None:
        due = follow_up_overdue_at(e.follow_up_at)
        self.view.apply(
            _open(e.originator_id, FOLLOW_UP, e.subject_id, due, e.follow_up_at, e.invited_orgs),
            tracking,
        )

    @process_event.register
    def _(self, e: RedThread.Closed | RedThread.ClosedEarly, tracking: Tracking) -> None:
        self.view.apply([(_ALL_DONE, (str(e.originator_id),))], tracking)

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
