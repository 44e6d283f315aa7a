"""Where the relay reads new events from: on a SQLite file, a connection of its own (#24).

eventsourcing's SQLite pool hands out connections in the order asked for, and
a writer waiting for the write lock holds that queue: every read asked for
behind it, the relay's included, waits until the commit in progress is done.
Under a steady stream of commands there nearly always is one, so the relay
learnt of each event up to a commit (an fsync) late; its reads took 0.7 ms at
p50 but 20 ms at p90 at 200 saves a second. SQLite in WAL mode (which the pool
sets) lets a reader on a connection of its own read beside the writer, seeing
every committed transaction; SQLite's single writer assigns the rowids in
commit order, so the relay's reading by rowid misses nothing either way.

In-memory SQLite (one database per pool) and PostgreSQL (a pool without that
queue) are read as before, through the application's recorder, and so is a
recorder whose reading was replaced (a test's, or a subclass's).

Closing that connection waits for the reads still under way on it (a discarded
read-ahead finishes its read in a worker thread after the relay stopped):
SQLite's connection closed beside a read in another thread crashed the whole
process (a segmentation fault in `make test`, 2026-12-06).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from eventsourcing.persistence import Notification
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore

Select = Callable[[int, int], Sequence[Notification]]
"""Up to `limit` notifications from `start` (the recorder's `select_notifications`)."""


class ReaderClosed(RuntimeError):
    """A read asked for after the relay's own connection was closed (a stopped relay)."""


class NotificationReader:
    """The relay's reads of the notification log, and what they hold open."""

    def __init__(self, select: Select, own: SQLiteDatastore | None = None) -> None:
        self._select = select
        self._own = own
        self._reads = 0
        self._closed = False
        self._idle = threading.Condition()

    def select(self, start: int, limit: int) -> Sequence[Notification]:
        """Up to `limit` notifications from `start`; counted while under way on an own
        connection, so that `close` can wait for them."""
        if self._own is None:
            return self._select(start, limit)
        with self._idle:
            if self._closed:
                raise ReaderClosed("the relay's reading connection is closed")
            self._reads += 1
        try:
            return self._select(start, limit)
        finally:
            with self._idle:
                self._reads -= 1
                self._idle.notify_all()

    @classmethod
    def of(cls, recorder: Any) -> NotificationReader:
        """A reader on a SQLite file's own connection, or the recorder's own reads."""
        datastore = getattr(recorder, "datastore", None)
        if (
            not isinstance(recorder, SQLiteApplicationRecorder)
            or not isinstance(datastore, SQLiteDatastore)
            or datastore.pool.is_sqlite_memory_mode
            or "select_notifications" in vars(recorder)
            or type(recorder).select_notifications
            is not SQLiteApplicationRecorder.select_notifications
        ):
            return cls(recorder.select_notifications)
        pool = datastore.pool
        # One connection; a second while a discarded read-ahead still finishes its read.
        own = SQLiteDatastore(pool.db_name, lock_timeout=pool.lock_timeout, pool_size=1)
        reader = SQLiteApplicationRecorder(own, events_table_name=recorder.events_table_name)
        return cls(reader.select_notifications, own)

    def close(self) -> None:
        """Close the own connection once no read is under way on it; later reads fail
        (`ReaderClosed`). It blocks for as long as such a read takes: call it off the
        event loop."""
        if self._own is None:
            return
        with self._idle:
            self._closed = True
            self._idle.wait_for(lambda: self._reads == 0)
        self._own.close()
