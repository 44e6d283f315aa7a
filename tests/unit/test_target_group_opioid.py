"""Opioid dependence is a target group (seed 004: "opiatberoende"): cases carry it and the
reporting breakdowns show it, under its Swedish name."""

from __future__ import annotations

from contracts import CaseTargetGroupsChanged, TargetGroup
from services.reporting.domain.measures import TARGET_GROUP_COLUMNS
from services.reporting.rendering.labels import TARGET_GROUPS, label


def test_d6_opioid_dependence_is_a_target_group_cases_can_carry() -> None:
    assert TargetGroup("opioid_dependence") is TargetGroup.OPIOID_DEPENDENCE
    schema = CaseTargetGroupsChanged.model_json_schema()
    assert "opioid_dependence" in schema["$defs"]["TargetGroup"]["enum"]


def test_d6_reporting_breaks_down_by_opioid_dependence_labelled_opiatberoende() -> None:
    assert "opioid_dependence" in TARGET_GROUP_COLUMNS
    assert label("opioid_dependence") == "Opiatberoende"
    assert set(TARGET_GROUP_COLUMNS) <= set(TARGET_GROUPS)
