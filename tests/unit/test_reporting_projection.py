"""Which count each public event adds to the statistics (D-5, D-6), on a fake view."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from eventsourcing.persistence import Tracking

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
from services.reporting.statistics import (
    INDICATORS,
    MEASURES,
    Statistics,
    resolution_band,
    stockholm_month,
)
from tests.contract.examples import EXAMPLES

TRACKING = Tracking("/samverkan/escalation#0", 7)


class RecordingView:
    """Stands in for a StatisticsView: remembers what the projection asked of it."""

    def __init__(self) -> None:
        self.increments: list[tuple[list[tuple[str, str, str]], Tracking]] = []
        self.tracked_only: list[Tracking] = []

    def increment(self, counts: list[tuple[str, str, str]], tracking: Tracking) -> None:
        self.increments.append((counts, tracking))

    def insert_tracking(self, tracking: Tracking) -> None:
        self.tracked_only.append(tracking)


def counted(event: Any) -> RecordingView:
    view = RecordingView()
    Statistics(view).process_event(event, TRACKING)  # type: ignore[arg-type]
    return view


def test_month_is_the_calendar_month_in_stockholm() -> None:
    # 31 March 2026 22:30 UTC is 1 April 00:30 in Stockholm (summer time).
    assert stockholm_month(datetime(2026, 3, 31, 22, 30, tzinfo=UTC)) == "2026-04"
    # 31 December 22:59 UTC is still 23:59 on New Year's Eve in Stockholm.
    assert stockholm_month(datetime(2026, 12, 31, 22, 59, tzinfo=UTC)) == "2026-12"


def test_red_threads_count_by_month_and_pulling_org_type() -> None:
    event = EXAMPLES[RedThreadPulled].model_copy(
        update={"pulled_at": datetime(2026, 10, 31, 23, 30, tzinfo=UTC)}
    )
    view = counted(event)
    assert view.increments == [
        (
            [
                ("red_threads", "2026-11", "police"),
                ("red_threads_by_municipality", "2026-11", event.municipality_code),
            ],
            TRACKING,
        )
    ]


def test_meetings_count_in_the_month_they_are_held() -> None:
    event = EXAMPLES[MeetingScheduled].model_copy(
        update={"meeting_at": datetime(2026, 4, 2, 8, 0, tzinfo=UTC)}
    )
    assert counted(event).increments == [([("meetings_scheduled", "2026-04", "all")], TRACKING)]


def test_d1_deviations_count_by_month_and_category() -> None:
    view = counted(EXAMPLES[DeviationReported])
    assert view.increments == [([("deviations", "2026-03", "no_sip")], TRACKING)]


def test_consents_count_by_month_and_purpose() -> None:
    view = counted(EXAMPLES[ConsentGiven])
    assert view.increments == [([("consents_given", "2026-03", "red_thread_meeting")], TRACKING)]


@pytest.mark.parametrize("event", [EXAMPLES[ConsentWithdrawn], object()])
def test_an_event_no_measure_counts_only_moves_the_position(event: Any) -> None:
    view = counted(event)
    assert view.increments == []
    assert view.tracked_only == [TRACKING]


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
    kind: type[IntegrationEvent], measure: str, dimension: str
) -> None:
    [(counts, _)] = counted(EXAMPLES[kind]).increments
    assert [(m, d) for m, _, d in counts] == [(measure, dimension)]
    assert measure in MEASURES
    assert any(measure in group for group in INDICATORS.values())


def test_d6_sips_count_with_or_without_a_named_coordinator() -> None:
    with_one = EXAMPLES[SipEstablished]
    without = with_one.model_copy(update={"coordinator": None})
    dimensions = {counted(e).increments[0][0][0][2] for e in (with_one, without)}
    assert dimensions == {"with_coordinator", "without_coordinator"}


@pytest.mark.parametrize(
    ("days", "band"),
    [(0, "0-7 days"), (7, "0-7 days"), (8, "8-30 days"), (45, "31-90 days"), (91, "over 90 days")],
)
def test_d6_deviations_resolution_time_in_bands(days: int, band: str) -> None:
    event: Any = EXAMPLES[DeviationSummarised]
    event = event.model_copy(update={"summarised_at": event.reported_at + timedelta(days=days)})
    [(counts, _)] = counted(event).increments
    assert counts[0] == ("deviations_summarised", stockholm_month(event.summarised_at), "no_sip")
    assert counts[1][2] == band
    assert resolution_band(timedelta(days=days)) == band
