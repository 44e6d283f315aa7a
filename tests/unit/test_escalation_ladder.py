"""The escalation ladder (E-6, seeds 003 and 004): one step at a time, who/when/why on each,
and responsibility for ongoing interventions staying with the deciding unit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from contracts import EscalationLevel, EscalationResolution, EscalationTrack, Role
from services.escalation.domain import (
    LADDERS,
    Escalation,
    EscalationAlreadyResolved,
    EscalationNotAgreed,
    EscalationNotYours,
    EscalationStepInvalid,
    ReasonRequired,
    allowed_next_steps,
)
from services.escalation.translate import to_integration_event
from tests.unit.units import AOF, IOF

CASEWORKER = "SE2120000001-S001"
DEPUTY = "SE2120000001-D001"
UNIT_MANAGER = "SE2120000001-E001"
HEAD = "SE2120000001-A001"
AT = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
L = EscalationLevel
NEEDS = EscalationTrack.NEEDS
DISPUTE = EscalationTrack.RESPONSIBILITY_DISPUTE


def raised(track: EscalationTrack = NEEDS, **changes: Any) -> Escalation:
    fields: dict[str, Any] = {
        "track": track,
        "subject_id": "d" * 64,
        "cost_question": False,
        "raised_by": CASEWORKER,
        "raised_by_org": IOF,
        "raised_by_role": Role.CASEWORKER,
        "responsible_org": IOF,
        "counterpart_orgs": [AOF],
        "reason": "Oenighet om vem som ska utreda boendestöd.",
        "at": AT,
    }
    fields.update(changes)
    return Escalation.raise_matter(**fields)


def step(
    escalation: Escalation,
    to_level: EscalationLevel,
    role: Role,
    *,
    by: str = DEPUTY,
    by_org: str = IOF,
    agreed: list[str] | None = None,
    summary: str | None = None,
    hours: int = 1,
) -> None:
    escalation.escalate(
        to_level=to_level,
        by=by,
        by_org=by_org,
        by_role=role,
        reason="Kunde inte lösas på nuvarande nivå.",
        written_summary=summary,
        agreed_by_orgs=agreed if agreed is not None else [],
        at=AT + timedelta(hours=hours),
    )


AOF_DEPUTY = "SE2120000001-D002"


def aof_agrees(escalation: Escalation) -> None:
    escalation.agree(
        by=AOF_DEPUTY, by_org=AOF, by_role=Role.DEPUTY_UNIT_MANAGER, at=AT + timedelta(minutes=30)
    )


def to_unit_managers(escalation: Escalation) -> None:
    aof_agrees(escalation)
    step(
        escalation,
        L.UNIT_MANAGER,
        Role.DEPUTY_UNIT_MANAGER,
        agreed=[IOF, AOF],
        summary="Skriftlig sammanfattning: båda enheterna är överens om att lyfta ärendet.",
    )


def caseworker_resolves(
    escalation: Escalation, resolution: EscalationResolution, notes: str = "Löst i linjen."
) -> None:
    """The caseworker who raised the matter resolves it, at AT."""
    escalation.resolve(
        resolution=resolution,
        notes=notes,
        by=CASEWORKER,
        by_org=IOF,
        by_role=Role.CASEWORKER,
        at=AT,
    )


def test_e6_the_two_ladders_follow_the_seeds() -> None:
    assert LADDERS[NEEDS] == (
        L.CASEWORKER,
        L.DEPUTY_UNIT_MANAGER,
        L.UNIT_MANAGER,
        L.DEPARTMENT_HEAD,
    )
    assert LADDERS[DISPUTE] == (
        L.LINE_ORGANISATION,
        L.HIGHER_MANAGEMENT,
        L.LOCAL_COLLABORATION_BODY,
        L.COUNTY_COLLABORATION_BODY,
    )


def test_e6_a_question_goes_from_the_caseworkers_to_their_deputy_unit_managers() -> None:
    escalation = raised()

    assert escalation.level is L.DEPUTY_UNIT_MANAGER
    first = escalation.steps[0]
    assert (first.by, first.by_org, first.at) == (CASEWORKER, IOF, AT)
    assert first.reason.text.startswith("Oenighet")


def test_e6_steps_cannot_be_skipped() -> None:
    escalation = raised()

    with pytest.raises(EscalationStepInvalid) as raised_error:
        step(escalation, L.DEPARTMENT_HEAD, Role.DEPUTY_UNIT_MANAGER)

    assert raised_error.value.rule == "E-6"
    assert raised_error.value.status == 422
    assert "not skipped" in raised_error.value.message
    assert escalation.level is L.DEPUTY_UNIT_MANAGER
    assert len(escalation.steps) == 1


def test_e6_dispute_steps_cannot_be_skipped() -> None:
    escalation = raised(DISPUTE)

    with pytest.raises(EscalationStepInvalid):
        step(escalation, L.LOCAL_COLLABORATION_BODY, Role.DEPUTY_UNIT_MANAGER)

    for level in (L.HIGHER_MANAGEMENT, L.LOCAL_COLLABORATION_BODY, L.COUNTY_COLLABORATION_BODY):
        step(escalation, level, Role.UNIT_MANAGER)
    assert [s.level for s in escalation.steps] == list(LADDERS[DISPUTE])
    assert allowed_next_steps(DISPUTE, escalation.level, cost_question=False) == ()


def test_e6_to_the_unit_managers_in_writing_and_all_agreed() -> None:
    escalation = raised()

    with pytest.raises(EscalationNotAgreed) as no_summary:
        step(escalation, L.UNIT_MANAGER, Role.DEPUTY_UNIT_MANAGER, agreed=[IOF, AOF])
    with pytest.raises(EscalationNotAgreed) as not_all:
        step(
            escalation,
            L.UNIT_MANAGER,
            Role.DEPUTY_UNIT_MANAGER,
            agreed=[IOF],
            summary="Skriftligt underlag.",
        )

    assert no_summary.value.rule == not_all.value.rule == "E-6"
    assert AOF in not_all.value.message
    to_unit_managers(escalation)
    assert escalation.level is L.UNIT_MANAGER
    assert escalation.steps[-1].agreed_by_orgs == [IOF, AOF]
    assert escalation.steps[-1].written_summary is not None


def test_e6_no_unit_agrees_for_another() -> None:
    escalation = raised()
    summary = "Skriftligt underlag."

    with pytest.raises(EscalationNotAgreed) as for_another:
        step(
            escalation, L.UNIT_MANAGER, Role.DEPUTY_UNIT_MANAGER, agreed=[IOF, AOF], summary=summary
        )

    assert for_another.value.rule == "E-6"
    assert AOF in for_another.value.message
    assert escalation.level is L.DEPUTY_UNIT_MANAGER
    aof_agrees(escalation)
    assert escalation.agreements == {AOF: AOF_DEPUTY}
    step(escalation, L.UNIT_MANAGER, Role.DEPUTY_UNIT_MANAGER, summary=summary)
    assert escalation.steps[-1].agreed_by_orgs == [IOF, AOF]
    assert escalation.agreements == {}  # given for one step at a time


def test_e6_only_a_party_at_the_current_step_agrees() -> None:
    escalation = raised()

    with pytest.raises(EscalationNotYours):
        escalation.agree(
            by="SE2321000016-P001",
            by_org="SE2321000016-POL1",
            by_role=Role.DEPUTY_UNIT_MANAGER,
            at=AT,
        )
    with pytest.raises(EscalationNotYours):
        escalation.agree(by=CASEWORKER, by_org=AOF, by_role=Role.CASEWORKER, at=AT)
    assert escalation.agreements == {}


def test_e6_department_heads_settle_cost_questions_only() -> None:
    not_cost = raised()
    to_unit_managers(not_cost)
    assert allowed_next_steps(NEEDS, L.UNIT_MANAGER, cost_question=False) == ()
    with pytest.raises(EscalationStepInvalid):
        step(not_cost, L.DEPARTMENT_HEAD, Role.UNIT_MANAGER, by=UNIT_MANAGER)

    cost = raised(cost_question=True)
    to_unit_managers(cost)
    step(cost, L.DEPARTMENT_HEAD, Role.UNIT_MANAGER, by=UNIT_MANAGER, hours=2)
    assert cost.level is L.DEPARTMENT_HEAD


def test_e6_a_cost_question_may_go_from_the_deputies_to_the_department_heads() -> None:
    """The routine's one exception: costs are the department heads' ("hanteras av
    avdelningschefer"), so a cost question need not pass the unit managers."""
    escalation = raised(cost_question=True)

    step(escalation, L.DEPARTMENT_HEAD, Role.DEPUTY_UNIT_MANAGER)

    assert [s.level for s in escalation.steps] == [L.DEPUTY_UNIT_MANAGER, L.DEPARTMENT_HEAD]


def test_e6_only_someone_at_the_current_step_takes_it_further() -> None:
    escalation = raised()

    with pytest.raises(EscalationNotYours) as caseworker:
        step(escalation, L.UNIT_MANAGER, Role.CASEWORKER, agreed=[IOF, AOF], summary="Underlag.")
    with pytest.raises(EscalationNotYours) as outsider:
        step(
            escalation,
            L.UNIT_MANAGER,
            Role.DEPUTY_UNIT_MANAGER,
            by_org="SE2120000001-SKL1",
            agreed=[IOF, AOF],
            summary="Underlag.",
        )

    assert caseworker.value.status == outsider.value.status == 403
    assert caseworker.value.rule == "E-6"


def test_e6_needs_are_raised_by_caseworkers_or_deputies() -> None:
    with pytest.raises(EscalationNotYours):
        raised(raised_by_role=Role.UNIT_MANAGER)
    assert raised(raised_by_role=Role.DEPUTY_UNIT_MANAGER).level is L.DEPUTY_UNIT_MANAGER


def test_e6_a_matter_is_between_units() -> None:
    with pytest.raises(EscalationStepInvalid):
        raised(counterpart_orgs=[IOF])


def test_e6_each_step_records_who_when_and_why() -> None:
    escalation = raised(cost_question=True)
    to_unit_managers(escalation)
    step(escalation, L.DEPARTMENT_HEAD, Role.UNIT_MANAGER, by=UNIT_MANAGER, by_org=AOF, hours=5)

    assert [(s.level, s.by, s.by_org, s.at) for s in escalation.steps] == [
        (L.DEPUTY_UNIT_MANAGER, CASEWORKER, IOF, AT),
        (L.UNIT_MANAGER, DEPUTY, IOF, AT + timedelta(hours=1)),
        (L.DEPARTMENT_HEAD, UNIT_MANAGER, AOF, AT + timedelta(hours=5)),
    ]
    assert all(s.reason for s in escalation.steps)
    with pytest.raises(EscalationStepInvalid):
        escalation.escalate(
            to_level=L.DEPARTMENT_HEAD,
            by=HEAD,
            by_org=IOF,
            by_role=Role.DEPARTMENT_HEAD,
            reason="",
            written_summary=None,
            agreed_by_orgs=[],
            at=AT,
        )


def test_e6_responsibility_for_ongoing_interventions_stays_with_the_deciding_unit() -> None:
    escalation = raised(responsible_org=AOF, cost_question=True)
    to_unit_managers(escalation)
    step(escalation, L.DEPARTMENT_HEAD, Role.UNIT_MANAGER, by=UNIT_MANAGER, hours=2)

    translated = [to_integration_event(e) for e in escalation.collect_events()]
    published = [p for p in translated if p is not None]  # an agreement stays inside

    assert escalation.responsible_org == AOF
    assert [getattr(p, "responsible_org", None) for p in published] == [AOF, AOF, AOF]
    assert [getattr(p, "step", None) for p in published] == [1, 2, 3]
    with pytest.raises(EscalationStepInvalid):
        raised(responsible_org="SE2120000001-SKL1")


def test_e6_resolved_at_the_current_step_and_then_closed_to_further_steps() -> None:
    escalation = raised()
    escalation.resolve(
        resolution=EscalationResolution.AGREED,
        notes="Ärendet utreds parallellt.",
        by=DEPUTY,
        by_org=AOF,
        by_role=Role.DEPUTY_UNIT_MANAGER,
        at=AT + timedelta(days=1),
    )

    assert escalation.resolution is EscalationResolution.AGREED
    with pytest.raises(EscalationAlreadyResolved) as raised_error:
        to_unit_managers(escalation)
    assert raised_error.value.rule == "E-6"


def test_e6_a_party_may_withdraw_the_matter_whatever_its_role() -> None:
    escalation = raised()
    caseworker_resolves(escalation, EscalationResolution.WITHDRAWN)
    assert escalation.resolution is EscalationResolution.WITHDRAWN
    with pytest.raises(EscalationNotYours):
        caseworker_resolves(raised(), EscalationResolution.DECIDED)


def test_w2_a_matter_withdrawn_is_closed_early_with_a_reason_and_only_while_open() -> None:
    """W-2: withdrawing is the ladder's early closing: it says why, and a resolved matter is
    not withdrawn after all (E-6)."""
    escalation = raised()
    with pytest.raises(ReasonRequired) as blank:
        caseworker_resolves(escalation, EscalationResolution.WITHDRAWN, notes="  ")
    assert (blank.value.rule, blank.value.field) == ("W-2", "body.notes")
    assert escalation.resolution is None
    caseworker_resolves(escalation, EscalationResolution.WITHDRAWN)
    with pytest.raises(EscalationAlreadyResolved):
        caseworker_resolves(escalation, EscalationResolution.WITHDRAWN)
