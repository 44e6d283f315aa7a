"""Work lists (W-1): what waits for whom, as a read model beside each service's store.

Work finds its people: a coordination office learns of a new red thread, a
receiving unit of a handover to acknowledge, a deputy unit manager of an
acute matter, without anyone phoning an id across. Each service answers for
its own objects: its projection turns its own domain events into *work items*
here, one row per item and addressee, and its work-list route reads them back
for the caller (services.runtime.http.work_list).

An item is addressed to an **addressee** — an organisation unit's HSA-id, or
a name the service resolves at read time (escalation addresses a new red
thread to ``municipality:0180``, and a coordinator sees what is addressed to
the municipalities their office serves *now*, so re-drawing the offices
re-addresses nothing stored) — and optionally to one **role** there (the
deputy unit manager, the coordinator); without a role, anyone at the unit
sees it.

A work item has a **deadline** (the first instant it is missed) or none, and
is **overdue** once the deadline has passed or the service raised it so; an
item that is only actionable until some instant (registering cases before a
monthly meeting's cutoff) **expires** then and drops out of the list.

The list is read nearest deadline first (the overdue, then the soonest;
items without one after, oldest first), in pages: a page ends with an opaque
cursor, the position after its last row, so paging stays stable while items
come and go (keyset paging, never offsets).
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

NEVER = 2**62
"""A deadline or expiry that never comes: sorts after any instant the services will see."""


def _us(at: datetime | None) -> int:
    return NEVER if at is None else round(at.timestamp() * 1_000_000)


def _at(us: int) -> datetime | None:
    return None if us >= NEVER else datetime.fromtimestamp(us / 1_000_000, UTC)


@dataclass(frozen=True)
class WorkItem:
    """One thing that waits for one addressee (W-1)."""

    item_id: UUID
    """The object to act on (a red thread, an acute matter, a handover…)."""
    kind: str
    """What is to be done, one of the service's work kinds."""
    addressee: str
    role: str | None
    """The role at the addressee that acts; None: anyone at the unit."""
    state: str
    """Where the object stands, in the kind's own words (``new``, ``taken``, ``booked``…)."""
    due_at: datetime | None
    """The first instant the item is missed, if it has a deadline."""
    overdue: bool
    """Raised overdue by the service; `is_overdue` also counts a passed deadline."""
    since: datetime
    """When the item came to the list or last changed state."""
    subject_id: str | None
    """The individual it is about (pseudonymous), if any: its read is access-logged."""
    href: str
    """Where the object reads back (W-3)."""

    def is_overdue(self, now: datetime) -> bool:
        return self.overdue or (self.due_at is not None and self.due_at <= now)


@dataclass(frozen=True)
class WorkQuery:
    """Which of the caller's items, from where: the work-list route's query."""

    kinds: Sequence[str] = ()
    """Only these kinds (none: all)."""
    states: Sequence[str] = ()
    overdue: bool | None = None
    """True: only overdue items; False: only those not overdue; None: both."""
    after: Cursor | None = None
    limit: int = 50


CURSOR_SHAPE = (int, int, str, str, str)
"""The list's sort key: deadline, since, item, kind, addressee."""


@dataclass(frozen=True)
class WorkPage:
    items: list[WorkItem]
    next: Cursor | None = None
    """Where the next page starts; None on the last page."""


@dataclass(frozen=True)
class Addressed:
    """Who an item is for: `addressees` (units, or names the service resolves) and the role
    there that acts (None: anyone at the unit)."""

    addressees: Sequence[str]
    role: str | None = None


@dataclass(frozen=True)
class Reader:
    """Who reads: the names items can be addressed to that reach them, and their role."""

    addressees: Sequence[str]
    role: str


_TABLES = [
    "CREATE TABLE IF NOT EXISTS {work_item} ("
    "item_id TEXT NOT NULL, kind TEXT NOT NULL, addressee TEXT NOT NULL, "
    "role TEXT NOT NULL, state TEXT NOT NULL, due_at BIGINT NOT NULL, "
    "expires_at BIGINT NOT NULL, overdue INTEGER NOT NULL, since BIGINT NOT NULL, "
    "subject_id TEXT, href TEXT NOT NULL, PRIMARY KEY (item_id, kind, addressee))",
    "CREATE INDEX IF NOT EXISTS {work_item_list} "
    "ON {work_item} (addressee, due_at, since, item_id, kind)",
    "CREATE INDEX IF NOT EXISTS {work_item_subject} ON {work_item} (subject_id)",
]

_COLUMNS = "item_id, kind, addressee, role, state, due_at, overdue, since, subject_id, href"
_INSERT = (
    "INSERT INTO {work_item} (item_id, kind, addressee, role, state, due_at, expires_at, "
    "overdue, since, subject_id, href) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)"
)
_FORGET = "DELETE FROM {work_item} WHERE item_id = ? AND kind = ?"
_FORGET_ALL = "DELETE FROM {work_item} WHERE item_id = ?"
_STATE = "UPDATE {work_item} SET state = ?, since = ? WHERE item_id = ? AND kind = ?"
_STATE_DUE = (
    "UPDATE {work_item} SET state = ?, since = ?, due_at = ?, overdue = 0 "
    "WHERE item_id = ? AND kind = ?"
)
_ROLE = "UPDATE {work_item} SET role = ?, state = ?, since = ? WHERE item_id = ? AND kind = ?"
_OVERDUE = "UPDATE {work_item} SET overdue = 1 WHERE item_id = ? AND kind = ?"
_NOT_OVERDUE = "UPDATE {work_item} SET overdue = 0 WHERE item_id = ? AND kind = ?"
_SUCCEED = (
    "INSERT INTO {work_item} (item_id, kind, addressee, role, state, due_at, expires_at, "
    "overdue, since, subject_id, href) "
    "SELECT item_id, ?, addressee, role, ?, ?, expires_at, 0, ?, subject_id, href "
    "FROM {work_item} WHERE item_id = ? AND kind = ?"
)
_READDRESS = (
    "INSERT INTO {work_item} (item_id, kind, addressee, role, state, due_at, expires_at, "
    "overdue, since, subject_id, href) "
    "SELECT item_id, kind, ?, ?, state, due_at, expires_at, overdue, since, subject_id, href "
    "FROM {work_item} WHERE item_id = ? AND kind = ? AND addressee <> ? "
    "ORDER BY addressee LIMIT 1 ON CONFLICT DO NOTHING"
)
_FORGET_OTHERS = "DELETE FROM {work_item} WHERE item_id = ? AND kind = ? AND addressee <> ?"
_FORGET_SUBJECT = "DELETE FROM {work_item} WHERE subject_id = ?"
_FORGET_SUBJECT_AT = "DELETE FROM {work_item} WHERE subject_id = ? AND kind = ? AND addressee = ?"


def opened(
    item_id: UUID,
    kind: str,
    to: Addressed,
    *,
    state: str,
    since: datetime,
    href: str,
    subject_id: str | None = None,
    due_at: datetime | None = None,
    expires_at: datetime | None = None,
) -> Operations:
    """The item on the lists of `to` (again, if it was there: replaced, overdue cleared)."""
    key = (str(item_id), kind)
    rows: Operations = [(_FORGET, key)]
    for addressee in dict.fromkeys(to.addressees):
        rows.append(
            (
                _INSERT,
                (
                    *key,
                    addressee,
                    to.role or "",
                    state,
                    _us(due_at),
                    _us(expires_at),
                    _us(since),
                    subject_id,
                    href,
                ),
            )
        )
    return rows


def moved_on(item_id: UUID, kind: str, state: str, since: datetime) -> Operations:
    """The item in a new state, its deadline as it was."""
    return [(_STATE, (state, _us(since), str(item_id), kind))]


def with_role(
    item_id: UUID, kind: str, role: str | None, state: str, since: datetime
) -> Operations:
    """The item, on the same lists, now for `role` there (a matter one step up the ladder)."""
    return [(_ROLE, (role or "", state, _us(since), str(item_id), kind))]


def due_anew(
    item_id: UUID, kind: str, state: str, since: datetime, due_at: datetime | None
) -> Operations:
    """The item in a new state with a new deadline (None: none), no longer raised overdue."""
    return [(_STATE_DUE, (state, _us(since), _us(due_at), str(item_id), kind))]


def succeeded_by(
    item_id: UUID,
    kind: str,
    next_kind: str,
    *,
    state: str,
    since: datetime,
    due_at: datetime | None = None,
) -> Operations:
    """`kind` done and `next_kind` on the same lists, for the same people: the next step of
    the same work (the meeting held, its follow-up to book)."""
    key = (str(item_id), kind)
    return [
        (_FORGET, (str(item_id), next_kind)),
        (_SUCCEED, (next_kind, state, _us(due_at), _us(since), *key)),
        (_FORGET, key),
    ]


def readdressed(item_id: UUID, kind: str, to: str, role: str | None) -> Operations:
    """The item on one list only, `to`'s, as it stands (a red thread taken by an office)."""
    key = (str(item_id), kind)
    return [
        (_READDRESS, (to, role or "", *key, to)),
        (_FORGET_OTHERS, (*key, to)),
    ]


def raised_overdue(item_id: UUID, kind: str) -> Operations:
    return [(_OVERDUE, (str(item_id), kind))]


def overdue_lifted(item_id: UUID, kind: str) -> Operations:
    """No longer raised overdue, its deadline as it was (what was missed was moved on)."""
    return [(_NOT_OVERDUE, (str(item_id), kind))]


def done(item_id: UUID, *kinds: str) -> Operations:
    """Off every list: the kinds given, or (none given) everything about the object."""
    if not kinds:
        return [(_FORGET_ALL, (str(item_id),))]
    return [(_FORGET, (str(item_id), kind)) for kind in kinds]


def done_about(subject_id: str, kind: str, addressees: Sequence[str]) -> Operations:
    """Off the lists of `addressees`: every item of `kind` about the individual (what was
    waited for happened, whichever item it was waited for on)."""
    return [(_FORGET_SUBJECT_AT, (subject_id, kind, a)) for a in dict.fromkeys(addressees)]


def forgotten(subject_id: str) -> Operations:
    """Off every list: everything about the individual (erased: no list names them)."""
    return [(_FORGET_SUBJECT, (subject_id,))]


class WorkListView(SqlReadModel):
    """The work-item table and its one query (runtime SqlReadModel spells it per database)."""

    TABLES = _TABLES
    NAMES = ("work_item",)
    INDEXES = ("work_item_list", "work_item_subject")

    def page(self, reader: Reader, query: WorkQuery, now: datetime) -> WorkPage:
        """The reader's items matching `query`, nearest deadline first, one page."""
        if not reader.addressees:
            return WorkPage([])
        now_us = _us(now)
        clauses = [
            f"addressee IN ({', '.join('?' for _ in reader.addressees)})",
            "(role = '' OR role = ?)",
            "expires_at > ?",
        ]
        params: list[Any] = [*reader.addressees, reader.role, now_us]
        for column, wanted in (("kind", query.kinds), ("state", query.states)):
            if wanted:
                clauses.append(f"{column} IN ({', '.join('?' for _ in wanted)})")
                params.extend(wanted)
        if query.overdue is not None:
            overdue = "(overdue = 1 OR due_at <= ?)"
            clauses.append(overdue if query.overdue else f"NOT {overdue}")
            params.append(now_us)
        if query.after is not None:
            clauses.append("(due_at, since, item_id, kind, addressee) > (?, ?, ?, ?, ?)")
            params.extend(query.after.key)
        # Only placeholders and fixed text are joined here; every value is a parameter.
        statement = (
            f"SELECT {_COLUMNS} FROM {{work_item}} WHERE {' AND '.join(clauses)} "  # noqa: S608
            "ORDER BY due_at, since, item_id, kind, addressee LIMIT ?"
        )
        rows = self.select(statement, (*params, query.limit + 1))
        items = [_item(row) for row in rows[: query.limit]]
        if len(rows) <= query.limit:
            return WorkPage(items)
        last = rows[query.limit - 1]
        return WorkPage(items, Cursor((int(last[5]), int(last[7]), last[0], last[1], last[2])))

    def due(self, kinds: Sequence[str], now: datetime) -> list[UUID]:
        """The objects with an item of `kinds` whose deadline has passed by `now` and that
        the service has not raised overdue yet: what its clock-driven check looks at."""
        if not kinds:
            return []
        statement = (
            "SELECT DISTINCT item_id FROM {work_item} "  # noqa: S608 (placeholders only)
            f"WHERE kind IN ({', '.join('?' for _ in kinds)}) AND overdue = 0 AND due_at <= ? "
            "ORDER BY item_id"
        )
        return [UUID(row[0]) for row in self.select(statement, (*kinds, _us(now)))]


def _item(row: tuple[Any, ...]) -> WorkItem:
    item_id, kind, addressee, role, state, due_at, overdue, since, subject_id, href = row
    since_at = _at(since)
    assert since_at is not None
    return WorkItem(
        item_id=UUID(item_id),
        kind=kind,
        addressee=addressee,
        role=role or None,
        state=state,
        due_at=_at(due_at),
        overdue=bool(overdue),
        since=since_at,
        subject_id=subject_id,
        href=href,
    )


def work_list_view(application: Application[Any]) -> WorkListView:
    """The work-item table on the application's own database, with its own tracking table."""
    return sql_read_model(
        WorkListView,  # type: ignore[type-abstract]
        application,
        tracking_table="work_item_tracking",
    )
