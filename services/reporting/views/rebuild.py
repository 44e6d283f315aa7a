"""Rebuilding the statistics (D-5, D-6) from the log: ``samverkan rebuild reporting-statistics``.

The statistics are derived from every service's public events, so they can
be built again from the topics when they are wrong (a counting bug fixed, a
new measure added) or lost. services.runtime.messaging.rebuild reads the topics; this
module is the reporting side of it (``reporting-statistics`` in the service's
``projections``, services.reporting.service):

- the same `Statistics` projection as the live service counts the events,
  into a view in a scratch in-memory SQLite database — most events only add
  to counts, and those are summed in memory, so the rebuild does no I/O per
  event; the rest of a fetched batch's changes (target groups, moved
  meetings) go into the scratch view in one transaction;
- only the types `Statistics` has a handler for are decoded at all
  (``counted``): the rest only move the position on;
- at the end the counts, the target-group tables and the tracking positions
  replace the live ones in the reporting store in one transaction, with the
  tables locked, so readers see the old statistics or the new ones, never a
  mix, and the running service carries on from the rebuilt positions.

Deviations (D-7) are not touched: they are the reporting service's own
events, not a projection, and a rebuild must not detect them twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, cast

from eventsourcing.application import Application
from eventsourcing.persistence import Tracking

from contracts import IntegrationEvent
from services.reporting.domain.measures import CountKey
from services.reporting.views.statistics import Statistics, StatisticsView, statistics_view
from services.runtime.messaging.rebuild import (
    RebuildableProjection,
    dispatcher_of,
    types_handled_by,
)
from services.runtime.messaging.republish import stored_log
from services.runtime.settings import RuntimeSettings
from services.runtime.store.sql import row_values, sql_for

UPSTREAM = ("consent", "cases", "escalation", "reporting")
"""Every service's topic, reporting's own included (its deviations are counted too)."""

COUNTS = "statistics_count"


class _Ahead(Exception):
    def __init__(self, ahead: dict[str, int]) -> None:
        super().__init__(ahead)
        self.ahead = ahead


class _Summing:
    """The scratch view, with plain counts summed in memory instead of one upsert each.

    Counts only ever add up, so summing them apart from the view's other
    changes (target groups, moved counts) gives the same totals. Tracking is
    not needed: the rebuild deduplicates before events get here.
    """

    def __init__(self, view: StatisticsView) -> None:
        self._view = view
        self.counts: Counter[CountKey] = Counter()
        self._pending: list[CountKey] = []

    def increment(self, counts: list[CountKey], tracking: Tracking) -> None:
        self._pending += counts  # summed once per batch (`settle`): one C loop

    def settle(self) -> None:
        """Add what the batch counted to the sums."""
        self.counts.update(self._pending)
        self._pending.clear()

    def insert_tracking(self, tracking: Tracking) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._view, name)


class StatisticsRebuilder:
    """Builds the statistics in a scratch database, then swaps them into the store."""

    def __init__(self, settings: RuntimeSettings) -> None:
        self._scratch_app: Application[Any] = Application(
            env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": ":memory:"}
        )
        self._scratch = statistics_view(self._scratch_app)
        self._summing = _Summing(self._scratch)
        self._projection = Statistics(cast(StatisticsView, self._summing))
        # process_event's own handler per event class, looked up once per class, not
        # per event (functools resolves and binds it on every call).
        self._dispatch = dispatcher_of(Statistics).dispatch
        self._handlers: dict[type[Any], Callable[[Any, Tracking], None]] = {}
        # Named as the service (on PostgreSQL the name picks the tables).
        self._store_app: Application[Any] = stored_log(settings, "reporting")
        self._live = statistics_view(self._store_app)

    @classmethod
    def open(cls, settings: RuntimeSettings) -> StatisticsRebuilder:
        return cls(settings)

    def apply(self, batch: Sequence[tuple[IntegrationEvent, Tracking]]) -> None:
        handlers = self._handlers
        # One scratch transaction per fetched batch, not one per event that changes
        # more than a count; lookups inside see the batch's own changes.
        with self._scratch.batch(None):
            for event, tracking in batch:
                kind = type(event)
                handler = handlers.get(kind)
                if handler is None:
                    handler = handlers[kind] = self._dispatch(kind).__get__(self._projection)
                handler(event, tracking)
        self._summing.settle()

    def tables(self) -> list[str]:
        """The view's tables: the counts and what counting by target group needs."""
        return list(StatisticsView.NAMES)

    def _flush(self) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
        """The scratch tables' columns and rows, the in-memory sums added in first."""
        self._summing.settle()
        if self._summing.counts:
            with self._scratch.datastore.transaction(commit=True) as cursor:
                cursor.executemany(
                    self._scratch.sql(StatisticsView.UPSERT_COUNT),
                    [(*key, n) for key, n in self._summing.counts.items()],
                )
            self._summing.counts.clear()
        contents: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = {}
        with self._scratch.datastore.transaction(commit=False) as cursor:
            for table in self.tables():
                cursor.execute(f"PRAGMA table_info({table})")
                columns = [row[1] for row in cursor.fetchall()]
                cursor.execute(f"SELECT {', '.join(columns)} FROM {table}")  # noqa: S608
                contents[table] = (columns, [tuple(row) for row in cursor.fetchall()])
        return contents

    def swap(self, positions: Mapping[str, int], sources: Collection[str]) -> dict[str, int]:
        contents = self._flush()
        datastore = self._live.datastore
        sql = sql_for(datastore)
        tracking = getattr(self._live, "tracking_table_name", "tracking")

        def spell(statement: str, table: str = tracking) -> str:
            """`statement` on `table` (``{table}``) and the tracking table (``{tracking}``)."""
            return sql.spell(statement, table=sql.table(table), tracking=sql.table(tracking))

        try:
            with datastore.transaction(commit=True) as cursor:
                # SQLite has no lock statement: the first write takes the database's write
                # lock until commit.
                lock = sql.lock([*self.tables(), tracking], "SHARE ROW EXCLUSIVE")
                if lock:
                    cursor.execute(lock)
                cursor.execute(spell("DELETE FROM {table}", COUNTS))
                cursor.execute(spell("SELECT application_name, notification_id FROM {tracking}"))
                live = {
                    str(row[0]): int(row[1])
                    for row in (row_values(r) for r in cursor.fetchall())
                    if str(row[0]).partition("#")[0] in sources
                }
                ahead = {n: p for n, p in live.items() if p > positions.get(n, 0)}
                if ahead:
                    raise _Ahead(ahead)  # rolls back the delete
                for table, (columns, rows) in contents.items():
                    if table != COUNTS:
                        cursor.execute(spell("DELETE FROM {table}", table))
                    if rows:
                        # The scratch table's own columns, as SQLite reported them.
                        insert = (
                            f"INSERT INTO {{table}} ({', '.join(columns)}) "  # noqa: S608
                            f"VALUES ({', '.join('?' for _ in columns)})"
                        )
                        cursor.executemany(spell(insert, table), rows)
                for stale in live:
                    cursor.execute(
                        spell("DELETE FROM {tracking} WHERE application_name = ?"), (stale,)
                    )
                cursor.executemany(
                    spell(
                        "INSERT INTO {tracking} (application_name, notification_id) VALUES (?, ?)"
                    ),
                    sorted(positions.items()),
                )
        except _Ahead as ahead:
            return ahead.ahead
        return {}

    def close(self) -> None:
        self._scratch_app.close()
        self._store_app.close()


statistics = RebuildableProjection(
    description="reporting's statistics (counts by month, D-5/D-6) from every events topic",
    upstream=UPSTREAM,
    open=StatisticsRebuilder.open,
    counted=types_handled_by(Statistics),
)
"""``reporting-statistics`` in the reporting service's projections (services.reporting.service)."""
