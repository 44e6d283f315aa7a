"""The statistics read model: monthly counts built from every service's public events.

The measures are the follow-up indicators of seed 004 (D-6) as far as the
events allow them: accessibility (red-thread meetings held vs. passed their
14 days, handovers acknowledged vs. overdue), coordination (SIPs made, with
a named coordinator or not, followed up vs. overdue; consents), quality
(deviations by category, signed summaries, resolution time in bands) and
escalation (red threads by puller's organisation type and by municipality).
Each event is counted on its own, in the Stockholm month it is about: "held
within 14 days" is read as meetings held against meetings overdue in the
same month, since no single event carries both the pull and the meeting.

`Statistics` is an eventsourcing `Projection`; its view, a `TrackingRecorder`,
adds to the counts and records the consumed position (``source#partition``,
producer sequence) in one transaction, so a redelivered event is counted
once. The view lives in the reporting service's own database, beside its
event store (same SQLite file, or same PostgreSQL schema).

Counts are raw here. Small-cell suppression (D-5) is applied when they are
shown (`services.reporting.domain.suppress`), so a later rule change needs no
rebuild.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from eventsourcing.application import Application
from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.projection import Projection
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder
from psycopg import sql

from contracts import (
    ChildWelfareReportMade,
    ConsentGiven,
    DeviationDetected,
    DeviationReported,
    DeviationSummarised,
    HandoverAcknowledged,
    HandoverAcknowledgementOverdue,
    MeetingHeld,
    MeetingScheduled,
    RedThreadMeetingOverdue,
    RedThreadPulled,
    SipEstablished,
    SipFollowUpOverdue,
    SipFollowUpRecorded,
)
from services.runtime.time import stockholm_date

RED_THREADS = "red_threads"
MEETINGS_SCHEDULED = "meetings_scheduled"
DEVIATIONS = "deviations"
CONSENTS_GIVEN = "consents_given"
RED_THREADS_BY_MUNICIPALITY = "red_threads_by_municipality"
RED_THREAD_MEETINGS_HELD = "red_thread_meetings_held"
RED_THREAD_MEETINGS_OVERDUE = "red_thread_meetings_overdue"
HANDOVERS_ACKNOWLEDGED = "handovers_acknowledged"
HANDOVERS_OVERDUE = "handovers_overdue"
SIPS_ESTABLISHED = "sips_established"
SIP_FOLLOW_UPS = "sip_follow_ups"
SIP_FOLLOW_UPS_OVERDUE = "sip_follow_ups_overdue"
DEVIATIONS_SUMMARISED = "deviations_summarised"
DEVIATION_RESOLUTION = "deviation_resolution"
CHILD_WELFARE_REPORTS = "child_welfare_reports"
MEASURES = (
    RED_THREADS,
    MEETINGS_SCHEDULED,
    DEVIATIONS,
    CONSENTS_GIVEN,
    RED_THREADS_BY_MUNICIPALITY,
    RED_THREAD_MEETINGS_HELD,
    RED_THREAD_MEETINGS_OVERDUE,
    HANDOVERS_ACKNOWLEDGED,
    HANDOVERS_OVERDUE,
    SIPS_ESTABLISHED,
    SIP_FOLLOW_UPS,
    SIP_FOLLOW_UPS_OVERDUE,
    DEVIATIONS_SUMMARISED,
    DEVIATION_RESOLUTION,
    CHILD_WELFARE_REPORTS,
)
"""Every measure the statistics show, in the order they are reported."""

INDICATORS = {
    "accessibility": (
        RED_THREAD_MEETINGS_HELD,
        RED_THREAD_MEETINGS_OVERDUE,
        HANDOVERS_ACKNOWLEDGED,
        HANDOVERS_OVERDUE,
    ),
    "coordination": (SIPS_ESTABLISHED, SIP_FOLLOW_UPS, SIP_FOLLOW_UPS_OVERDUE, CONSENTS_GIVEN),
    "quality": (DEVIATIONS, DEVIATIONS_SUMMARISED, DEVIATION_RESOLUTION),
    "escalation": (RED_THREADS, RED_THREADS_BY_MUNICIPALITY, MEETINGS_SCHEDULED),
    "children": (CHILD_WELFARE_REPORTS,),
}
"""The follow-up indicators of seed 004 (D-6) and the measures that make them up."""

RESOLUTION_BANDS = ((7, "0-7 days"), (30, "8-30 days"), (90, "31-90 days"))
"""How long a deviation took from step 1 to the signed joint summary (D-6 quality)."""

ALL = "all"
"""Dimension value of a measure that is not broken down."""

CountKey = tuple[str, str, str]
"""(measure, month "YYYY-MM", dimension value)."""


@dataclass(frozen=True)
class Row:
    measure: str
    month: str
    dimension: str
    count: int


def resolution_band(took: timedelta) -> str:
    """The band of a deviation's resolution time, in whole days."""
    for days, band in RESOLUTION_BANDS:
        if took.days <= days:
            return band
    return "over 90 days"


def stockholm_month(instant: datetime) -> str:
    """The calendar month in Sweden ("YYYY-MM"): 23:30 UTC on 31 March is already April."""
    return stockholm_date(instant).strftime("%Y-%m")


class StatisticsView(TrackingRecorder):
    """Monthly counts per measure and dimension, with the position they reflect.

    The SQL differs per database (the subclasses hold it); what is done with
    it is the same, so it is written once here.
    """

    datastore: Any
    _upsert: Any
    _select: Any
    _insert_tracking: Callable[[Any, Tracking], None]

    def increment(self, counts: list[CountKey], tracking: Tracking) -> None:
        """Add 1 per key and record `tracking`, in one transaction.

        A tracking position at or below the recorded one raises
        `IntegrityError` and adds nothing.
        """
        with self.datastore.transaction(commit=True) as cursor:
            self._insert_tracking(cursor, tracking)
            for key, n in Counter(counts).items():
                cursor.execute(self._upsert, (*key, n))

    def counts(self) -> list[Row]:
        """Every count, ordered by measure, month and dimension."""
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(self._select)
            return [_row(r) for r in cursor.fetchall()]


class SQLiteStatisticsView(SQLiteTrackingRecorder, StatisticsView):
    _upsert = (
        "INSERT INTO statistics_count (measure, month, dimension, count) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (measure, month, dimension) "
        "DO UPDATE SET count = statistics_count.count + excluded.count"
    )
    _select = (
        "SELECT measure, month, dimension, count FROM statistics_count "
        "ORDER BY measure, month, dimension"
    )

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            "CREATE TABLE IF NOT EXISTS statistics_count ("
            "measure TEXT NOT NULL, month TEXT NOT NULL, dimension TEXT NOT NULL, "
            "count INTEGER NOT NULL, PRIMARY KEY (measure, month, dimension)) WITHOUT ROWID",
        ]


class PostgresStatisticsView(PostgresTrackingRecorder, StatisticsView):
    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        table = sql.Identifier(self.datastore.schema, "statistics_count")
        self.sql_create_statements.append(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} ("
                "measure text NOT NULL, month text NOT NULL, dimension text NOT NULL, "
                "count bigint NOT NULL, PRIMARY KEY (measure, month, dimension))"
            ).format(table)
        )
        self._upsert = sql.SQL(
            "INSERT INTO {0} AS t (measure, month, dimension, count) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (measure, month, dimension) DO UPDATE SET count = t.count + EXCLUDED.count"
        ).format(table)
        self._select = sql.SQL(
            "SELECT measure, month, dimension, count FROM {} ORDER BY measure, month, dimension"
        ).format(table)


def _row(record: Any) -> Row:
    return Row(
        measure=record["measure"],
        month=record["month"],
        dimension=record["dimension"],
        count=int(record["count"]),
    )


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
    return view


class Statistics(Projection[StatisticsView]):
    """Counts the facts the follow-up indicators (D-6) and the yearly review (D-5) need.

    Each count falls in the Stockholm calendar month of the moment the event
    is about. `MeetingScheduled` carries no time of scheduling, only
    `meeting_at`, so meetings count in the month they are held: that is also
    the month a coordinator asks about ("how many red-thread meetings did we
    hold in March?"), and it does not change when the events are replayed.
    """

    name = "statistics"

    @singledispatchmethod
    def process_event(self, event: Any, tracking: Tracking) -> None:
        """Events that no measure counts still move the position on."""
        self.view.insert_tracking(tracking)

    @process_event.register
    def _red_thread_pulled(self, event: RedThreadPulled, tracking: Tracking) -> None:
        month = stockholm_month(event.pulled_at)
        self.view.increment(
            [
                (RED_THREADS, month, event.pulled_by_org_type.value),
                (RED_THREADS_BY_MUNICIPALITY, month, event.municipality_code),
            ],
            tracking,
        )

    @process_event.register
    def _meeting_scheduled(self, event: MeetingScheduled, tracking: Tracking) -> None:
        month = stockholm_month(event.meeting_at)
        self.view.increment([(MEETINGS_SCHEDULED, month, ALL)], tracking)

    @process_event.register
    def _deviation_reported(self, event: DeviationReported, tracking: Tracking) -> None:
        month = stockholm_month(event.reported_at)
        self.view.increment([(DEVIATIONS, month, event.category.value)], tracking)

    @process_event.register
    def _deviation_detected(self, event: DeviationDetected, tracking: Tracking) -> None:
        """D-7: a missed deadline counts as a deviation like a reported one."""
        month = stockholm_month(event.detected_at)
        self.view.increment([(DEVIATIONS, month, event.category.value)], tracking)

    @process_event.register
    def _red_thread_meeting_held(self, event: MeetingHeld, tracking: Tracking) -> None:
        """D-6 accessibility: meetings held, beside those that passed 14 days (E-3)."""
        month = stockholm_month(event.meeting_at)
        self.view.increment([(RED_THREAD_MEETINGS_HELD, month, ALL)], tracking)

    @process_event.register
    def _red_thread_meeting_overdue(
        self, event: RedThreadMeetingOverdue, tracking: Tracking
    ) -> None:
        month = stockholm_month(event.overdue_at)
        self.view.increment([(RED_THREAD_MEETINGS_OVERDUE, month, ALL)], tracking)

    @process_event.register
    def _handover_acknowledged(self, event: HandoverAcknowledged, tracking: Tracking) -> None:
        """D-6 accessibility: the chain of care holds when handovers are acknowledged (K-5)."""
        month = stockholm_month(event.acknowledged_at)
        self.view.increment([(HANDOVERS_ACKNOWLEDGED, month, ALL)], tracking)

    @process_event.register
    def _handover_overdue(self, event: HandoverAcknowledgementOverdue, tracking: Tracking) -> None:
        month = stockholm_month(event.overdue_at)
        self.view.increment([(HANDOVERS_OVERDUE, month, ALL)], tracking)

    @process_event.register
    def _sip_established(self, event: SipEstablished, tracking: Tracking) -> None:
        """D-6 coordination: SIPs made (K-6), and whether they have a named coordinator."""
        month = stockholm_month(event.established_at)
        coordinated = "with_coordinator" if event.coordinator else "without_coordinator"
        self.view.increment([(SIPS_ESTABLISHED, month, coordinated)], tracking)

    @process_event.register
    def _sip_followed_up(self, event: SipFollowUpRecorded, tracking: Tracking) -> None:
        month = stockholm_month(event.recorded_at)
        self.view.increment([(SIP_FOLLOW_UPS, month, ALL)], tracking)

    @process_event.register
    def _sip_follow_up_overdue(self, event: SipFollowUpOverdue, tracking: Tracking) -> None:
        month = stockholm_month(event.overdue_at)
        self.view.increment([(SIP_FOLLOW_UPS_OVERDUE, month, ALL)], tracking)

    @process_event.register
    def _deviation_summarised(self, event: DeviationSummarised, tracking: Tracking) -> None:
        """D-6 quality: deviations handled (step 2 signed), and how long that took."""
        month = stockholm_month(event.summarised_at)
        band = resolution_band(event.summarised_at - event.reported_at)
        self.view.increment(
            [
                (DEVIATIONS_SUMMARISED, month, event.category.value),
                (DEVIATION_RESOLUTION, month, band),
            ],
            tracking,
        )

    @process_event.register
    def _child_welfare_report(self, event: ChildWelfareReportMade, tracking: Tracking) -> None:
        """D-6 (the child perspective): reports to social services (K-10), by municipality."""
        month = stockholm_month(event.reported_at)
        self.view.increment([(CHILD_WELFARE_REPORTS, month, event.municipality_code)], tracking)

    @process_event.register
    def _consent_given(self, event: ConsentGiven, tracking: Tracking) -> None:
        month = stockholm_month(event.given_at)
        self.view.increment([(CONSENTS_GIVEN, month, event.purpose.value)], tracking)
