"""Which count each public event adds to the statistics (D-5, D-6), on a real SQLite view."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import Tracking
from eventsourcing.sqlite import SQLiteDatastore

from contracts import (
    ChildWelfareReportMade,
    ConsentGiven,
    ConsentWithdrawn,
    DeviationReported,
    DeviationSummarised,
    HandoverAcknowledged,
    HandoverAcknowledgementOverdue,
    IntegrationEvent,
    MeetingHeld,
    MeetingScheduled,
    RedThreadMeetingOverdue,
    RedThreadPulled,
    SipEstablished,
    SipFollowUpOverdue,
    SipFollowUpRecorded,
)
from contracts.examples import EXAMPLES
from services.reporting.domain.measures import (
    INDICATORS,
    MEASURES,
    resolution_band,
    stockholm_month,
)
from services.reporting.views.statistics import SQLiteStatisticsView, Statistics, StatisticsView

TRACKING = Tracking("/samverkan/escalation#0", 7)


@pytest.fixture
def view(tmp_path: Path) -> Iterator[StatisticsView]:
    datastore = SQLiteDatastore(str(tmp_path / "statistics.db"))
    view = SQLiteStatisticsView(datastore)
    view.create_table()
    view.create_read_model()
    yield view
    datastore.close()


def counted(view: StatisticsView, event: Any) -> list[tuple[str, str, str]]:
    """The (measure, month, dimension) keys one event adds 1 to, with its position."""
    Statistics(view).process_event(event, TRACKING)
    assert view.max_tracking_id(TRACKING.application_name) == TRACKING.notification_id
    assert all(row.count == 1 for row in view.counts())
    return [(row.measure, row.month, row.dimension) for row in view.counts()]


def test_month_is_the_calendar_month_in_stockholm() -> None:
    # 31 March 2026 22:30 UTC is 1 April 00:30 in Stockholm (summer time).
    assert stockholm_month(datetime(2026, 3, 31, 22, 30, tzinfo=UTC)) == "2026-04"
    # 31 December 22:59 UTC is still 23:59 on New Year's Eve in Stockholm.
    assert stockholm_month(datetime(2026, 12, 31, 22, 59, tzinfo=UTC)) == "2026-12"


def test_red_threads_count_by_month_and_pulling_org_type(view: StatisticsView) -> None:
    event = EXAMPLES[RedThreadPulled].model_copy(
        update={"pulled_at": datetime(2026, 10, 31, 23, 30, tzinfo=UTC)}
    )
    assert counted(view, event) == [
        ("red_threads", "2026-11", "police"),
        ("red_threads_by_municipality", "2026-11", event.municipality_code),
    ]


def test_meetings_count_in_the_month_they_are_held(view: StatisticsView) -> None:
    event = EXAMPLES[MeetingScheduled].model_copy(
        update={"meeting_at": datetime(2026, 4, 2, 8, 0, tzinfo=UTC)}
    )
    assert counted(view, event) == [("meetings_scheduled", "2026-04", "all")]


def test_d1_deviations_count_by_month_and_category(view: StatisticsView) -> None:
    assert counted(view, EXAMPLES[DeviationReported]) == [("deviations", "2026-03", "no_sip")]


def test_consents_count_by_month_and_purpose(view: StatisticsView) -> None:
    assert counted(view, EXAMPLES[ConsentGiven]) == [
        ("consents_given", "2026-03", "red_thread_meeting")
    ]


@pytest.mark.parametrize("event", [EXAMPLES[ConsentWithdrawn], object()])
def test_an_event_no_measure_counts_only_moves_the_position(
    view: StatisticsView, event: Any
) -> None:
    assert counted(view, event) == []


@pytest.mark.parametrize(
    ("kind", "measure", "dimension"),
    [
        (MeetingHeld, "red_thread_meetings_held", "all"),
        (RedThreadMeetingOverdue, "red_thread_meetings_overdue", "all"),
        (HandoverAcknowledged, "handovers_acknowledged", "all"),
        (HandoverAcknowledgementOverdue, "handovers_overdue", "all"),
        (SipFollowUpRecorded, "sip_follow_ups", "all"),
        (SipFollowUpOverdue, "sip_follow_ups_overdue", "all"),
        (ChildWelfareReportMade, "child_welfare_reports", "0180"),
    ],
)
def test_d6_indicator_events_count_under_their_measure(
    view: StatisticsView, kind: type[IntegrationEvent], measure: str, dimension: str
) -> None:
    counts = counted(view, EXAMPLES[kind])
    assert (measure, dimension) in [(m, d) for m, _, d in counts]
    assert measure in MEASURES
    assert any(measure in group for group in INDICATORS.values())


def test_d6_sips_count_with_or_without_a_named_coordinator(tmp_path: Path) -> None:
    with_one = EXAMPLES[SipEstablished]
    without = with_one.model_copy(update={"coordinator": None})
    dimensions = set()
    for i, event in enumerate((with_one, without)):
        datastore = SQLiteDatastore(str(tmp_path / f"s{i}.db"))
        view = SQLiteStatisticsView(datastore)
        view.create_table()
        view.create_read_model()
        dimensions |= {d for m, _, d in counted(view, event) if m == "sips_established"}
        datastore.close()
    assert dimensions == {"with_coordinator", "without_coordinator"}


@pytest.mark.parametrize(
    ("days", "band"),
    [(0, "0-7 days"), (7, "0-7 days"), (8, "8-30 days"), (45, "31-90 days"), (91, "over 90 days")],
)
def test_d6_deviations_resolution_time_in_bands(view: StatisticsView, days: int, band: str) -> None:
    event: Any = EXAMPLES[DeviationSummarised]
    event = event.model_copy(update={"summarised_at": event.reported_at + timedelta(days=days)})
    month = stockholm_month(event.summarised_at)
    assert counted(view, event) == [
        ("deviation_resolution", month, band),
        ("deviations_summarised", month, "no_sip"),
    ]
    assert resolution_band(timedelta(days=days)) == band
