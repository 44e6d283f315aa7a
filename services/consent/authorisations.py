"""The decision read model: every authorisation interval per subject, and the decision log.

Decisions (C-9) must be fast and reproducible, so they are answered from
this table, not by replaying aggregates: one row per basis and scope
revision, with the interval it holds for (a withdrawal or expiry closes the
interval, a scope change closes one and opens the next). The same table
tells the expiry watcher what is due. Every decision asked is logged, with
who asked and the answer, for audit.

It lives in the consent service's own database and is kept current from
its own notification log (eventsourcing `Projection` + tracking), caught up
before each decision so an answer never lags a withdrawal.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import IntegrityError, Tracking, TrackingRecorder
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.projection import Projection
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder

from contracts import LegalBasis, Purpose
from services.consent.domain import (
    Authorisation,
    Consent,
    ConsentRefusal,
    Decision,
    EmergencyDisclosure,
    SubjectErasure,
    UnbornChildDisclosure,
    end_of_day,
)

log = logging.getLogger(__name__)

EXPIRING_KINDS = (LegalBasis.CONSENT, LegalBasis.EMERGENCY_DISCLOSURE)
"""Kinds whose end is an event of its own (ConsentExpired, EmergencyDisclosureExpired)."""


def _us(instant: datetime) -> int:
    """Instants as integer microseconds since the epoch: comparable in SQL, exact."""
    return round(instant.timestamp() * 1_000_000)


def _instant(us: int | None) -> datetime | None:
    return None if us is None else datetime.fromtimestamp(us / 1_000_000, UTC)


@dataclass(frozen=True)
class AskedDecision:
    """One decision as it was asked and answered: the audit record (C-9)."""

    asked_at: datetime
    asked_by: str
    asked_by_org: str
    subject_id: str
    from_org: str
    to_org: str
    purpose: str
    at: datetime
    decision: Decision


_TABLES = [
    "CREATE TABLE IF NOT EXISTS {authorisation} ("
    "basis_id TEXT NOT NULL, revision INTEGER NOT NULL, subject_id TEXT NOT NULL, "
    "kind TEXT NOT NULL, purpose TEXT, parties TEXT NOT NULL, starts_at BIGINT NOT NULL, "
    "ends_at BIGINT, closed_at BIGINT, PRIMARY KEY (basis_id, revision))",
    "CREATE INDEX IF NOT EXISTS {authorisation_subject} ON {authorisation} (subject_id)",
    "CREATE INDEX IF NOT EXISTS {authorisation_due} ON {authorisation} (ends_at) "
    "WHERE closed_at IS NULL",
    "CREATE TABLE IF NOT EXISTS {subject_record} ("
    "subject_id TEXT NOT NULL, aggregate_id TEXT NOT NULL, kind TEXT NOT NULL, "
    "parties TEXT NOT NULL, PRIMARY KEY (subject_id, aggregate_id))",
    "CREATE TABLE IF NOT EXISTS {decision_log} ("
    "asked_at BIGINT NOT NULL, asked_by TEXT NOT NULL, asked_by_org TEXT NOT NULL, "
    "subject_id TEXT NOT NULL, from_org TEXT NOT NULL, to_org TEXT NOT NULL, "
    "purpose TEXT NOT NULL, decision_at BIGINT NOT NULL, allowed BOOLEAN NOT NULL, "
    "kind TEXT, basis_id TEXT, valid_until BIGINT)",
    "CREATE INDEX IF NOT EXISTS {decision_log_subject} ON {decision_log} (subject_id, asked_at)",
]

_OPEN = (
    "INSERT INTO {authorisation} (basis_id, revision, subject_id, kind, purpose, parties, "
    "starts_at, ends_at, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)"
)
_RESCOPE = (
    "INSERT INTO {authorisation} (basis_id, revision, subject_id, kind, purpose, parties, "
    "starts_at, ends_at, closed_at) SELECT basis_id, ?, subject_id, kind, purpose, ?, ?, "
    "ends_at, NULL FROM {authorisation} WHERE basis_id = ? AND closed_at IS NULL"
)
_CLOSE_EARLIER = (
    "UPDATE {authorisation} SET closed_at = ? "
    "WHERE basis_id = ? AND closed_at IS NULL AND revision < ?"
)
_CLOSE = "UPDATE {authorisation} SET closed_at = ? WHERE basis_id = ? AND closed_at IS NULL"
_RECORD = (
    "INSERT INTO {subject_record} (subject_id, aggregate_id, kind, parties) VALUES (?, ?, ?, ?)"
)
_OF_SUBJECT = (
    "SELECT kind, basis_id, purpose, parties, starts_at, ends_at, closed_at "
    "FROM {authorisation} WHERE subject_id = ?"
)
_DUE = (
    "SELECT kind, basis_id FROM {authorisation} "
    "WHERE closed_at IS NULL AND ends_at IS NOT NULL AND ends_at <= ? AND kind IN (?, ?)"
)
_RECORDS = "SELECT aggregate_id, kind, parties FROM {subject_record} WHERE subject_id = ?"
_LOG = (
    "INSERT INTO {decision_log} (asked_at, asked_by, asked_by_org, subject_id, from_org, "
    "to_org, purpose, decision_at, allowed, kind, basis_id, valid_until) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_DECISIONS = (
    "SELECT asked_at, asked_by, asked_by_org, from_org, to_org, purpose, decision_at, "
    "allowed, kind, basis_id FROM {decision_log} WHERE subject_id = ? ORDER BY asked_at"
)


class AuthorisationView(TrackingRecorder):
    """The read model's queries and updates, written once for both databases.

    Subclasses only say how a statement is spelled for their database
    (placeholders, schema-qualified names).
    """

    datastore: Any
    _insert_tracking: Any

    def sql(self, statement: str) -> str:
        raise NotImplementedError

    def create_read_model(self) -> None:
        with self.datastore.transaction(commit=True) as cursor:
            for statement in _TABLES:
                cursor.execute(self.sql(statement))

    def apply(self, operations: list[tuple[str, tuple[Any, ...]]], tracking: Tracking) -> None:
        """Run the projection's statements and record `tracking`, in one transaction."""
        with self.datastore.transaction(commit=True) as cursor:
            self._insert_tracking(cursor, tracking)
            for statement, params in operations:
                cursor.execute(self.sql(statement), params)

    def authorisations_of(self, subject_id: str) -> list[Authorisation]:
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(self.sql(_OF_SUBJECT), (subject_id,))
            rows = cursor.fetchall()
        result = []
        for kind, basis_id, purpose, parties, starts_at, ends_at, closed_at in map(_values, rows):
            end = min((t for t in (ends_at, closed_at) if t is not None), default=None)
            starts = _instant(starts_at)
            assert starts is not None
            result.append(
                Authorisation(
                    kind=LegalBasis(kind),
                    basis_id=UUID(basis_id),
                    purpose=purpose,
                    parties=frozenset(json.loads(parties)),
                    starts_at=starts,
                    ends_at=_instant(end),
                )
            )
        return result

    def due_for_expiry(self, now: datetime) -> list[tuple[LegalBasis, UUID]]:
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(self.sql(_DUE), (_us(now), *(k.value for k in EXPIRING_KINDS)))
            rows = cursor.fetchall()
        return [(LegalBasis(kind), UUID(basis_id)) for kind, basis_id in map(_values, rows)]

    def records_of(self, subject_id: str) -> list[tuple[UUID, str, list[str]]]:
        """Every consent, refusal and disclosure about the subject, with its parties."""
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(self.sql(_RECORDS), (subject_id,))
            rows = cursor.fetchall()
        return [(UUID(a), kind, json.loads(parties)) for a, kind, parties in map(_values, rows)]

    def log_decisions(self, batch: list[AskedDecision]) -> None:
        """Append decisions to the log in one transaction (see GroupCommit)."""
        rows = [
            (
                _us(asked.asked_at),
                asked.asked_by,
                asked.asked_by_org,
                asked.subject_id,
                asked.from_org,
                asked.to_org,
                asked.purpose,
                _us(asked.at),
                asked.decision.allowed,
                asked.decision.kind.value if asked.decision.kind else None,
                str(asked.decision.basis_id) if asked.decision.basis_id else None,
                _us(asked.decision.valid_until) if asked.decision.valid_until else None,
            )
            for asked in batch
        ]
        with self.datastore.transaction(commit=True) as cursor:
            for row in rows:
                cursor.execute(self.sql(_LOG), row)

    def decisions_about(self, subject_id: str) -> list[dict[str, Any]]:
        """The decision log for one subject, oldest first (for audit)."""
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(self.sql(_DECISIONS), (subject_id,))
            rows = cursor.fetchall()
        keys = [
            "asked_at",
            "asked_by",
            "asked_by_org",
            "from_org",
            "to_org",
            "purpose",
            "at",
            "allowed",
            "kind",
            "basis_id",
        ]
        result = []
        for row in map(_values, rows):
            entry = dict(zip(keys, row, strict=True))
            entry["asked_at"] = _instant(entry["asked_at"])
            entry["at"] = _instant(entry["at"])
            entry["allowed"] = bool(entry["allowed"])
            result.append(entry)
        return result


def _values(row: Any) -> tuple[Any, ...]:
    return tuple(row.values()) if isinstance(row, dict) else tuple(row)


_NAMES = (
    "authorisation",
    "authorisation_subject",
    "authorisation_due",
    "subject_record",
    "decision_log",
    "decision_log_subject",
)


class SQLiteAuthorisationView(SQLiteTrackingRecorder, AuthorisationView):
    def sql(self, statement: str) -> str:
        return statement.format(**{name: name for name in _NAMES})


class PostgresAuthorisationView(PostgresTrackingRecorder, AuthorisationView):
    def sql(self, statement: str) -> str:
        schema = self.datastore.schema
        names = {name: f'"{schema}"."{name}"' for name in _NAMES}
        # Index names are schema-local and may not be qualified.
        names["authorisation_subject"] = "authorisation_subject"
        names["authorisation_due"] = "authorisation_due"
        names["decision_log_subject"] = "decision_log_subject"
        return statement.format(**names).replace("?", "%s")


def authorisation_view(application: Application[Any]) -> AuthorisationView:
    """The read model on the consent application's own database."""
    datastore = application.recorder.datastore  # type: ignore[attr-defined]
    view: AuthorisationView
    if isinstance(datastore, PostgresDatastore):
        view = PostgresAuthorisationView(datastore)
    elif isinstance(datastore, SQLiteDatastore):
        view = SQLiteAuthorisationView(datastore)
    else:
        msg = f"no authorisation view for {type(datastore).__name__}"
        raise TypeError(msg)
    view.create_table()
    view.create_read_model()
    return view


Operations = list[tuple[str, tuple[Any, ...]]]


class Authorisations(Projection[AuthorisationView]):
    """Consent's own domain events → authorisation intervals and the subject index."""

    name = "authorisations"

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.apply([], tracking)

    @process_event.register
    def _(self, e: Consent.Given, tracking: Tracking) -> None:
        ends_at = end_of_day(e.valid_until) if e.valid_until else None
        self.view.apply(
            [
                _open(
                    e.originator_id,
                    1,
                    e.subject_id,
                    LegalBasis.CONSENT,
                    e.purpose,
                    e.parties,
                    e.given_at,
                    ends_at,
                ),
                _record(e.subject_id, e.originator_id, "consent", e.parties),
            ],
            tracking,
        )

    @process_event.register
    def _(self, e: Consent.ScopeChanged, tracking: Tracking) -> None:
        revision = e.originator_version
        params = (revision, json.dumps(sorted(e.parties)), _us(e.changed_at), str(e.originator_id))
        self.view.apply(
            [
                (_RESCOPE, params),
                (_CLOSE_EARLIER, (_us(e.changed_at), str(e.originator_id), revision)),
            ],
            tracking,
        )

    @process_event.register
    def _(self, e: Consent.Withdrawn, tracking: Tracking) -> None:
        self.view.apply([_close(e.originator_id, e.withdrawn_at)], tracking)

    @process_event.register
    def _(self, e: Consent.Expired, tracking: Tracking) -> None:
        self.view.apply([_close(e.originator_id, e.expired_at)], tracking)

    @process_event.register
    def _(self, e: ConsentRefusal.Refused, tracking: Tracking) -> None:
        self.view.apply([_record(e.subject_id, e.originator_id, "refusal", e.parties)], tracking)

    @process_event.register
    def _(self, e: SubjectErasure.Erased, tracking: Tracking) -> None:
        self.view.apply([_record(e.subject_id, e.originator_id, "erasure", [])], tracking)

    @process_event.register
    def _(self, e: EmergencyDisclosure.Decided, tracking: Tracking) -> None:
        self.view.apply(
            [
                _open(
                    e.originator_id,
                    1,
                    e.subject_id,
                    LegalBasis.EMERGENCY_DISCLOSURE,
                    None,
                    e.parties,
                    e.decided_at,
                    e.valid_until,
                ),
                _record(e.subject_id, e.originator_id, "emergency_disclosure", e.parties),
            ],
            tracking,
        )

    @process_event.register
    def _(self, e: EmergencyDisclosure.Expired, tracking: Tracking) -> None:
        self.view.apply([_close(e.originator_id, e.expired_at)], tracking)

    @process_event.register
    def _(self, e: UnbornChildDisclosure.Decided, tracking: Tracking) -> None:
        self.view.apply(
            [
                _open(
                    e.originator_id,
                    1,
                    e.subject_id,
                    LegalBasis.OSL_26_9,
                    Purpose.INFORMATION_SHARING.value,
                    e.parties,
                    e.decided_at,
                    e.valid_until,
                ),
                _record(e.subject_id, e.originator_id, "unborn_child_disclosure", e.parties),
            ],
            tracking,
        )


def _open(
    basis_id: UUID,
    revision: int,
    subject_id: str,
    kind: LegalBasis,
    purpose: str | None,
    parties: list[str],
    starts_at: datetime,
    ends_at: datetime | None,
) -> tuple[str, tuple[Any, ...]]:
    return (
        _OPEN,
        (
            str(basis_id),
            revision,
            subject_id,
            kind.value,
            purpose,
            json.dumps(sorted(parties)),
            _us(starts_at),
            _us(ends_at) if ends_at else None,
        ),
    )


def _close(basis_id: UUID, at: datetime) -> tuple[str, tuple[Any, ...]]:
    return (_CLOSE, (_us(at), str(basis_id)))


def _record(
    subject_id: str, aggregate_id: UUID, kind: str, parties: list[str]
) -> tuple[str, tuple[Any, ...]]:
    return (_RECORD, (subject_id, str(aggregate_id), kind, json.dumps(sorted(parties))))


class Follower:
    """Keeps the read model level with the application's notification log.

    Called before every decision. When this process is the store's only
    writer (a SQLite file), it knows whether anything was saved since it last
    caught up and skips the database entirely; with a shared store
    (PostgreSQL, several replicas) it asks the database every time, so a
    withdrawal saved by another replica is effective at once here too.
    """

    def __init__(
        self, application: Application[Any], projection: Authorisations, *, shared_store: bool
    ) -> None:
        self._application = application
        self._projection = projection
        self._shared_store = shared_store
        self._lock = threading.Lock()
        self._saved_since_catch_up = True

    def saved(self) -> None:
        """The application stored something (its save listener)."""
        self._saved_since_catch_up = True

    def level_in_process(self) -> bool:
        """Whether catching up is known to be a no-op without asking the database."""
        return not (self._saved_since_catch_up or self._shared_store)

    def catch_up(self) -> None:
        if self.level_in_process():
            return
        with self._lock:
            self._saved_since_catch_up = False
            view = self._projection.view
            name = self._application.name
            head = self._application.recorder.max_notification_id() or 0
            position = view.max_tracking_id(name) or 0
            while position < head:
                notifications = self._application.recorder.select_notifications(
                    position + 1, 500, stop=head
                )
                for notification in notifications:
                    domain_event = self._application.mapper.to_domain_event(notification)
                    try:
                        self._projection.process_event(
                            domain_event, Tracking(name, notification.id)
                        )
                    except IntegrityError:
                        # Another replica projected it first: same rows, same position.
                        log.debug("notification %s already projected", notification.id)
                position = notifications[-1].id if notifications else head
