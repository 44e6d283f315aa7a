"""The store's recorders: eventsourcing's own, with two extension points as subclasses.

Two things must happen where events are inserted, and neither belongs in the
library: SQLite's one writer is shared a batch at a time (group commit,
:mod:`services.runtime.store.group_commit`), and an ``Idempotency-Key``'s claim
is marked "applied" in the very transaction that stores the command's events
(:mod:`services.runtime.http.idempotency`). Both were once made by replacing the
recorder's methods at run time, in an order that mattered; here they are one
subclass per recorder kind, chosen through eventsourcing's own
``APPLICATION_RECORDER_TOPIC``/``PROCESS_RECORDER_TOPIC`` settings
(:func:`services.runtime.store.database.store_env`), and what runs where is
visible in :class:`HookedInserts`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent, Tracking
from eventsourcing.postgres import (
    PostgresApplicationRecorder,
    PostgresProcessRecorder,
)
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteProcessRecorder
from eventsourcing.utils import get_topic, retry
from psycopg.sql import SQL, Identifier


class InsertHook(Protocol):
    """Work tied to every insert of events."""

    def in_transaction(self, cursor: Any, stored_events: Sequence[StoredEvent]) -> None:
        """Inside the inserting transaction, before the events; raise to store nothing."""

    def committed(self, stored_events: Sequence[StoredEvent]) -> None:
        """After the transaction committed."""


class WriteGroup(Protocol):
    """Runs a transaction's work together with other threads' (group commit)."""

    def run(self, work: Any, setup: Any = None) -> Any: ...


EARLIER_TRACKING = "earlier_tracking"
"""The ``insert_events`` keyword for positions recorded, in order, before the library's
own ``tracking`` in the same transaction: a batch's first positions and its other
partitions' (`batch_positions`). The library records one position per transaction."""


def batch_positions(runs: Sequence[Sequence[tuple[object, Tracking]]]) -> list[Tracking]:
    """The positions a batch of partitions' runs records, in the order to record them: each
    run's first (when it is not also its last), then its last.

    The first is what refuses an overlapping former owner of the partition: with
    one row per ``source#partition`` that only moves forward, a run whose first
    position another owner already passed cannot be recorded, however far past
    that owner's last it ends (#19, item 3).
    """
    positions: list[Tracking] = []
    for run in runs:
        first, last = run[0][1], run[-1][1]
        if first.notification_id != last.notification_id:
            positions.append(first)
        positions.append(last)
    return positions


class HookedInserts:
    """Mixin for a recorder: inserts run through an optional write group, with hooks.

    ``insert_events`` -> (the write group, or the library's own transaction)
    -> ``_insert_events`` (`EARLIER_TRACKING` positions, hooks' ``in_transaction``,
    then the library's tracking record and rows) -> commit -> hooks' ``committed``.
    """

    insert_hooks: list[InsertHook]
    write_group: WriteGroup | None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.insert_hooks = []
        self.write_group = None

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
        group = self.write_group
        if group is not None:
            result = self._insert_grouped(group, stored_events, **kwargs)
        else:
            result = super().insert_events(stored_events, **kwargs)  # type: ignore[misc]
        if stored_events:
            for hook in self.insert_hooks:
                hook.committed(stored_events)
        return result

    def _insert_grouped(
        self, group: WriteGroup, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Any:
        return group.run(lambda cursor: self._insert_events(cursor, stored_events, **kwargs))

    def _insert_events(
        self, cursor: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Any:
        earlier: Sequence[Tracking] = kwargs.pop(EARLIER_TRACKING, ())
        for tracking in earlier:  # refused (IntegrityError) unless past the recorded one
            self._insert_tracking(cursor, tracking)  # type: ignore[attr-defined]
        if stored_events:
            for hook in self.insert_hooks:
                hook.in_transaction(cursor, stored_events)
        return super()._insert_events(cursor, stored_events, **kwargs)  # type: ignore[misc]


# The libraries' own recorders call their cursor parameter `c` (SQLite) or `curs`
# (PostgreSQL); the mixin's one override takes both positionally, as they are called.


class SQLiteRecorder(HookedInserts, SQLiteApplicationRecorder):  # type: ignore[misc]
    """A service's SQLite event store."""


class SQLiteTrackedRecorder(HookedInserts, SQLiteProcessRecorder):  # type: ignore[misc]
    """A consuming service's SQLite event store, with its tracking records."""


class PostgresHookedInserts(HookedInserts):
    """Grouped inserts on PostgreSQL, in the library's order but split at the batch.

    The library's insert takes the events table's EXCLUSIVE lock and sends
    its NOTIFY in every transaction that inserts events, then inserts. In a
    grouped transaction both are the batch's set-up, run once before the
    first caller's savepoint (a lock taken inside a savepoint that is rolled
    back would be let go, and the batch's later inserts would run unlocked);
    each caller's part is the hooks, its tracking record, and the rows. The
    lock is still held until the commit, so notification ids still commit
    in order and the relay cannot pass over a gap that fills later.
    """

    lock_table_statements: list[Any]
    channel_name: str
    datastore: Any
    events_table_name: str

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._batch_setup = SQL("; ").join(
            [*self.lock_table_statements, SQL("NOTIFY {0}").format(Identifier(self.channel_name))]
        )
        self._insert_rows_statement = SQL(
            "INSERT INTO {schema}.{table} AS t (originator_id, originator_version, topic, state) "
            "SELECT * FROM unnest(%b::{id_type}[], %b::bigint[], %b::text[], %b::bytea[]) "
            "RETURNING notification_id"
        ).format(
            schema=Identifier(self.datastore.schema),
            table=Identifier(self.events_table_name),
            id_type=Identifier(self.datastore.originator_id_type),
        )

    def _insert_stored_events(
        self, cursor: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        """As the library's: the table's lock and the NOTIFY, then the rows."""
        self._lock_table(cursor)  # type: ignore[attr-defined]
        self._notify_channel(cursor)  # type: ignore[attr-defined]
        self._insert_rows(cursor, stored_events)

    def _insert_rows(self, cursor: Any, stored_events: Sequence[StoredEvent]) -> None:
        """The rows, as four arrays sent in binary, their notification ids returned in order.

        The library sends one array of a composite type, which psycopg writes as
        text, escaping every field with a regular expression: ~15 µs of CPU per
        event, against ~2-3 µs for these (bench/RESULTS.md, #24). Same rows,
        same order of ids (`tests/integration/test_postgres_rows_insert.py`).
        """
        cursor.execute(
            self._insert_rows_statement,
            (
                [s.originator_id for s in stored_events],
                [s.originator_version for s in stored_events],
                [s.topic for s in stored_events],
                [s.state for s in stored_events],
            ),
        )

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def _insert_grouped(
        self, group: WriteGroup, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Any:
        """As the library's insert, retried as it retries (a restarting database: the
        batch failed as a whole and nothing of it is committed)."""

        def write(cursor: Any) -> Any:
            self._insert_events(cursor, stored_events, **kwargs)  # hooks, tracking
            if not stored_events:
                return None
            # The rows alone: `_insert_stored_events` would lock again.
            self._insert_rows(cursor, stored_events)
            return self._fetch_ids_after_insert_events(cursor, stored_events)  # type: ignore[attr-defined]

        return group.run(write, self._batch_setup if stored_events else None)


class PostgresRecorder(PostgresHookedInserts, PostgresApplicationRecorder):  # type: ignore[misc]
    """A service's PostgreSQL event store."""


class PostgresTrackedRecorder(PostgresHookedInserts, PostgresProcessRecorder):  # type: ignore[misc]
    """A consuming service's PostgreSQL event store, with its tracking records."""


def recorder_env(persistence_module: str) -> dict[str, str]:
    """The eventsourcing settings that choose these recorders for a persistence module."""
    if persistence_module == "eventsourcing.sqlite":
        recorders: tuple[type, type] = (SQLiteRecorder, SQLiteTrackedRecorder)
    else:
        recorders = (PostgresRecorder, PostgresTrackedRecorder)
    return {
        "APPLICATION_RECORDER_TOPIC": get_topic(recorders[0]),
        "PROCESS_RECORDER_TOPIC": get_topic(recorders[1]),
    }
