"""One statement, two databases: services.runtime.store.sql spells it for each, and a row
comes back the same from both (issue #20, item 4)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.application import Application

from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env
from services.runtime.store.sql import Sql, row_values, sql_for
from tests.support import on_store

SQLITE = Sql()
POSTGRES = Sql(schema="t1_cases")

CREATE = (
    "CREATE TABLE IF NOT EXISTS {tally} (name TEXT PRIMARY KEY, n {bigint} NOT NULL, "
    "share {real} NOT NULL, note TEXT NOT NULL DEFAULT '{{}}'){without_rowid}"
)
UPSERT = (
    "INSERT INTO {tally} AS t (name, n, share) VALUES (?, ?, ?) "
    "ON CONFLICT (name) DO UPDATE SET n = t.n + excluded.n, share = excluded.share "
    "RETURNING n"
)
SELECT = "SELECT name, n, share, note FROM {tally} WHERE name = ?"


def test_sqlite_spelling_keeps_the_statement_with_its_own_words() -> None:
    assert SQLITE.spell(CREATE, "tally") == (
        "CREATE TABLE IF NOT EXISTS tally (name TEXT PRIMARY KEY, n INTEGER NOT NULL, "
        "share REAL NOT NULL, note TEXT NOT NULL DEFAULT '{}') WITHOUT ROWID"
    )
    assert SQLITE.spell(SELECT, "tally") == "SELECT name, n, share, note FROM tally WHERE name = ?"


def test_postgres_spelling_qualifies_tables_and_uses_its_placeholders_and_words() -> None:
    assert POSTGRES.spell(CREATE, "tally") == (
        'CREATE TABLE IF NOT EXISTS "t1_cases"."tally" (name TEXT PRIMARY KEY, '
        "n BIGINT NOT NULL, share DOUBLE PRECISION NOT NULL, note TEXT NOT NULL DEFAULT '{}')"
    )
    assert POSTGRES.spell(SELECT, "tally") == (
        'SELECT name, n, share, note FROM "t1_cases"."tally" WHERE name = %s'
    )
    assert Sql(schema="").table("tally") == '"tally"'  # the search path's schema
    assert POSTGRES.spell("x {serial_key}") == "x BIGSERIAL PRIMARY KEY"
    assert SQLITE.spell("x {serial_key}") == "x INTEGER PRIMARY KEY AUTOINCREMENT"


def test_names_are_filled_in_as_given_and_never_read_as_placeholders() -> None:
    index = "CREATE INDEX IF NOT EXISTS {tally_name} ON {tally} (name)"
    assert POSTGRES.spell(index, "tally", tally_name="tally_name") == (
        'CREATE INDEX IF NOT EXISTS tally_name ON "t1_cases"."tally" (name)'
    )
    odd = Sql(schema='we"ird?{x}')
    assert odd.spell("SELECT n FROM {tally} WHERE name = ?", "tally") == (
        'SELECT n FROM "we""ird?{x}"."tally" WHERE name = %s'
    )


def test_names_that_could_change_a_statement_are_refused() -> None:
    with pytest.raises(ValueError, match="schema"):
        Sql(schema="a%s")
    with pytest.raises(ValueError, match="table name"):
        SQLITE.table("tally; DROP TABLE tally")
    with pytest.raises(ValueError, match="table name"):
        POSTGRES.table('tally"')


def test_only_postgres_locks_tables_for_its_replicas() -> None:
    assert SQLITE.lock(["a", "b"], "EXCLUSIVE") is None
    assert POSTGRES.lock(["a", "b"], "SHARE ROW EXCLUSIVE") == (
        'LOCK TABLE "t1_cases"."a", "t1_cases"."b" IN SHARE ROW EXCLUSIVE MODE'
    )


def test_only_sql_stores_have_a_spelling() -> None:
    with pytest.raises(TypeError):
        sql_for(object())


@pytest.fixture
def datastore(tmp_path: Path, store_backend: str, pg_schema_prefix: str) -> Iterator[Any]:
    settings = on_store(RuntimeSettings(var_dir=tmp_path), store_backend, pg_schema_prefix)
    application = Application(env=store_env(settings, "dialect"))  # owns the datastore
    yield application.recorder.datastore  # type: ignore[attr-defined]
    application.close()


def test_a_statement_written_once_runs_on_both_and_its_row_reads_the_same(
    datastore: Any, store_backend: str
) -> None:
    sql = sql_for(datastore)
    assert sql.postgres == (store_backend == "postgres")
    with datastore.transaction(commit=True) as cursor:
        cursor.execute(sql.spell(CREATE, "tally"))
        cursor.execute(sql.spell(UPSERT, "tally"), ("visits", 2, 0.25))
        assert row_values(cursor.fetchone()) == (2,)
        cursor.execute(sql.spell(UPSERT, "tally"), ("visits", 3, 0.5))
        assert row_values(cursor.fetchone()) == (5,)
    with datastore.transaction(commit=False) as cursor:
        cursor.execute(sql.spell(SELECT, "tally"), ("visits",))
        row = cursor.fetchone()
    assert row_values(row) == ("visits", 5, 0.5, "{}")


def test_row_values_reads_dict_and_tuple_rows_in_column_order() -> None:
    assert row_values({"b": 1, "a": 2}) == (1, 2)
    assert row_values((1, 2)) == (1, 2)
