"""Concurrent commands share SQLite's one writer a batch at a time, on a real file.

Each caller's part runs in its own savepoint: what one caller breaks is
undone for that caller alone, and everyone else's part is committed.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError
from eventsourcing.sqlite import SQLiteDatastore

from services.runtime.http.idempotency.store import IdempotencyStore
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env
from services.runtime.store.group_commit import GroupedWrites, group_writes
from services.runtime.store.recorders import HookedInserts
from tests.notes import Note


def notes(path: Path) -> Application[Any]:
    return Application(env=store_env(RuntimeSettings(var_dir=path.parent), path.stem))


@pytest.fixture
def datastore(tmp_path: Path) -> SQLiteDatastore:
    store = SQLiteDatastore(str(tmp_path / "writes.db"))
    with store.transaction(commit=True) as cursor:
        cursor.execute("CREATE TABLE items (name TEXT PRIMARY KEY)")
    return store


def names(datastore: SQLiteDatastore) -> set[str]:
    with datastore.transaction(commit=False) as cursor:
        cursor.execute("SELECT name FROM items")
        return {row[0] for row in cursor.fetchall()}


@contextmanager
def writer_held(writes: GroupedWrites) -> Iterator[threading.Event]:
    """`writes`' one writer busy with a batch that waits, so that what the block sends
    queues behind it; the batch ends when the yielded event is set or the block is left."""
    holding, gate = threading.Event(), threading.Event()

    def hold(_: Any) -> None:
        holding.set()
        gate.wait(5)

    blocker = threading.Thread(target=writes.run, args=(hold,))
    blocker.start()
    try:
        assert holding.wait(5)
        yield gate
    finally:
        gate.set()
        blocker.join()


def test_a_caller_that_breaks_a_constraint_fails_alone(datastore: SQLiteDatastore) -> None:
    writes = GroupedWrites(datastore, "test")
    # Hold the writer so that every part below queues into one batch.
    with writer_held(writes) as gate, ThreadPoolExecutor(3) as pool:

        def insert(name: str) -> Any:
            return writes.run(lambda c: c.execute("INSERT INTO items VALUES (?)", (name,)))

        first = pool.submit(insert, "a")
        twice = pool.submit(insert, "a")
        other = pool.submit(insert, "b")
        deadline = time.monotonic() + 5
        while len(writes._group._pending) < 3 and time.monotonic() < deadline:
            time.sleep(0.001)  # all three queued behind the held batch
        assert len(writes._group._pending) == 3
        gate.set()
        outcomes = [first.exception(5), twice.exception(5), other.exception(5)]
    writes.close()

    assert sum(isinstance(o, IntegrityError) for o in outcomes) == 1
    assert outcomes[2] is None
    assert names(datastore) == {"a", "b"}


def test_a_part_runs_in_its_callers_context(datastore: SQLiteDatastore) -> None:
    caller: contextvars.ContextVar[str] = contextvars.ContextVar("caller")
    caller.set("the request")
    writes = GroupedWrites(datastore, "test")
    try:
        seen = writes.run(lambda _: (caller.get(), threading.current_thread().name))
    finally:
        writes.close()
    assert seen == ("the request", "group-commit-writes-test")


def test_concurrent_saves_are_all_stored_and_a_conflict_is_refused(tmp_path: Path) -> None:
    app = notes(tmp_path / "notes.db")
    writes = group_writes(app.recorder, "notes")
    assert writes is not None
    try:
        with ThreadPoolExecutor(8) as pool:
            saved = list(pool.map(lambda n: app.save(Note(f"note {n}")), range(200)))
        assert len(saved) == 200
        ids = [recordings[0].domain_event.originator_id for recordings in saved]
        assert {app.repository.get(i).text for i in ids} == {f"note {n}" for n in range(200)}
        notifications = app.recorder.select_notifications(start=1, limit=1000)
        assert [n.id for n in notifications] == list(range(1, 201))  # each id given once

        # Two copies of one aggregate amended at once: one is stored, one refused.
        one, two = app.repository.get(ids[0]), app.repository.get(ids[0])
        one.amend("first")
        two.amend("second")
        with ThreadPoolExecutor(2) as pool:
            results = [pool.submit(app.save, one), pool.submit(app.save, two)]
            errors = [r.exception(5) for r in results]
        assert sum(e is not None for e in errors) == 1
        assert app.repository.get(ids[0]).text in {"first", "second"}
    finally:
        writes.close()


def test_only_sqlite_stores_are_grouped() -> None:
    class Elsewhere:
        datastore = object()

        def insert_events(self, stored_events: Any) -> None: ...

    recorder = Elsewhere()
    original = recorder.insert_events
    assert group_writes(recorder, "other") is None
    assert recorder.insert_events == original


def test_the_store_is_extended_by_its_recorder_class_not_patched(tmp_path: Path) -> None:
    """Issue #20: group commit and the idempotency claim hook into the store's own
    recorder subclass; nothing replaces a recorder's methods at run time."""
    app = notes(tmp_path / "notes.db")
    recorder = app.recorder
    writes = group_writes(recorder, "notes")
    try:
        IdempotencyStore(recorder.datastore, writes=writes).tie_to(recorder)  # type: ignore[attr-defined]
        assert isinstance(recorder, HookedInserts)
        assert recorder.write_group is writes
        assert not {"insert_events", "_insert_events"} & set(vars(recorder))
        app.save(Note("kept"))
        assert recorder.max_notification_id() == 1
    finally:
        if writes is not None:
            writes.close()
        app.close()
