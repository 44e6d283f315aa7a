"""Event-store wiring: which database a service writes to, and the relay's bookkeeping.

Every service owns its data: one SQLite file per service under ``var/`` on a
developer machine, one PostgreSQL schema per service in production. The
eventsourcing library does the event storage; this module only turns our
settings into its environment and keeps the outbox relay's position next to
the events it describes (same database, so a restore brings both back
together).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

import psycopg
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteDatastore
from psycopg import sql

from services.runtime.settings import RuntimeSettings
from services.runtime.store.recorders import recorder_env
from services.runtime.store.sql import own_table, row_values


def store_env(settings: RuntimeSettings, service: str) -> dict[str, str]:
    """The eventsourcing environment for ``service``'s own store."""
    if settings.database_url is None:
        settings.var_dir.mkdir(parents=True, exist_ok=True)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(settings.var_dir / f"{service}.db"),
            "SQLITE_LOCK_TIMEOUT": "10",
        } | recorder_env("eventsourcing.sqlite")
    url = urlsplit(settings.database_url)
    if url.scheme not in {"postgres", "postgresql"}:
        msg = f"database_url must be a postgresql:// URL, not {url.scheme}://"
        raise ValueError(msg)
    schema = f"{settings.database_schema_prefix}{service}"
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": url.path.lstrip("/") or "postgres",
        "POSTGRES_HOST": url.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_USER": unquote(url.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(url.password or ""),
        "POSTGRES_SCHEMA": schema,
        "POSTGRES_CONNECT_TIMEOUT": str(settings.database_connect_timeout_seconds),
        "POSTGRES_LOCK_TIMEOUT": "5",
        "POSTGRES_PRE_PING": "y",
    } | recorder_env("eventsourcing.postgres")
    ensure_schema(env)
    return env


class StoreMissing(LookupError):
    """A service's store is not where the settings point: a command that only reads
    must say so rather than create an empty one and report on that."""


def require_store(settings: RuntimeSettings, service: str) -> None:
    """Raise StoreMissing unless ``service``'s store exists (its SQLite file, or its
    PostgreSQL schema), without creating anything."""
    if settings.database_url is None:
        path = settings.var_dir / f"{service}.db"
        if not path.is_file():
            msg = (
                f"no store for {service} at {path}: check SAMVERKAN_VAR_DIR "
                f"(now {settings.var_dir}); nothing was created"
            )
            raise StoreMissing(msg)
        return
    url = urlsplit(settings.database_url)
    schema = f"{settings.database_schema_prefix}{service}"
    with psycopg.connect(
        settings.database_url,
        connect_timeout=settings.database_connect_timeout_seconds,
        autocommit=True,
    ) as conn:
        found = conn.execute(
            "SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", (schema,)
        ).fetchone()
    if found is None:
        where = f"{url.hostname or '127.0.0.1'}:{url.port or 5432}/{url.path.lstrip('/')}"
        msg = (
            f"no store for {service}: schema {schema} not in the database at {where}; check "
            "SAMVERKAN_DATABASE_URL and SAMVERKAN_DATABASE_SCHEMA_PREFIX; nothing was created"
        )
        raise StoreMissing(msg)


@contextmanager
def setup_lock(settings: RuntimeSettings, service: str) -> Iterator[None]:
    """Hold a PostgreSQL advisory lock while a service creates its tables.

    ``CREATE TABLE IF NOT EXISTS`` is not safe against itself: two replicas
    starting at once on a new schema can both try to create the same table and
    one fails with a unique violation in ``pg_type``. Replicas of one service
    take this lock in turn around start-up, so the second finds the tables
    made. Nothing to do for SQLite (one process per file).
    """
    if settings.database_url is None:
        yield
        return
    key = zlib.crc32(f"samverkan-setup:{settings.database_schema_prefix}{service}".encode())
    with psycopg.connect(
        settings.database_url,
        connect_timeout=settings.database_connect_timeout_seconds,
        autocommit=True,
    ) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (key,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (key,))


def ensure_schema(env: Mapping[str, str]) -> None:
    """Create the service's schema; eventsourcing creates tables but not schemas."""
    with psycopg.connect(
        dbname=env["POSTGRES_DBNAME"],
        host=env["POSTGRES_HOST"],
        port=int(env["POSTGRES_PORT"]),
        user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"] or None,
        connect_timeout=5,
        autocommit=True,
    ) as conn:
        conn.execute(
            sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(env["POSTGRES_SCHEMA"]))
        )


@dataclass
class RelayPosition:
    """How far the relay got, and what it needs to carry on from there.

    ``tails`` is the last sequence published to each partition, so the next
    message can carry its predecessor (``ce_prevsequence``) and consumers can
    see a gap. ``ends`` is each partition's end offset after our last publish;
    a broker reporting less has lost its log and everything is republished.
    """

    sequence: int = 0
    tails: dict[int, int] = field(default_factory=dict)
    ends: dict[int, int] = field(default_factory=dict)


class RelayPositions:
    """The outbox relay's position table, in the service's own database."""

    def __init__(self, datastore: SQLiteDatastore | PostgresDatastore) -> None:
        self._datastore = datastore
        spell = own_table(
            datastore,
            "relay_position",
            "CREATE TABLE IF NOT EXISTS {relay_position} (topic TEXT PRIMARY KEY, "
            "sequence {bigint} NOT NULL, state TEXT NOT NULL)",
        )
        self._select = spell("SELECT sequence, state FROM {relay_position} WHERE topic = ?")
        self._upsert = spell(
            "INSERT INTO {relay_position} (topic, sequence, state) VALUES (?, ?, ?) "
            "ON CONFLICT (topic) DO UPDATE SET sequence = excluded.sequence, "
            "state = excluded.state"
        )

    def load(self, topic: str) -> RelayPosition:
        with self._datastore.transaction(commit=False) as cursor:
            cursor.execute(self._select, (topic,))
            row = cursor.fetchone()
        if row is None:
            return RelayPosition()
        sequence, state = row_values(row)
        decoded = json.loads(state)
        return RelayPosition(
            sequence=int(sequence),
            tails={int(k): int(v) for k, v in decoded["tails"].items()},
            ends={int(k): int(v) for k, v in decoded["ends"].items()},
        )

    def save(self, topic: str, position: RelayPosition) -> None:
        state = json.dumps({"tails": position.tails, "ends": position.ends})
        with self._datastore.transaction(commit=True) as cursor:
            cursor.execute(self._upsert, (topic, position.sequence, state))
