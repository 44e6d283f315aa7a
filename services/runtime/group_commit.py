"""Group commit: many threads' small durable writes, one transaction between them.

An audit record must be stored before the answer it records is given, but a
transaction (and its fsync) per record caps a service at a few hundred
answers a second and makes every request queue for the store's one writer.
Here each caller hands over its record and waits; one writer thread takes
whatever has queued up and commits it in a single transaction. Under light
load a batch is one record (no added latency); under heavy load one fsync
serves many callers.
"""

from __future__ import annotations

import contextvars
import logging
import sqlite3
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any, Generic, TypeVar

from eventsourcing.persistence import DatabaseError, IntegrityError, OperationalError
from eventsourcing.sqlite import SQLiteDatastore

log = logging.getLogger(__name__)

T = TypeVar("T")


class GroupCommit(Generic[T]):
    """Durable appends, batched: `append` returns once its record is committed.

    `write_batch` writes the records in one transaction. It may return one
    outcome per record (a value, or an exception for that record alone);
    its callers' futures then complete with their own. An exception it raises
    fails the whole batch.
    """

    def __init__(
        self,
        write_batch: Callable[[list[T]], Sequence[object] | None],
        name: str,
        max_batch: int = 500,
    ) -> None:
        self._write_batch = write_batch
        self._max_batch = max_batch
        self._pending: list[tuple[T, Future[Any]]] = []
        self._ready = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=f"group-commit-{name}", daemon=True)
        self._thread.start()

    def append(self, record: T, timeout: float = 10.0) -> None:
        """Store `record`; raises what the store raised if its batch failed."""
        settle(self.submit(record), timeout)

    def submit(self, record: T) -> Future[Any]:
        """Queue `record`; the future completes when it is committed (async callers
        await it with ``asyncio.wrap_future`` instead of holding a thread)."""
        done: Future[Any] = Future()
        with self._ready:
            if self._closed:
                msg = "group commit is closed"
                raise RuntimeError(msg)
            self._pending.append((record, done))
            self._ready.notify()
        return done

    def close(self) -> None:
        with self._ready:
            self._closed = True
            self._ready.notify()
        self._thread.join(10)

    def _run(self) -> None:
        while True:
            with self._ready:
                while not self._pending and not self._closed:
                    self._ready.wait()
                if not self._pending:
                    return
                taken = self._pending[: self._max_batch]
                self._pending = self._pending[self._max_batch :]
            # A record whose caller gave up (`settle` cancelled it) is dropped here;
            # from here on a record cannot be cancelled, only waited for.
            batch = [
                (record, done) for record, done in taken if done.set_running_or_notify_cancel()
            ]
            if not batch:
                continue
            try:
                outcomes = self._write_batch([record for record, _ in batch])
            except Exception as error:  # the callers decide what a failed write means
                log.warning("group commit of %d records failed: %r", len(batch), error)
                for _, done in batch:
                    done.set_exception(error)
                continue
            for index, (_, done) in enumerate(batch):
                outcome = None if outcomes is None else outcomes[index]
                if isinstance(outcome, BaseException):
                    done.set_exception(outcome)
                else:
                    done.set_result(outcome)


def settle(done: Future[Any], timeout: float) -> Any:
    """The outcome of a queued record, or TimeoutError if it was withdrawn unwritten.

    A caller told "timed out" may retry (an idempotent retry runs the command
    again), so what timed out must never be committed later: a record still
    queued is cancelled. One whose batch is already being written cannot be
    taken back; its caller waits for the batch (the store's own lock timeout
    bounds that) and gets what really happened.
    """
    try:
        return done.result(timeout)
    except TimeoutError:
        if done.cancel():
            raise
    return done.result()


Write = Callable[[Any], Any]
"""Work for one caller inside the shared transaction: given the cursor, returns its result."""


class GroupedWrites:
    """All of a SQLite store's command writes, one transaction per batch of callers.

    SQLite has one writer. With a transaction per command, concurrent
    requests queue for it one by one (and eventsourcing's pool makes readers
    queue behind a waiting writer), so a service's write rate is one commit
    round per command. Here each caller hands its writes over; one thread
    runs whatever has queued up in a single transaction, each caller's part
    inside its own savepoint: a caller whose part breaks a constraint (a
    concurrent change to the same aggregate) gets its own `IntegrityError`
    and the others are still committed. The part runs in the caller's
    context (its idempotency claim, its trace).

    Only for SQLite: PostgreSQL takes concurrent writers as they come.
    """

    def __init__(self, datastore: SQLiteDatastore, name: str, timeout: float = 30.0) -> None:
        self._datastore = datastore
        self._timeout = timeout
        self._group: GroupCommit[tuple[contextvars.Context, Write]] = GroupCommit(
            self._write_batch, f"writes-{name}"
        )

    def run(self, write: Write) -> Any:
        """Run `write(cursor)` in a committed transaction; its result, or its error
        (TimeoutError: it was still queued after `timeout` and is not written)."""
        return settle(self._group.submit((contextvars.copy_context(), write)), self._timeout)

    def close(self) -> None:
        self._group.close()

    def _write_batch(self, batch: list[tuple[contextvars.Context, Write]]) -> list[object]:
        outcomes: list[object] = []
        with self._datastore.transaction(commit=True) as cursor:
            for context, write in batch:
                cursor.execute("SAVEPOINT caller")
                try:
                    outcomes.append(context.run(write, cursor))
                except Exception as error:  # this caller's alone: undo its part, keep the rest
                    cursor.execute("ROLLBACK TO caller")
                    outcomes.append(_as_persistence_error(error))
                finally:
                    cursor.execute("RELEASE caller")
        return outcomes


_SQLITE_ERRORS: list[tuple[type[Exception], type[Exception]]] = [
    (sqlite3.IntegrityError, IntegrityError),
    (sqlite3.OperationalError, OperationalError),
    (sqlite3.DatabaseError, DatabaseError),
]


def _as_persistence_error(error: Exception) -> Exception:
    """The error eventsourcing's own transaction would have raised for it."""
    for raw, ours in _SQLITE_ERRORS:
        if isinstance(error, raw):
            translated = ours(error)
            translated.__cause__ = error
            return translated
    return error


def group_writes(recorder: Any, name: str) -> GroupedWrites | None:
    """Route a SQLite recorder's event inserts through one `GroupedWrites`; None otherwise.

    Call before anything else wraps the recorder's `insert_events` (the
    idempotency claim wraps `_insert_events`, which this calls per caller).
    """
    datastore = getattr(recorder, "datastore", None)
    if not isinstance(datastore, SQLiteDatastore):
        return None
    writes = GroupedWrites(datastore, name)

    def insert_events(stored_events: Any, **kwargs: Any) -> Any:
        return writes.run(lambda cursor: recorder._insert_events(cursor, stored_events, **kwargs))

    recorder.insert_events = insert_events
    return writes
