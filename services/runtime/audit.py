"""Access audit ("loggkontroll"): who looked at whose personal data, when and why.

Every read of personal data writes a record with what HSLF-FS 2016:40 ch. 4
asks of access logs: who (HSA-id, organisation unit, organisation type),
whose data (subject id), what was done (read, changed, disclosed, exported,
printed), why (purpose or legal basis), where (which resource), and when.

The log is append-only and hash-chained: each record carries the hash of
the one before, so changing or deleting any record breaks the chain from
there on, and `verify` finds it. Records are written by group commit, and a
request answers only once its record is stored.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from eventsourcing.postgres import PostgresDatastore

from services.runtime.group_commit import GroupCommit

GENESIS = "0" * 64


class Action(StrEnum):
    READ = "read"
    CHANGED = "changed"
    DISCLOSED = "disclosed"
    EXPORTED = "exported"
    PRINTED = "printed"


@dataclass(frozen=True)
class AccessRecord:
    at: datetime
    actor_hsa_id: str
    actor_org_id: str
    actor_org_type: str
    subject_id: str
    action: Action
    purpose: str
    resource: str

    def canonical(self) -> str:
        fields = asdict(self)
        fields["at"] = self.at.isoformat()
        fields["action"] = self.action.value
        return json.dumps(fields, sort_keys=True, separators=(",", ":"))


def chain(previous: str, record: AccessRecord) -> str:
    """The record's hash: over the previous hash and the record's canonical form."""
    return hashlib.sha256(f"{previous}|{record.canonical()}".encode()).hexdigest()


_COLUMNS = (
    "at, actor_hsa_id, actor_org_id, actor_org_type, subject_id, action, purpose, resource, "
    "previous_hash, hash"
)


class AccessAudit:
    """The service's access log, in its own database."""

    def __init__(self, datastore: Any, service: str) -> None:
        self._datastore = datastore
        if isinstance(datastore, PostgresDatastore):
            table = f'"{datastore.schema}"."access_audit"'
            self._p = "%s"
            self._statements = [
                f"CREATE TABLE IF NOT EXISTS {table} (seq BIGSERIAL PRIMARY KEY, at TEXT NOT NULL, "
                "actor_hsa_id TEXT NOT NULL, actor_org_id TEXT NOT NULL, actor_org_type TEXT "
                "NOT NULL, subject_id TEXT NOT NULL, action TEXT NOT NULL, purpose TEXT NOT NULL, "
                "resource TEXT NOT NULL, previous_hash TEXT NOT NULL, hash TEXT NOT NULL)",
                f"CREATE INDEX IF NOT EXISTS access_audit_subject ON {table} (subject_id, seq)",
                f"CREATE INDEX IF NOT EXISTS access_audit_actor ON {table} (actor_hsa_id, seq)",
            ]
            # Replicas append to one chain: one writer at a time.
            self._lock: str | None = f"LOCK TABLE {table} IN EXCLUSIVE MODE"
        else:
            table = "access_audit"
            self._p = "?"
            self._statements = [
                "CREATE TABLE IF NOT EXISTS access_audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
                "at TEXT NOT NULL, actor_hsa_id TEXT NOT NULL, actor_org_id TEXT NOT NULL, "
                "actor_org_type TEXT NOT NULL, subject_id TEXT NOT NULL, action TEXT NOT NULL, "
                "purpose TEXT NOT NULL, resource TEXT NOT NULL, previous_hash TEXT NOT NULL, "
                "hash TEXT NOT NULL)",
                "CREATE INDEX IF NOT EXISTS access_audit_subject ON access_audit (subject_id, seq)",
                "CREATE INDEX IF NOT EXISTS access_audit_actor ON access_audit (actor_hsa_id, seq)",
            ]
            self._lock = None
        self._table = table
        with datastore.transaction(commit=True) as cursor:
            for statement in self._statements:
                cursor.execute(statement)
        self._writer: GroupCommit[AccessRecord] = GroupCommit(self._append, f"audit-{service}")

    def record(self, record: AccessRecord) -> Future[None]:
        """Queue a record; the future completes when it is stored in the chain."""
        return self._writer.submit(record)

    def close(self) -> None:
        self._writer.close()

    def _append(self, batch: list[AccessRecord]) -> None:
        p = self._p
        with self._datastore.transaction(commit=True) as cursor:
            if self._lock:
                cursor.execute(self._lock)
            cursor.execute(f"SELECT hash FROM {self._table} ORDER BY seq DESC LIMIT 1")  # noqa: S608
            row = cursor.fetchone()
            previous = _first(row) if row is not None else GENESIS
            for record in batch:
                current = chain(previous, record)
                cursor.execute(
                    f"INSERT INTO {self._table} ({_COLUMNS}) VALUES "  # noqa: S608
                    f"({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p})",
                    (
                        record.at.isoformat(),
                        record.actor_hsa_id,
                        record.actor_org_id,
                        record.actor_org_type,
                        record.subject_id,
                        record.action.value,
                        record.purpose,
                        record.resource,
                        previous,
                        current,
                    ),
                )
                previous = current

    def _rows(self, where: str = "", params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        with self._datastore.transaction(commit=False) as cursor:
            cursor.execute(
                f"SELECT seq, {_COLUMNS} FROM {self._table} {where} ORDER BY seq",  # noqa: S608
                params,
            )
            rows = cursor.fetchall()
        keys = ["seq", *(c.strip() for c in _COLUMNS.split(","))]
        return [dict(zip(keys, _values(row), strict=True)) for row in rows]

    def about_subject(self, subject_id: str) -> list[dict[str, Any]]:
        """Who looked at this individual's data (the individual's right to know)."""
        return self.query(subject_ids=[subject_id])

    def by_actor(self, hsa_id: str) -> list[dict[str, Any]]:
        """What one member of staff looked at (follow-up of access)."""
        return self.query(actor_hsa_id=hsa_id)

    def query(
        self,
        *,
        subject_ids: Sequence[str] | None = None,
        actor_hsa_id: str | None = None,
        actor_org_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[dict[str, Any]]:
        """Records matching every given filter, oldest first.

        `subject_ids` are the ids one individual may be recorded under (more than
        one after a rotation of the subject-id key); `actor_org_id` narrows a
        follow-up to the accesses one organisation unit's own staff made (a unit
        manager's loggkontroll); `since` and `until` bound the time (`until`
        exclusive). Times are compared as stored: ISO 8601 in UTC, which sorts as
        text.
        """
        p = self._p
        clauses: list[str] = []
        params: list[Any] = []
        if subject_ids is not None:
            clauses.append(f"subject_id IN ({', '.join(p for _ in subject_ids) or 'NULL'})")
            params.extend(subject_ids)
        for column, value in (
            ("actor_hsa_id", actor_hsa_id),
            ("actor_org_id", actor_org_id),
        ):
            if value is not None:
                clauses.append(f"{column} = {p}")
                params.append(value)
        if since is not None:
            clauses.append(f"at >= {p}")
            params.append(_stored_instant(since))
        if until is not None:
            clauses.append(f"at < {p}")
            params.append(_stored_instant(until))
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        return self._rows(where, tuple(params))

    def verify(self) -> int | None:
        """None when the chain is intact; else the seq of the first record that is not."""
        previous = GENESIS
        for row in self._rows():
            record = AccessRecord(
                at=datetime.fromisoformat(row["at"]),
                actor_hsa_id=row["actor_hsa_id"],
                actor_org_id=row["actor_org_id"],
                actor_org_type=row["actor_org_type"],
                subject_id=row["subject_id"],
                action=Action(row["action"]),
                purpose=row["purpose"],
                resource=row["resource"],
            )
            if row["previous_hash"] != previous or row["hash"] != chain(previous, record):
                seq: int = row["seq"]
                return seq
            previous = row["hash"]
        return None


def _stored_instant(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def _values(row: Any) -> tuple[Any, ...]:
    return tuple(row.values()) if isinstance(row, dict) else tuple(row)


def _first(row: Any) -> str:
    value: str = _values(row)[0]
    return value
