"""One active outbox relay per service, however many replicas run.

Several replicas of a service share one PostgreSQL schema; each would
otherwise publish the same notifications. A session-level advisory lock
elects one: the replica holding it relays, the others wait and take over
when its session ends (crash, shutdown, lost connection). Duplicates would
be harmless (consumers skip them), so this is about load, not correctness —
which is why a moment of overlap while a lost session is noticed is fine.

A session only ends if someone notices. A leader whose process is frozen
(SIGSTOP, a stuck VM) keeps its TCP session alive — its kernel still answers
keepalives — and after a host crash or a network partition PostgreSQL keeps
the session until the kernel gives up on it (about two hours): no replica
would relay meanwhile. So leadership is a *lease* on the lock session:

* Server side, the lock session runs with ``idle_session_timeout`` = the
  lease (PostgreSQL 14+): a session that sends nothing for that long is
  ended by the server, which releases the lock whatever the state of the
  client, its host or the network. The healthy leader renews by pinging the
  session three times per lease, from an asyncio task, so a process whose
  event loop no longer runs stops renewing too. Standbys poll the lock more
  often than the lease, so one takes over within about lease + poll.
* Client side, the leader counts its lease from the start of its last
  successful ping (never later than the server counts) and says it no longer
  leads once that is older than the lease, without asking the server: a
  thawed or cut-off leader stops relaying before — or as — a standby starts.
  ``keepalives`` and ``tcp_user_timeout`` on the lock connection bound how
  long a ping to an unreachable server can hang.

This needs no table and no clock shared between hosts. Standby sessions get
no idle timeout: they hold nothing.

With a SQLite file there is one process per store, so it always leads.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
from eventsourcing.postgres import PostgresDatastore

log = logging.getLogger(__name__)

DEFAULT_LEASE_SECONDS = 15.0
RENEWALS_PER_LEASE = 3


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


def lock_connection_options(lease_seconds: float) -> dict[str, Any]:
    """libpq options so the lock connection notices a dead server or path within the lease.

    TCP keepalives probe an idle connection; ``tcp_user_timeout`` ends one
    whose sent data stays unacknowledged (a ping into a partition).
    """
    lease = max(1, int(lease_seconds))
    return {
        "keepalives": 1,
        "keepalives_idle": max(1, lease // RENEWALS_PER_LEASE),
        "keepalives_interval": 1,
        "keepalives_count": RENEWALS_PER_LEASE,
        "tcp_user_timeout": int(lease_seconds * 1000),
        "connect_timeout": max(2, lease // RENEWALS_PER_LEASE),
    }


class AdvisoryLockLeadership(Leadership):
    """Leader while holding `pg_try_advisory_lock(key)` on a session of its own,
    renewed as a lease (see the module docstring)."""

    def __init__(
        self,
        datastore: PostgresDatastore,
        name: str,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        poll_seconds: float = 2.0,
    ) -> None:
        pool: Any = datastore.pool
        # The store's own connection settings, with plain tuple rows.
        self._conninfo: str = pool.conninfo
        self._kwargs: dict[str, Any] = {
            **{k: v for k, v in (pool.kwargs or {}).items() if k != "row_factory"},
            **lock_connection_options(lease_seconds),
        }
        self._key = lock_key(name)
        self._name = name
        self._lease = lease_seconds
        # A standby polls more often than a lease, so a takeover waits at most one poll.
        self._poll_seconds = min(poll_seconds, lease_seconds / RENEWALS_PER_LEASE)
        self._connection: psycopg.Connection[Any] | None = None
        # One statement at a time on the lock connection: libpq connections are not
        # thread-safe, and close() must not run while a ping is in flight.
        self._guard = threading.Lock()
        self._renewed_at = 0.0  # monotonic start of the last successful renewal
        self._lost = False
        self._renewing: asyncio.Task[None] | None = None

    async def acquire(self, standing_by: Callable[[], None] | None = None) -> None:
        """Wait until this replica holds the lock, then keep renewing its lease.

        `standing_by` is called after each poll that reached the database but
        found another replica leading: a healthy standby, not a failure.
        """
        while True:
            started = time.monotonic()
            try:
                locked = await asyncio.to_thread(self._try_lock)  # polls the database
            except asyncio.CancelledError:
                # The poll's thread runs on and may take the lock after all: close its
                # session (once the poll is done), or the lock stays held, unrenewed and
                # unreleased, until the server's idle timeout ends it a lease later.
                await asyncio.shield(asyncio.to_thread(self._close))
                raise
            if locked:
                break
            if standing_by is not None:
                standing_by()
            await asyncio.sleep(self._poll_seconds)
        self._renewed_at = started
        self._lost = False
        self._renewing = asyncio.create_task(self._renew())
        log.info("leading %s (lease %.1fs)", self._name, self._lease)

    async def still_leading(self) -> bool:
        """False once a renewal failed or the lease ran out unrenewed.

        Answered from the lease alone, without a round trip, so the relay
        can ask before every batch.
        """
        if not self._lost and time.monotonic() - self._renewed_at >= self._lease:
            log.warning("lease on %s ran out unrenewed; standing down", self._name)
            self._lost = True
        return not self._lost

    async def release(self) -> None:
        if self._renewing is not None:
            self._renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewing
            self._renewing = None
        await asyncio.to_thread(self._close)

    async def _renew(self) -> None:
        """Ping the lock session well inside each lease, until that fails."""
        while not self._lost:
            await asyncio.sleep(self._lease / RENEWALS_PER_LEASE)
            started = time.monotonic()
            if await asyncio.to_thread(self._ping):
                self._renewed_at = started
            else:
                log.warning("lost the lock session for %s; standing down", self._name)
                self._lost = True

    def _try_lock(self) -> bool:
        with self._guard:
            if self._connection is None or self._connection.closed:
                self._connection = psycopg.connect(self._conninfo, autocommit=True, **self._kwargs)
            connection = self._connection
            row = connection.execute("SELECT pg_try_advisory_lock(%s)", (self._key,)).fetchone()
            if not (row and row[0]):
                return False
            try:
                # From now on the server ends this session (and frees the lock) when
                # the lease goes unrenewed; set_config takes a parameter, SET does not.
                connection.execute(
                    "SELECT set_config('idle_session_timeout', %s, false)",
                    (str(int(self._lease * 1000)),),
                )
            except BaseException:
                connection.close()  # never hold the lock without a lease
                self._connection = None
                raise
            return True

    def _ping(self) -> bool:
        with self._guard:
            try:
                assert self._connection is not None
                self._connection.execute("SELECT 1")
            except (psycopg.Error, AssertionError):
                return False
            return True

    def _close(self) -> None:
        with self._guard:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


def leadership_for(
    datastore: Any, name: str, lease_seconds: float = DEFAULT_LEASE_SECONDS
) -> Leadership:
    if isinstance(datastore, PostgresDatastore):
        return AdvisoryLockLeadership(datastore, name, lease_seconds)
    return Leadership()
