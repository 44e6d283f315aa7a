"""Fault: callers of a group commit are cancelled, or its batch breaks oddly (issue #19, item 6).

One writer thread commits the access log's and the decision log's records;
a request answers only once its record is stored. If that thread dies, no
later record is ever written and every request that reads personal data
waits forever (async callers await the future with no timeout). Requests
are cancelled all the time (a client hangs up, a replica shuts down), so a
cancelled caller must be skipped (its record not written if the batch had
not started), and nothing that goes wrong while a batch is written or its
callers are told may take the thread down: the batch's callers get the
error and the next batch is written.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, wait
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.sqlite import SQLiteDatastore

from services.runtime.store.audit import AccessAudit, AccessRecord, Action
from services.runtime.store.group_commit import GroupCommit, GroupedWrites

AT = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
KEY = bytes(range(32))
LATER = 5.0
"""Seconds a later record may take: a live writer needs milliseconds, a dead one forever."""


def access(resource: str) -> AccessRecord:
    return AccessRecord(
        at=AT,
        actor_hsa_id="SE2120000001-H001",
        actor_org_id="SE2120000001-SOC1",
        actor_org_type="social_services",
        subject_id="subject-group-commit",
        action=Action.READ,
        purpose="consent history",
        resource=resource,
    )


@pytest.fixture
def datastore(tmp_path: Path) -> SQLiteDatastore:
    return SQLiteDatastore(str(tmp_path / "group-commit.db"))


@pytest.fixture
def audit(datastore: SQLiteDatastore) -> Iterator[AccessAudit]:
    log = AccessAudit(datastore, "cancelled", KEY)
    yield log
    log.close()


def stored_resources(datastore: SQLiteDatastore) -> list[str]:
    with datastore.transaction(commit=False) as cursor:
        cursor.execute("SELECT resource FROM access_audit ORDER BY seq")
        return [row[0] for row in cursor.fetchall()]


def test_callers_cancelled_under_load_leave_the_access_log_writing(
    audit: AccessAudit, datastore: SQLiteDatastore
) -> None:
    """Threads and request tasks append to the access log while many of them are
    cancelled (a future cancelled directly, a task awaiting it through
    `asyncio.wrap_future` cancelled): later records are still stored within
    seconds, every record whose caller was not cancelled is stored exactly once,
    and none whose cancel took effect is."""
    futures: dict[str, Future[None]] = {}
    lock = threading.Lock()

    def keep(resource: str, future: Future[None]) -> None:
        with lock:
            futures[resource] = future

    def thread_caller(number: int) -> None:
        chance = random.Random(number)
        for index in range(60):
            resource = f"thread-{number}-{index}"
            future = audit.record(access(resource))
            keep(resource, future)
            if chance.random() < 0.4:
                future.cancel()  # its caller gave up (a timed-out `settle`, a hung-up client)

    async def request(resource: str) -> None:
        future = audit.record(access(resource))
        keep(resource, future)
        await asyncio.wrap_future(future)

    async def requests() -> None:
        chance = random.Random(7)
        for wave in range(6):
            tasks = [asyncio.create_task(request(f"task-{wave}-{i}")) for i in range(50)]
            await asyncio.sleep(0)  # every task has queued its record
            for task in tasks:
                if chance.random() < 0.5:
                    task.cancel()  # the request is cancelled (shutdown, client gone)
            # Hangs (TimeoutError) once the writer thread is dead.
            await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 4 * LATER)

    threads = [threading.Thread(target=thread_caller, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    asyncio.run(requests())
    for thread in threads:
        thread.join(30)

    later = {f"later-{i}": audit.record(access(f"later-{i}")) for i in range(20)}
    for resource, future in later.items():
        future.result(timeout=LATER)  # hangs (TimeoutError) once the writer thread is dead
        futures[resource] = future

    _, unsettled = wait(futures.values(), timeout=LATER)
    assert not unsettled, f"{len(unsettled)} records never settled"
    cancelled = {resource for resource, future in futures.items() if future.cancelled()}
    assert cancelled, "the load cancelled no caller before its batch: the test proved nothing"
    stored = stored_resources(datastore)
    assert len(stored) == len(set(stored)), "a record was stored twice"
    assert set(stored) == set(futures) - cancelled
    assert audit.verify() is None  # the chain still holds, numbered without gaps


class Interrupted(BaseException):
    """Not an Exception: what `except Exception` lets through (like CancelledError)."""


def interrupted_once() -> Callable[[list[str]], None]:
    calls = iter([True])

    def write(batch: list[str]) -> None:
        if next(calls, False):
            raise Interrupted

    return write


def miscounted_once() -> Callable[[list[str]], list[object]]:
    calls = iter([True])

    def write(batch: list[str]) -> list[object]:
        return [] if next(calls, False) else [None] * len(batch)

    return write


@pytest.mark.parametrize(
    "write",
    [interrupted_once, miscounted_once],
    ids=["batch-raises-a-base-exception", "batch-returns-too-few-outcomes"],
)
def test_a_batch_that_breaks_fails_its_callers_and_the_writer_goes_on(
    write: Callable[[], Callable[[list[str]], Any]],
) -> None:
    group: GroupCommit[str] = GroupCommit(write(), "breaks")
    try:
        broken = group.submit("first")
        with pytest.raises(RuntimeError):  # told it failed (TimeoutError: it hangs)
            broken.result(timeout=LATER)
        group.submit("after").result(timeout=LATER)  # hangs once the thread is dead
    finally:
        group.close()


def test_a_done_callback_that_raises_does_not_take_the_writer_down() -> None:
    """A caller's callback runs on the writer thread when its record is stored;
    whatever it raises is that caller's problem, not every later caller's."""
    group: GroupCommit[str] = GroupCommit(lambda batch: None, "callback")
    try:
        first = group.submit("first")

        def explode(_: Future[Any]) -> None:
            raise Interrupted

        first.add_done_callback(explode)
        first.result(timeout=LATER)
        group.submit("after").result(timeout=LATER)  # hangs once the thread is dead
    finally:
        group.close()


def within(seconds: float, call: Callable[[], Any]) -> BaseException | None:
    """What `call` raised, run on a thread of its own; fails if it is still waiting."""
    raised: list[BaseException | None] = [None]

    def run() -> None:
        try:
            call()
        except BaseException as error:  # handed to the test to judge
            raised[0] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "the caller hangs"
    return raised[0]


def test_a_grouped_write_that_raises_a_base_exception_is_undone_alone(
    datastore: SQLiteDatastore,
) -> None:
    """A command's write that raises something other than an Exception (a
    cancellation) fails that command alone: its part is rolled back, the part
    of another command in the same batch is committed, and the store's later
    writes go on."""
    with datastore.transaction(commit=True) as cursor:
        cursor.execute("CREATE TABLE items (name TEXT PRIMARY KEY)")
    writes = GroupedWrites(datastore, "interrupted", timeout=LATER)
    holding, gate = threading.Event(), threading.Event()

    def hold(cursor: Any) -> None:
        holding.set()
        gate.wait(LATER)

    def interrupted(cursor: Any) -> None:
        cursor.execute("INSERT INTO items VALUES ('interrupted')")
        raise Interrupted

    def insert(name: str) -> Callable[[], Any]:
        return lambda: writes.run(
            lambda cursor: cursor.execute("INSERT INTO items VALUES (?)", (name,))
        )

    blocker = threading.Thread(target=writes.run, args=(hold,))
    blocker.start()
    try:
        assert holding.wait(LATER)
        # Both queue behind the held batch and are written in the next one, together.
        results: dict[str, BaseException | None] = {}
        callers = [
            threading.Thread(
                target=lambda: results.update(bad=within(LATER, lambda: writes.run(interrupted)))
            ),
            threading.Thread(
                target=lambda: results.update(good=within(LATER, insert("neighbour")))
            ),
        ]
        for caller in callers:
            caller.start()
        threading.Event().wait(0.2)
        gate.set()
        for caller in callers:
            caller.join(2 * LATER)
        assert isinstance(results["bad"], Exception)  # told it failed, not hanging
        assert results["good"] is None
        assert within(LATER, insert("after")) is None
    finally:
        gate.set()
        blocker.join(LATER)
        writes.close()
    with datastore.transaction(commit=False) as cursor:
        cursor.execute("SELECT name FROM items")
        assert {row[0] for row in cursor.fetchall()} == {"neighbour", "after"}
