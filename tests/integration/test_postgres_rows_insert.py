"""PostgreSQL stores insert events as four binary arrays: the library's rows, ids and order (#24).

`PostgresHookedInserts._insert_rows` replaces eventsourcing's one array of a
composite type (written as text by psycopg, each field escaped by a regular
expression: most of a consumer's insert CPU on PostgreSQL). What is stored
must not change: the same rows as the library's recorder stores for the same
events, notification ids handed out in the order the events were given (the
relay publishes in that order), on a lone insert, on a process recorder's
insert with its tracking record, and on a grouped (group commit) one.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.application import Application
from eventsourcing.persistence import StoredEvent, Tracking
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.projection import EventSourcedProjection
from eventsourcing.utils import get_topic
from psycopg.sql import SQL, Identifier

from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env
from services.runtime.store.group_commit import group_writes
from services.runtime.store.recorders import PostgresRecorder, PostgresTrackedRecorder
from tests.support import on_store


def _events(count: int) -> list[StoredEvent]:
    """Events of a few aggregates, interleaved, with states a text encoding must escape."""
    ids = [uuid.uuid4() for _ in range(3)]
    states = [b'{"a":"\\"quoted\\", (paren), {brace}, back\\\\slash"}', b"\x00\xff\x01 raw", b""]
    return [
        StoredEvent(ids[n % 3], n // 3 + 1, f"tests:Kind{n % 2}, with (parens)", states[n % 3])
        for n in range(count)
    ]


def _env(tmp_path: Path, prefix: str, service: str, recorder: type | None = None) -> Any:
    settings = on_store(RuntimeSettings(var_dir=tmp_path), "postgres", prefix)
    env = store_env(settings, service)
    if recorder is not None:
        env["APPLICATION_RECORDER_TOPIC"] = get_topic(recorder)
    return env


@pytest.fixture
def opened() -> Iterator[list[Any]]:
    """The applications whose recorders a test uses, kept open until it ends (an
    application closes its database pool once it is collected)."""
    apps: list[Any] = []
    yield apps
    for app in apps:
        app.close()


def _recorder(opened: list[Any], env: dict[str, str], process: bool = False) -> Any:
    kind: Any = EventSourcedProjection if process else Application
    opened.append(app := kind(env=env))
    return app.recorder


def _rows(recorder: Any) -> list[tuple[Any, ...]]:
    """Every stored row as the database holds it, in notification order."""
    table = SQL("{0}.{1}").format(
        Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name)
    )
    with recorder.datastore.get_connection() as conn, conn.cursor() as cursor:
        cursor.execute(
            SQL(
                "SELECT originator_id, originator_version, topic, state, notification_id "
                "FROM {0} ORDER BY notification_id"
            ).format(table)
        )
        return [tuple(row.values()) for row in cursor.fetchall()]


def test_a_lone_insert_stores_the_librarys_rows_with_ids_in_order(
    tmp_path: Path, pg_schema_prefix: str, opened: list[Any]
) -> None:
    ours = _recorder(opened, _env(tmp_path, pg_schema_prefix, "ours"))
    library = _recorder(
        opened, _env(tmp_path, pg_schema_prefix, "library", PostgresApplicationRecorder)
    )
    assert isinstance(ours, PostgresRecorder)
    assert type(library) is PostgresApplicationRecorder
    events = _events(7)

    ids = ours.insert_events(events)
    assert ids == library.insert_events(events)
    assert ids == list(range(1, 8))

    assert _rows(ours) == _rows(library)
    stored = [(r[0], r[1], r[2], bytes(r[3])) for r in _rows(ours)]
    assert stored == [(e.originator_id, e.originator_version, e.topic, e.state) for e in events]
    more = _events(2)
    assert ours.insert_events(more) == [8, 9]
    assert [n.originator_id for n in ours.select_notifications(8, 2)] == [
        e.originator_id for e in more
    ]


def test_a_process_recorders_insert_records_its_tracking_with_the_rows(
    tmp_path: Path, pg_schema_prefix: str, opened: list[Any]
) -> None:
    recorder = _recorder(opened, _env(tmp_path, pg_schema_prefix, "tracked"), process=True)
    assert isinstance(recorder, PostgresTrackedRecorder)
    events = _events(4)

    assert recorder.insert_events(events, tracking=Tracking("upstream#0", 5)) == [1, 2, 3, 4]

    assert recorder.max_tracking_id("upstream#0") == 5
    assert [bytes(r[3]) for r in _rows(recorder)] == [e.state for e in events]


def test_a_grouped_insert_stores_each_callers_rows_in_order(
    tmp_path: Path, pg_schema_prefix: str, opened: list[Any]
) -> None:
    recorder = _recorder(opened, _env(tmp_path, pg_schema_prefix, "grouped"))
    writes = group_writes(recorder, "grouped")
    assert writes is not None
    try:
        first, second = _events(3), _events(2)
        assert recorder.insert_events(first) == [1, 2, 3]
        assert recorder.insert_events(second) == [4, 5]
    finally:
        writes.close()
    stored = [(r[0], r[1], r[2], bytes(r[3])) for r in _rows(recorder)]
    assert stored == [
        (e.originator_id, e.originator_version, e.topic, e.state) for e in first + second
    ]
