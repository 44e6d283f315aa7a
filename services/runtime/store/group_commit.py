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

import asyncio
import contextvars
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, InvalidStateError
from contextlib import contextmanager, suppress
from typing import Any, Generic, TypeVar, cast

import psycopg
from eventsourcing.persistence import (
    DatabaseError,
    DataError,
    IntegrityError,
    InterfaceError,
    OperationalError,
)
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteDatastore
from psycopg import sql

from services.runtime.store.recorders import HookedInserts

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
        self._name = name
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
            if self._closed or not self._thread.is_alive():
                # Queued with no writer, it would wait forever (and its caller with it).
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
        """Batch after batch until closed and drained.

        Nothing a batch does may end this loop: with the thread gone, every
        later record would wait forever, and so would every request that must
        log before it answers. Whatever escapes a batch fails that batch's
        callers and is logged; the next batch is written.
        """
        while (taken := self._take()) is not None:
            try:
                self._commit(taken)
            except BaseException as error:  # see above: the writer must outlive it
                log.exception("group commit %s: a batch broke the writer; going on", self._name)
                failure = _for_callers(error)
                for _, done in taken:
                    if done.running():
                        _complete(done, failure)

    def _take(self) -> list[tuple[T, Future[Any]]] | None:
        """The next batch, waiting for one; None once closed and nothing is left."""
        with self._ready:
            while not self._pending and not self._closed:
                self._ready.wait()
            if not self._pending:
                return None
            taken = self._pending[: self._max_batch]
            self._pending = self._pending[self._max_batch :]
            return taken

    def _commit(self, taken: list[tuple[T, Future[Any]]]) -> None:
        # A record whose caller gave up (`settle` cancelled it, or the request task
        # awaiting it through `asyncio.wrap_future` was cancelled) is dropped here;
        # from here on a record cannot be cancelled, only waited for.
        batch = [(record, done) for record, done in taken if _start(done)]
        if not batch:
            return
        try:
            outcomes = self._write_batch([record for record, _ in batch])
        except BaseException as error:  # the callers decide what a failed write means
            log.warning("group commit of %d records failed: %r", len(batch), error)
            failure = _for_callers(error)
            for _, done in batch:
                _complete(done, failure)
            return
        if outcomes is not None and len(outcomes) != len(batch):
            # Which outcome is whose cannot be told: none of them is given as a success.
            message = (
                f"group commit {self._name}: {len(outcomes)} outcomes for {len(batch)} records"
            )
            log.error(message)
            outcomes = [RuntimeError(message) for _ in batch]
        for index, (_, done) in enumerate(batch):
            _complete(done, None if outcomes is None else outcomes[index])


def _start(done: Future[Any]) -> bool:
    """Claim a queued record for writing: False if its caller cancelled it (or it was
    somehow completed already), so it is not written."""
    try:
        return done.set_running_or_notify_cancel()
    except RuntimeError:  # completed by someone other than the writer: nothing to write
        log.error("group commit: a queued record was already completed; not written")
        return False


def _complete(done: Future[Any], outcome: object) -> None:
    """Tell one caller its outcome; nothing that goes wrong in telling it reaches the
    writer (a done-callback that raises is that caller's problem alone)."""
    try:
        if isinstance(outcome, BaseException):
            done.set_exception(outcome)
        else:
            done.set_result(outcome)
    except InvalidStateError:
        log.error("group commit: a record's caller was already told its outcome")
    except BaseException:  # raised by a done-callback, after the caller was told
        log.exception("group commit: a done-callback raised")


class GroupCommitInterrupted(RuntimeError):
    """A write was interrupted by something other than an Exception; it is not committed."""


def _for_callers(error: BaseException) -> Exception:
    """What the callers get for a failed write: the error itself, or, if it is not an
    Exception (a cancellation, an exit), a plain error caused by it, so that it does not
    look like the caller's own cancellation or end the caller's thread."""
    if isinstance(error, Exception):
        return error
    interrupted = GroupCommitInterrupted(f"group commit interrupted: {error!r}")
    interrupted.__cause__ = error
    return interrupted


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

POSTGRES_MAX_BATCH = 64
"""Callers per PostgreSQL transaction: each part's savepoint that writes is a
subtransaction, and past 64 of them in one transaction PostgreSQL's per-backend
cache of them overflows, which slows every other session's snapshots."""

_Caller = tuple[contextvars.Context, Write, sql.Composable | None]
"""A queued part: the caller's context, its work, and the batch set-up it needs (or None)."""


class GroupedWrites:
    """All of a store's command writes, one transaction per batch of callers.

    With a transaction per command, each command pays a commit (a flush to
    disk) of its own, and the stores serialise those commits: SQLite has one
    writer (and eventsourcing's pool makes readers queue behind a waiting
    writer); PostgreSQL's event inserts take the events table's EXCLUSIVE
    lock (so that notification ids commit in order and the relay never
    passes over a gap that fills later) and hold it through the commit. So a
    service's write rate is one commit round per command. Here each caller
    hands its writes over; one thread runs whatever has queued up in a
    single transaction, each caller's part inside its own savepoint: a
    caller whose part breaks a constraint (a concurrent change to the same
    aggregate) gets its own `IntegrityError` and the others are still
    committed. The part runs in the caller's context (its idempotency claim,
    its trace).

    On PostgreSQL a part may name a set-up (the events table's lock and its
    NOTIFY) that the batch runs once, before the first savepoint: a lock
    taken inside a savepoint that is rolled back would be let go with it.
    And a batch is first tried without savepoints (`_write_postgres_batch`).
    """

    def __init__(
        self, datastore: SQLiteDatastore | PostgresDatastore, name: str, timeout: float = 30.0
    ) -> None:
        self._datastore = datastore
        self._timeout = timeout
        self._postgres = isinstance(datastore, PostgresDatastore)
        self._group: GroupCommit[_Caller] = GroupCommit(
            self._write_batch,
            f"writes-{name}",
            max_batch=POSTGRES_MAX_BATCH if self._postgres else 500,
        )

    def run(self, write: Write, setup: sql.Composable | None = None) -> Any:
        """Run `write(cursor)` in a committed transaction; its result, or its error
        (TimeoutError: it was still queued after `timeout` and is not written).

        `setup` (PostgreSQL only): statements without parameters the transaction
        runs before any part, once however many parts name the same object."""
        return settle(self._group.submit((contextvars.copy_context(), write, setup)), self._timeout)

    async def written(self, write: Write) -> Any:
        """`run`, awaited on the event loop (no worker thread); a caller cancelled while
        `write` is still queued withdraws it unwritten."""
        done = self.submit(write)
        waiting = asyncio.wrap_future(done)
        try:
            return await asyncio.wait_for(asyncio.shield(waiting), self._timeout)
        except TimeoutError:
            if done.cancel():  # as `settle`: still queued, so never written
                raise
        except asyncio.CancelledError:
            done.cancel()
            raise
        return await waiting

    def submit(self, write: Write) -> Future[Any]:
        """Queue `write(cursor)` without waiting: the future completes with its result
        once its batch is committed (or with its error)."""
        return self._group.submit((contextvars.copy_context(), write, None))

    def close(self) -> None:
        self._group.close()

    def _write_batch(self, batch: list[_Caller]) -> list[object]:
        if self._postgres:
            return self._write_postgres_batch(batch)
        outcomes: list[object] = []
        with self._datastore.transaction(commit=True) as cursor:
            for context, write, _ in batch:
                cursor.execute("SAVEPOINT caller")
                try:
                    outcomes.append(context.run(write, cursor))
                except BaseException as error:  # this caller's alone: undo its part, keep the rest
                    cursor.execute("ROLLBACK TO caller")
                    outcomes.append(_as_persistence_error(error))
                finally:
                    cursor.execute("RELEASE caller")
        return outcomes

    def _write_postgres_batch(self, batch: list[_Caller]) -> list[object]:
        """As for SQLite, in fewer round trips (each one, under load, a wait for the
        database's turn on a CPU while the events table is locked).

        First without savepoints: the set-ups, then every part, then the commit.
        A part that fails aborts the whole transaction on PostgreSQL, so then
        nothing of it is committed, and the batch is written again with a
        savepoint per part, where that part fails alone. A part is only database
        work in the transaction it is given, so running it twice is safe when the
        first transaction was rolled back. A conflict (two saves of one
        aggregate at once) is rare; every other batch saves a round trip a part.
        """
        setups = list({id(setup): setup for _, _, setup in batch if setup is not None}.values())
        try:
            return self._postgres_transaction(batch, setups, savepoints=False)
        except _PartFailed:
            return self._postgres_transaction(batch, setups, savepoints=True)

    def _postgres_transaction(
        self, batch: list[_Caller], setups: list[sql.Composable], *, savepoints: bool
    ) -> list[object]:
        """One transaction for the batch; with `savepoints`, each part in its own (the
        set-ups and the first savepoint in one round trip, each later savepoint with
        the release of the one before; the last is committed with the transaction)."""
        outcomes: list[object] = []
        opening = [*setups, sql.SQL("SAVEPOINT caller")] if savepoints else setups
        postgres = cast(PostgresDatastore, self._datastore)
        with _postgres_transaction(postgres, opening) as cursor:
            for index, (context, write, _) in enumerate(batch):
                if savepoints and index:
                    cursor.execute("RELEASE SAVEPOINT caller; SAVEPOINT caller")
                try:
                    outcomes.append(context.run(write, cursor))
                except BaseException as error:  # this caller's alone: undo its part, keep the rest
                    if not savepoints:
                        raise _PartFailed from error
                    cursor.execute("ROLLBACK TO SAVEPOINT caller")
                    outcomes.append(_as_persistence_error(error))
        return outcomes


@contextmanager
def _postgres_transaction(
    datastore: PostgresDatastore, opening: list[sql.Composable]
) -> Iterator[Any]:
    """A transaction whose BEGIN goes with its opening statements, one round trip (the
    library's own sends BEGIN alone first); committed if the block ends normally.

    A COMMIT of a transaction that a swallowed error had aborted is answered
    ROLLBACK, without an error: then nothing was committed, and every caller
    is told so rather than told its part is stored.
    """
    with datastore.get_connection() as conn:
        cursor = conn.cursor()
        try:
            cursor.execute(sql.SQL("; ").join([sql.SQL("BEGIN"), *opening]))
            yield cursor
            cursor.execute("COMMIT")
        except BaseException:
            with suppress(psycopg.Error):
                conn.rollback()
            raise
        if cursor.statusmessage != "COMMIT":
            msg = f"the batch's transaction was not committed ({cursor.statusmessage})"
            raise DatabaseError(msg)


class _PartFailed(Exception):
    """A part of a batch written without savepoints failed: the transaction is rolled
    back and the batch written again, each part in its own savepoint."""


_DRIVER_ERRORS: list[tuple[type[Exception], type[Exception]]] = [
    (sqlite3.IntegrityError, IntegrityError),
    (sqlite3.OperationalError, OperationalError),
    (sqlite3.DatabaseError, DatabaseError),
    (psycopg.IntegrityError, IntegrityError),
    (psycopg.OperationalError, OperationalError),
    (psycopg.InterfaceError, InterfaceError),
    (psycopg.DataError, DataError),
    (psycopg.DatabaseError, DatabaseError),
]


def _as_persistence_error(error: BaseException) -> Exception:
    """The error eventsourcing's own transaction would have raised for it."""
    for raw, ours in _DRIVER_ERRORS:
        if isinstance(error, raw):
            translated = ours(error)
            translated.__cause__ = error
            return translated
    return _for_callers(error)


def group_writes(recorder: object, name: str) -> GroupedWrites | None:
    """Group the command writes of the store's own recorder (services.runtime.store.
    recorders), SQLite or PostgreSQL, a batch per transaction; None for any other."""
    datastore = getattr(recorder, "datastore", None)
    if not (
        isinstance(recorder, HookedInserts)
        and isinstance(datastore, SQLiteDatastore | PostgresDatastore)
    ):
        return None
    writes = GroupedWrites(datastore, name)
    recorder.write_group = writes
    return writes
