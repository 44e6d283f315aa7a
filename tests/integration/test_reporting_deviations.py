"""Deviations on real stores (SQLite and PostgreSQL): both steps stored, free text sealed,
overdue events made into deviations once (D-2, D-3, D-7)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError, Tracking
from typer.testing import CliRunner

from contracts import (
    HandoverAcknowledgementOverdue,
    OrgType,
    RedThreadMeetingOverdue,
    Role,
    SubjectErased,
    SubjectErasedV2,
)
from contracts.examples import EXAMPLES
from services.reporting import cli
from services.reporting.application import (
    CountersignSummary,
    ProposeSummary,
    ReportDeviation,
    ReportingApplication,
)
from services.reporting.domain import (
    DeviationReportIncomplete,
    NotAnOrganisationUnit,
    NotASideOfTheDeviation,
)
from services.reporting.domain.measures import Row
from services.reporting.domain.routines import deviation_id_for
from services.reporting.translate import to_integration_event
from services.reporting.upstream import Intake
from services.reporting.views.statistics import Statistics, statistics_view
from services.runtime.kernel.actor import Actor, NotAParty
from services.runtime.kernel.personal import ERASED, Personal, text_of
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env
from tests.reporting_examples import FREE_TEXT, deviation_command
from tests.support import HEALTH as REPORTER
from tests.support import settings_env
from tests.unit.units import HEALTH_UNIT, SOCIAL_UNIT

AT = datetime(2026, 11, 3, 10, 15, tzinfo=UTC)
SUBJECT = "ab" * 32
WHAT = FREE_TEXT["what_happened"]
SOLUTION = "Meddelandet går via den gemensamma rutinen."


def step_one(subject_id: str | None = SUBJECT, **changes: Any) -> ReportDeviation:
    """D-2's first step: a deviation reported against social services."""
    return deviation_command(subject_id, **changes)


def manager(org: str, hsa_id: str) -> Actor:
    org_type = OrgType.HEALTH_CARE if org == HEALTH_UNIT else OrgType.SOCIAL_SERVICES
    return Actor(hsa_id=hsa_id, org_id=org, org_type=org_type, role=Role.UNIT_MANAGER)


HEALTH_MANAGER = manager(HEALTH_UNIT, "SE2321000016-H001")
SOCIAL_MANAGER = manager(SOCIAL_UNIT, "SE2120000001-S009")


def summary(deviation_id: Any, solution: str = SOLUTION) -> ProposeSummary:
    return ProposeSummary(deviation_id, solution, "Helger.", "Testa Testsson", "Enhetschef")


def stored_text(reporting_application: ReportingApplication) -> str:
    notifications = reporting_application.recorder.select_notifications(start=1, limit=100)
    return b"".join(n.state for n in notifications).decode("utf-8", "replace")


def test_d2_both_steps_are_stored_and_the_free_text_is_sealed(
    reporting_application: ReportingApplication,
) -> None:
    deviation_id = reporting_application.report_deviation(REPORTER, step_one(), at=AT)
    reporting_application.propose_summary(
        HEALTH_MANAGER, summary(deviation_id), at=AT + timedelta(days=3)
    )
    parties = reporting_application.countersign_summary(
        SOCIAL_MANAGER,
        CountersignSummary(deviation_id, "Testa Testsson", "Enhetschef"),
        at=AT + timedelta(days=4),
    )

    assert parties == [HEALTH_UNIT, SOCIAL_UNIT]
    deviation = reporting_application.get_deviation(deviation_id)
    assert deviation.what_happened.text == WHAT
    assert text_of(deviation.solution) == SOLUTION
    assert deviation.reporter_name.text == "Testa Testsson"
    assert deviation.summarised_at == AT + timedelta(days=4)
    raw = stored_text(reporting_application)
    assert WHAT not in raw
    assert SOLUTION not in raw
    assert "Testsson" not in raw  # staff names are sealed too (issue #18)

    # Erasing the individual erases the free text and names; the deviation's codes remain.
    reporting_application.erase_personal_data(SUBJECT, AT + timedelta(days=30))
    erased = reporting_application.get_deviation(deviation_id)  # read again: opened with no key
    assert (erased.what_happened.text, erased.reporter_name.text) == (ERASED, ERASED)
    assert erased.countersigned_by is not None
    assert erased.countersigned_by.name.text == ERASED
    assert reporting_application.get_deviation(deviation_id).category == "communication"


def test_d2_a_deviation_about_no_one_is_sealed_with_its_record_s_own_key(
    reporting_application: ReportingApplication,
) -> None:
    deviation_id = reporting_application.report_deviation(
        REPORTER, step_one(subject_id=None), at=AT
    )
    deviation = reporting_application.get_deviation(deviation_id)
    assert deviation.what_happened == Personal(f"record:{deviation_id}", WHAT)
    assert WHAT not in stored_text(reporting_application)
    # Culling the record destroys its own key: the text reads as erased.
    reporting_application.erase_personal_data(f"record:{deviation_id}", AT + timedelta(days=30))
    assert reporting_application.get_deviation(deviation_id).what_happened.text == ERASED


def test_d2_an_empty_solution_is_refused_and_nothing_is_stored(
    reporting_application: ReportingApplication,
) -> None:
    deviation_id = reporting_application.report_deviation(REPORTER, step_one(), at=AT)
    head = reporting_application.recorder.max_notification_id()
    with pytest.raises(DeviationReportIncomplete):
        reporting_application.propose_summary(HEALTH_MANAGER, summary(deviation_id, "  "), at=AT)
    assert reporting_application.recorder.max_notification_id() == head


def test_d7_an_overdue_event_becomes_one_deviation_even_when_redelivered(
    reporting_application: ReportingApplication,
) -> None:
    view = statistics_view(reporting_application)
    intake = Intake(reporting_application, Statistics(view))
    event = EXAMPLES[RedThreadMeetingOverdue]
    source = "/samverkan/escalation#2"

    intake.process_event(event, Tracking(source, 7))
    # The consumer refuses a redelivery by its tracking row...
    with pytest.raises(IntegrityError):
        intake.process_event(event, Tracking(source, 7))
    # ...and even a republish at a new position makes no second deviation.
    intake.process_event(event, Tracking(source, 9))

    deviation_id = deviation_id_for(event)
    deviation = reporting_application.get_deviation(deviation_id)
    assert deviation.category == "routines"
    assert deviation.rule == "E-3"
    assert deviation.source_type == "se.samverkan.escalation.RedThreadMeetingOverdue.v1"
    assert deviation.affected_orgs == list(event.concerned_orgs)  # type: ignore[attr-defined]
    events = list(reporting_application.events.get(deviation_id))
    assert len(events) == 1
    public = to_integration_event(events[0])
    assert public is not None
    assert public.model_dump()["source_event_id"] is not None
    assert view.max_tracking_id(source) == 9
    # The deviation itself reaches the statistics through the reporting topic, as
    # reported ones do; here only the overdue indicator is counted (also by target group).
    assert {row.measure for row in view.counts()} == {
        "red_thread_meetings_overdue",
        "red_thread_meetings_by_target_group",
    }


def test_d7_each_overdue_fact_is_its_own_deviation(
    reporting_application: ReportingApplication,
) -> None:
    first = reporting_application.detect_missed_routine(EXAMPLES[HandoverAcknowledgementOverdue])
    second = reporting_application.detect_missed_routine(EXAMPLES[RedThreadMeetingOverdue])
    again = reporting_application.detect_missed_routine(EXAMPLES[HandoverAcknowledgementOverdue])
    assert first is not None
    assert second is not None
    assert first != second
    assert again == first
    assert reporting_application.recorder.max_notification_id() == 2
    assert reporting_application.detect_missed_routine(EXAMPLES[RedThreadMeetingOverdue]) == second


def test_d7_detected_deviations_are_counted_by_the_statistics(
    reporting_application: ReportingApplication,
) -> None:
    view = statistics_view(reporting_application)
    deviation_id = reporting_application.detect_missed_routine(EXAMPLES[RedThreadMeetingOverdue])
    assert deviation_id is not None
    [stored] = list(reporting_application.events.get(deviation_id))
    published = to_integration_event(stored)
    assert published is not None
    Statistics(view).process_event(published, Tracking("/samverkan/reporting#0", 1))
    assert view.counts() == [Row("deviations", "2026-03", "routines", 1)]


def test_d5_the_annual_report_is_exported_from_the_command_line(
    store_settings: RuntimeSettings, tmp_path: Path
) -> None:
    application = ReportingApplication(
        env=store_env(store_settings, "reporting"), master_key=store_settings.resolved_master_key()
    )
    for _ in range(6):
        application.report_deviation(
            REPORTER, step_one(what_happened=f"{WHAT} Testa ringde."), at=AT
        )
    application.close()
    output = tmp_path / "report.csv"

    result = CliRunner().invoke(
        cli.app,
        ["2026", "--format", "csv", "--output", str(output)],
        env=settings_env(store_settings),
    )

    assert result.exit_code == 0, result.output
    assert "Deviations by month and category,2026-11,communication,6,False" in output.read_text()
    html_page = cli.render(2026, None, cli.Format.HTML, store_settings)
    assert "Testa" not in html_page
    assert "<svg" in html_page


@pytest.mark.parametrize("version", [SubjectErased, SubjectErasedV2])  # v2: also culling
def test_d2_an_erased_subject_s_deviation_text_reads_as_erased(
    reporting_application: ReportingApplication,
    version: type[SubjectErased] | type[SubjectErasedV2],
) -> None:
    view = statistics_view(reporting_application)
    intake = Intake(reporting_application, Statistics(view))
    deviation_id = reporting_application.report_deviation(REPORTER, step_one(), at=AT)
    erased = EXAMPLES[version].model_copy(update={"subject_id": SUBJECT})

    intake.process_event(erased, Tracking("/samverkan/consent#0", 1))

    deviation = reporting_application.get_deviation(deviation_id)
    assert deviation.what_happened.text == ERASED
    assert deviation.category == "communication"
    assert view.max_tracking_id("/samverkan/consent#0") == 1


# --- the application authorises where it loads (issue #20) -------------------------------------


def test_d2_the_application_refuses_an_outsider_and_a_non_unit_on_its_own(
    reporting_application: ReportingApplication,
) -> None:
    """Called directly, without a route in front: a unit the deviation does not concern
    neither reads it nor signs its summary, a token that names no organisation unit
    reports and signs nothing, and nothing is stored."""
    deviation_id = reporting_application.report_deviation(REPORTER, step_one(), at=AT)
    outsider = manager("SE2321000016-XY01", "SE2321000016-X001")
    system = Actor(
        hsa_id="SE2321000016-Z001",
        org_id="integration-test",
        org_type=OrgType.HEALTH_CARE,
        role=Role.UNIT_MANAGER,
    )
    head = reporting_application.recorder.max_notification_id()

    with pytest.raises(NotAParty) as refused:
        reporting_application.read_deviation(outsider, deviation_id)
    assert refused.value.rule == "D-2"
    with pytest.raises(NotASideOfTheDeviation):
        reporting_application.propose_summary(outsider, summary(deviation_id), at=AT)
    with pytest.raises(NotAnOrganisationUnit):
        reporting_application.report_deviation(system, step_one(), at=AT)
    with pytest.raises(NotAnOrganisationUnit):
        reporting_application.propose_summary(system, summary(deviation_id), at=AT)

    assert reporting_application.recorder.max_notification_id() == head
    assert reporting_application.read_deviation(SOCIAL_MANAGER, deviation_id).id == deviation_id
