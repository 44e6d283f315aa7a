"""D-6 target groups in the statistics view, on real stores (SQLite file and PostgreSQL
schema): kept per case, replaced by the whole set, counted when a case enters a group,
changed with the position in one transaction, and dropped when the subject is erased."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

import pytest
from eventsourcing.persistence import IntegrityError, Tracking

from contracts import CaseTargetGroupsChanged, MeetingHeld, ScreeningRecorded, SubjectErased
from contracts.examples import EXAMPLES
from contracts.vocabulary import ScreeningOccasion, ScreeningOutcome, TargetGroup
from services.reporting.application import ReportingApplication
from services.reporting.domain.measures import Row
from services.reporting.views.statistics import Statistics, StatisticsView, statistics_view

SUBJECT = "5e" * 32
CASES = "/samverkan/cases#2"
CASE_A = UUID("00000000-0000-4000-8000-00000000000a")
CASE_B = UUID("00000000-0000-4000-8000-00000000000b")
MARCH = datetime(2026, 3, 5, 10, 0, tzinfo=UTC)
APRIL = datetime(2026, 4, 5, 10, 0, tzinfo=UTC)


@pytest.fixture
def view(reporting_application: ReportingApplication) -> StatisticsView:
    return statistics_view(reporting_application)


def changed(
    case_id: UUID, groups: tuple[TargetGroup, ...], at: datetime
) -> CaseTargetGroupsChanged:
    return EXAMPLES[CaseTargetGroupsChanged].model_copy(
        update={
            "subject_id": SUBJECT,
            "case_id": case_id,
            "target_groups": groups,
            "changed_at": at,
        }
    )


@pytest.fixture
def statistics(view: StatisticsView) -> Statistics:
    """The statistics kept in the view, as the consumer counts them."""
    return Statistics(view)


def reached(view: StatisticsView) -> list[Row]:
    return [r for r in view.counts() if r.measure == "target_groups_reached"]


def test_d6_a_subjects_groups_are_the_union_of_their_cases_current_sets(
    view: StatisticsView, statistics: Statistics
) -> None:
    violence, co_morbidity = TargetGroup.EXPOSED_TO_VIOLENCE, TargetGroup.CO_MORBIDITY
    statistics.process_event(changed(CASE_A, (violence,), MARCH), Tracking(CASES, 1))
    statistics.process_event(changed(CASE_B, (co_morbidity,), MARCH), Tracking(CASES, 2))
    assert view.subject_target_groups(SUBJECT) == {"exposed_to_violence", "co_morbidity"}

    # Case A's whole set is replaced: violence stays (not counted again), co-morbidity
    # enters case A in April (counted), and a set without violence would drop it.
    statistics.process_event(changed(CASE_A, (co_morbidity, violence), APRIL), Tracking(CASES, 3))
    statistics.process_event(changed(CASE_B, (), APRIL), Tracking(CASES, 4))
    assert view.case_target_groups(SUBJECT, str(CASE_A)) == {"co_morbidity", "exposed_to_violence"}
    assert view.case_target_groups(SUBJECT, str(CASE_B)) == frozenset()
    assert view.subject_target_groups(SUBJECT) == {"co_morbidity", "exposed_to_violence"}
    assert reached(view) == [
        Row("target_groups_reached", "2026-03", "co_morbidity", 1),
        Row("target_groups_reached", "2026-03", "exposed_to_violence", 1),
        Row("target_groups_reached", "2026-04", "co_morbidity", 1),
    ]
    assert view.max_tracking_id(CASES) == 4


def test_d6_a_redelivered_change_is_refused_and_changes_nothing(
    view: StatisticsView, statistics: Statistics
) -> None:
    statistics.process_event(
        changed(CASE_A, (TargetGroup.CO_MORBIDITY,), MARCH), Tracking(CASES, 7)
    )
    with pytest.raises(IntegrityError):
        statistics.process_event(
            changed(CASE_A, (TargetGroup.CHILDREN_AND_YOUTH,), APRIL), Tracking(CASES, 7)
        )
    assert view.subject_target_groups(SUBJECT) == {"co_morbidity"}
    assert reached(view) == [Row("target_groups_reached", "2026-03", "co_morbidity", 1)]


def test_d6_an_event_from_another_topic_counts_under_the_groups_known_when_it_is_counted(
    view: StatisticsView, statistics: Statistics
) -> None:
    """Escalation's topic is not ordered with the cases topic: a meeting counted before the
    case's groups arrive is under no_target_group, one counted after under the groups."""
    held = EXAMPLES[MeetingHeld].model_copy(update={"subject_id": SUBJECT, "meeting_at": MARCH})
    statistics.process_event(held, Tracking("/samverkan/escalation#0", 1))
    statistics.process_event(
        changed(CASE_A, (TargetGroup.CO_MORBIDITY,), MARCH), Tracking(CASES, 1)
    )
    statistics.process_event(held, Tracking("/samverkan/escalation#0", 2))
    by_group = [r for r in view.counts() if r.measure == "red_thread_meetings_by_target_group"]
    assert by_group == [
        Row("red_thread_meetings_by_target_group", "2026-03", "co_morbidity:held", 1),
        Row("red_thread_meetings_by_target_group", "2026-03", "no_target_group:held", 1),
    ]


def test_d6_a_follow_up_moves_the_new_visit_to_followed_up_once_in_its_own_month(
    view: StatisticsView, statistics: Statistics
) -> None:
    new_visit = EXAMPLES[ScreeningRecorded].model_copy(
        update={"subject_id": SUBJECT, "screened_on": date(2026, 3, 30)}
    )
    follow_up = new_visit.model_copy(
        update={
            "screening_id": UUID("00000000-0000-4000-8000-0000000000f1"),
            "occasion": ScreeningOccasion.FOLLOW_UP,
            "follows_up": new_visit.screening_id,
            "screened_on": date(2026, 6, 1),
        }
    )
    declined_again = follow_up.model_copy(
        update={
            "screening_id": UUID("00000000-0000-4000-8000-0000000000f2"),
            "outcome": ScreeningOutcome.DECLINED,
        }
    )
    statistics.process_event(new_visit, Tracking(CASES, 1))
    statistics.process_event(declined_again, Tracking(CASES, 2))
    statistics.process_event(follow_up, Tracking(CASES, 3))
    statistics.process_event(follow_up, Tracking(CASES, 4))  # a second follow-up
    measure = "new_visit_screenings_followed_up_by_target_group"
    assert [r for r in view.counts() if r.measure == measure] == [
        Row(measure, "2026-03", "pregnant_with_risky_use:followed_up", 1),
        Row(measure, "2026-03", "pregnant_with_risky_use:not_followed_up", 0),
    ]
    assert [r for r in view.counts() if r.measure == "screening_follow_ups"] == [
        Row("screening_follow_ups", "2026-06", "AUDIT:declined", 1),
        Row("screening_follow_ups", "2026-06", "AUDIT:done", 2),
    ]


def test_d6_erasure_drops_the_subjects_groups_and_screenings_and_keeps_the_counts(
    view: StatisticsView, statistics: Statistics
) -> None:
    statistics.process_event(
        changed(CASE_A, (TargetGroup.CO_MORBIDITY,), MARCH), Tracking(CASES, 1)
    )
    new_visit = EXAMPLES[ScreeningRecorded].model_copy(update={"subject_id": SUBJECT})
    statistics.process_event(new_visit, Tracking(CASES, 2))
    counts_before = view.counts()

    erased = EXAMPLES[SubjectErased].model_copy(update={"subject_id": SUBJECT})
    statistics.process_event(erased, Tracking("/samverkan/consent#1", 1))

    assert view.subject_target_groups(SUBJECT) == frozenset()
    assert view.new_visit_screening(str(new_visit.screening_id)) is None
    assert view.counts() == counts_before
    assert view.max_tracking_id("/samverkan/consent#1") == 1
