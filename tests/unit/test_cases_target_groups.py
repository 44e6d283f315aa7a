"""D-6 on the case aggregate: target groups (derived from age at opening, set whole by the
holding unit's staff, each change one event) and the child perspective on every decision."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from contracts import CaseDecision, ClosingReason, Role
from contracts.vocabulary import TargetGroup
from services.cases.domain import (
    CaseAlreadyClosed,
    DecisionInvalid,
    Need,
    NotInvolved,
    TargetGroupsInvalid,
    derived_target_groups,
    target_group_set,
)
from services.cases.domain.case import Case
from tests.unit.test_cases_case import AOF, IOF, OPENED, OTHER_UNIT, STAFF, kinds, open_case

ADULT_BIRTH = date(1990, 1, 1)
CHILD = TargetGroup.CHILDREN_AND_YOUTH
VIOLENCE = TargetGroup.EXPOSED_TO_VIOLENCE
CO_MORBIDITY = TargetGroup.CO_MORBIDITY


def adult_case() -> Case:
    return open_case(ADULT_BIRTH, [Need.SUBSTANCE_MISUSE])


def set_groups(case: Case, *groups: TargetGroup, unit: str = IOF.hsa_id, **extra: object) -> bool:
    role = extra.pop("role", Role.CASEWORKER)
    assert isinstance(role, Role)
    return case.set_target_groups(
        unit=unit, role=role, groups=list(groups), at=OPENED + timedelta(days=1), by=STAFF
    )


def decide(
    case: Case,
    children_in_household: bool | None,
    *,
    considered: bool = True,
    notified: list[str] | None = None,
) -> None:
    """IOF grants an intervention (K-3), notifying the units in `notified`, if any."""
    case.record_decision(
        unit=IOF.hsa_id,
        decision=CaseDecision.INTERVENTION_GRANTED,
        affects_planning=True,
        child_perspective_considered=considered,
        children_in_household=children_in_household,
        at=OPENED,
        by=STAFF,
        notified_units=notified or [],
    )


# --- target groups -------------------------------------------------------------------------


def test_d6_under_19_on_arrival_is_children_and_youth_from_opening_at_any_unit() -> None:
    youth = open_case()  # 18 on arrival, IOF
    child_at_aof = open_case(date(2012, 6, 1), [Need.DISABILITY], AOF)  # K-1: AOF's remit

    for case in (youth, child_at_aof):
        assert case.target_groups == case.derived_target_groups == ["children_and_youth"]
    assert kinds(youth)[:4] == [
        "Case.Opened",
        "Case.Routed",
        "Case.TargetGroupsChanged",
        "Case.AgeTransitionScheduled",
    ]
    assert derived_target_groups(18) == ["children_and_youth"]
    assert derived_target_groups(19) == []


def test_d6_an_adult_case_opens_without_target_groups_and_without_an_event() -> None:
    case = adult_case()

    assert case.target_groups == []
    assert "Case.TargetGroupsChanged" not in kinds(case)


def test_d6_the_holding_unit_sets_the_whole_set_sorted_each_once() -> None:
    case = adult_case()
    case.collect_events()

    assert set_groups(case, VIOLENCE, CO_MORBIDITY, VIOLENCE)

    (changed,) = case.collect_events()
    assert isinstance(changed, Case.TargetGroupsChanged)
    assert changed.target_groups == ["co_morbidity", "exposed_to_violence"]
    assert (changed.unit, changed.municipality_code, changed.changed_by) == (
        IOF.hsa_id,
        "0180",
        STAFF,
    )
    assert set_groups(case, CO_MORBIDITY)
    assert case.target_groups == ["co_morbidity"]
    assert set_groups(case)  # none applies any more
    assert case.target_groups == []
    assert target_group_set([VIOLENCE, "co_morbidity", VIOLENCE]) == [
        "co_morbidity",
        "exposed_to_violence",
    ]


def test_d6_the_same_set_again_records_nothing() -> None:
    case = adult_case()
    set_groups(case, VIOLENCE, CO_MORBIDITY)
    case.collect_events()

    assert not set_groups(case, CO_MORBIDITY, VIOLENCE)
    assert case.collect_events() == []


def test_d6_children_and_youth_derived_from_age_stays() -> None:
    case = open_case()
    case.collect_events()

    with pytest.raises(TargetGroupsInvalid) as error:
        set_groups(case, VIOLENCE)
    assert (error.value.rule, error.value.status, error.value.field) == (
        "D-6",
        422,
        "body.target_groups",
    )
    assert case.collect_events() == []

    assert set_groups(case, VIOLENCE, CHILD)
    assert case.target_groups == ["children_and_youth", "exposed_to_violence"]


def test_d6_a_caseworker_may_add_children_and_youth_and_take_it_away_again() -> None:
    young_adult = open_case(date(2006, 6, 1), [Need.SUBSTANCE_MISUSE])  # 19 on arrival
    assert young_adult.target_groups == []

    assert set_groups(young_adult, CHILD)
    assert young_adult.is_child_case
    assert set_groups(young_adult)  # not derived: the caseworker's own judgement
    assert not young_adult.is_child_case


def test_d6_only_staff_of_the_holding_unit_set_target_groups_on_an_open_case() -> None:
    case = adult_case()

    with pytest.raises(NotInvolved) as other_unit:
        set_groups(case, VIOLENCE, unit=OTHER_UNIT)
    with pytest.raises(NotInvolved) as admin:
        set_groups(case, VIOLENCE, role=Role.ADMIN)
    for error in (other_unit, admin):
        assert (error.value.rule, error.value.status) == ("D-6", 403)
    assert set_groups(case, VIOLENCE, role=Role.UNIT_MANAGER)

    case.close(
        unit=IOF.hsa_id, reason=ClosingReason.NEEDS_MET, at=OPENED, by=STAFF, notified_units=[]
    )
    with pytest.raises(CaseAlreadyClosed):
        set_groups(case, CO_MORBIDITY)


# --- the child perspective ---------------------------------------------------------------


def test_d6_every_decision_records_the_child_perspective_and_the_current_target_groups() -> None:
    case = adult_case()
    set_groups(case, VIOLENCE)
    case.collect_events()

    decide(case, children_in_household=True, considered=False)

    (recorded,) = case.collect_events()
    assert isinstance(recorded, Case.DecisionRecorded)
    assert (recorded.child_perspective_considered, recorded.children_in_household) == (False, True)
    assert recorded.target_groups == ["exposed_to_violence"]
    assert case.decisions[-1]["child_perspective_considered"] is False
    assert case.decisions[-1]["children_in_household"] is True


def test_d6_an_adults_case_answers_whether_there_are_children_in_the_household() -> None:
    case = adult_case()
    case.collect_events()

    with pytest.raises(DecisionInvalid) as error:
        decide(case, children_in_household=None)

    assert (error.value.rule, error.value.status, error.value.field) == (
        "D-6",
        422,
        "body.children_in_household",
    )
    assert case.collect_events() == []


def test_d6_a_childs_case_does_not_answer_children_in_the_household() -> None:
    case = open_case()
    case.collect_events()

    with pytest.raises(DecisionInvalid) as error:
        decide(case, children_in_household=False)

    assert (error.value.rule, error.value.field) == ("D-6", "body.children_in_household")
    assert case.collect_events() == []
    decide(case, children_in_household=None)
    assert case.decisions[-1]["children_in_household"] is None


def test_d6_k3_a_decision_that_reaches_other_units_is_a_second_event() -> None:
    case = adult_case()
    case.collect_events()

    decide(case, children_in_household=False, notified=[AOF.hsa_id])

    recorded, notified = case.collect_events()
    assert isinstance(recorded, Case.DecisionRecorded)
    assert isinstance(notified, Case.DecisionNotified)
    assert recorded.notified_units == notified.notified_units == [AOF.hsa_id]
    assert len(case.decisions) == 1
