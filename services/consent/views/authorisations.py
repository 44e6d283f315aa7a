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
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

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
from services.runtime.store.read_models import SqlReadModel, instant, micros, sql_read_model

EXPIRING_KINDS = (LegalBasis.CONSENT, LegalBasis.EMERGENCY_DISCLOSURE)
"""Kinds whose end is an event of its own (ConsentExpired, EmergencyDisclosureExpired)."""


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


class AuthorisationView(SqlReadModel):
    """The read model's queries and updates (runtime SqlReadModel spells them per database)."""

    TABLES = _TABLES
    NAMES = ("authorisation", "subject_record", "decision_log")
    INDEXES = ("authorisation_subject", "authorisation_due", "decision_log_subject")

    def authorisations_of(self, subject_id: str) -> list[Authorisation]:
        rows = self.select(_OF_SUBJECT, (subject_id,))
        result = []
        for kind, basis_id, purpose, parties, starts_at, ends_at, closed_at in rows:
            end = min((t for t in (ends_at, closed_at) if t is not None), default=None)
            starts = instant(starts_at)
            assert starts is not None
            result.append(
                Authorisation(
                    kind=LegalBasis(kind),
                    basis_id=UUID(basis_id),
                    purpose=purpose,
                    parties=frozenset(json.loads(parties)),
                    starts_at=starts,
                    ends_at=instant(end),
                )
            )
        return result

    def due_for_expiry(self, now: datetime) -> list[tuple[LegalBasis, UUID]]:
        rows = self.select(_DUE, (micros(now), *(k.value for k in EXPIRING_KINDS)))
        return [(LegalBasis(kind), UUID(basis_id)) for kind, basis_id in rows]

    def records_of(self, subject_id: str) -> list[tuple[UUID, str, list[str]]]:
        """Every consent, refusal and disclosure about the subject, with its parties."""
        rows = self.select(_RECORDS, (subject_id,))
        return [(UUID(a), kind, json.loads(parties)) for a, kind, parties in rows]

    def log_decisions(self, batch: list[AskedDecision]) -> None:
        """Append decisions to the log in one transaction (see GroupCommit)."""
        with self.datastore.transaction(commit=True) as cursor:
            self.write_decisions(cursor, batch)

    def write_decisions(self, cursor: Any, batch: list[AskedDecision]) -> None:
        """Append decisions to the log in the transaction of `cursor` (on this view's
        database): with the access record of the request that asked, in one commit."""
        rows = [
            (
                micros(asked.asked_at),
                asked.asked_by,
                asked.asked_by_org,
                asked.subject_id,
                asked.from_org,
                asked.to_org,
                asked.purpose,
                micros(asked.at),
                asked.decision.allowed,
                asked.decision.kind.value if asked.decision.kind else None,
                str(asked.decision.basis_id) if asked.decision.basis_id else None,
                micros(asked.decision.valid_until) if asked.decision.valid_until else None,
            )
            for asked in batch
        ]
        cursor.executemany(self.sql(_LOG), rows)

    def decisions_about(self, subject_id: str) -> list[dict[str, Any]]:
        """The decision log for one subject, oldest first (for audit)."""
        rows = self.select(_DECISIONS, (subject_id,))
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
        for row in rows:
            entry = dict(zip(keys, row, strict=True))
            entry["asked_at"] = instant(entry["asked_at"])
            entry["at"] = instant(entry["at"])
            entry["allowed"] = bool(entry["allowed"])
            result.append(entry)
        return result


def authorisation_view(application: Application[Any]) -> AuthorisationView:
    """The read model on the consent application's own database."""
    return sql_read_model(AuthorisationView, application)  # type: ignore[type-abstract]


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
        params = (
            revision,
            json.dumps(sorted(e.parties)),
            micros(e.changed_at),
            str(e.originator_id),
        )
        self.view.apply(
            [
                (_RESCOPE, params),
                (_CLOSE_EARLIER, (micros(e.changed_at), str(e.originator_id), revision)),
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
        statements = _disclosed(e, LegalBasis.EMERGENCY_DISCLOSURE, None, "emergency_disclosure")
        self.view.apply(statements, tracking)

    @process_event.register
    def _(self, e: EmergencyDisclosure.Expired, tracking: Tracking) -> None:
        self.view.apply([_close(e.originator_id, e.expired_at)], tracking)

    @process_event.register
    def _(self, e: UnbornChildDisclosure.Decided, tracking: Tracking) -> None:
        purpose = Purpose.INFORMATION_SHARING.value
        statements = _disclosed(e, LegalBasis.OSL_26_9, purpose, "unborn_child_disclosure")
        self.view.apply(statements, tracking)


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
            micros(starts_at),
            micros(ends_at) if ends_at else None,
        ),
    )


def _disclosed(
    e: EmergencyDisclosure.Decided | UnbornChildDisclosure.Decided,
    kind: LegalBasis,
    purpose: str | None,
    record: str,
) -> list[tuple[str, tuple[Any, ...]]]:
    """A disclosure opens its basis for its parties until its end, and is a record (C-10)."""
    return [
        _open(
            e.originator_id, 1, e.subject_id, kind, purpose, e.parties, e.decided_at, e.valid_until
        ),
        _record(e.subject_id, e.originator_id, record, e.parties),
    ]


def _close(basis_id: UUID, at: datetime) -> tuple[str, tuple[Any, ...]]:
    return (_CLOSE, (micros(at), str(basis_id)))


def _record(
    subject_id: str, aggregate_id: UUID, kind: str, parties: list[str]
) -> tuple[str, tuple[Any, ...]]:
    return (_RECORD, (subject_id, str(aggregate_id), kind, json.dumps(sorted(parties))))
