"""Everything about one individual, listed (W-3): a read model beside each service's store.

A coordinator, a caseworker or the individual's own unit asks "what do we have
about this person?" — the red threads, matters, plans, meetings and handovers
they are party to — without knowing any of the ids. Each service keeps an
index of its own records by subject (pseudonymous subject id), with the
parties who may read each record and where it reads back; its listing route
answers a reader with the records their unit is party to, newest first, in
pages (services.runtime.http.subject_records).

A party is an organisation unit's HSA-id or a name the service resolves for
the reader at read time, as on the work lists (services.runtime.store.work_items):
a red thread is also its serving office's, addressed ``municipality:<kod>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import Application

from services.runtime.store.paging import Cursor
from services.runtime.store.read_models import Operations, SqlReadModel, sql_read_model

CURSOR_SHAPE = (int, str, str)
"""The list's sort key, newest first: created, item, kind."""


def _us(at: datetime) -> int:
    return round(at.timestamp() * 1_000_000)


def _at(us: int) -> datetime:
    return datetime.fromtimestamp(us / 1_000_000, UTC)


@dataclass(frozen=True)
class SubjectRecord:
    """One record about the individual: what it is, where it stands, where it reads back."""

    item_id: UUID
    kind: str
    state: str
    created_at: datetime
    changed_at: datetime
    href: str


@dataclass(frozen=True)
class RecordQuery:
    kinds: Sequence[str] = ()
    after: Cursor | None = None
    limit: int = 50


@dataclass(frozen=True)
class RecordPage:
    records: list[SubjectRecord]
    next: Cursor | None = None


_TABLES = [
    "CREATE TABLE IF NOT EXISTS {subject_record} ("
    "kind TEXT NOT NULL, item_id TEXT NOT NULL, subject_id TEXT NOT NULL, "
    "state TEXT NOT NULL, created_at BIGINT NOT NULL, changed_at BIGINT NOT NULL, "
    "href TEXT NOT NULL, PRIMARY KEY (kind, item_id))",
    "CREATE INDEX IF NOT EXISTS {subject_record_subject} "
    "ON {subject_record} (subject_id, created_at, item_id)",
    "CREATE TABLE IF NOT EXISTS {subject_record_party} ("
    "kind TEXT NOT NULL, item_id TEXT NOT NULL, party TEXT NOT NULL, "
    "PRIMARY KEY (kind, item_id, party))",
]

_RECORD = (
    "INSERT INTO {subject_record} (kind, item_id, subject_id, state, created_at, changed_at, "
    "href) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, item_id) DO NOTHING"
)
_PARTY = (
    "INSERT INTO {subject_record_party} (kind, item_id, party) VALUES (?, ?, ?) "
    "ON CONFLICT DO NOTHING"
)
_UNPARTY = "DELETE FROM {subject_record_party} WHERE kind = ? AND item_id = ? AND party = ?"
_STATE = "UPDATE {subject_record} SET state = ?, changed_at = ? WHERE kind = ? AND item_id = ?"


def recorded(
    subject_id: str | None,
    kind: str,
    item_id: UUID,
    *,
    parties: Sequence[str],
    state: str,
    at: datetime,
    href: str,
) -> Operations:
    """A new record about `subject_id`, readable by `parties`; nothing for a record about no
    one individual (an anonymous consultation is listed under nobody)."""
    if subject_id is None:
        return []
    key = (kind, str(item_id))
    return [
        (_RECORD, (*key, subject_id, state, _us(at), _us(at), href)),
        *joined(kind, item_id, parties),
    ]


def joined(kind: str, item_id: UUID, parties: Sequence[str]) -> Operations:
    """More parties to the record (the units summoned to a red-thread meeting)."""
    return [(_PARTY, (kind, str(item_id), party)) for party in dict.fromkeys(parties)]


def parted(kind: str, item_id: UUID, parties: Sequence[str]) -> Operations:
    """Parties that read the record no more (a unit offered a case it did not get, W-2)."""
    return [(_UNPARTY, (kind, str(item_id), party)) for party in dict.fromkeys(parties)]


def restated(kind: str, item_id: UUID, state: str, at: datetime) -> Operations:
    return [(_STATE, (state, _us(at), kind, str(item_id)))]


class SubjectRecordView(SqlReadModel):
    """The index and its one query (runtime SqlReadModel spells it per database)."""

    TABLES = _TABLES
    NAMES = ("subject_record", "subject_record_party")
    INDEXES = ("subject_record_subject",)

    def page(
        self, subject_ids: Sequence[str], parties: Sequence[str], query: RecordQuery
    ) -> RecordPage:
        """The records about the individual (under any of their subject ids) that one of
        `parties` is party to, newest first, one page."""
        if not subject_ids or not parties:
            return RecordPage([])
        marks = ", ".join("?" for _ in parties)
        clauses = [
            f"r.subject_id IN ({', '.join('?' for _ in subject_ids)})",
            "EXISTS (SELECT 1 FROM {subject_record_party} p WHERE p.kind = r.kind "  # noqa: S608
            f"AND p.item_id = r.item_id AND p.party IN ({marks}))",
        ]
        params: list[Any] = [*subject_ids, *parties]
        if query.kinds:
            clauses.append(f"r.kind IN ({', '.join('?' for _ in query.kinds)})")
            params.extend(query.kinds)
        if query.after is not None:
            clauses.append("(r.created_at, r.item_id, r.kind) < (?, ?, ?)")
            params.extend(query.after.key)
        # Only placeholders and fixed text are joined here; every value is a parameter.
        statement = (
            "SELECT r.item_id, r.kind, r.state, r.created_at, r.changed_at, r.href "  # noqa: S608
            f"FROM {{subject_record}} r WHERE {' AND '.join(clauses)} "
            "ORDER BY r.created_at DESC, r.item_id DESC, r.kind DESC LIMIT ?"
        )
        rows = self.select(statement, (*params, query.limit + 1))
        records = [
            SubjectRecord(UUID(item_id), kind, state, _at(created), _at(changed), href)
            for item_id, kind, state, created, changed, href in rows[: query.limit]
        ]
        if len(rows) <= query.limit:
            return RecordPage(records)
        last = rows[query.limit - 1]
        return RecordPage(records, Cursor((int(last[3]), last[0], last[1])))


def subject_record_view(application: Application[Any]) -> SubjectRecordView:
    """The index on the application's own database, with its own tracking table."""
    return sql_read_model(
        SubjectRecordView,  # type: ignore[type-abstract]
        application,
        tracking_table="subject_record_tracking",
    )
