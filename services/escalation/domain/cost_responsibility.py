"""Who pays, on a cost question the ladder brought to the department heads (E-6, E-12).

Seed 003: "Oklarheter avseende kostnader för insatser hanteras av
avdelningschefer" (E-6), and "Kostnader för behandling av missbruk och
beroende beslutas och bekostas alltid av IoF. Ett gemensamt kostnadsansvar
gäller när boendet har insatser från både IoF och ÄoF" (E-12).

Readings, written down:

- The department heads record which part of the rule applies (`CostBasis`) and which
  departments pay. Treatment of misuse and addiction: IoF, alone ("alltid av IoF").
  Housing with interventions from both: IoF and ÄoF together (gemensamt
  kostnadsansvar). Anything else: the department heads name the payer (one or both).
- It is recorded once, on a cost question, while the matter is at the department heads
  and not yet resolved, by a department head of a party; the matter is then resolved as
  any other (`Escalation.resolve`).
- Ongoing interventions stay with the unit that decided them (E-6): settling who pays
  moves no responsibility for them.

The event is declared here with how it changes the matter (`apply`) and named on
`Escalation` (``CostSettled = cost_responsibility.CostSettled``), as
`monthly_meeting_plans` does for the monthly meeting.

Pure domain: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from contracts import CostBasis, EscalationLevel, EscalationResolution, Role, UnitKind
from services.escalation.domain.errors import (
    CostNotForThisStep,
    CostResponsibilityContradicted,
    EscalationAlreadyResolved,
    EscalationNotYours,
)
from services.runtime.kernel.aggregate import Aggregate

PAYERS_BY_RULE: dict[CostBasis, frozenset[UnitKind]] = {
    CostBasis.ADDICTION_TREATMENT: frozenset({UnitKind.IOF}),
    CostBasis.SHARED_HOUSING: frozenset({UnitKind.IOF, UnitKind.AOF}),
}
"""E-12 (seed 003): who pays where the rule says; for `other` the department heads name it."""


def cost_contradiction(basis: CostBasis, payers: Iterable[UnitKind]) -> str | None:
    """E-12: why the recorded payers contradict the rule for `basis`, or None when they don't."""
    named = frozenset(payers)
    if not named:
        return "name the department(s) that pay"
    required = PAYERS_BY_RULE.get(basis)
    if required is None or named == required:
        return None
    if basis is CostBasis.ADDICTION_TREATMENT:
        return (
            "costs for treatment of misuse and addiction are always decided and paid by IoF "
            "(E-12, seed 003): IOF pays, alone"
        )
    return (
        "housing with interventions from both IoF and ÄoF is a shared cost responsibility "
        "(E-12, seed 003): IOF and AOF pay together"
    )


@dataclass(frozen=True)
class CostResponsibility:
    """What the department heads settled (E-12)."""

    basis: CostBasis
    payers: tuple[UnitKind, ...]
    settled_by: str
    settled_by_org: str
    settled_at: datetime


class _Matter(Protocol):
    """What the rule reads of `Escalation`."""

    subject_id: str | None
    cost_question: bool
    resolution: EscalationResolution | None
    cost: CostResponsibility | None

    @property
    def level(self) -> EscalationLevel: ...
    @property
    def parties(self) -> list[str]: ...
    def trigger_event(self, event_class: Any, **kwargs: Any) -> None: ...


class CostSettled(Aggregate.Event):
    """E-12: the department heads settled who pays, and under which part of the rule."""

    subject_id: str | None
    basis: str
    payers: list[str]
    settled_by: str
    settled_by_org: str
    settled_at: datetime

    def apply(self, aggregate: Any) -> None:
        aggregate.cost = CostResponsibility(
            CostBasis(self.basis),
            tuple(UnitKind(p) for p in self.payers),
            self.settled_by,
            self.settled_by_org,
            self.settled_at,
        )


class CostResponsibilities:
    """Settling the cost: part of `Escalation`."""

    cost: CostResponsibility | None = None
    """Who pays, once the department heads settled it (E-12); None until then."""

    def settle_cost(
        self: _Matter,
        *,
        basis: CostBasis,
        payers: list[UnitKind],
        by: str,
        by_org: str,
        by_role: Role,
        at: datetime,
    ) -> None:
        """E-6, E-12: a department head of a party records who pays, as the rule says."""
        if self.resolution is not None:
            raise EscalationAlreadyResolved(f"the matter was resolved ({self.resolution.value})")
        if by_org not in self.parties:
            raise EscalationNotYours("only the parties to the matter settle its cost")
        if not self.cost_question:
            raise CostNotForThisStep(
                "the matter was not raised as a cost question: there is no cost to settle"
            )
        if self.level is not EscalationLevel.DEPARTMENT_HEAD:
            raise CostNotForThisStep(
                "cost questions are settled by the department heads (E-6): the matter is "
                f"with the {self.level.value.replace('_', ' ')}s"
            )
        if by_role is not Role.DEPARTMENT_HEAD:
            raise EscalationNotYours("the department heads settle cost questions (E-6)")
        if self.cost is not None:
            raise CostNotForThisStep("the cost responsibility was already settled")
        distinct = list(dict.fromkeys(payers))
        contradiction = cost_contradiction(basis, distinct)
        if contradiction is not None:
            raise CostResponsibilityContradicted(contradiction, field="body.payers")
        self.trigger_event(
            type(self).CostSettled,  # type: ignore[attr-defined]
            subject_id=self.subject_id,
            basis=basis.value,
            payers=[p.value for p in distinct],
            settled_by=by,
            settled_by_org=by_org,
            settled_at=at,
        )
