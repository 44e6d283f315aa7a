"""Access audit ("loggkontroll"): who looked at whose personal data, when and why.

Every read of personal data writes a record with what HSLF-FS 2016:40 ch. 4
asks of access logs: who (HSA-id, organisation unit, organisation type),
whose data (subject id), what was done (read, changed, disclosed, exported,
printed), why (purpose or legal basis), where (which resource), and when.

The log is append-only and chained with a keyed hash (HMAC-SHA-256 under the
audit chain key, a key the database does not hold): each record's hash
covers its sequence number, the hash of the record before and the record
itself. Whoever can write the table but lacks the key cannot change, delete
or re-hash a record without `inspect` finding it; sequence numbers run
1, 2, 3 … without gaps, so a deleted record shows even where the rest were
left alone. Only a cut tail leaves a chain that verifies on its own: the
head is therefore anchored outside the database at intervals
(services.runtime.messaging.audit_anchor), and `inspect` compares the table with the
newest anchor.

Records are written by group commit, and a request answers only once its
record is stored. A write that must be kept with its record (consent's
decision log, C-9) can ride in the record's transaction (`alongside`): one
commit, one fsync, for both, and neither is kept without the other.

Logs written before the chain was keyed (plain SHA-256, no sequence number)
are re-chained under the key by :meth:`AccessAudit.rechain_legacy`, once,
after their old chain is checked; a development store (``make run``'s var/)
is re-chained when the service starts, a production store only by the
operator (``samverkan audit rechain``), since re-chaining at start-up would
let whoever rewrote the old chain have it sealed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from services.runtime.settings import RuntimeSettings, read_or_create_secret
from services.runtime.store.group_commit import GroupCommit, GroupedWrites
from services.runtime.store.sql import row_values, sql_for

log = logging.getLogger(__name__)

GENESIS = "0" * 64
DEV_CHAIN_KEY_FILE = "dev-audit-chain-key"
_HEX_KEY = re.compile(r"[0-9a-fA-F]{64}")
_PAGE = 5_000


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

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> AccessRecord:
        """The record as a stored row holds it (the chain is checked over this)."""
        return cls(
            at=datetime.fromisoformat(row["at"]),
            actor_hsa_id=row["actor_hsa_id"],
            actor_org_id=row["actor_org_id"],
            actor_org_type=row["actor_org_type"],
            subject_id=row["subject_id"],
            action=Action(row["action"]),
            purpose=row["purpose"],
            resource=row["resource"],
        )

    def canonical(self) -> str:
        # Every field by name, as `asdict` gave them, without its deep copies (per request).
        named = {field.name: getattr(self, field.name) for field in _RECORD_FIELDS}
        named["at"] = self.at.isoformat()
        named["action"] = self.action.value
        return json.dumps(named, sort_keys=True, separators=(",", ":"))


_RECORD_FIELDS = fields(AccessRecord)

Alongside = Callable[[Any], None]
"""A write kept with an access record: called with the cursor of the record's own
transaction, on the access log's database (the service's store)."""


@dataclass(frozen=True)
class Head:
    """The last record of a log: its seq and hash, and how many records lead up to it.

    What an anchor holds: a table that no longer has `seq` with `hash`, or has
    fewer records, was rewritten or cut after the head was anchored.
    """

    seq: int
    hash: str
    count: int


@dataclass(frozen=True)
class Break:
    """Where a log stops being what was written, and how it shows."""

    seq: int
    reason: str


class LegacyChainBroken(Exception):
    """An unkeyed log whose own chain does not hold: it is not re-chained (that would seal
    the change), and stays reported as broken."""

    def __init__(self, seq: int) -> None:
        super().__init__(
            f"record {seq} verifies neither under the audit chain key nor in the unkeyed chain "
            "the log had before; it is not re-chained"
        )
        self.seq = seq


def chain_key(settings: RuntimeSettings) -> bytes:
    """The audit chain key (32 bytes) from ``SAMVERKAN_AUDIT_CHAIN_KEY`` (64 hex characters).

    Unset, a development key is created under var_dir, beside the store, which
    protects nothing against whoever holds var/: outside development a service
    refuses to start without the setting (services.runtime.ops.production_safety.unsafe_settings,
    checked by serve), and the operator CLI refuses to use a development key.
    """
    if settings.audit_chain_key is not None:
        value = settings.audit_chain_key.get_secret_value().strip()
        if not _HEX_KEY.fullmatch(value):
            raise ValueError("SAMVERKAN_AUDIT_CHAIN_KEY must be 64 hex characters (32 bytes)")
        return bytes.fromhex(value)
    return bytes.fromhex(read_or_create_secret(settings.var_dir / DEV_CHAIN_KEY_FILE).decode())


def chain(key: bytes, seq: int, previous: str, record: AccessRecord) -> str:
    """The record's hash: an HMAC under the chain key over its seq, the previous hash and
    the record's canonical form (the seq inside, so records cannot be renumbered)."""
    message = f"{seq}|{previous}|{record.canonical()}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def unkeyed_chain(previous: str, record: AccessRecord) -> str:
    """The hash the log used before it was keyed; only to check a legacy log before it is
    re-chained."""
    return hashlib.sha256(f"{previous}|{record.canonical()}".encode()).hexdigest()


_COLUMNS = (
    "at, actor_hsa_id, actor_org_id, actor_org_type, subject_id, action, purpose, resource, "
    "previous_hash, hash"
)
_KEYS = ("seq", *(c.strip() for c in _COLUMNS.split(",")))
_CREATE = (
    "CREATE TABLE IF NOT EXISTS {access_audit} (seq {serial_key}, at TEXT NOT NULL, "
    "actor_hsa_id TEXT NOT NULL, actor_org_id TEXT NOT NULL, actor_org_type TEXT NOT NULL, "
    "subject_id TEXT NOT NULL, action TEXT NOT NULL, purpose TEXT NOT NULL, "
    "resource TEXT NOT NULL, previous_hash TEXT NOT NULL, hash TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS access_audit_subject ON {access_audit} (subject_id, seq)",
    "CREATE INDEX IF NOT EXISTS access_audit_actor ON {access_audit} (actor_hsa_id, seq)",
)
_LAST = "SELECT seq, hash FROM {access_audit} ORDER BY seq DESC LIMIT 1"


class AccessAudit:
    """The service's access log, in its own database, chained under `key`."""

    def __init__(
        self,
        datastore: Any,
        service: str,
        key: bytes,
        *,
        rechain_legacy: bool = False,
        writes: GroupedWrites | None = None,
    ) -> None:
        self._datastore = datastore
        self._writes = writes
        self._key = key
        self.service = service
        self._sql = sql_for(datastore)
        # Replicas append to one chain: one writer at a time.
        self._lock = self._sql.lock(["access_audit"], "EXCLUSIVE")
        with datastore.transaction(commit=True) as cursor:
            for statement in _CREATE:
                cursor.execute(self._spell(statement))
        if rechain_legacy:
            try:
                count = self.rechain_legacy()
            except LegacyChainBroken as error:
                log.error("access log of %s: %s", service, error)
            else:
                if count:
                    log.warning(
                        "access log of %s: %d records of the unkeyed chain re-chained under "
                        "the audit chain key",
                        service,
                        count,
                    )
        self._writer: GroupCommit[tuple[AccessRecord, Alongside | None]] | None = (
            None if writes is not None else GroupCommit(self._append, f"audit-{service}")
        )

    @property
    def datastore(self) -> Any:
        """The database the log is kept in (where an `alongside` write lands)."""
        return self._datastore

    def _spell(self, statement: str) -> str:
        return self._sql.spell(statement, "access_audit", columns=_COLUMNS)

    def record(self, record: AccessRecord, alongside: Alongside | None = None) -> Future[None]:
        """Queue a record; the future completes when it is stored in the chain, with what
        `alongside` writes in the same transaction (if either fails, neither is kept).

        With the store's grouped writes (`writes`, SQLite) a record is one part of
        the commands' batches: one writer and one commit for a command's events
        and the access record its answer waits for, instead of two writers taking
        turns at SQLite's one write lock, each with a commit of its own (#24)."""
        if self._writes is not None:
            batch = [(record, alongside)]
            return self._writes.submit(lambda cursor: self.append_in(cursor, batch))
        assert self._writer is not None  # one of the two is always made
        return self._writer.submit((record, alongside))

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()

    def _append(self, batch: list[tuple[AccessRecord, Alongside | None]]) -> None:
        with self._datastore.transaction(commit=True) as cursor:
            self.append_in(cursor, batch)

    def append_in(self, cursor: Any, batch: list[tuple[AccessRecord, Alongside | None]]) -> None:
        """Append under the writer's lock, numbering the records itself: the database's own
        counter skips a number on a rolled-back insert, and a gap must mean a deletion."""
        if self._lock:
            cursor.execute(self._lock)
        cursor.execute(self._spell(_LAST))
        row = cursor.fetchone()
        seq, previous = (int(row_values(row)[0]), row_values(row)[1]) if row else (0, GENESIS)
        for record, _ in batch:
            seq += 1
            current = chain(self._key, seq, previous, record)
            cursor.execute(
                self._spell(
                    "INSERT INTO {access_audit} (seq, {columns}) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                ),
                (
                    seq,
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
        for _, alongside in batch:
            if alongside is not None:
                alongside(cursor)

    def _rows(
        self, where: str = "", params: tuple[Any, ...] = (), limit: str = ""
    ) -> list[dict[str, Any]]:
        with self._datastore.transaction(commit=False) as cursor:
            cursor.execute(
                # `where` and `limit` are this class's own, with parameters as `?`.
                self._spell(
                    " ".join(
                        ("SELECT seq, {columns} FROM {access_audit}", where, "ORDER BY seq", limit)
                    )
                ),
                params,
            )
            rows = cursor.fetchall()
        return [_record(row) for row in rows]

    def _all_rows(self) -> Iterator[dict[str, Any]]:
        """Every row in seq order, a page at a time (a log of years does not fit in memory)."""
        after = -1
        while True:
            page = self._rows("WHERE seq > ?", (after,), f"LIMIT {_PAGE}")
            yield from page
            if len(page) < _PAGE:
                return
            after = page[-1]["seq"]

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
        actor_organisation: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[dict[str, Any]]:
        """Records matching every given filter, oldest first.

        `subject_ids` are the ids one individual may be recorded under (more than
        one after a rotation of the subject-id key); `actor_org_id` narrows a
        follow-up to the accesses one organisation unit's own staff made (a unit
        manager's loggkontroll), `actor_organisation` to those of one
        organisation's staff, by the HSA-id part before the ``-`` of their unit
        (an administrator's; services.runtime.http.permissions.organisation_of); `since`
        and `until` bound the time (`until` exclusive). Times are compared as
        stored: ISO 8601 in UTC, which sorts as text.
        """
        clauses: list[str] = []
        params: list[Any] = []
        if subject_ids is not None:
            clauses.append(f"subject_id IN ({', '.join('?' for _ in subject_ids) or 'NULL'})")
            params.extend(subject_ids)
        for column, value in (
            ("actor_hsa_id", actor_hsa_id),
            ("actor_org_id", actor_org_id),
        ):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        if actor_organisation is not None:
            # A prefix compared as text, not LIKE: no wildcard in an id can widen it.
            prefix = f"{actor_organisation}-"
            clauses.append("substr(actor_org_id, 1, length(?)) = ?")
            params.extend((prefix, prefix))
        if since is not None:
            clauses.append("at >= ?")
            params.append(_stored_instant(since))
        if until is not None:
            clauses.append("at < ?")
            params.append(_stored_instant(until))
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        return self._rows(where, tuple(params))

    def head(self) -> Head | None:
        """The last record and the number of records (None for an empty log): what is
        anchored."""
        with self._datastore.transaction(commit=False) as cursor:
            cursor.execute(self._spell(_LAST))
            row = cursor.fetchone()
            if row is None:
                return None
            cursor.execute(self._spell("SELECT COUNT(*) FROM {access_audit}"))
            count = row_values(cursor.fetchone())[0]
        seq, digest = row_values(row)
        return Head(seq=int(seq), hash=digest, count=int(count))

    def holds(self, anchored: Head) -> bool:
        """Whether the table still has the anchored record with its hash, and as many
        records up to it."""
        with self._datastore.transaction(commit=False) as cursor:
            cursor.execute(
                self._spell("SELECT hash FROM {access_audit} WHERE seq = ?"), (anchored.seq,)
            )
            row = cursor.fetchone()
            cursor.execute(
                self._spell("SELECT COUNT(*) FROM {access_audit} WHERE seq <= ?"), (anchored.seq,)
            )
            count = row_values(cursor.fetchone())[0]
        return row is not None and row_values(row)[0] == anchored.hash and count == anchored.count

    def inspect(self, anchored: Head | None = None) -> Break | None:
        """None when the log is intact (and holds `anchored`, if given); else the first
        record that is not, and how it shows.

        Checks, record by record: the sequence runs on without a gap (a deletion);
        each record names the hash before it and has the keyed hash of itself
        (a change, or a re-hash without the key); the anchored record has the
        anchored hash (a rewrite after anchoring). Then: the log reaches the
        anchored record (a cut tail).
        """
        expected = 1
        previous = GENESIS
        for row in self._all_rows():
            seq: int = int(row["seq"])
            if seq != expected:
                return Break(expected, f"record {expected} is missing: the sequence jumps to {seq}")
            if row["previous_hash"] != previous or row["hash"] != chain(
                self._key, seq, previous, AccessRecord.from_row(row)
            ):
                return Break(
                    seq,
                    f"record {seq}'s hash does not verify under the audit chain key: it was "
                    "changed or re-hashed, or a record before it was deleted",
                )
            if anchored is not None and seq == anchored.seq and row["hash"] != anchored.hash:
                return Break(
                    seq,
                    f"record {seq} does not hold the hash anchored for it: the log was rewritten "
                    "after it was anchored",
                )
            previous = row["hash"]
            expected += 1
        last = expected - 1
        if anchored is not None and last < anchored.seq:
            return Break(
                last + 1,
                f"the log was truncated: it ends at record {last}, but record {anchored.seq} "
                f"({anchored.count} records) was anchored",
            )
        return None

    def verify(self) -> int | None:
        """None when the chain is intact; else the seq of the first record that is not
        (the table alone: services.runtime.messaging.audit_anchor adds the anchor)."""
        broken = self.inspect()
        return None if broken is None else broken.seq

    def rechain_legacy(self) -> int:
        """Re-chain a log written with the unkeyed hash under the key, once; how many records
        were re-chained (0 when the log is empty or already keyed).

        The old chain is checked first and the log is left as it is when it does
        not hold (:class:`LegacyChainBroken`). Gaps the database's counter left
        are closed, so the keyed log's sequence runs on from 1.
        """
        with self._datastore.transaction(commit=True) as cursor:
            if self._lock:
                cursor.execute(self._lock)
            cursor.execute(self._spell("SELECT seq, {columns} FROM {access_audit} ORDER BY seq"))
            rows = [_record(row) for row in cursor.fetchall()]
            if not rows or _keyed(self._key, rows[0]):
                return 0
            previous = GENESIS
            for row in rows:
                if row["previous_hash"] != previous or row["hash"] != unkeyed_chain(
                    previous, AccessRecord.from_row(row)
                ):
                    raise LegacyChainBroken(int(row["seq"]))
                previous = row["hash"]
            previous = GENESIS
            for seq, row in enumerate(rows, start=1):
                current = chain(self._key, seq, previous, AccessRecord.from_row(row))
                # Ascending, each to a number no larger than its own: never onto a taken one.
                cursor.execute(
                    self._spell(
                        "UPDATE {access_audit} SET seq = ?, previous_hash = ?, hash = ? "
                        "WHERE seq = ?"
                    ),
                    (seq, previous, current, row["seq"]),
                )
                previous = current
        return len(rows)


def _keyed(key: bytes, first: dict[str, Any]) -> bool:
    return bool(
        int(first["seq"]) == 1
        and first["previous_hash"] == GENESIS
        and first["hash"] == chain(key, 1, GENESIS, AccessRecord.from_row(first))
    )


def _stored_instant(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def _record(row: Any) -> dict[str, Any]:
    """A row of ``seq, {columns}`` by column name."""
    return dict(zip(_KEYS, row_values(row), strict=True))
