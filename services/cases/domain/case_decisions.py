"""K-3 (seed 003): a unit's decisions in a case, and its closing, both of which reach the
units with open cases for the same individual; with D-6's answers on every decision
(seed 004) and K-5's limit on the receiving unit before the transfer. K-11 (seed 003):
interventions are decided at the unit where the case and the intervention are, and the
deciding unit tells the individual, recording when and how (which roles may decide is the
delegation order's, `delegation`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from contracts import CaseDecision, ClosingReason, InformedManner
from services.cases.domain.case_state import CaseState
from services.cases.domain.errors import (
    DecisionAlreadyTold,
    DecisionInvalid,
    DecisionNotFound,
    InterventionBeforeTransfer,
    NotInvolved,
)
from services.cases.domain.units import others_than

INTERVENTION_DECISIONS = frozenset(
    {
        CaseDecision.INTERVENTION_GRANTED,
        CaseDecision.INTERVENTION_REFUSED,
        CaseDecision.INTERVENTION_CHANGED,
        CaseDecision.INTERVENTION_ENDED,
    }
)
"""Decisions about interventions (insatser): only the responsible unit takes them (K-5)."""


class CaseDecisions:
    """The case's decisions and its closing: part of `Case`."""

    def decision(self: CaseState, number: int) -> dict[str, Any]:
        """The case's `number`th decision (from 1, in the order recorded): decisions are
        never removed or reordered, so the number names one decision for good (W-3)."""
        if not 1 <= number <= len(self.decisions):
            raise DecisionNotFound(f"case {self.id} has no decision {number}")
        return self.decisions[number - 1]

    def record_decision(
        self: CaseState,
        *,
        unit: str,
        decision: CaseDecision,
        affects_planning: bool,
        child_perspective_considered: bool,
        children_in_household: bool | None,
        at: datetime,
        by: str,
        notified_units: list[str],
    ) -> None:
        """K-3: record a unit's decision; when it may affect other units' planning, the
        units with open cases for the same individual are notified.

        K-5, K-11: during a handover the receiving unit may investigate, but
        decisions on interventions are the sending unit's until
        responsibility has transferred: an intervention is decided at the unit
        where the case and the intervention are.

        D-6 (quality): every decision answers whether the child perspective was
        considered. In an adult's case (one not in children and youth) it also
        answers whether there are children in the household; in a child's case
        that question is about someone else's children and is refused, so the
        statistic counts only answers that mean something.
        """
        self._require_open()
        handover = self.open_handover
        # K-4: from the birthday the receiving unit decides; the youth unit is refused.
        taking_over = self.decides_after_transition(unit, at)
        if unit != self.unit and not taking_over:
            if handover is None or handover.to_unit != unit:
                raise NotInvolved("only units holding or receiving the case record decisions")
            if decision in INTERVENTION_DECISIONS:
                raise InterventionBeforeTransfer(
                    "interventions start only after responsibility has transferred; until "
                    f"then {self.unit} is responsible",
                    field="body.decision",
                )
        if self.is_child_case and children_in_household is not None:
            raise DecisionInvalid(
                "a child's case does not answer whether there are children in the household; "
                "leave it out",
                field="body.children_in_household",
                rule="D-6",
            )
        if not self.is_child_case and children_in_household is None:
            raise DecisionInvalid(
                "an adult's case answers whether there are children in the household",
                field="body.children_in_household",
                rule="D-6",
            )
        notified = others_than(unit, notified_units) if affects_planning else []
        # The decision and its notice name the same decision.
        facts: dict[str, Any] = {
            "subject_id": self.subject_id,
            "unit": unit,
            "decision": decision.value,
            "decided_at": at,
            "notified_units": notified,
        }
        self._decision_recorded(
            **facts,
            number=len(self.decisions) + 1,
            affects_planning=affects_planning,
            decided_by=by,
            child_perspective_considered=child_perspective_considered,
            children_in_household=children_in_household,
            target_groups=list(self.target_groups),
        )
        if notified:
            self._decision_notified(**facts)

    def tell_decision(
        self: CaseState,
        number: int,
        *,
        unit: str,
        told_at: datetime,
        manner: InformedManner,
        at: datetime,
        by: str,
    ) -> None:
        """K-11 (seed 003): "Beslut meddelas därefter den enskilde av den enhet där beslut
        fattas": the deciding unit records when and how it told the individual; once."""
        decision = self.decision(number)
        if unit != decision["unit"]:
            raise NotInvolved(
                f"the decision is told to the individual by the unit that took it, "
                f"{decision['unit']}",
                rule="K-11",
            )
        if decision.get("told_at") is not None:
            raise DecisionAlreadyTold(
                f"decision {number} was told at {decision['told_at'].isoformat()}"
            )
        if not decision["decided_at"] <= told_at <= at:
            raise DecisionInvalid(
                "the individual is told after the decision and no later than now",
                field="body.told_at",
                rule="K-11",
            )
        self._decision_told(
            subject_id=self.subject_id,
            number=number,
            unit=unit,
            decision=decision["decision"],
            decided_at=decision["decided_at"],
            told_at=told_at,
            manner=manner.value,
            recorded_at=at,
            recorded_by=by,
        )

    def close(
        self: CaseState,
        *,
        unit: str,
        reason: ClosingReason,
        at: datetime,
        by: str,
        notified_units: list[str],
    ) -> None:
        """K-3: closing a case always reaches the units with open cases for the individual."""
        self._require_open()
        self._require_responsible(unit, "close it")
        self._closed(
            subject_id=self.subject_id,
            unit=unit,
            reason=reason.value,
            closed_at=at,
            closed_by=by,
            notified_units=others_than(unit, notified_units),
        )


# --- how each of their events changes the case (Case binds each to its event) ----------


def decision_recorded(
    self: CaseState,
    *,
    subject_id: str,
    unit: str,
    decision: str,
    affects_planning: bool,
    decided_at: datetime,
    decided_by: str,
    notified_units: list[str],
    child_perspective_considered: bool | None,
    children_in_household: bool | None,
    target_groups: list[str],
    number: int | None,
) -> None:
    self.decisions.append(
        {
            "unit": unit,
            "decision": decision,
            "affects_planning": affects_planning,
            "decided_at": decided_at,
            "decided_by": decided_by,
            "notified_units": notified_units,
            "child_perspective_considered": child_perspective_considered,
            "children_in_household": children_in_household,
            "told_at": None,
            "told_how": None,
        }
    )


def decision_told(
    self: CaseState,
    *,
    subject_id: str,
    number: int,
    unit: str,
    decision: str,
    decided_at: datetime,
    told_at: datetime,
    manner: str,
    recorded_at: datetime,
    recorded_by: str,
) -> None:
    self.decisions[number - 1].update(told_at=told_at, told_how=manner)


def decision_notified(
    self: CaseState,
    *,
    subject_id: str,
    unit: str,
    decision: str,
    decided_at: datetime,
    notified_units: list[str],
) -> None:
    """Nothing new for the case: whom it reached is in the decision already."""


def closed(
    self: CaseState,
    *,
    subject_id: str,
    unit: str,
    reason: str,
    closed_at: datetime,
    closed_by: str,
    notified_units: list[str],
) -> None:
    self.closed_at = closed_at
    self.closing_reason = reason
    for handover in self.handovers.values():
        if handover.open:
            handover.ended_with_case = True
