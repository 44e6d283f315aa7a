"""SQL read models beside a service's event store, and keeping them current.

A service answers some questions from tables shaped for them (decisions,
deadlines, notices) instead of replaying aggregates. Such a read model:

- lives in the service's own database (SQLite file or PostgreSQL schema),
  with the same statements for both: ``?`` placeholders and ``{name}`` for
  its tables and indexes, spelled per database by services.runtime.store.sql;
- records, with every change, the notification it reflects (eventsourcing
  tracking), in the same transaction;
- is kept level with the service's own notification log by a `Follower`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar
from uuid import uuid4

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError, Tracking, TrackingRecorder
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder

from services.runtime.store.sql import row_values, sql_for

log = logging.getLogger(__name__)

Operations = list[tuple[str, tuple[Any, ...]]]
"""Statements with their parameters, applied together with one tracking record."""


def micros(instant: datetime) -> int:
    """Instants as integer microseconds since the epoch: comparable in SQL, exact."""
    return round(instant.timestamp() * 1_000_000)


def instant(us: int | None) -> datetime | None:
    return None if us is None else datetime.fromtimestamp(us / 1_000_000, UTC)


values = row_values
"""A row as a tuple (kept under this name for the read models that import it)."""


class SqlReadModel(TrackingRecorder):
    """Base of a read model: its statements, written once for both databases."""

    TABLES: ClassVar[Sequence[str]] = ()
    """CREATE statements for the read model's tables and indexes."""
    NAMES: ClassVar[Sequence[str]] = ()
    """Table names used as ``{name}`` in statements (schema-qualified on PostgreSQL)."""
    INDEXES: ClassVar[Sequence[str]] = ()
    """Index names used as ``{name}`` (schema-local, never qualified)."""

    datastore: Any
    _insert_tracking: Any

    def sql(self, statement: str) -> str:
        return sql_for(self.datastore).spell(
            statement, *self.NAMES, **{name: name for name in self.INDEXES}
        )

    def create_read_model(self) -> None:
        with self.datastore.transaction(commit=True) as cursor:
            for statement in self.TABLES:
                cursor.execute(self.sql(statement))

    def apply(self, operations: Operations, tracking: Tracking) -> None:
        """Run the projection's statements and record `tracking`, in one transaction."""
        with self.datastore.transaction(commit=True) as cursor:
            self._insert_tracking(cursor, tracking)
            for statement, params in operations:
                cursor.execute(self.sql(statement), params)

    def select(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(self.sql(statement), params)
            return [values(row) for row in cursor.fetchall()]


V = TypeVar("V", bound=SqlReadModel)


def sql_read_model(
    kind: type[V], application: Application[Any], *, tracking_table: str | None = None
) -> V:
    """An instance of `kind` on the application's own database, its tables created.

    `tracking_table` names the read model's own tracking table on PostgreSQL,
    when it must not share the application's.
    """
    datastore = getattr(application.recorder, "datastore", None)
    if datastore is None:
        # eventsourcing's in-memory store (service-layer tests): the read model in memory too.
        datastore = vars(application).setdefault(
            "_read_model_datastore", SQLiteDatastore(f"file:{uuid4()}?mode=memory&cache=shared")
        )
    recorder: type[TrackingRecorder]
    if isinstance(datastore, PostgresDatastore):
        recorder = PostgresTrackingRecorder
    elif isinstance(datastore, SQLiteDatastore):
        recorder = SQLiteTrackingRecorder
    else:
        msg = f"no SQL read model on {type(datastore).__name__}"
        raise TypeError(msg)
    concrete = type(
        f"{recorder.__name__.removesuffix('TrackingRecorder')}{kind.__name__}", (recorder, kind), {}
    )
    options = (
        {"tracking_table_name": tracking_table}
        if tracking_table and recorder is (PostgresTrackingRecorder)
        else {}
    )
    view: Any = concrete(datastore, **options)
    view.create_table()
    view.create_read_model()
    made: V = view
    return made


R = TypeVar("R")
REMEMBERED_READS = 10_000
"""How many answers a Follower remembers before it starts afresh (bounds memory)."""


class Follower:
    """Keeps a read model level with the application's notification log.

    Called before reads that must not lag (and on schedules). When this
    process is the store's only writer (a SQLite file) it knows whether
    anything was saved since it last caught up and then skips the database
    entirely; with a shared store (PostgreSQL, several replicas) it asks the
    database every time, so another replica's writes count at once.
    """

    def __init__(self, application: Application[Any], projection: Any, name: str) -> None:
        self._application = application
        self._projection = projection
        self._name = name
        datastore = getattr(application.recorder, "datastore", None)
        self._shared_store = isinstance(datastore, PostgresDatastore)
        self._lock = threading.Lock()
        self._saved_since_catch_up = True
        self._generation = 0  # bumped whenever this follower changes the read model
        self._remembered: dict[Hashable, tuple[int, Any]] = {}
        listeners = getattr(application, "save_listeners", None)
        if listeners is not None:
            listeners.append(self.saved)

    def saved(self) -> None:
        """The application stored something (its save listener)."""
        self._saved_since_catch_up = True

    def level_in_process(self) -> bool:
        """Whether catching up is known to be a no-op without asking the database."""
        return not (self._saved_since_catch_up or self._shared_store)

    def remembered(self, key: Hashable, read: Callable[[], R]) -> R:
        """`read()`, remembered until this follower next changes the read model.

        For the hottest reads (consent's decisions: hundreds a second, about
        records that change a few times a year). Only where this process is
        the store's one writer (SQLite): then nothing but this follower
        changes the read model, so an answer stays right until it projects
        again. With a shared store another replica may change it at any
        time, so every read goes to the database. Call after `catch_up`.
        """
        if self._shared_store:
            return read()
        generation = self._generation
        hit = self._remembered.get(key)
        if hit is not None and hit[0] == generation:
            value: R = hit[1]
            return value
        value = read()
        if len(self._remembered) >= REMEMBERED_READS:
            self._remembered.clear()
        self._remembered[key] = (generation, value)
        return value

    def recalled(self, key: Hashable) -> tuple[Any] | None:
        """What `remembered` would answer for `key` without the database, in a 1-tuple, or
        None when it would read: the follower is not known to be level, or the answer
        was not remembered since the read model last changed. For a caller that must
        not wait on the store (an event loop)."""
        if not self.level_in_process() or self._lock.locked():
            return None
        hit = self._remembered.get(key)
        if hit is None or hit[0] != self._generation:
            return None
        return (hit[1],)

    def catch_up(self) -> None:
        # Level only once no other thread is still catching up: that one cleared the flag
        # before projecting, and a read must not overtake it (a red thread just pulled
        # was missing from /v1/deadlines while the overdue schedule was projecting it).
        if self.level_in_process() and not self._lock.locked():
            return
        with self._lock:
            self._saved_since_catch_up = False
            view = self._projection.view
            head = self._application.recorder.max_notification_id() or 0
            position = view.max_tracking_id(self._name) or 0
            while position < head:
                notifications = self._application.recorder.select_notifications(
                    position + 1, 500, stop=head
                )
                for notification in notifications:
                    domain_event = self._application.mapper.to_domain_event(notification)
                    try:
                        self._projection.process_event(
                            domain_event, Tracking(self._name, notification.id)
                        )
                    except IntegrityError:
                        # A duplicate only when its tracking row proves it (another
                        # replica projected it first: same rows, same position); the
                        # view's own constraint failing is an error, never skipped.
                        if not view.has_tracking_id(self._name, notification.id):
                            raise
                        log.debug("notification %s already projected", notification.id)
                position = notifications[-1].id if notifications else head
                self._generation += 1
