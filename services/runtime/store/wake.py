"""Waking an outbox relay in another process: ``NOTIFY`` after a save, ``LISTEN`` in the relay.

In one process each save nudges the relay (``OutboxApplication.save_listeners``),
so an idle relay publishes at once. When the API and the relay are processes
of their own (services.runtime.ops.roles), nothing nudged it: it found new
events on its idle poll, half a second apart, so a quiet platform's events
reached Kafka a quarter of a second later on average. With a PostgreSQL store
the API process now sends a ``NOTIFY`` on the service's channel after a save,
and the relay process ``LISTEN``s there and wakes. Nothing rides on it: a
lost notification (a reconnect, a server restart) leaves the poll, and the
relay wakes once after every (re)connect in case it missed one.

The notifier never blocks a save: the saving thread only sets a flag, and one
thread of its own sends a ``NOTIFY`` for however many saves came meanwhile.
A SQLite store has no channel between processes, and no split roles either
(services.runtime.ops.roles refuses them): nothing to wake there.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import zlib
from collections.abc import Callable

import psycopg
from psycopg import sql

from services.runtime.settings import RuntimeSettings

log = logging.getLogger(__name__)

RETRY_SECONDS = 1.0


def wake_channel(settings: RuntimeSettings, service: str) -> str:
    """The service's channel: one per store (schema prefix and service), an identifier
    well under PostgreSQL's 63 characters whatever the prefix."""
    store = f"{settings.database_schema_prefix}{service}".encode()
    return f"samverkan_outbox_{zlib.crc32(store):08x}"


class SaveNotifier:
    """Sends ``NOTIFY <channel>`` after saves, from a thread of its own."""

    def __init__(self, settings: RuntimeSettings, service: str) -> None:
        if settings.database_url is None:
            raise ValueError("waking another process needs a PostgreSQL store")
        self._url = settings.database_url
        self._timeout = settings.database_connect_timeout_seconds
        self._notify = sql.SQL("NOTIFY {}").format(sql.Identifier(wake_channel(settings, service)))
        self._pending = threading.Event()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=f"{service}-wake", daemon=True)
        self._thread.start()

    def nudge(self) -> None:
        """After a save (any thread): never waits for the database."""
        self._pending.set()

    def close(self) -> None:
        self._closed = True
        self._pending.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        connection: psycopg.Connection[tuple[object, ...]] | None = None
        try:
            while True:
                self._pending.wait()
                if self._closed:
                    return
                self._pending.clear()
                try:
                    if connection is None or connection.closed:
                        connection = psycopg.connect(
                            self._url, autocommit=True, connect_timeout=self._timeout
                        )
                    connection.execute(self._notify)
                except (psycopg.Error, OSError) as error:
                    # The relay's poll covers it; try again on the next save.
                    log.warning("could not wake the relay: %r", error)
                    connection = None
                    time.sleep(RETRY_SECONDS)
        finally:
            if connection is not None:
                connection.close()


async def wake_on_saves(settings: RuntimeSettings, service: str, wake: Callable[[], None]) -> None:
    """``LISTEN`` on the service's channel and call `wake` for each notification, and
    once after every (re)connect; runs until cancelled."""
    if settings.database_url is None:
        return
    listen = sql.SQL("LISTEN {}").format(sql.Identifier(wake_channel(settings, service)))
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(
                settings.database_url,
                autocommit=True,
                connect_timeout=settings.database_connect_timeout_seconds,
            ) as connection:
                await connection.execute(listen)
                wake()  # whatever was saved while nobody listened
                async for _ in connection.notifies():
                    wake()
        except (psycopg.Error, OSError) as error:
            log.warning("not listening for saves (the relay polls meanwhile): %r", error)
        await asyncio.sleep(RETRY_SECONDS)
