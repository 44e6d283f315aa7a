"""One active outbox relay per service, however many replicas run.

Several replicas of a service share one PostgreSQL schema; each would
otherwise publish the same notifications. A session-level advisory lock
elects one: the replica holding it relays, the others wait and take over
when its session ends (crash, shutdown, lost connection). Duplicates would
be harmless (consumers skip them), so this is about load, not correctness —
which is why a moment of overlap while a lost session is noticed is fine.

With a SQLite file there is one process per store, so it always leads.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from typing import Any

import psycopg
from eventsourcing.postgres import PostgresDatastore

log = logging.getLogger(__name__)


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for a name."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class LostLeadership(Exception):
    """Another replica may be relaying now: stop, and queue up to lead again."""


class Leadership:
    """Always leader: the store has one writer process (SQLite)."""

    async def acquire(self, standing_by: Callable[[], None] | None = None) -> None:
        return None

    async def still_leading(self) -> bool:
        return True

    async def release(self) -> None:
        return None


class AdvisoryLockLeadership(Leadership):
    """Leader while holding `pg_try_advisory_lock(key)` on a session of its own."""

    def __init__(self, datastore: PostgresDatastore, name: str, poll_seconds: float = 2.0) -> None:
        pool: Any = datastore.pool
        # The store's own connection settings, with plain tuple rows.
        self._conninfo: str = pool.conninfo
        self._kwargs: dict[str, Any] = {
            k: v for k, v in (pool.kwargs or {}).items() if k != "row_factory"
        }
        self._key = lock_key(name)
        self._name = name
        self._poll_seconds = poll_seconds
        self._connection: psycopg.Connection[Any] | None = None

    async def acquire(self, standing_by: Callable[[], None] | None = None) -> None:
        """Wait until this replica holds the lock.

        `standing_by` is called after each poll that reached the database but
        found another replica leading: a healthy standby, not a failure.
        """
        while not await asyncio.to_thread(self._try_lock):  # polls the database
            if standing_by is not None:
                standing_by()
            await asyncio.sleep(self._poll_seconds)
        log.info("leading %s", self._name)

    async def still_leading(self) -> bool:
        """False once the session (and with it the lock) is gone."""
        return await asyncio.to_thread(self._alive)

    async def release(self) -> None:
        await asyncio.to_thread(self._close)

    def _try_lock(self) -> bool:
        if self._connection is None or self._connection.closed:
            self._connection = psycopg.connect(self._conninfo, autocommit=True, **self._kwargs)
        row = self._connection.execute("SELECT pg_try_advisory_lock(%s)", (self._key,)).fetchone()
        return bool(row and row[0])

    def _alive(self) -> bool:
        try:
            assert self._connection is not None
            self._connection.execute("SELECT 1")
        except (psycopg.Error, AssertionError):
            self._close()
            return False
        return True

    def _close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def leadership_for(datastore: Any, name: str) -> Leadership:
    if isinstance(datastore, PostgresDatastore):
        return AdvisoryLockLeadership(datastore, name)
    return Leadership()
