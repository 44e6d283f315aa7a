"""Statements written once, spelled for SQLite or PostgreSQL.

A service keeps tables of its own beside its events (the relay's position,
the access log, subject keys, read models …): in its SQLite file on a
developer machine, in its PostgreSQL schema in production. Their statements
are written once, in one form, and spelled for the database here, so no
other module has to know which one it is talking to:

- ``?`` for each parameter (``%s`` on PostgreSQL);
- ``{name}`` for a table of the service: the bare name in SQLite (the file is
  the service's), ``"schema"."name"`` on PostgreSQL (quoted, so the schema
  from the settings cannot change the statement);
- ``{bigint}``, ``{real}``, ``{serial_key}`` and ``{without_rowid}`` for the
  few words the two spell differently (`WORDS`).

Everything else the services use reads the same in both (``ON CONFLICT … DO
UPDATE``, ``excluded``, ``RETURNING``, ``INSERT INTO … AS alias``). A
statement is a ``str.format`` template, so a literal brace is doubled
(``'{{}}'``), and it holds no ``?`` or ``%`` outside its parameters.

Rows come back as dicts from the PostgreSQL store (its pool makes dict rows)
and as tuples from SQLite; `row_values` reads both the same way.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import psycopg
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteDatastore
from psycopg import sql as pg

WORDS: dict[bool, dict[str, str]] = {
    False: {
        "bigint": "INTEGER",
        "real": "REAL",
        "serial_key": "INTEGER PRIMARY KEY AUTOINCREMENT",
        "without_rowid": " WITHOUT ROWID",
    },
    True: {
        "bigint": "BIGINT",
        "real": "DOUBLE PRECISION",
        "serial_key": "BIGSERIAL PRIMARY KEY",
        "without_rowid": "",
    },
}
"""The words that differ, for SQLite (False) and PostgreSQL (True). ``{serial_key}``
is a primary key numbered by the database; ``{without_rowid}`` ends a CREATE TABLE
whose rows SQLite keeps in the primary key's b-tree alone."""

LockMode = Literal["EXCLUSIVE", "SHARE ROW EXCLUSIVE"]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Sql:
    """How one store spells the statements: SQLite (no schema) or a PostgreSQL schema."""

    schema: str | None = None
    """The PostgreSQL schema holding the service's tables; None for SQLite."""

    def __post_init__(self) -> None:
        # A "%" in a name would be read as a parameter by the driver once parameters are
        # passed; NUL ends a string in libpq. Neither is a schema anyone means to have.
        if self.schema is not None and ("%" in self.schema or "\0" in self.schema):
            msg = f"unusable PostgreSQL schema name {self.schema!r}"
            raise ValueError(msg)

    @property
    def postgres(self) -> bool:
        return self.schema is not None

    def table(self, name: str) -> str:
        """The service's table `name` as this store names it."""
        if not _NAME.fullmatch(name):
            msg = f"not a table name: {name!r}"
            raise ValueError(msg)
        if self.schema is None:
            return name
        parts = (self.schema, name) if self.schema else (name,)
        return pg.Identifier(*parts).as_string(None)

    def spell(self, statement: str, *tables: str, **names: str) -> str:
        """`statement` for this store.

        Each of `tables` fills the field of its own name with that table
        (``{relay_position}``); `names` fill their fields as given (index
        names, which stay schema-local, or a `table` already spelled).
        """
        return _spelled(self, statement, tables, tuple(sorted(names.items())))

    def lock(self, tables: Iterable[str], mode: LockMode) -> str | None:
        """A statement locking `tables` for the rest of the transaction, where replicas
        share them (PostgreSQL); None for SQLite, whose one writer process takes
        the whole file's write lock with its transaction's first write."""
        if self.schema is None:
            return None
        return f"LOCK TABLE {', '.join(self.table(t) for t in tables)} IN {mode} MODE"


@lru_cache(maxsize=2048)
def _spelled(
    sql: Sql, statement: str, tables: tuple[str, ...], names: tuple[tuple[str, str], ...]
) -> str:
    """Remembered: read models spell the same few statements on every change."""
    fields = WORDS[sql.postgres] | {t: sql.table(t) for t in tables} | dict(names)
    # Parameters first, so nothing filled in below is taken for one.
    template = statement.replace("?", "%s") if sql.postgres else statement
    return template.format(**fields)


def sql_for(datastore: object) -> Sql:
    """The spelling for the store behind an eventsourcing application."""
    if isinstance(datastore, PostgresDatastore):
        return Sql(schema=datastore.schema)
    if isinstance(datastore, SQLiteDatastore):
        return Sql()
    msg = f"no SQL tables on a {type(datastore).__name__}"
    raise TypeError(msg)


def own_table(datastore: Any, table: str, create: str) -> Callable[[str], str]:
    """Make one of the service's own tables if it is not there yet (`create`, a
    ``CREATE TABLE IF NOT EXISTS`` statement), and give back how to spell the other
    statements on it for this store: ``{<table>}`` in each is that table."""
    sql = sql_for(datastore)

    def spell(statement: str) -> str:
        return sql.spell(statement, table)

    with datastore.transaction(commit=True) as cursor:
        cursor.execute(spell(create))
    return spell


def row_values(row: Any) -> tuple[Any, ...]:
    """A row as a tuple in the order selected, whichever row factory the driver uses."""
    return tuple(row.values()) if isinstance(row, dict) else tuple(row)


def read_row(datastore: Any, statement: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
    """The first row of one read-only statement, or None.

    One statement is consistent on its own, so on PostgreSQL it runs on the
    pool's autocommit connection: one round trip, where a read transaction
    costs three (BEGIN, the statement, ROLLBACK) on every request that reads
    this way. SQLite reads in its own (local, cheap) transaction as before."""
    if isinstance(datastore, PostgresDatastore):
        with datastore.get_connection() as conn, conn.cursor() as cursor:
            cursor.execute(statement, params)
            row = cursor.fetchone()
    else:
        with datastore.transaction(commit=False) as cursor:
            cursor.execute(statement, params)
            row = cursor.fetchone()
    return None if row is None else row_values(row)


Statement = tuple[str, Sequence[Any]]
"""A statement as `Sql.spell` spells it, and its parameters."""


def commit_unflushed(
    datastore: PostgresDatastore, statements: Sequence[Statement]
) -> list[tuple[Any, ...] | None]:
    """Run `statements` as one PostgreSQL transaction in one round trip, committed
    without waiting for its WAL flush; the first row each returned (None if none).

    For bookkeeping that may be lost to a crash of the database (not of the
    service) without harm: a commit that waits for no flush costs no wait on
    the disk and no place in a group commit's batch, and it is visible to every
    other session at once, as any commit. PostgreSQL writes its log in order,
    so a later commit that does wait for its flush (a command's events) makes
    this one durable too. The statements are sent in pipeline mode (BEGIN, the
    setting, the statements, COMMIT, one sync); on an error nothing is
    committed and the connection is rolled back before the pool gets it back.
    """
    with datastore.get_connection() as conn:
        cursors = []
        try:
            with conn.pipeline():
                conn.execute("BEGIN")
                conn.execute("SET LOCAL synchronous_commit TO OFF")
                cursors = [conn.execute(statement, params) for statement, params in statements]
                conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(psycopg.Error):
                conn.rollback()
            raise
        rows = [cursor.fetchone() if cursor.description else None for cursor in cursors]
    return [None if row is None else row_values(row) for row in rows]
