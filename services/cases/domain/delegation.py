"""K-11 (seed 003): "Ärenden beslutas enligt gällande delegationsordning och på den enhet där
insats och delegation finns. Beslut meddelas därefter den enskilde av den enhet där beslut
fattas."

The municipality's delegation order (delegationsordning) names, for each kind of decision,
the roles delegated to take it. It is the operator's to set (the cases setting
`delegation_order`); `DelegationOrder` reads it and answers whether a role may decide.
Where the decision is taken (the unit holding the case, K-5) and that the deciding unit
tells the individual are the case's (`case_decisions`). Pure domain: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from contracts import CaseDecision, Role
from services.cases.domain.errors import CaseForbidden

DEFAULT_DELEGATION_ORDER = ",".join(
    f"{decision.value}=caseworker|deputy_unit_manager|unit_manager|department_head"
    for decision in CaseDecision
)
"""Every kind of decision by the staff who handle cases (caseworkers or higher), none by a
coordinator, first responder or administrator: set the municipality's own order in
production."""


class OutsideDelegation(CaseForbidden):
    """K-11: the role is not delegated this kind of decision."""

    rule = "K-11"


class DelegationOrderInvalid(ValueError):
    """K-11: a delegation order the service cannot read: the service refuses to start."""


@dataclass(frozen=True)
class DelegationOrder:
    """K-11: for each kind of decision, the roles delegated to take it; a kind the order
    does not name is delegated to nobody."""

    roles: Mapping[CaseDecision, frozenset[Role]]

    @classmethod
    def parse(cls, text: str) -> DelegationOrder:
        """`decision=role|role,…`, e.g. `intervention_granted=unit_manager|deputy_unit_manager`."""
        roles: dict[CaseDecision, frozenset[Role]] = {}
        for entry in filter(None, (part.strip() for part in text.split(","))):
            kind, _, named = entry.partition("=")
            try:
                decision = CaseDecision(kind.strip())
                delegated = frozenset(Role(r.strip()) for r in named.split("|") if r.strip())
            except ValueError as unknown:
                raise DelegationOrderInvalid(
                    f"K-11: delegation order entry {entry!r}: {unknown}"
                ) from None
            if decision in roles:
                raise DelegationOrderInvalid(
                    f"K-11: the delegation order names {decision.value} twice"
                )
            roles[decision] = delegated
        return cls(roles)

    def may_decide(self, role: Role, decision: CaseDecision) -> bool:
        return role in self.roles.get(decision, frozenset())

    def require_may_decide(self, role: Role, decision: CaseDecision) -> None:
        """K-11: refused, naming the role and who may, when the order does not delegate it."""
        if not self.may_decide(role, decision):
            allowed = sorted(r.value for r in self.roles.get(decision, frozenset()))
            raise OutsideDelegation(
                f"the delegation order does not delegate {decision.value} to {role.value}; "
                f"it is decided by: {', '.join(allowed) or 'no role here'}",
                field="body.decision",
            )


DEFAULT = DelegationOrder.parse(DEFAULT_DELEGATION_ORDER)
