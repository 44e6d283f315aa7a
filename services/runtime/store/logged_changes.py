"""A change's access records in the change's own transaction: one commit for both (#24).

A route that changes records about individuals answers only once the change
and the access records of its answer are stored (loggkontroll,
services.runtime.http.identification). Written one after the other, every
such answer waited for two commits in series, each in a batch of its own
(two waits for the store's one writer and two flushes on SQLite, two
transactions on PostgreSQL), and a crash between them kept a change whose
answer was never logged. A route that knows before it runs whom its change
is about declares the records first (`logging_with_changes`); the first
transaction that stores the change's events then appends them to the log,
under the log's lock, before the events: both are kept or neither, and the
answer waits for one commit. A change that stores no events leaves its
records to be written as before, on their own.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.persistence import StoredEvent

from services.runtime.store.audit import AccessAudit, AccessRecord
from services.runtime.store.recorders import HookedInserts

__all__ = ["PendingRecords", "RecordsWithEvents", "logging_with_changes"]


@dataclass
class PendingRecords:
    """The access records a running change declared, and whether a committed transaction
    of its events holds them yet."""

    records: list[AccessRecord]
    stored: bool = field(default=False)


_pending: ContextVar[PendingRecords | None] = ContextVar("pending_access_records", default=None)


@contextmanager
def logging_with_changes(records: list[AccessRecord]) -> Iterator[PendingRecords]:
    """Let the saves the block makes write `records` with their events; the block's
    caller writes them itself if, after the block, they are not `stored`.

    The grouped writer runs a save in a copy of the saving thread's context, so
    it sees this very object; only `committed`, in the saving thread once the
    transaction is committed, marks it stored (a part rolled back and written
    again, or a save retried after a conflict, writes the records again)."""
    pending = PendingRecords(records)
    token = _pending.set(pending)
    try:
        yield pending
    finally:
        _pending.reset(token)


class RecordsWithEvents:
    """The insert hook (services.runtime.store.recorders) that appends a change's declared
    access records in the transaction of its events, once."""

    def __init__(self, audit: AccessAudit) -> None:
        self._audit = audit

    def tie_to(self, recorder: object) -> None:
        """Hook the store's recorder; it must write to the access log's own database."""
        if not isinstance(recorder, HookedInserts):
            msg = f"the access log needs the store's own recorder, not {type(recorder).__name__}"
            raise TypeError(msg)
        if getattr(recorder, "datastore", None) is not self._audit.datastore:
            msg = "the access log and the events must be in one database to share a transaction"
            raise ValueError(msg)
        recorder.insert_hooks.append(self)

    def in_transaction(self, cursor: Any, stored_events: Sequence[StoredEvent]) -> None:
        pending = _pending.get()
        if pending is not None and not pending.stored and pending.records:
            self._audit.append_in(cursor, [(record, None) for record in pending.records])

    def committed(self, stored_events: Sequence[StoredEvent]) -> None:
        pending = _pending.get()
        if pending is not None:
            pending.stored = True
