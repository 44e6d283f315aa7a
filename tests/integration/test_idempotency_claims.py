"""An Idempotency-Key's claim, answer and release on both stores, around grouped writes (#24).

On PostgreSQL the claim, a take-over, the answer and a release are committed
without waiting for their flush, each in one round trip beside the grouped
writes instead of queued in them (services.runtime.http.idempotency.store);
the command's events, with the key marked "applied", are still grouped and
flushed. What must hold either way: a concurrent duplicate of a keyed
request runs once, a failed command leaves its key free for a retry, and a
keyed part that fails in a batch fails alone.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError
from eventsourcing.postgres import PostgresDatastore

from services.runtime.http.idempotency.claims import CLAIMED, RUNNING, holding
from services.runtime.http.idempotency.store import IdempotencyStore
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env
from services.runtime.store.group_commit import GroupedWrites, group_writes
from services.runtime.store.sql import commit_unflushed, sql_for
from tests.faults.test_idempotency_takeover import lapse_leases
from tests.notes import Note
from tests.support import on_store

Keyed = tuple[Application[Any], GroupedWrites, IdempotencyStore]


@pytest.fixture
def keyed(store_backend: str, tmp_path: Path, pg_schema_prefix: str) -> Iterator[Keyed]:
    """A store wired as a service wires it: grouped writes, then the key's hook."""
    settings = on_store(RuntimeSettings(var_dir=tmp_path), store_backend, pg_schema_prefix)
    app: Application[Any] = Application(env=store_env(settings, "notes"))
    writes = group_writes(app.recorder, "notes")
    assert writes is not None
    store = IdempotencyStore(app.recorder.datastore, writes=writes, ttl_seconds=3600)  # type: ignore[attr-defined]
    store.tie_to(app.recorder)
    yield app, writes, store
    writes.close()
    app.close()


def texts(app: Application[Any]) -> list[str]:
    notifications = app.recorder.select_notifications(start=1, limit=100)
    return [app.repository.get(n.originator_id).text for n in notifications]


def test_a_concurrent_duplicate_runs_once_and_a_retry_gets_the_first_answer(keyed: Keyed) -> None:
    app, _, store = keyed
    start = threading.Barrier(8)

    def claim(_: int) -> Any:
        start.wait(5)
        return store.claim("key", "body")

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(claim, range(8)))
    claims = [claim for claim, _ in outcomes if claim is not None]
    assert len(claims) == 1, outcomes  # one runs; the others are told "in progress"
    assert all(held is None or held.status == RUNNING for _, held in outcomes if held)

    with holding(claims[0]):
        app.save(Note("once"))
    store.answer(claims[0], 201, {"location": "/notes/1", "ids": {}, "changed": []})
    again, held = store.claim("key", "body")
    assert again is None
    assert held is not None
    assert (held.status, held.answer["location"]) == (201, "/notes/1")
    assert texts(app) == ["once"]


def test_a_failed_commands_key_is_free_for_its_retry(keyed: Keyed) -> None:
    app, _, store = keyed
    first, _ = store.claim("key", "body")
    assert first is not None
    taken = Note("taken")
    app.save(taken)
    one: Note = app.repository.get(taken.id)
    two: Note = app.repository.get(taken.id)
    one.amend("amended first")
    app.save(one)
    two.amend("amended again")  # the same version again: the keyed command fails
    with holding(first), pytest.raises(IntegrityError):
        app.save(two)
    blocked, state = store.claim("key", "body")
    assert blocked is None
    assert state is not None
    assert state.status == RUNNING  # still held until its holder lets go
    store.release(first)  # as the middleware does when the command failed

    retry, _ = store.claim("key", "body")
    assert retry is not None
    with holding(retry):
        app.save(Note("the retry"))
    assert texts(app) == ["amended first", "amended first", "the retry"]


def test_a_release_that_was_lost_frees_the_key_when_its_lease_ends(keyed: Keyed) -> None:
    app, _, store = keyed
    lost, _ = store.claim("key", "body")  # its holder died before it let go
    assert lost is not None
    assert store.claim("key", "body")[0] is None
    lapse_leases(app)
    assert store.claim("key", "body")[0] is not None


def test_a_keyed_part_that_fails_in_a_batch_fails_alone(keyed: Keyed) -> None:
    """Three keyed saves in one batch; the middle one's claim was taken over, so its
    part fails and the other two are committed with their keys "applied"."""
    app, writes, store = keyed
    ours, overtaken = store.claim("ours", "body")[0], store.claim("lapsed", "body")[0]
    assert ours is not None
    assert overtaken is not None
    lapse_leases(app)
    theirs, _ = store.claim("lapsed", "body")  # a retry took the key over
    later, _ = store.claim("later", "body")
    assert theirs is not None
    assert later is not None
    held, gate = threading.Event(), threading.Event()

    def hold(_: Any) -> None:
        held.set()
        gate.wait(10)

    def save(claim: Any, text: str) -> None:
        with holding(claim):
            app.save(Note(text))

    with ThreadPoolExecutor(4) as pool:
        blocker = pool.submit(writes.run, hold)
        assert held.wait(5)
        saves = [
            pool.submit(save, ours, "ours"),
            pool.submit(save, overtaken, "overtaken"),
            pool.submit(save, later, "later"),
        ]
        wait_queued(writes, 3)
        gate.set()
        blocker.result(10)
        outcomes = [s.exception(10) for s in saves]
    assert outcomes[0] is None
    assert isinstance(outcomes[1], IntegrityError)
    assert outcomes[2] is None
    assert sorted(texts(app)) == ["later", "ours"]
    for key in ("ours", "later"):
        again, state = store.claim(key, "body")
        assert again is None
        assert state is not None
        assert state.status == CLAIMED  # applied with the events


def wait_queued(writes: GroupedWrites, count: int) -> None:
    deadline = time.monotonic() + 5
    while len(writes._group._pending) < count and time.monotonic() < deadline:
        time.sleep(0.001)
    assert len(writes._group._pending) == count


@pytest.mark.parametrize("store_backend", ["postgres"])
def test_on_postgres_a_keys_bookkeeping_does_not_queue_behind_a_batch(keyed: Keyed) -> None:
    """Fails on the code before: the claim, answer and release were grouped writes,
    each waiting for the batch before it (here one held open) and for its own."""
    _, writes, store = keyed
    held, gate = threading.Event(), threading.Event()

    def hold(_: Any) -> None:
        held.set()
        gate.wait(10)

    with ThreadPoolExecutor(2) as pool:
        blocker = pool.submit(writes.run, hold)
        try:
            assert held.wait(5)

            def bookkeeping() -> tuple[Any, Any]:
                claim, _ = store.claim("key", "body")
                assert claim is not None
                store.answer(claim, 201, {"location": None, "ids": {}, "changed": []})
                other, _ = store.claim("other", "body")
                assert other is not None
                store.release(other)
                return store.claim("key", "body")[1], store.claim("other", "body")[0]

            answered, free = pool.submit(bookkeeping).result(5)
            assert answered is not None
            assert answered.status == 201
            assert free is not None  # released: a retry may run
        finally:
            gate.set()
            blocker.result(10)


@pytest.mark.parametrize("store_backend", ["postgres"])
def test_an_unflushed_write_commits_all_or_nothing_and_leaves_commits_flushed(
    keyed: Keyed,
) -> None:
    """A failing statement undoes the statements before it; the pooled connection
    comes back usable and with its commits flushed as before (the setting is
    the transaction's own), so the grouped events' commits still wait for disk."""
    app, writes, _ = keyed
    datastore = app.recorder.datastore  # type: ignore[attr-defined]
    assert isinstance(datastore, PostgresDatastore)
    table = sql_for(datastore).table("idempotent_request")
    insert = f"INSERT INTO {table} VALUES (%s, 'h', 'x', -1, '{{}}', '', 0, 0) RETURNING key"  # noqa: S608
    with pytest.raises(IntegrityError):
        commit_unflushed(datastore, [(insert, ("a",)), (insert, ("a",))])
    assert commit_unflushed(datastore, [(insert, ("b",))]) == [("b",)]
    with ThreadPoolExecutor(4) as pool:
        settings = list(pool.map(lambda _: setting(writes), range(20)))
    assert set(settings) == {"on"}
    keys = f"SELECT key FROM {table}"  # noqa: S608
    with datastore.transaction(commit=False) as cursor:
        cursor.execute(keys)
        assert [row["key"] for row in cursor.fetchall()] == ["b"]


def setting(writes: GroupedWrites) -> str:
    def show(cursor: Any) -> str:
        cursor.execute("SHOW synchronous_commit")
        value: str = cursor.fetchone()["synchronous_commit"]
        return value

    result: str = writes.run(show)
    return result
