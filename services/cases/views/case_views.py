"""Read models of the cases service: deadlines, upcoming age transitions, unit notices.

- `deadline`: every pending reminder or overdue check (K-4, K-5, K-7, K-13, K-17, E-11), so the
  schedule loads only the cases, plans and meetings with something due, not all of them.
- `age_transition`: open child & youth cases with their 19th (or 21st)
  birthday and announcement date, per unit — the list the termly inventory
  uses (K-4, E-7).
- `unit_notice`: decisions and closings other units must hear of (K-3).

Kept current from the service's own notification log (eventsourcing
`Projection` + tracking, as consent's authorisation view), caught up before
each read, in the service's own database.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from contracts import UnitKind
from services.cases.domain import Case, Meeting, Sip, end_of_day, meeting_record_overdue_at
from services.cases.domain.principal_contact import PrincipalContact
from services.runtime.store.read_models import SqlReadModel, instant, micros, sql_read_model

log = logging.getLogger(__name__)

AGE_DUE = "age_transition_due"
AGE_OVERDUE = "age_transition_overdue"
ACK_OVERDUE = "handover_acknowledgement_overdue"
SIP_OVERDUE = "sip_follow_up_overdue"
MEETING_OVERDUE = "meeting_overdue"
SIP_ESTABLISHMENT_OVERDUE = "sip_establishment_overdue"
CONTACT_OVERDUE = "other_principal_contact_overdue"
AGE_KINDS = (AGE_DUE, AGE_OVERDUE)


@dataclass(frozen=True)
class UpcomingTransition:
    """One open child & youth case and its age transition (K-4)."""

    case_id: UUID
    subject_id: str
    unit: str
    transition_on: date
    announce_by: date
    announced_at: datetime | None
    continued_support_needed: bool | None


@dataclass(frozen=True)
class UnitNotice:
    """A decision or closing at another unit about an individual this unit also has (K-3)."""

    case_id: UUID
    subject_id: str
    from_unit: str
    kind: str
    what: str
    at: datetime


_TABLES = [
    "CREATE TABLE IF NOT EXISTS {deadline} ("
    "aggregate_id TEXT NOT NULL, kind TEXT NOT NULL, ref TEXT NOT NULL, "
    "subject_id TEXT NOT NULL, due_at BIGINT NOT NULL, closed_at BIGINT, "
    "PRIMARY KEY (aggregate_id, kind, ref))",
    "CREATE INDEX IF NOT EXISTS {deadline_due} ON {deadline} (due_at) WHERE closed_at IS NULL",
    "CREATE TABLE IF NOT EXISTS {age_transition} ("
    "case_id TEXT PRIMARY KEY, subject_id TEXT NOT NULL, unit TEXT NOT NULL, "
    "municipality_code TEXT NOT NULL, transition_on TEXT NOT NULL, announce_by TEXT NOT NULL, "
    "announced_at BIGINT, continued_support_needed BOOLEAN, ended BOOLEAN NOT NULL)",
    "CREATE INDEX IF NOT EXISTS {age_transition_unit} ON {age_transition} (unit, transition_on)",
    "CREATE TABLE IF NOT EXISTS {unit_notice} ("
    "unit TEXT NOT NULL, case_id TEXT NOT NULL, version INTEGER NOT NULL, "
    "subject_id TEXT NOT NULL, from_unit TEXT NOT NULL, kind TEXT NOT NULL, what TEXT NOT NULL, "
    "at BIGINT NOT NULL, PRIMARY KEY (unit, case_id, version))",
]

_DEADLINE = (
    "INSERT INTO {deadline} (aggregate_id, kind, ref, subject_id, due_at, closed_at) "
    "VALUES (?, ?, ?, ?, ?, NULL) ON CONFLICT (aggregate_id, kind, ref) DO NOTHING"
)
_CLOSE_DEADLINE = (
    "UPDATE {deadline} SET closed_at = ? "
    "WHERE aggregate_id = ? AND kind = ? AND ref = ? AND closed_at IS NULL"
)
_CLOSE_AGE_DEADLINES = (
    "UPDATE {deadline} SET closed_at = ? "
    "WHERE aggregate_id = ? AND kind IN (?, ?) AND closed_at IS NULL"
)
_CLOSE_KIND = (
    "UPDATE {deadline} SET closed_at = ? WHERE aggregate_id = ? AND kind = ? AND closed_at IS NULL"
)
_CLOSE_ALL_DEADLINES = (
    "UPDATE {deadline} SET closed_at = ? WHERE aggregate_id = ? AND closed_at IS NULL"
)
_DUE = (
    "SELECT DISTINCT aggregate_id FROM {deadline} "
    "WHERE closed_at IS NULL AND due_at <= ? ORDER BY aggregate_id"
)
_RETIRE = (
    "UPDATE {deadline} SET closed_at = ? "
    "WHERE aggregate_id = ? AND closed_at IS NULL AND due_at <= ?"
)
_SCHEDULE = (
    "INSERT INTO {age_transition} (case_id, subject_id, unit, municipality_code, transition_on, "
    "announce_by, announced_at, continued_support_needed, ended) "
    "VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, FALSE) ON CONFLICT (case_id) DO UPDATE SET "
    "transition_on = excluded.transition_on, announce_by = excluded.announce_by"
)
_ANNOUNCE = (
    "UPDATE {age_transition} SET announced_at = ?, continued_support_needed = ? WHERE case_id = ?"
)
_MOVE = "UPDATE {age_transition} SET unit = ? WHERE case_id = ?"
_END = "UPDATE {age_transition} SET ended = TRUE WHERE case_id = ?"
_UPCOMING = (
    "SELECT case_id, subject_id, unit, transition_on, announce_by, announced_at, "
    "continued_support_needed FROM {age_transition} "
    "WHERE unit = ? AND NOT ended AND transition_on <= ? ORDER BY transition_on, case_id"
)
_NOTICE = (
    "INSERT INTO {unit_notice} (unit, case_id, version, subject_id, from_unit, kind, what, at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (unit, case_id, version) DO NOTHING"
)
_NOTICES = (
    "SELECT case_id, subject_id, from_unit, kind, what, at FROM {unit_notice} "
    "WHERE unit = ? AND at >= ? ORDER BY at, case_id, version"
)

Operation = tuple[str, tuple[Any, ...]]
Operations = list[Operation]


class CaseViews(SqlReadModel):
    """The read models' queries (runtime SqlReadModel spells them per database)."""

    TABLES = _TABLES
    NAMES = ("deadline", "age_transition", "unit_notice")
    INDEXES = ("deadline_due", "age_transition_unit")

    def due(self, now: datetime) -> list[UUID]:
        """Cases and plans with a reminder or overdue check whose time has come."""
        return [UUID(aggregate_id) for (aggregate_id,) in self.select(_DUE, (micros(now),))]

    def retire_due(self, aggregate_id: UUID, now: datetime) -> None:
        """Close what is still due after the aggregate was asked: it had nothing to raise."""
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute(self.sql(_RETIRE), (micros(now), str(aggregate_id), micros(now)))

    def upcoming_transitions(self, unit: str, until: date) -> list[UpcomingTransition]:
        rows = self.select(_UPCOMING, (unit, until.isoformat()))
        return [
            UpcomingTransition(
                case_id=UUID(row[0]),
                subject_id=row[1],
                unit=row[2],
                transition_on=date.fromisoformat(row[3]),
                announce_by=date.fromisoformat(row[4]),
                announced_at=instant(row[5]),
                continued_support_needed=None if row[6] is None else bool(row[6]),
            )
            for row in rows
        ]

    def notices(self, unit: str, since: datetime) -> list[UnitNotice]:
        rows = self.select(_NOTICES, (unit, micros(since)))
        result = []
        for case_id, subject_id, from_unit, kind, what, at in rows:
            noticed_at = instant(at)
            assert noticed_at is not None
            result.append(UnitNotice(UUID(case_id), subject_id, from_unit, kind, what, noticed_at))
        return result


def case_views(application: Application[Any]) -> CaseViews:
    """The read models on the cases application's own database."""
    return sql_read_model(CaseViews, application)  # type: ignore[type-abstract]


class CaseProjection(Projection[CaseViews]):
    """Case events → deadlines, upcoming transitions and unit notices."""

    name = "case-views"

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.apply([], tracking)

    @process_event.register
    def _(self, e: Case.AgeTransitionScheduled, tracking: Tracking) -> None:
        case_id, ref = str(e.originator_id), e.transition_on.isoformat()
        self.view.apply(
            [
                (_CLOSE_AGE_DEADLINES, (micros(e.timestamp), case_id, *AGE_KINDS)),
                (_DEADLINE, (case_id, AGE_DUE, ref, e.subject_id, micros(e.due_at))),
                (_DEADLINE, (case_id, AGE_OVERDUE, ref, e.subject_id, micros(e.overdue_at))),
                (
                    _SCHEDULE,
                    (
                        case_id,
                        e.subject_id,
                        e.unit,
                        e.municipality_code,
                        e.transition_on.isoformat(),
                        e.announce_by.isoformat(),
                    ),
                ),
            ],
            tracking,
        )

    @process_event.register
    def _(self, e: Case.AgeTransitionAnnounced, tracking: Tracking) -> None:
        case_id = str(e.originator_id)
        self.view.apply(
            [
                (_CLOSE_AGE_DEADLINES, (micros(e.announced_at), case_id, *AGE_KINDS)),
                (_ANNOUNCE, (micros(e.announced_at), e.continued_support_needed, case_id)),
            ],
            tracking,
        )

    @process_event.register
    def _(self, e: Case.AgeTransitionDueRaised, tracking: Tracking) -> None:
        close = _closing(e, AGE_DUE, e.transition_on.isoformat(), e.timestamp)
        self.view.apply([close], tracking)

    @process_event.register
    def _(self, e: Case.AgeTransitionOverdueRaised, tracking: Tracking) -> None:
        close = _closing(e, AGE_OVERDUE, e.transition_on.isoformat(), e.timestamp)
        self.view.apply([close], tracking)

    @process_event.register
    def _(self, e: Case.HandoverRequested, tracking: Tracking) -> None:
        deadline = (
            str(e.originator_id),
            ACK_OVERDUE,
            str(e.handover_id),
            e.subject_id,
            micros(e.overdue_at),
        )
        self.view.apply([(_DEADLINE, deadline)], tracking)

    @process_event.register
    def _(self, e: Case.HandoverAcknowledged, tracking: Tracking) -> None:
        close = _closing(e, ACK_OVERDUE, str(e.handover_id), e.acknowledged_at)
        self.view.apply([close], tracking)

    @process_event.register
    def _(self, e: Case.HandoverAcknowledgementOverdueRaised, tracking: Tracking) -> None:
        close = _closing(e, ACK_OVERDUE, str(e.handover_id), e.timestamp)
        self.view.apply([close], tracking)

    @process_event.register
    def _(self, e: Case.HandoverDeclined, tracking: Tracking) -> None:
        """W-2: declined, there is no acknowledgement to wait for."""
        close = _closing(e, ACK_OVERDUE, str(e.handover_id), e.declined_at)
        self.view.apply([close], tracking)

    @process_event.register
    def _(self, e: Case.HandoverWithdrawn, tracking: Tracking) -> None:
        """W-2: withdrawn, there is no acknowledgement to wait for."""
        close = _closing(e, ACK_OVERDUE, str(e.handover_id), e.withdrawn_at)
        self.view.apply([close], tracking)

    @process_event.register
    def _(self, e: Case.ResponsibilityTransferred, tracking: Tracking) -> None:
        case_id = str(e.originator_id)
        if e.to_unit_kind == UnitKind.IOF.value:
            operations: Operations = [(_MOVE, (e.to_unit, case_id))]
        else:  # the age transition has happened: nothing left to announce
            operations = [
                (_END, (case_id,)),
                (_CLOSE_AGE_DEADLINES, (micros(e.transferred_at), case_id, *AGE_KINDS)),
            ]
        self.view.apply(operations, tracking)

    @process_event.register
    def _(self, e: Case.DecisionRecorded, tracking: Tracking) -> None:
        self.view.apply(
            [
                _notice(e, unit, e.unit, "decision", e.decision, e.decided_at)
                for unit in e.notified_units
            ],
            tracking,
        )

    @process_event.register
    def _(self, e: Case.Closed, tracking: Tracking) -> None:
        case_id = str(e.originator_id)
        self.view.apply(
            [
                (_CLOSE_ALL_DEADLINES, (micros(e.closed_at), case_id)),
                (_END, (case_id,)),
                *(
                    _notice(e, unit, e.unit, "closed", e.reason, e.closed_at)
                    for unit in e.notified_units
                ),
            ],
            tracking,
        )

    @process_event.register
    def _(self, e: Sip.Proposed, tracking: Tracking) -> None:
        """K-13: a proposal is established by its day (none before the rule)."""
        if e.establish_by is None:
            self.view.apply([], tracking)
            return
        due = micros(end_of_day(e.establish_by))
        ref = e.establish_by.isoformat()
        row = (str(e.originator_id), SIP_ESTABLISHMENT_OVERDUE, ref, e.subject_id, due)
        self.view.apply([(_DEADLINE, row)], tracking)

    @process_event.register
    def _(self, e: Sip.Established, tracking: Tracking) -> None:
        sip_id = str(e.originator_id)
        self.view.apply(
            [
                (_CLOSE_KIND, (micros(e.established_at), sip_id, SIP_ESTABLISHMENT_OVERDUE)),
                _follow_up(e, e.next_follow_up_on),
            ],
            tracking,
        )

    @process_event.register
    def _(self, e: Sip.EstablishmentOverdueRaised, tracking: Tracking) -> None:
        close = _closing(e, SIP_ESTABLISHMENT_OVERDUE, e.establish_by.isoformat(), e.timestamp)
        self.view.apply([close], tracking)

    @process_event.register
    def _(self, e: PrincipalContact.Requested, tracking: Tracking) -> None:
        """K-17: contact with the other principal is established by its day."""
        due = micros(end_of_day(e.contact_by))
        ref = e.contact_by.isoformat()
        row = (str(e.originator_id), CONTACT_OVERDUE, ref, e.subject_id, due)
        self.view.apply([(_DEADLINE, row)], tracking)

    @process_event.register
    def _(
        self, e: PrincipalContact.Established | PrincipalContact.OverdueRaised, tracking: Tracking
    ) -> None:
        self.view.apply(
            [(_CLOSE_KIND, (micros(e.timestamp), str(e.originator_id), CONTACT_OVERDUE))], tracking
        )

    @process_event.register
    def _(self, e: Sip.FollowUpRecorded, tracking: Tracking) -> None:
        sip_id = str(e.originator_id)
        self.view.apply(
            [
                (_CLOSE_KIND, (micros(e.recorded_at), sip_id, SIP_OVERDUE)),
                _follow_up(e, e.next_follow_up_on),
            ],
            tracking,
        )

    @process_event.register
    def _(self, e: Sip.FollowUpOverdueRaised, tracking: Tracking) -> None:
        close = _closing(e, SIP_OVERDUE, e.follow_up_on.isoformat(), e.timestamp)
        self.view.apply([close], tracking)

    @process_event.register
    def _(self, e: Sip.Closed, tracking: Tracking) -> None:
        """W-2: closed, no follow-up of the plan falls overdue."""
        sip_id = str(e.originator_id)
        self.view.apply([(_CLOSE_ALL_DEADLINES, (micros(e.closed_at), sip_id))], tracking)

    @process_event.register
    def _(self, e: Meeting.Scheduled, tracking: Tracking) -> None:
        self.view.apply([_meeting_deadline(e, e.kind, e.starts_at)], tracking)

    @process_event.register
    def _(self, e: Meeting.Moved, tracking: Tracking) -> None:
        """W-2: moved, the old time's deadline goes and the new time's comes (E-11)."""
        old = _occasion(e.kind, e.previous_starts_at)
        self.view.apply(
            [
                _closing(e, MEETING_OVERDUE, old, e.moved_at),
                _meeting_deadline(e, e.kind, e.starts_at),
            ],
            tracking,
        )

    @process_event.register
    def _(
        self,
        e: Meeting.Cancelled | Meeting.Held | Meeting.OverdueRaised,
        tracking: Tracking,
    ) -> None:
        """Cancelled, held, or raised: nothing left to raise for that occasion (E-11)."""
        close = _closing(e, MEETING_OVERDUE, _occasion(e.kind, e.starts_at), e.timestamp)
        self.view.apply([close], tracking)


def _meeting_deadline(
    e: Meeting.Scheduled | Meeting.Moved, kind: str, starts_at: datetime
) -> Operation:
    """E-11: a booked occasion is overdue once the working day after its date has passed
    without it being recorded as held; one deadline per occasion and time."""
    due = micros(meeting_record_overdue_at(starts_at))
    return (
        _DEADLINE,
        (str(e.originator_id), MEETING_OVERDUE, _occasion(kind, starts_at), e.subject_id, due),
    )


def _occasion(kind: str, starts_at: datetime) -> str:
    """A meeting's deadline names the occasion and its time: moved, it is another."""
    return f"{kind}@{micros(starts_at)}"


def _closing(e: Any, kind: str, ref: str, at: datetime) -> Operation:
    """The aggregate's deadline of `kind` for `ref` was met, or raised, `at`: it is closed."""
    return (_CLOSE_DEADLINE, (micros(at), str(e.originator_id), kind, ref))


def _follow_up(e: Sip.Established | Sip.FollowUpRecorded, planned: date) -> Operation:
    """K-7: the planned follow-up is overdue once its day has passed."""
    sip_id = str(e.originator_id)
    due = micros(end_of_day(planned))
    return (_DEADLINE, (sip_id, SIP_OVERDUE, planned.isoformat(), e.subject_id, due))


def _notice(
    e: Case.DecisionRecorded | Case.Closed,
    unit: str,
    from_unit: str,
    kind: str,
    what: str,
    at: datetime,
) -> Operation:
    return (
        _NOTICE,
        (
            unit,
            str(e.originator_id),
            e.originator_version,
            e.subject_id,
            from_unit,
            kind,
            what,
            micros(at),
        ),
    )
