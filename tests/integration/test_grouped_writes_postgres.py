"""Group commit on PostgreSQL (#24): many commands' inserts, one transaction, order kept.

On PostgreSQL every transaction that inserts events holds the events table's
EXCLUSIVE lock through its commit, so that notification ids commit in the
order they were given and the relay never passes over an id whose
transaction commits later. With a transaction per command that lock made
the commands queue one commit (one flush) each; grouped, a batch of them
shares one. These tests hold the real database to both halves: the commands
of a batch are one transaction, and the lock still orders it against any
other writer (another replica) that inserts meanwhile.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
import pytest
from eventsourcing.application import Application
from eventsourcing.persistence import DatabaseError, IntegrityError

from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env
from services.runtime.store.group_commit import GroupedWrites, group_writes
from tests.notes import Note
from tests.support import on_store


def notes_app(tmp_path: Path, schema_prefix: str) -> Application[Any]:
    settings = on_store(RuntimeSettings(var_dir=tmp_path), "postgres", schema_prefix)
    return Application(env=store_env(settings, "notes"))


@pytest.fixture
def notes(
    tmp_path: Path, pg_schema_prefix: str
) -> Iterator[tuple[Application[Any], GroupedWrites]]:
    app = notes_app(tmp_path, pg_schema_prefix)
    writes = group_writes(app.recorder, "notes")
    assert writes is not None, "PostgreSQL stores are grouped too"
    yield app, writes
    writes.close()
    app.close()


def visible(app: Application[Any]) -> list[str]:
    """The notes a follower reading the notification log sees, in order (each as it
    is now)."""
    notifications = app.recorder.select_notifications(start=1, limit=100)
    return [app.repository.get(n.originator_id).text for n in notifications]


class HeldWriter:
    """The writer busy with a part that waits, so that what is sent meanwhile queues
    into the next batch; `hold_next` adds a waiting part to that batch as well."""

    def __init__(self, writes: GroupedWrites) -> None:
        self._writes = writes
        self._threads: list[threading.Thread] = []
        self._gates: list[threading.Event] = []

    def hold(self, setup: Any = None) -> threading.Event:
        holding, gate = threading.Event(), threading.Event()

        def part(_: Any) -> None:
            holding.set()
            gate.wait(10)

        thread = threading.Thread(target=self._writes.run, args=(part, setup))
        thread.start()
        self._threads.append(thread)
        self._gates.append(gate)
        return holding

    def queued(self, count: int) -> None:
        deadline = time.monotonic() + 5
        while len(self._writes._group._pending) < count and time.monotonic() < deadline:
            time.sleep(0.001)
        assert len(self._writes._group._pending) == count

    def release(self, index: int) -> None:
        self._gates[index].set()

    def close(self) -> None:
        for gate in self._gates:
            gate.set()
        for thread in self._threads:
            thread.join(10)


def test_queued_commands_are_one_transaction_and_a_conflict_fails_alone(notes: Any) -> None:
    app, writes = notes
    first = Note("first")
    app.save(first)
    stale = app.repository.get(first.id)
    held = HeldWriter(writes)
    with ThreadPoolExecutor(6) as pool:
        try:
            assert held.hold().wait(5)
            saves = [pool.submit(app.save, Note(f"note {n}")) for n in range(3)]
            held.queued(3)
            first.amend("amended")
            stale.amend("conflicting")
            saves.append(pool.submit(app.save, first))
            held.queued(4)
            saves.append(pool.submit(app.save, stale))  # the same version again: refused
            held.queued(5)
            batch_open = held.hold()  # the next batch: the five parts, then this one waits
            held.queued(6)
            held.release(0)
            assert batch_open.wait(5)
            # Every part of the batch has run; none is committed, so none is seen yet.
            assert len(app.recorder.select_notifications(start=1, limit=10)) == 1
            assert not any(save.done() for save in saves)
            held.release(1)
        finally:
            held.close()
        outcomes = [save.exception(10) for save in saves]
    assert outcomes[:4] == [None, None, None, None]
    assert isinstance(outcomes[4], IntegrityError)
    assert visible(app) == ["amended", "note 0", "note 1", "note 2", "amended"]


def test_concurrent_saves_are_all_stored_each_id_once(notes: Any) -> None:
    app, _ = notes
    with ThreadPoolExecutor(8) as pool:
        saved = list(pool.map(lambda n: app.save(Note(f"note {n}")), range(200)))
    ids = [recordings[0].domain_event.originator_id for recordings in saved]
    assert {app.repository.get(i).text for i in ids} == {f"note {n}" for n in range(200)}
    notifications = app.recorder.select_notifications(start=1, limit=1000)
    assert len(notifications) == 200
    numbers = [n.id for n in notifications]
    assert numbers == sorted(set(numbers))


def test_another_writer_waits_for_an_open_batch_so_no_id_commits_out_of_order(
    notes: Any, tmp_path: Path, pg_schema_prefix: str
) -> None:
    """The batch's lock is taken before its first savepoint and held to its commit: a
    replica's batch that comes meanwhile waits, so it cannot commit a higher id while
    the batch's lower one is still uncommitted (a follower reading in between would
    pass over it for good). Two slow transactions, interleaved on purpose."""
    app, writes = notes
    replica = notes_app(tmp_path / "replica", pg_schema_prefix)
    replica_writes = group_writes(replica.recorder, "replica")  # grouped as well, on its own
    assert replica_writes is not None
    reader = notes_app(tmp_path / "reader", pg_schema_prefix)
    held = HeldWriter(writes)
    try:
        with ThreadPoolExecutor(3) as pool:
            assert held.hold().wait(5)
            ours: Future[Any] = pool.submit(app.save, Note("ours"))
            held.queued(1)
            open_batch = held.hold()  # the next batch: our insert, then this waits uncommitted
            held.queued(2)
            held.release(0)
            assert open_batch.wait(5)
            theirs: Future[Any] = pool.submit(replica.save, Note("theirs"))
            time.sleep(0.5)
            assert not theirs.done(), "the replica's insert did not wait for the open batch"
            assert reader.recorder.select_notifications(start=1, limit=10) == []
            held.release(1)
            assert ours.exception(10) is None
            assert theirs.exception(10) is None
    finally:
        held.close()
        replica_writes.close()
        replica.close()
        reader.close()
    assert visible(app) == ["ours", "theirs"]


def test_a_grouped_save_waits_for_another_writers_open_transaction(
    notes: Any, tmp_path: Path, pg_schema_prefix: str
) -> None:
    """The other way round: a replica's transaction holds the lock; the batch waits for
    it (the lock's timeout bounds that) and then commits after it."""
    app, _ = notes
    replica = notes_app(tmp_path / "replica", pg_schema_prefix)
    recorder: Any = replica.recorder
    theirs = [replica.mapper.to_stored_event(e) for e in Note("theirs").collect_events()]
    try:
        with ThreadPoolExecutor(1) as pool:
            with recorder.datastore.transaction(commit=True) as cursor:
                # The library's own insert, held open: lock, NOTIFY, rows, not yet committed.
                recorder._insert_stored_events(cursor, theirs)
                ours = pool.submit(app.save, Note("ours"))
                time.sleep(0.5)
                assert not ours.done(), "the batch did not wait for the other writer's lock"
            assert ours.exception(10) is None
    finally:
        replica.close()
    assert visible(app) == ["theirs", "ours"]


def test_a_batch_whose_transaction_was_not_committed_is_reported_failed(notes: Any) -> None:
    """A part that swallows a database error leaves the transaction aborted; its
    COMMIT is then answered ROLLBACK without an error. Nothing is stored, so every
    caller of the batch must be told it failed, never that its part is stored."""
    app, writes = notes
    held = HeldWriter(writes)

    def swallowing(cursor: Any) -> str:
        with contextlib.suppress(psycopg.DataError):
            cursor.execute("SELECT 1 / 0")
        return "stored"

    with ThreadPoolExecutor(2) as pool:
        try:
            assert held.hold().wait(5)
            save = pool.submit(app.save, Note("in the same batch"))
            held.queued(1)
            swallowed = pool.submit(writes.run, swallowing)
            held.queued(2)
            held.release(0)
            errors = [save.exception(10), swallowed.exception(10)]
        finally:
            held.close()
    assert all(isinstance(error, DatabaseError) for error in errors), errors
    assert app.recorder.select_notifications(start=1, limit=10) == []
