"""The runtime's aggregate base stores what eventsourcing's stores, and reads what it stored (#24).

`services.runtime.kernel.aggregate.Aggregate` makes an `@event` method's event
and the aggregate's "created" event itself, decided once per class, instead of
through the library's per-call machinery. Stores hold events written by the
library's base for years to come, so the same aggregate written through either
base must store the same topics and state bytes, and events stored by either
must reconstruct the same aggregate through the other — upcasting included.

`Ledger` is made twice, once on each base, under one topic: `_registered`
points the topic at the one in use, as if the other had never been imported.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FunctionType
from typing import Any

import eventsourcing.domain
import eventsourcing.utils
import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate as LibraryAggregate
from eventsourcing.domain import CommandMethodDecorator
from eventsourcing.persistence import StoredEvent

from services.runtime.kernel import aggregate
from services.runtime.kernel.aggregate import Aggregate, event
from services.runtime.settings import RuntimeSettings
from services.runtime.store.application import OutboxApplication
from services.runtime.store.database import store_env

AT = datetime(2026, 12, 6, 9, 30, 0, 123456, tzinfo=UTC)
TOPIC = f"{__name__}:Ledger"


def _ledger_on(base: Any) -> Any:
    """An aggregate with each way the services declare events, on `base`."""

    class Ledger(base):
        __qualname__ = "Ledger"

        class Opened(base.Created):
            owner: str
            entries: list[str]
            note: str | None = None  # added later: a default keeps old events readable

        class Closed(base.Event):
            class_version = 2
            closed_at: datetime
            reason: str

            @staticmethod
            def upcast_v1_v2(state: dict[str, Any]) -> None:
                state["reason"] = "unknown"

        class Relabelled(base.Event):
            label: str

        @staticmethod
        def create_id(owner: str) -> uuid.UUID:
            return uuid.uuid5(uuid.NAMESPACE_URL, owner)

        @event(Opened)
        def __init__(self, owner: str, entries: list[str], note: str | None = None) -> None:
            self.owner = owner
            self.entries = list(entries)
            self.note = note
            self.label = ""
            self.closed: tuple[datetime, str] | None = None

        @event("Added")
        def add(self, entry: str, times: int = 1) -> None:
            self.entries.extend([entry] * times)

        @event(Relabelled)
        def relabel(self, *, label: str, shout: bool = False) -> None:
            """`shout` is the method's, not the event's: the library drops it."""
            self.label = label.upper() if shout else label

        @event(Closed)
        def close(self, *, closed_at: datetime, reason: str) -> None:
            self.closed = (closed_at, reason)

    return Ledger


LIBRARY_LEDGER = _ledger_on(LibraryAggregate)
RUNTIME_LEDGER = _ledger_on(Aggregate)


@contextmanager
def _registered(ledger: Any) -> Iterator[None]:
    """`TOPIC` (and the topics under it) resolve to `ledger` while inside."""

    def forget() -> None:
        for topic in [t for t in eventsourcing.utils._topic_cache if t.startswith(TOPIC)]:
            del eventsourcing.utils._topic_cache[topic]
        for obj in [o for o, t in eventsourcing.utils._type_cache.items() if t.startswith(TOPIC)]:
            del eventsourcing.utils._type_cache[obj]

    forget()
    eventsourcing.utils.register_topic(TOPIC, ledger)
    try:
        yield
    finally:
        forget()


_clock: list[itertools.count[int]] = [itertools.count()]


def _tick() -> datetime:
    """A microsecond later at each event, from `AT` again at each story."""
    return AT + timedelta(microseconds=next(_clock[0]))


@pytest.fixture(autouse=True)
def _fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Events' timestamps are known, so both bases' bytes can be compared, and differ
    from one event to the next, so a wrong `modified_on` shows."""
    monkeypatch.setattr(eventsourcing.domain, "datetime_now_with_tzinfo", _tick)


class _Store(OutboxApplication, Application[uuid.UUID]):
    """A service's store: its mapper (tracing, sealing) and SQLite recorder."""


def _store(path: Path) -> Any:
    return _Store(env=store_env(RuntimeSettings(kafka_bootstrap="unused:9092", var_dir=path), "s"))


def _story(ledger: Any) -> Any:
    """One ledger through every kind of call: keywords, positions, defaults, dropped names."""
    _clock[0] = itertools.count()
    opened = ledger(owner="SE2120000001-SOC1", entries=["a"])
    opened.add("b")
    opened.add("c", 2)
    opened.add(entry="d", times=1)
    opened.relabel(label="sip", shout=True)
    opened.relabel(label="plan", shout=False)
    opened.close(closed_at=AT, reason="done")
    return opened


def _stored(ledger: Any, path: Path) -> tuple[Any, list[StoredEvent]]:
    with _registered(ledger):
        app = _store(path)
        try:
            written = _story(ledger)
            app.save(written)
            return written, list(app.recorder.select_events(written.id))
        finally:
            app.close()


def _read(ledger: Any, path: Path, aggregate_id: uuid.UUID) -> Any:
    with _registered(ledger):
        app = _store(path)
        try:
            return app.repository.get(aggregate_id)
        finally:
            app.close()


def test_the_runtime_ledger_takes_the_shortcuts() -> None:
    """Else the tests below would compare the library with itself."""
    assert RUNTIME_LEDGER in aggregate._creations
    assert LIBRARY_LEDGER not in aggregate._creations
    for method in ("add", "relabel", "close"):
        assert type(vars(RUNTIME_LEDGER)[method]) is FunctionType
        assert type(vars(LIBRARY_LEDGER)[method]) is CommandMethodDecorator


def test_both_bases_store_the_same_topics_and_bytes(tmp_path: Path) -> None:
    _, by_library = _stored(LIBRARY_LEDGER, tmp_path / "library")
    _, by_runtime = _stored(RUNTIME_LEDGER, tmp_path / "runtime")
    assert [s.topic for s in by_runtime] == [
        f"{TOPIC}.{name}"
        for name in ("Opened", "Added", "Added", "Added", "Relabelled", "Relabelled", "Closed")
    ]
    assert by_runtime == by_library
    assert b'"class_version":2' in by_runtime[-1].state


@pytest.mark.parametrize(
    ("writer", "reader"),
    [(LIBRARY_LEDGER, RUNTIME_LEDGER), (RUNTIME_LEDGER, LIBRARY_LEDGER)],
    ids=["library-to-runtime", "runtime-to-library"],
)
def test_events_stored_by_one_base_reconstruct_the_same_aggregate_on_the_other(
    tmp_path: Path, writer: Any, reader: Any
) -> None:
    written, _ = _stored(writer, tmp_path)
    read = _read(reader, tmp_path, written.id)
    assert type(read) is reader
    expected = {k: v for k, v in vars(written).items() if k != "_pending_events"}
    assert {k: v for k, v in vars(read).items() if k != "_pending_events"} == expected
    assert read.entries == ["a", "b", "c", "c", "d"]
    assert (read.label, read.closed, read.version) == ("plan", (AT, "done"), 7)
    assert (read.created_on, read.modified_on) == (AT, AT + timedelta(microseconds=6))


def test_a_version_1_event_is_upcast_on_the_runtime_base(tmp_path: Path) -> None:
    """A `Closed` stored before its `reason` existed reads with the upcast's value."""
    written, stored = _stored(LIBRARY_LEDGER, tmp_path)
    old = stored[-1]
    state = old.state.replace(b',"reason":"done"', b"").replace(b',"class_version":2', b"")
    with _registered(RUNTIME_LEDGER):
        app = _store(tmp_path / "old")
        try:
            version_1 = StoredEvent(old.originator_id, old.originator_version, old.topic, state)
            app.recorder.insert_events([*stored[:-1], version_1])
            read = app.repository.get(written.id)
        finally:
            app.close()
    assert read.closed == (AT, "unknown")


def test_a_call_the_method_would_refuse_is_refused_as_the_library_refuses_it() -> None:
    with _registered(RUNTIME_LEDGER):
        ledger = RUNTIME_LEDGER(owner="x", entries=[])
        with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
            ledger.relabel(label="a", colour="red")
        with pytest.raises(TypeError, match="missing 1 required positional argument: 'entry'"):
            ledger.add()
        with pytest.raises(TypeError, match="missing 1 required positional argument: 'entries'"):
            RUNTIME_LEDGER(owner="x")
        with pytest.raises(TypeError, match="missing 1 required keyword-only argument: 'shout'"):
            ledger.relabel(label="a")  # the library's rule: every keyword-only one is required
        assert ledger.version == 1  # nothing recorded by the refused calls
        assert len(ledger.collect_events()) == 1


def test_the_class_still_calls_a_method_given_the_aggregate() -> None:
    """`Ledger.add(ledger, ...)`, as the library's unbound decorator allowed."""
    with _registered(RUNTIME_LEDGER):
        ledger = RUNTIME_LEDGER(owner="x", entries=[])
        RUNTIME_LEDGER.add(ledger, "z")
    assert ledger.entries == ["z"]
    assert [type(e).__name__ for e in ledger.collect_events()] == ["Opened", "Added"]
