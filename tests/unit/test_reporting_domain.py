"""Deviation reports and statistics suppression: the reporting rules, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from contracts import DeviationCategory, Role
from services.reporting.domain import (
    Deviation,
    DeviationCategoryRequired,
    DeviationReportIncomplete,
    OnlyDeputyUnitManagerOrAboveMayReport,
    may_report_deviation,
    suppress,
)
from tests.unit.units import HEALTH_UNIT, SOCIAL_UNIT

PSYCHIATRY_UNIT = "SE2321000016-7R2K"
AT = datetime(2026, 11, 3, 10, 15, tzinfo=UTC)


def report(**changes: Any) -> Deviation:
    fields: dict[str, Any] = {
        "reporter_role": Role.DEPUTY_UNIT_MANAGER,
        "reported_by": "SE2321000016-H001",
        "reporting_org": HEALTH_UNIT,
        "reporting_org_type": "health_care",
        "affected_orgs": [SOCIAL_UNIT],
        "category": "communication",
        "what_happened": "The discharge note never reached social services.",
        "perceived_as": "The individual went home without support.",
        "improvement_proposal": "Send discharge notes through the shared routine.",
        "reporter_name": "Testa Testsson",
        "reporter_title": "Biträdande enhetschef",
        "reported_at": AT,
        "subject_id": None,
    }
    fields.update(changes)
    return Deviation.report(**fields)


@pytest.mark.parametrize(
    "role", [Role.DEPUTY_UNIT_MANAGER, Role.UNIT_MANAGER, Role.DEPARTMENT_HEAD]
)
def test_d2_deputy_unit_manager_or_above_may_report(role: Role) -> None:
    assert may_report_deviation(role)
    deviation = report(reporter_role=role)
    assert deviation.reporting_org == HEALTH_UNIT
    assert deviation.affected_orgs == [SOCIAL_UNIT]
    assert deviation.reported_at == AT


@pytest.mark.parametrize(
    "role", [Role.CASEWORKER, Role.COORDINATOR, Role.FIRST_RESPONDER, Role.ADMIN]
)
def test_d2_only_deputy_unit_manager_or_above_may_report(role: Role) -> None:
    assert not may_report_deviation(role)
    with pytest.raises(OnlyDeputyUnitManagerOrAboveMayReport) as raised:
        report(reporter_role=role)
    assert raised.value.rule == "D-2"
    assert raised.value.status == 403


@pytest.mark.parametrize("category", list(DeviationCategory))
def test_d1_every_collaboration_failure_category_is_accepted(
    category: DeviationCategory,
) -> None:
    assert report(category=category.value).category == category.value


@pytest.mark.parametrize("category", ["", "weather", "NO_SIP"])
def test_d1_category_must_be_one_of_the_seven(category: str) -> None:
    with pytest.raises(DeviationCategoryRequired) as raised:
        report(category=category)
    assert raised.value.rule == "D-1"
    assert raised.value.status == 422


def test_d2_at_least_one_affected_organisation() -> None:
    with pytest.raises(DeviationReportIncomplete) as raised:
        report(affected_orgs=[])
    assert raised.value.rule == "D-2"


def test_d2_affected_organisations_are_other_than_the_reporter() -> None:
    with pytest.raises(DeviationReportIncomplete, match="own unit"):
        report(affected_orgs=[SOCIAL_UNIT, HEALTH_UNIT])


def test_d2_affected_organisations_are_kept_once_in_the_order_given() -> None:
    deviation = report(affected_orgs=[PSYCHIATRY_UNIT, SOCIAL_UNIT, PSYCHIATRY_UNIT])
    assert deviation.affected_orgs == [PSYCHIATRY_UNIT, SOCIAL_UNIT]


@pytest.mark.parametrize(
    "field",
    ["what_happened", "perceived_as", "improvement_proposal", "reporter_name", "reporter_title"],
)
def test_d2_step_one_needs_every_part_of_the_report(field: str) -> None:
    with pytest.raises(DeviationReportIncomplete, match=field):
        report(**{field: "   "})


def test_d2_the_reporting_unit_and_affected_organisations_are_concerned() -> None:
    deviation = report(affected_orgs=[SOCIAL_UNIT, PSYCHIATRY_UNIT])
    assert deviation.concerns(HEALTH_UNIT)
    assert deviation.concerns(PSYCHIATRY_UNIT)
    assert not deviation.concerns("SE2021000076-PL01")


@pytest.mark.parametrize("count", [1, 2, 3, 4])
def test_d5_counts_one_to_four_are_suppressed(count: int) -> None:
    assert suppress(count) is None


@pytest.mark.parametrize("count", [0, 5, 6, 120])
def test_d5_zero_and_five_or_more_are_shown_as_they_are(count: int) -> None:
    assert suppress(count) == count


def test_d5_a_negative_count_is_a_bug() -> None:
    with pytest.raises(ValueError, match="negative"):
        suppress(-1)
