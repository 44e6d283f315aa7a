"""D-3 sharpened: feedback "skyndsamt" within the configured working days; unsolved past it,
the deviation is overdue once, on every list it waits on and as a public event that is a
missed routine itself (D-7). On eventsourcing's in-memory store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from contracts import DeviationFeedbackOverdue
from services.reporting.application import (
    CountersignSummary,
    ProposeSummary,
    ReportingApplication,
)
from services.reporting.domain import feedback_due
from services.reporting.domain.routines import missed_routine
from services.reporting.translate import to_integration_event
from services.reporting.views.work_items import TO_COUNTERSIGN, TO_SUMMARISE
from services.runtime.store.work_items import WorkQuery
from tests.reporting_examples import SOCIAL_MANAGER, deviation_command
from tests.support import HEALTH, SOCIAL

REPORTED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
"""A Monday."""
DUE = datetime(2026, 3, 16, 23, 0, tzinfo=UTC)
"""Ten Swedish working days later: the end of Monday 16 March (CET, UTC+1)."""


def report(application: ReportingApplication) -> UUID:
    return application.report_deviation(HEALTH, deviation_command("cd" * 32), at=REPORTED)


def published(application: ReportingApplication) -> list[Any]:
    events = (
        to_integration_event(application.mapper.to_domain_event(n))
        for n in application.recorder.select_notifications(1, 1000)
    )
    return [e for e in events if isinstance(e, DeviationFeedbackOverdue)]


def test_d3_feedback_is_due_the_configured_working_days_after_the_report() -> None:
    assert feedback_due(REPORTED, 10) == DUE
    # Easter 2026: Good Friday 3 April and Easter Monday 6 April are not working days.
    assert feedback_due(datetime(2026, 4, 1, 8, tzinfo=UTC), 2) == datetime(
        2026, 4, 7, 22, 0, tzinfo=UTC
    )


def test_d3_the_feedback_item_on_the_affected_units_list_carries_the_deadline() -> None:
    application = ReportingApplication()
    deviation_id = report(application)
    (item,) = application.work_list(SOCIAL_MANAGER, WorkQuery(), REPORTED).items
    assert (item.item_id, item.kind, item.due_at) == (deviation_id, TO_SUMMARISE, DUE)
    assert not item.is_overdue(DUE - timedelta(microseconds=1))


def test_d3_the_deadline_is_a_setting() -> None:
    application = ReportingApplication(feedback_deadline_working_days=3)
    report(application)
    (item,) = application.work_list(SOCIAL_MANAGER, WorkQuery(), REPORTED).items
    assert item.due_at == datetime(2026, 3, 5, 23, 0, tzinfo=UTC)


def test_d3_unsolved_past_the_deadline_it_is_raised_overdue_once_naming_the_parties() -> None:
    application = ReportingApplication()
    deviation_id = report(application)
    assert application.raise_feedback_overdue(DUE - timedelta(microseconds=1)) == 0
    assert application.raise_feedback_overdue(DUE) == 1
    assert application.raise_feedback_overdue(DUE + timedelta(days=3)) == 0

    (late,) = published(application)
    assert late.deviation_id == deviation_id
    assert late.concerned_orgs == (HEALTH.org_id, SOCIAL.org_id)
    assert (late.feedback_due, late.overdue_at) == (DUE, DUE)
    assert late.rule is None
    (item,) = application.work_list(SOCIAL_MANAGER, WorkQuery(overdue=True), DUE).items
    assert item.overdue  # raised, not only past its deadline


def test_d3_d7_the_overdue_feedback_is_a_routines_deviation_of_its_parties() -> None:
    application = ReportingApplication()
    report(application)
    application.raise_feedback_overdue(DUE)
    (late,) = published(application)
    missed = missed_routine(late)
    assert missed is not None
    assert (missed.rule, missed.category) == ("D-3", "routines")
    assert missed.affected_orgs == [HEALTH.org_id, SOCIAL.org_id]


def test_d3_a_proposal_after_the_deadline_waits_overdue_at_the_other_side() -> None:
    application = ReportingApplication()
    deviation_id = report(application)
    application.raise_feedback_overdue(DUE)
    application.propose_summary(
        SOCIAL_MANAGER,
        ProposeSummary(deviation_id, "Rutin.", "Inga.", "Sofia Social", "Enhetschef"),
        at=DUE + timedelta(days=1),
    )
    (item,) = application.work_list(HEALTH, WorkQuery(), DUE + timedelta(days=1)).items
    assert (item.kind, item.due_at, item.overdue) == (TO_COUNTERSIGN, DUE, True)


@pytest.mark.parametrize("solved", ["countersigned", "closed"])
def test_d3_a_deviation_solved_or_closed_in_time_is_never_overdue(solved: str) -> None:
    application = ReportingApplication()
    deviation_id = report(application)
    before = DUE - timedelta(days=1)
    if solved == "closed":
        application.close_deviation_early(
            SOCIAL_MANAGER, deviation_id, reason="Dubblett.", at=before
        )
    else:
        application.propose_summary(
            SOCIAL_MANAGER,
            ProposeSummary(deviation_id, "Rutin.", "Inga.", "Sofia Social", "Enhetschef"),
            at=before,
        )
        application.countersign_summary(
            HEALTH, CountersignSummary(deviation_id, "Hanna Hälsa", "Enhetschef"), at=before
        )
    assert application.raise_feedback_overdue(DUE + timedelta(days=30)) == 0
    assert published(application) == []
    assert application.get_deviation(deviation_id).feedback_overdue_at is None
