"""E-12 (seed 003): on a cost question the department heads settle who pays, as the rule says:
treatment of misuse and addiction is always IoF's; housing with interventions from both IoF
and ÄoF is a shared cost; anything else, the department heads name the payer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from contracts import CostBasis, EscalationLevel, EscalationTrack, Role, UnitKind
from services.escalation.domain import (
    CostNotForThisStep,
    CostResponsibilityContradicted,
    Escalation,
    EscalationNotYours,
    cost_contradiction,
)
from services.escalation.translate import to_integration_event
from tests.unit.units import AOF, IOF

DEPUTY = "SE2120000001-D001"
HEAD = "SE2120000001-A001"
AT = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
B = CostBasis
IOF_PAYS, AOF_PAYS = UnitKind.IOF, UnitKind.AOF


def at_department_heads(*, cost_question: bool = True) -> Escalation:
    escalation = Escalation.raise_matter(
        track=EscalationTrack.NEEDS,
        subject_id=None,
        cost_question=cost_question,
        raised_by=DEPUTY,
        raised_by_org=IOF,
        raised_by_role=Role.DEPUTY_UNIT_MANAGER,
        responsible_org=IOF,
        counterpart_orgs=[AOF],
        reason="Vem betalar behandlingshemmet?",
        at=AT,
    )
    if cost_question:
        escalation.escalate(
            to_level=EscalationLevel.DEPARTMENT_HEAD,
            by=DEPUTY,
            by_org=IOF,
            by_role=Role.DEPUTY_UNIT_MANAGER,
            reason="En kostnadsfråga: avdelningscheferna avgör.",
            written_summary=None,
            agreed_by_orgs=[],
            at=AT + timedelta(hours=1),
        )
    return escalation


def settle(escalation: Escalation, basis: CostBasis, payers: list[UnitKind], **kw: object) -> None:
    arguments: dict[str, object] = {
        "by": HEAD,
        "by_org": AOF,
        "by_role": Role.DEPARTMENT_HEAD,
        "at": AT + timedelta(days=1),
    }
    arguments.update(kw)
    escalation.settle_cost(basis=basis, payers=payers, **arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("basis", "payers", "contradicts"),
    [
        (B.ADDICTION_TREATMENT, [IOF_PAYS], False),
        (B.ADDICTION_TREATMENT, [AOF_PAYS], True),
        (B.ADDICTION_TREATMENT, [IOF_PAYS, AOF_PAYS], True),
        (B.SHARED_HOUSING, [IOF_PAYS, AOF_PAYS], False),
        (B.SHARED_HOUSING, [AOF_PAYS, IOF_PAYS], False),
        (B.SHARED_HOUSING, [IOF_PAYS], True),
        (B.SHARED_HOUSING, [AOF_PAYS], True),
        (B.OTHER, [AOF_PAYS], False),
        (B.OTHER, [IOF_PAYS], False),
        (B.OTHER, [IOF_PAYS, AOF_PAYS], False),
        (B.OTHER, [], True),
    ],
)
def test_e12_the_rule_names_who_pays_for_treatment_and_shared_housing(
    basis: CostBasis, payers: list[UnitKind], contradicts: bool
) -> None:
    assert (cost_contradiction(basis, payers) is not None) is contradicts


def test_e12_aof_alone_paying_for_addiction_treatment_is_refused_naming_e12() -> None:
    escalation = at_department_heads()
    with pytest.raises(CostResponsibilityContradicted) as refused:
        settle(escalation, B.ADDICTION_TREATMENT, [AOF_PAYS])
    assert refused.value.rule == "E-12"
    assert refused.value.field == "body.payers"
    assert refused.value.status == 422
    assert escalation.cost is None


def test_e12_housing_with_interventions_from_both_is_not_paid_by_one_alone() -> None:
    escalation = at_department_heads()
    with pytest.raises(CostResponsibilityContradicted, match="shared cost"):
        settle(escalation, B.SHARED_HOUSING, [IOF_PAYS])


def test_e12_treatment_settled_as_iofs_is_published_with_basis_and_payer() -> None:
    escalation = at_department_heads()
    settle(escalation, B.ADDICTION_TREATMENT, [IOF_PAYS])
    assert escalation.cost is not None
    assert escalation.cost.payers == (IOF_PAYS,)
    assert escalation.cost.settled_by == HEAD
    published = [to_integration_event(e) for e in escalation.collect_events()][-1]
    assert type(published).__name__ == "EscalationCostSettled"
    assert published.basis is B.ADDICTION_TREATMENT  # type: ignore[union-attr]
    assert published.payers == (IOF_PAYS,)  # type: ignore[union-attr]
    assert published.escalation_id == escalation.id  # type: ignore[union-attr]


def test_e12_shared_cost_for_housing_names_both_departments() -> None:
    escalation = at_department_heads()
    settle(escalation, B.SHARED_HOUSING, [AOF_PAYS, IOF_PAYS])
    assert escalation.cost is not None
    assert set(escalation.cost.payers) == {IOF_PAYS, AOF_PAYS}


def test_e12_cost_is_settled_once_on_a_cost_question_at_the_department_heads_only() -> None:
    not_cost = at_department_heads(cost_question=False)
    with pytest.raises(CostNotForThisStep, match="not raised as a cost question"):
        settle(not_cost, B.OTHER, [IOF_PAYS])
    at_deputies = Escalation.raise_matter(
        track=EscalationTrack.NEEDS,
        subject_id=None,
        cost_question=True,
        raised_by=DEPUTY,
        raised_by_org=IOF,
        raised_by_role=Role.DEPUTY_UNIT_MANAGER,
        responsible_org=IOF,
        counterpart_orgs=[AOF],
        reason="Vem betalar?",
        at=AT,
    )
    with pytest.raises(CostNotForThisStep, match="department heads"):
        settle(at_deputies, B.OTHER, [IOF_PAYS])
    settled = at_department_heads()
    settle(settled, B.OTHER, [AOF_PAYS])
    with pytest.raises(CostNotForThisStep, match="already settled"):
        settle(settled, B.OTHER, [IOF_PAYS])


def test_e12_a_deputy_or_an_outsider_does_not_settle_the_cost() -> None:
    escalation = at_department_heads()
    with pytest.raises(EscalationNotYours):
        settle(escalation, B.ADDICTION_TREATMENT, [IOF_PAYS], by_role=Role.DEPUTY_UNIT_MANAGER)
    with pytest.raises(EscalationNotYours):
        settle(escalation, B.ADDICTION_TREATMENT, [IOF_PAYS], by_org="SE2120000001-X999")
