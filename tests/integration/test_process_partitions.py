"""An event-sourced consumer applies a fetched batch over several partitions in ONE
transaction (#24), and a batch still refuses to overlap what another owner of one of
its partitions applied (#19, item 3).

Cases' and escalation's policies (eventsourcing process applications) took a
fetch a partition at a time: one transaction, one commit, one aggregate read per
partition. `OutboxApplication.process_partitions` takes every partition's run at
once, each partition recorded at its own first and last positions in the same
transaction. Two stores start alike; one applies the runs together, the other
each run on its own: the aggregates, their stored events and the positions must
end the same. A batch that fails anywhere — in a policy, or in its transaction
after some of its positions were written — records nothing. On SQLite and
PostgreSQL, in stores of the test's own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.application import ProcessingEvent
from eventsourcing.persistence import IntegrityError, StoredEvent, Tracking

from services.runtime.settings import RuntimeSettings
from services.runtime.store.group_commit import group_writes
from tests.integration.test_consumer_prefetch import (
    Observed,
    Tallies,
    Tally,
    history,
    reads,
    seed,
    tallies,
)
from tests.support import on_store

Run = list[tuple[Observed, Tracking]]


def run_of(partition: int, observed: Sequence[Observed], start: int = 1) -> Run:
    """`observed` as one partition's run, at positions `start`, `start` + 1, ..."""
    return [(o, Tracking(f"upstream#{partition}", n)) for n, o in enumerate(observed, start)]


RUNS = [
    run_of(0, [Observed("old", 10), Observed("new", 11), Observed("old", 12)]),
    run_of(1, [Observed("other", 20), Observed("aside", 21, named=False)]),
    run_of(2, [Observed("third", 30)]),  # a run of one: its first is its last
]


@pytest.fixture
def stores(tmp_path: Path, store_backend: str, pg_schema_prefix: str) -> RuntimeSettings:
    return on_store(RuntimeSettings(var_dir=tmp_path / "var"), store_backend, pg_schema_prefix)


Open = Callable[[str], Tallies]


@pytest.fixture(params=["own transaction", "grouped"])
def open_tallies(request: pytest.FixtureRequest, stores: RuntimeSettings) -> Iterator[Open]:
    """Tallies on the test's stores, each batch in a transaction of its own or, as a
    served consumer writes, through its store's group commit."""
    opened: list[Any] = []

    def open_(name: str) -> Tallies:
        app = tallies(stores, name)
        opened.append(app)
        if request.param == "grouped":
            writes = group_writes(app.recorder, name)
            assert writes is not None
            opened.append(writes)
        return app

    yield open_
    for thing in reversed(opened):
        thing.close()


def seen(app: Tallies, subject: str) -> list[int]:
    return app.repository.get(Tally.create_id(subject)).seen  # type: ignore[no-any-return]


def test_partitions_applied_together_end_where_each_partition_alone_ends(
    open_tallies: Open,
) -> None:
    together, alone = (open_tallies(name) for name in ("together", "alone"))
    for app in (together, alone):
        seed(app, snapshots=False)
    reads_before = reads(together)

    together.process_partitions(RUNS)  # type: ignore[arg-type]
    for run in RUNS:
        alone.process_events(run)

    assert reads(together) - reads_before == 1  # only the tally no event named
    for subject in ("old", "new", "other", "aside", "third"):
        tally_id = Tally.create_id(subject)
        assert history(together, tally_id) == history(alone, tally_id), subject
    assert seen(together, "old") == [1, 3, 10, 12]
    for n, run in enumerate(RUNS):
        last = run[-1][1].notification_id
        assert together.recorder.max_tracking_id(f"upstream#{n}") == last
        assert alone.recorder.max_tracking_id(f"upstream#{n}") == last


def test_an_old_owners_overlapping_run_is_refused_not_applied_twice(
    open_tallies: Open,
) -> None:
    """#19, item 3, for event-sourced targets: a former owner of the partition read the
    same starting position and commits its longer run after the new owner's. Recorded
    at its last position only, it was accepted, and its first events applied twice."""
    app = open_tallies("overlap")
    run = run_of(0, [Observed(f"s{n}", n) for n in range(1, 7)])
    app.process_events(run[:4])  # the new owner

    with pytest.raises(IntegrityError):
        app.process_events(run)  # the old owner, 1..6

    assert app.recorder.max_tracking_id("upstream#0") == 4
    for n in range(1, 7):
        assert (Tally.create_id(f"s{n}") in app.repository) is (n <= 4)
        if n <= 4:
            assert seen(app, f"s{n}") == [n]


def test_one_partition_already_applied_refuses_the_whole_batch(open_tallies: Open) -> None:
    app = open_tallies("refusing")
    seed(app, snapshots=False)
    app.process_events(RUNS[1][:1])  # another owner got partition 1 as far as its first

    with pytest.raises(IntegrityError):
        app.process_partitions(RUNS)  # type: ignore[arg-type]

    assert seen(app, "old") == [1, 3]
    assert Tally.create_id("new") not in app.repository
    assert app.recorder.max_tracking_id("upstream#0") is None
    assert app.recorder.max_tracking_id("upstream#1") == 1
    assert app.recorder.max_tracking_id("upstream#2") is None


class Failing(Tallies):
    """Tallies whose policy fails on the subject "boom"."""

    def policy(self, domain_event: Any, processing_event: ProcessingEvent[Any]) -> None:
        if domain_event.subject == "boom":
            raise RuntimeError("the policy failed")
        super().policy(domain_event, processing_event)


class FailingInsert:
    """An insert hook that fails inside the transaction, after the batch's earlier
    positions were written, while armed (a grouped write on PostgreSQL runs a part
    that failed a second time, in a savepoint of its own)."""

    armed = True

    def in_transaction(self, cursor: Any, stored_events: Sequence[StoredEvent]) -> None:
        if self.armed:
            raise RuntimeError("the transaction failed")

    def committed(self, stored_events: Sequence[StoredEvent]) -> None:
        pass


@pytest.mark.parametrize("where", ["policy", "transaction"])
def test_a_batch_that_fails_anywhere_records_nothing_of_any_partition(
    open_tallies: Open, where: str
) -> None:
    app = open_tallies("failing")
    seed(app, snapshots=False)
    runs, hook = RUNS, FailingInsert()
    if where == "policy":
        app.__class__ = Failing
        runs = [*RUNS[:2], run_of(2, [Observed("third", 30), Observed("boom", 31)])]
    else:
        app.recorder.insert_hooks.append(hook)  # type: ignore[attr-defined]

    with pytest.raises(RuntimeError, match="failed"):
        app.process_partitions(runs)  # type: ignore[arg-type]

    assert seen(app, "old") == [1, 3]
    for subject in ("new", "other", "third"):
        assert Tally.create_id(subject) not in app.repository
    for n in range(3):
        assert app.recorder.max_tracking_id(f"upstream#{n}") is None
    if where == "transaction":  # what the consumer then does: nothing is lost or doubled
        hook.armed = False
        for run in RUNS:
            app.process_events(run)
        assert seen(app, "old") == [1, 3, 10, 12]
        assert seen(app, "third") == [30]


class Notified(Tallies):
    """Tallies whose ``_notify`` reads the recordings, as eventsourcing's own
    process applications do."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.notified: list[int] = []

    def _notify(self, recordings: list[Any]) -> None:
        self.notified += [r.notification.id for r in recordings]
        super()._notify(recordings)


def test_a_stored_batch_wakes_the_save_listeners_and_hands_recordings_to_who_reads_them(
    stores: RuntimeSettings,
) -> None:
    """A batch is stored without a `Recording` per event (#24), unless the application's
    `_notify` reads them; either way the save listeners (the relay's wake-up) run."""
    plain = tallies(stores, "plain")
    wakes: list[str] = []
    plain.save_listeners.append(lambda: wakes.append("plain"))
    plain.process_partitions(RUNS)  # type: ignore[arg-type]

    reading = tallies(stores, "reading")
    reading.__class__ = Notified
    reading.notified = []  # type: ignore[attr-defined]
    reading.save_listeners.append(lambda: wakes.append("reading"))
    reading.process_partitions(RUNS)  # type: ignore[arg-type]

    assert wakes == ["plain", "reading"]
    stored = reading.recorder.max_notification_id()  # type: ignore[attr-defined]
    assert reading.notified == list(range(1, stored + 1))  # type: ignore[attr-defined]
    assert stored == 11  # five tallies opened, six events seen
