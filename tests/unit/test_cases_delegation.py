"""K-11 (seed 003): decisions by the delegation order, at the unit where the case and the
intervention are, and told to the individual by the deciding unit."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contracts import CaseDecision, CaseDecisionTold, InformedManner, Role
from services.cases.domain import InterventionBeforeTransfer, NotInvolved
from services.cases.domain.delegation import (
    DEFAULT,
    DelegationOrder,
    DelegationOrderInvalid,
    OutsideDelegation,
)
from services.cases.domain.errors import DecisionAlreadyTold, DecisionInvalid
from services.cases.service import Settings
from services.cases.translate import to_integration_event
from tests.unit.test_cases_case import (
    AOF,
    IOF,
    OPENED,
    STAFF,
    acknowledge,
    decide,
    hand_over,
    kinds,
    open_case,
)

ORDER = DelegationOrder.parse(
    "intervention_granted=deputy_unit_manager|unit_manager,investigation_opened=caseworker"
)


def test_k11_a_role_the_delegation_order_does_not_name_is_refused_naming_the_role() -> None:
    with pytest.raises(OutsideDelegation) as refused:
        ORDER.require_may_decide(Role.CASEWORKER, CaseDecision.INTERVENTION_GRANTED)

    assert refused.value.rule == "K-11"
    assert "caseworker" in str(refused.value)
    assert "deputy_unit_manager, unit_manager" in str(refused.value)
    ORDER.require_may_decide(Role.DEPUTY_UNIT_MANAGER, CaseDecision.INTERVENTION_GRANTED)
    ORDER.require_may_decide(Role.CASEWORKER, CaseDecision.INVESTIGATION_OPENED)


def test_k11_a_kind_of_decision_the_order_leaves_out_is_delegated_to_no_role() -> None:
    for role in Role:
        assert not ORDER.may_decide(role, CaseDecision.INTERVENTION_ENDED)


def test_k11_the_default_order_lets_case_staff_and_no_one_else_decide() -> None:
    staff = {Role.CASEWORKER, Role.DEPUTY_UNIT_MANAGER, Role.UNIT_MANAGER, Role.DEPARTMENT_HEAD}
    for decision in CaseDecision:
        assert {role for role in Role if DEFAULT.may_decide(role, decision)} == staff
    assert Settings().delegation_order == Settings.model_fields["delegation_order"].default


@pytest.mark.parametrize(
    "text",
    ["intervention_granted=judge", "granted=caseworker", "investigation_opened=caseworker," * 2],
)
def test_k11_an_unreadable_delegation_order_refuses_to_start(text: str) -> None:
    with pytest.raises(DelegationOrderInvalid):
        DelegationOrder.parse(text)
    with pytest.raises(ValueError, match="K-11"):
        Settings(delegation_order=text)


def test_k11_an_intervention_is_decided_only_at_the_unit_where_the_case_is() -> None:
    case = open_case()
    acknowledge(case, hand_over(case))

    with pytest.raises(InterventionBeforeTransfer):
        decide(case, CaseDecision.INTERVENTION_GRANTED, unit=AOF.hsa_id)
    with pytest.raises(NotInvolved):
        decide(case, CaseDecision.INTERVENTION_GRANTED, unit="SE2321000016-HC01")


def test_k11_the_deciding_unit_records_when_and_how_it_told_the_individual() -> None:
    case = open_case()
    decide(case, CaseDecision.INVESTIGATION_OPENED)
    told_at = OPENED + timedelta(days=1)

    case.tell_decision(
        1,
        unit=IOF.hsa_id,
        told_at=told_at,
        manner=InformedManner.LETTER,
        at=told_at + timedelta(hours=1),
        by=STAFF,
    )

    assert kinds(case)[-1] == "Case.DecisionTold"
    assert case.decision(1)["told_at"] == told_at
    assert case.decision(1)["told_how"] == "letter"


def test_k11_only_the_deciding_unit_tells_the_individual() -> None:
    case = open_case()
    acknowledge(case, hand_over(case))
    decide(case, CaseDecision.INVESTIGATION_OPENED, unit=AOF.hsa_id)  # K-5: it may investigate

    with pytest.raises(NotInvolved) as refused:
        case.tell_decision(
            1, unit=IOF.hsa_id, told_at=OPENED, manner=InformedManner.PHONE, at=OPENED, by=STAFF
        )
    assert refused.value.rule == "K-11"


def test_k11_a_decision_is_told_once_and_not_before_it_was_taken() -> None:
    case = open_case()
    decide(case, CaseDecision.INVESTIGATION_OPENED, at=OPENED)
    too_early = OPENED - timedelta(minutes=1)

    with pytest.raises(DecisionInvalid) as invalid:
        case.tell_decision(
            1, unit=IOF.hsa_id, told_at=too_early, manner=InformedManner.PHONE, at=OPENED, by=STAFF
        )
    assert (invalid.value.rule, invalid.value.field) == ("K-11", "body.told_at")
    case.tell_decision(
        1, unit=IOF.hsa_id, told_at=OPENED, manner=InformedManner.IN_PERSON, at=OPENED, by=STAFF
    )
    with pytest.raises(DecisionAlreadyTold):
        case.tell_decision(
            1, unit=IOF.hsa_id, told_at=OPENED, manner=InformedManner.PHONE, at=OPENED, by=STAFF
        )


def test_k11_the_told_decision_is_public_by_its_number_and_manner() -> None:
    case = open_case()
    decide(case, CaseDecision.INVESTIGATION_OPENED)
    case.tell_decision(
        1, unit=IOF.hsa_id, told_at=OPENED, manner=InformedManner.PHONE, at=OPENED, by=STAFF
    )

    published = to_integration_event(case.collect_events()[-1])

    assert isinstance(published, CaseDecisionTold)
    assert (published.case_id, published.number, published.unit) == (case.id, 1, IOF.hsa_id)
    assert (published.decision, published.manner) == (
        CaseDecision.INVESTIGATION_OPENED,
        InformedManner.PHONE,
    )
