"""The statistics view on real stores: counts and the consumed position move together.

Runs against SQLite (a file) and PostgreSQL (a schema of the test's own),
each in the same database as the reporting service's event store.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from eventsourcing.persistence import IntegrityError, Tracking

from contracts import (
    ConsentWithdrawn,
    DeviationCategory,
    DeviationReported,
    MeetingScheduled,
    MeetingStage,
    RedThreadMeetingCancelled,
    RedThreadMeetingMoved,
)
from contracts.examples import EXAMPLES
from services.reporting.application import ReportingApplication
from services.reporting.domain.measures import Row
from services.reporting.views.statistics import Statistics, StatisticsView, statistics_view
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env

SOURCE = "/samverkan/reporting#1"


@pytest.fixture
def view(reporting_application: ReportingApplication) -> StatisticsView:
    return statistics_view(reporting_application)


def deviation(category: DeviationCategory, at: datetime) -> DeviationReported:
    example = EXAMPLES[DeviationReported]
    return example.model_copy(update={"category": category, "reported_at": at})


def test_the_view_shares_the_event_store_database(
    reporting_application: ReportingApplication, view: StatisticsView
) -> None:
    assert view.datastore is reporting_application.recorder.datastore  # type: ignore[attr-defined]


def test_processing_an_event_adds_its_count_and_records_the_position(
    view: StatisticsView,
) -> None:
    statistics = Statistics(view)
    march = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    # 23:30 UTC on 31 March is already April in Stockholm.
    april = datetime(2026, 3, 31, 22, 30, tzinfo=UTC)

    statistics.process_event(deviation(DeviationCategory.ROUTINES, march), Tracking(SOURCE, 1))
    statistics.process_event(deviation(DeviationCategory.ROUTINES, march), Tracking(SOURCE, 2))
    statistics.process_event(deviation(DeviationCategory.NO_SIP, april), Tracking(SOURCE, 5))

    assert view.counts() == [
        Row("deviations", "2026-03", "routines", 2),
        Row("deviations", "2026-04", "no_sip", 1),
    ]
    assert view.max_tracking_id(SOURCE) == 5
    assert view.max_tracking_id("/samverkan/consent#1") is None


def test_the_same_position_twice_is_refused_and_not_counted_twice(
    view: StatisticsView,
) -> None:
    statistics = Statistics(view)
    event = EXAMPLES[DeviationReported]
    statistics.process_event(event, Tracking(SOURCE, 3))

    with pytest.raises(IntegrityError):
        statistics.process_event(event, Tracking(SOURCE, 3))
    with pytest.raises(IntegrityError):
        statistics.process_event(event, Tracking(SOURCE, 2))

    assert view.counts() == [Row("deviations", "2026-03", "no_sip", 1)]
    assert view.max_tracking_id(SOURCE) == 3


def test_a_failing_count_leaves_no_position_behind(view: StatisticsView) -> None:
    """Atomic: if the counts cannot be written, the position is not recorded either."""
    bad_key = ("deviations", "2026-03", None)  # NOT NULL violation inside the transaction
    with pytest.raises(IntegrityError):
        view.increment([("deviations", "2026-03", "routines"), bad_key], Tracking(SOURCE, 9))  # type: ignore[list-item]

    assert view.counts() == []
    assert view.max_tracking_id(SOURCE) is None


def test_an_unrelated_event_only_records_the_position(view: StatisticsView) -> None:
    statistics = Statistics(view)
    statistics.process_event(EXAMPLES[ConsentWithdrawn], Tracking("/samverkan/consent#0", 4))

    assert view.counts() == []
    assert view.max_tracking_id("/samverkan/consent#0") == 4


def test_counts_survive_a_restart(
    store_settings: RuntimeSettings,
    reporting_application: ReportingApplication,
    view: StatisticsView,
) -> None:
    Statistics(view).process_event(EXAMPLES[DeviationReported], Tracking(SOURCE, 1))
    reporting_application.close()

    restarted = ReportingApplication(env=store_env(store_settings, "reporting"))
    try:
        again = statistics_view(restarted)
        assert again.counts() == [Row("deviations", "2026-03", "no_sip", 1)]
        assert again.max_tracking_id(SOURCE) == 1
    finally:
        restarted.close()


def test_w2_a_moved_meeting_counts_in_its_new_month_and_a_cancelled_one_not_at_all(
    view: StatisticsView,
) -> None:
    """D-5/D-6 count red-thread meetings in the month they are held: one moved from March
    to April counts in April; one cancelled counts nowhere until scheduled again."""
    statistics = Statistics(view)
    march, april = datetime(2026, 3, 30, 9, 0, tzinfo=UTC), datetime(2026, 4, 2, 9, 0, tzinfo=UTC)
    scheduled = EXAMPLES[MeetingScheduled].model_copy(update={"meeting_at": march})
    moved = EXAMPLES[RedThreadMeetingMoved].model_copy(
        update={"stage": MeetingStage.MEETING, "previous_meeting_at": march, "meeting_at": april}
    )
    cancelled = EXAMPLES[RedThreadMeetingCancelled].model_copy(
        update={"stage": MeetingStage.MEETING, "meeting_at": april}
    )
    follow_up_moved = moved.model_copy(update={"stage": MeetingStage.FOLLOW_UP})

    statistics.process_event(scheduled, Tracking(SOURCE, 1))
    statistics.process_event(scheduled, Tracking(SOURCE, 2))
    statistics.process_event(moved, Tracking(SOURCE, 3))
    statistics.process_event(follow_up_moved, Tracking(SOURCE, 4))  # not a meeting: no count

    assert view.counts() == [
        Row("meetings_scheduled", "2026-03", "all", 1),
        Row("meetings_scheduled", "2026-04", "all", 1),
    ]
    statistics.process_event(cancelled, Tracking(SOURCE, 5))
    assert [r for r in view.counts() if r.count] == [Row("meetings_scheduled", "2026-03", "all", 1)]
