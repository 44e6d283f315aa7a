"""D-8 (seed 003): "Ifylld avvikelserapport sänds till verksamhetscontroller IoF för
förvaring". The controller sees every deviation of the municipality they keep and nothing
of others; a deviation prints as the municipality's form. On the in-memory store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from pydantic import ValidationError

from contracts import DeviationCategory
from services.reporting.application import (
    CountersignSummary,
    ProposeSummary,
    ReportingApplication,
)
from services.reporting.domain import Controllers
from services.reporting.domain.errors import DeviationAlreadyFiled, DeviationNotFilledIn
from services.reporting.rendering.deviation_form import CATEGORY_NAMES_SV, deviation_form_html
from services.reporting.service import DEVELOPMENT_CONTROLLERS, Settings
from services.reporting.views.work_items import TO_FILE
from services.runtime.kernel.rules import NotAllowed
from services.runtime.store.work_items import WorkQuery
from tests.reporting_examples import FREE_TEXT, SOCIAL_MANAGER, deviation_command
from tests.support import CONTROLLER, HEALTH, OTHER_CONTROLLER, POLICE

AT = datetime(2026, 11, 3, 10, 15, tzinfo=UTC)
KEPT = Controllers.parse(DEVELOPMENT_CONTROLLERS)


def application_with_controllers() -> ReportingApplication:
    return ReportingApplication(controllers=KEPT)


def report(application: ReportingApplication, **changes: object) -> UUID:
    return application.report_deviation(HEALTH, deviation_command("cd" * 32, **changes), at=AT)


def summarise(application: ReportingApplication, deviation_id: UUID) -> None:
    application.propose_summary(
        SOCIAL_MANAGER,
        ProposeSummary(deviation_id, "Gemensam rutin.", "Helger.", "Sofia Social", "Enhetschef"),
        at=AT + timedelta(days=1),
    )
    application.countersign_summary(
        HEALTH,
        CountersignSummary(deviation_id, "Hanna Hälsa", "Enhetschef"),
        at=AT + timedelta(days=2),
    )


def test_d8_the_controller_reads_and_lists_every_deviation_of_the_municipality() -> None:
    application = application_with_controllers()
    ours = report(application)  # health care against the municipality's social services
    theirs = application.report_deviation(
        HEALTH, deviation_command(None, affected_orgs=[POLICE.org_id]), at=AT
    )
    assert application.read_deviation(CONTROLLER, ours).id == ours
    assert [d.id for d in application.list_deviations(CONTROLLER)] == [ours]
    with pytest.raises(NotAllowed) as refused:
        application.read_deviation(CONTROLLER, theirs)
    assert refused.value.rule == "D-8"


def test_d8_another_municipalitys_controller_sees_nothing_of_it() -> None:
    application = application_with_controllers()
    ours = report(application)
    assert application.list_deviations(OTHER_CONTROLLER) == []
    with pytest.raises(NotAllowed):
        application.read_deviation(OTHER_CONTROLLER, ours)


def test_d8_without_controllers_configured_a_controller_keeps_none() -> None:
    application = ReportingApplication()
    ours = report(application)
    assert application.list_deviations(CONTROLLER) == []
    with pytest.raises(NotAllowed):
        application.read_deviation(CONTROLLER, ours)


def test_d8_a_filled_in_report_waits_on_the_controllers_list_until_filed() -> None:
    application = application_with_controllers()
    deviation_id = report(application)
    with pytest.raises(DeviationNotFilledIn):
        application.file_deviation(CONTROLLER, deviation_id, at=AT)
    assert application.work_list(CONTROLLER, WorkQuery(), AT).items == []

    summarise(application, deviation_id)
    (item,) = application.work_list(CONTROLLER, WorkQuery(), AT).items
    assert (item.item_id, item.kind, item.state) == (deviation_id, TO_FILE, "summarised")
    assert item.href == f"/v1/deviations/{deviation_id}/form"
    assert application.work_list(OTHER_CONTROLLER, WorkQuery(), AT).items == []
    assert application.work_list(SOCIAL_MANAGER, WorkQuery(), AT).items == []

    application.file_deviation(CONTROLLER, deviation_id, at=AT + timedelta(days=3))
    assert application.work_list(CONTROLLER, WorkQuery(), AT).items == []
    with pytest.raises(DeviationAlreadyFiled):
        application.file_deviation(CONTROLLER, deviation_id, at=AT + timedelta(days=4))


def test_d8_only_a_controller_keeping_it_files_it() -> None:
    application = application_with_controllers()
    deviation_id = report(application)
    summarise(application, deviation_id)
    for someone in (OTHER_CONTROLLER, SOCIAL_MANAGER):
        with pytest.raises(NotAllowed):
            application.file_deviation(someone, deviation_id, at=AT)


def test_d8_the_form_holds_both_parts_in_swedish_ready_to_print() -> None:
    application = application_with_controllers()
    deviation_id = report(application)
    summarise(application, deviation_id)
    page = deviation_form_html(application.get_deviation(deviation_id))

    assert "<title>Blankett för avvikelserapport</title>" in page
    assert '<html lang="sv">' in page
    assert "@media print" in page
    assert "Kommunikation och information" in page  # D-1, in Swedish
    for label in ("Vad har hänt", "Hur upplevdes det", "Förbättringsförslag", "Namn", "Titel"):
        assert f"<dt>{label}</dt>" in page
    for text in FREE_TEXT.values():
        assert text in page
    for label in ("Lösning", "Kvarstående problem"):
        assert f"<dt>{label}</dt>" in page
    for text in ("Gemensam rutin.", "Sofia Social", "Hanna Hälsa", HEALTH.org_id):
        assert text in page
    assert "2026-11-03" in page  # part 1's date, Stockholm


def test_d8_the_form_escapes_what_people_wrote() -> None:
    application = application_with_controllers()
    deviation_id = report(application, what_happened="<script>alert(1)</script>")
    page = deviation_form_html(application.get_deviation(deviation_id))
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_d1_d8_every_category_has_its_swedish_name_on_the_form() -> None:
    assert set(CATEGORY_NAMES_SV) == set(DeviationCategory)
    assert CATEGORY_NAMES_SV[DeviationCategory.ROUTINES] == "Rutiner saknas eller följs inte"


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        '["SE2120000001"]',
        '{"not-an-hsa-id": ["SE2120000001"]}',
        '{"SE2120000001-CTL1": "SE2120000001"}',
        '{"SE2120000001-CTL1": ["SE2120000001-SOC1"]}',
    ],
)
def test_d8_a_malformed_controllers_setting_refuses_to_start(text: str) -> None:
    with pytest.raises(ValueError, match="controller"):
        Controllers.parse(text)
    with pytest.raises(ValidationError):
        Settings(controllers=text)
