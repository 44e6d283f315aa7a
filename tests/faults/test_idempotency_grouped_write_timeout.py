"""Fault: a grouped write times out while queued behind a slow batch (issue #18, item 3).

Its caller is told it failed (and an idempotent retry may run the command
again), so it must never be committed afterwards: a timed-out write still in
the queue is cancelled. A write whose batch is already running cannot be
taken back; its caller waits for it and is told what really happened.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from eventsourcing.sqlite import SQLiteDatastore

from services.runtime.store.group_commit import GroupedWrites
from tests.integration.test_grouped_writes import (
    datastore,  # noqa: F401  (a fixture)
    names,
    writer_held,
)


def insert(name: str) -> Any:
    return lambda cursor: cursor.execute("INSERT INTO items VALUES (?)", (name,))


def test_a_queued_write_that_timed_out_is_never_committed(
    datastore: SQLiteDatastore,  # noqa: F811
) -> None:
    writes = GroupedWrites(datastore, "test", timeout=0.3)
    with writer_held(writes), pytest.raises(TimeoutError):
        writes.run(insert("late"))  # queued behind the held batch, then given up
    writes.run(insert("after"))  # the queue has moved on
    writes.close()
    assert names(datastore) == {"after"}


def test_a_running_write_is_waited_for_and_its_outcome_reported(
    datastore: SQLiteDatastore,  # noqa: F811
) -> None:
    writes = GroupedWrites(datastore, "test", timeout=0.2)

    def slow(cursor: Any) -> str:
        threading.Event().wait(0.6)  # already running when its caller's time is up
        cursor.execute("INSERT INTO items VALUES ('slow')")
        return "stored"

    try:
        assert writes.run(slow) == "stored"  # the truth, not a TimeoutError
    finally:
        writes.close()
    assert names(datastore) == {"slow"}
