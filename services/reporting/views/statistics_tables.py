"""The statistics view's tables: the counts and what counting by target group needs.

The SQL half of the statistics view (`services.reporting.views.statistics` is
the other: which event adds to which count). The view is an eventsourcing
`TrackingRecorder`: it adds to the counts and records the consumed position
(``source#partition``, producer sequence) in one transaction, so a redelivered
event is counted once. It lives in the reporting service's own database, beside
its event store (same SQLite file, or same PostgreSQL schema), and keeps only
the pseudonymous subject id and group codes beside the counts.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

from eventsourcing.application import Application
from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder

from services.reporting.domain.measures import CountKey, Row
from services.runtime.store.read_models import Operations, SqlReadModel
from services.runtime.store.sql import row_values


@dataclass(frozen=True)
class NewVisitScreening:
    """What the view remembers of a done new-visit screening until it is followed up."""

    month: str
    target_groups: tuple[str, ...]
    followed_up: bool


class StatisticsView(SqlReadModel):
    """Monthly counts per measure and dimension, with the position they reflect, and
    what counting by target group needs: each subject's groups per case and the done
    new-visit screenings (pseudonymous ids and codes only).

    Its statements are written once for both databases (`SqlReadModel`).
    """

    TABLES: ClassVar[tuple[str, ...]] = (
        "CREATE TABLE IF NOT EXISTS {statistics_count} ("
        "measure TEXT NOT NULL, month TEXT NOT NULL, dimension TEXT NOT NULL, "
        "count {bigint} NOT NULL, PRIMARY KEY (measure, month, dimension)){without_rowid}",
        "CREATE TABLE IF NOT EXISTS {statistics_target_group} ("
        "subject_id TEXT NOT NULL, case_id TEXT NOT NULL, target_group TEXT NOT NULL, "
        "PRIMARY KEY (subject_id, case_id, target_group))",
        "CREATE TABLE IF NOT EXISTS {statistics_screening} ("
        "screening_id TEXT NOT NULL PRIMARY KEY, subject_id TEXT NOT NULL, "
        "month TEXT NOT NULL, target_groups TEXT NOT NULL, followed_up INTEGER NOT NULL)",
        "CREATE INDEX IF NOT EXISTS statistics_screening_subject "
        "ON {statistics_screening} (subject_id)",
    )
    NAMES: ClassVar[tuple[str, ...]] = (
        "statistics_count",
        "statistics_target_group",
        "statistics_screening",
    )

    UPSERT_COUNT: ClassVar[str] = (
        "INSERT INTO {statistics_count} AS t (measure, month, dimension, count) "
        "VALUES (?, ?, ?, ?) ON CONFLICT (measure, month, dimension) "
        "DO UPDATE SET count = t.count + excluded.count"
    )
    """Add to a count, making it if need be; parameters: measure, month, dimension, n."""

    datastore: Any
    _insert_tracking: Callable[[Any, Tracking], None]
    _open_batch: threading.local

    @contextmanager
    def batch(self, tracking: Tracking | None, first: Tracking | None = None) -> Iterator[None]:
        """Count several events in ONE transaction, recorded at the last one's position
        and at the `first` one's (nothing recorded when `tracking` is None: a rebuild's
        scratch view, whose positions the rebuild keeps itself).

        Inside, `change` and the lookups use the batch's cursor, so an event sees
        what earlier ones in the batch changed (a case's new target groups, say),
        and no event records its own position: the consumer applies a batch only
        of events past the recorded position, in order. One commit per batch
        instead of per event is what lets the intake keep up with a busy topic.

        The first position makes the batch a compare-and-set on where it
        started: two owners of a partition during a rebalance that both
        started from the same position (1..4 and 1..6) cannot both commit —
        the second breaks the first position's uniqueness and counts nothing.
        """
        with self.batches([] if tracking is None else [(first, tracking)]):
            yield

    @contextmanager
    def batches(self, positions: Sequence[tuple[Tracking | None, Tracking]]) -> Iterator[None]:
        """As `batch`, for several partitions' events in ONE transaction: each partition
        recorded at its own last position and first (`positions`: first, last), so
        each is a compare-and-set on where it started, and one commit serves the
        consumer's whole fetch."""
        with self.datastore.transaction(commit=True) as cursor:
            self._batch().cursor = cursor
            try:
                yield
                for first, tracking in positions:
                    if first is not None and first.notification_id < tracking.notification_id:
                        self._insert_tracking(cursor, first)
                    self._insert_tracking(cursor, tracking)
            finally:
                self._batch().cursor = None

    def _batch(self) -> threading.local:
        if not hasattr(self, "_open_batch"):
            self._open_batch = threading.local()
        return self._open_batch

    def _batch_cursor(self) -> Any:
        return getattr(self._batch(), "cursor", None)

    def select(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        cursor = self._batch_cursor()
        if cursor is None:
            return super().select(statement, params)
        cursor.execute(self.sql(statement), params)
        return [row_values(row) for row in cursor.fetchall()]

    def increment(self, counts: list[CountKey], tracking: Tracking) -> None:
        """Add 1 per key and record `tracking`, in one transaction.

        A tracking position at or below the recorded one raises
        `IntegrityError` and adds nothing.
        """
        self.change(Counter(counts), [], tracking)

    def change(
        self, deltas: dict[CountKey, int], operations: Operations, tracking: Tracking
    ) -> None:
        """Add each delta (negative moves a count elsewhere), run the target-group
        `operations` and record `tracking`, all in one transaction (or in the open
        `batch`'s, which records the position itself)."""
        cursor = self._batch_cursor()
        if cursor is not None:
            self._write(cursor, deltas, operations)
            return
        with self.datastore.transaction(commit=True) as cursor:
            self._insert_tracking(cursor, tracking)
            self._write(cursor, deltas, operations)

    def _write(self, cursor: Any, deltas: dict[CountKey, int], operations: Operations) -> None:
        for statement, params in operations:
            cursor.execute(self.sql(statement), params)
        for key, n in deltas.items():
            if n:
                cursor.execute(self.sql(self.UPSERT_COUNT), (*key, n))

    def counts(self) -> list[Row]:
        """Every count, ordered by measure, month and dimension."""
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(
                self.sql(
                    "SELECT measure, month, dimension, count FROM {statistics_count} "
                    "ORDER BY measure, month, dimension"
                )
            )
            return [
                Row(m, month, d, int(n)) for m, month, d, n in map(row_values, cursor.fetchall())
            ]

    # --- target groups (D-6) ---------------------------------------------------------

    def case_target_groups(self, subject_id: str, case_id: str) -> frozenset[str]:
        rows = self.select(
            "SELECT target_group FROM {statistics_target_group} "
            "WHERE subject_id = ? AND case_id = ?",
            (subject_id, case_id),
        )
        return frozenset(r[0] for r in rows)

    def subject_target_groups(self, subject_id: str) -> frozenset[str]:
        """The union of the subject's cases' current target groups."""
        rows = self.select(
            "SELECT DISTINCT target_group FROM {statistics_target_group} WHERE subject_id = ?",
            (subject_id,),
        )
        return frozenset(r[0] for r in rows)

    def new_visit_screening(self, screening_id: str) -> NewVisitScreening | None:
        rows = self.select(
            "SELECT month, target_groups, followed_up FROM {statistics_screening} "
            "WHERE screening_id = ?",
            (screening_id,),
        )
        if not rows:
            return None
        month, groups, followed_up = rows[0]
        return NewVisitScreening(month, tuple(g for g in groups.split(",") if g), bool(followed_up))


def replace_case_groups(subject_id: str, case_id: str, groups: Iterable[str]) -> Operations:
    """The case's whole current set replaces what was kept for it."""
    operations: Operations = [
        (
            "DELETE FROM {statistics_target_group} WHERE subject_id = ? AND case_id = ?",
            (subject_id, case_id),
        )
    ]
    operations += [
        (
            "INSERT INTO {statistics_target_group} (subject_id, case_id, target_group) "
            "VALUES (?, ?, ?)",
            (subject_id, case_id, group),
        )
        for group in sorted(set(groups))
    ]
    return operations


def remember_new_visit(
    screening_id: str, subject_id: str, month: str, groups: Iterable[str]
) -> Operations:
    return [
        (
            "INSERT INTO {statistics_screening} "
            "(screening_id, subject_id, month, target_groups, followed_up) "
            "VALUES (?, ?, ?, ?, 0)",
            (screening_id, subject_id, month, ",".join(sorted(groups))),
        )
    ]


def mark_followed_up(screening_id: str) -> Operations:
    return [
        (
            "UPDATE {statistics_screening} SET followed_up = 1 WHERE screening_id = ?",
            (screening_id,),
        )
    ]


def forget_subject(subject_id: str) -> Operations:
    """Erasure: the subject's target groups and screenings go; the counts stay."""
    return [
        ("DELETE FROM {statistics_target_group} WHERE subject_id = ?", (subject_id,)),
        ("DELETE FROM {statistics_screening} WHERE subject_id = ?", (subject_id,)),
    ]


class SQLiteStatisticsView(SQLiteTrackingRecorder, StatisticsView):
    """The view in a service's SQLite file."""


class PostgresStatisticsView(PostgresTrackingRecorder, StatisticsView):
    """The view in a service's PostgreSQL schema."""


def statistics_view(application: Application[Any]) -> StatisticsView:
    """The view, with its tables, in the same database as `application`'s event store."""
    datastore = getattr(application.recorder, "datastore", None)
    view: StatisticsView
    if isinstance(datastore, PostgresDatastore):
        view = PostgresStatisticsView(datastore)
    elif isinstance(datastore, SQLiteDatastore):
        view = SQLiteStatisticsView(datastore)
    else:
        msg = f"no statistics view for a {type(datastore).__name__} store"
        raise TypeError(msg)
    view.create_table()
    view.create_read_model()
    return view
