"""The escalation ladder's use cases (E-6): raise a matter, agree, step up, settle who pays
on a cost question (E-12), resolve.

The actor's role and unit are checked by the ladder against the step the matter
is at; reading a matter is for its parties, decided here where it is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from contracts import CostBasis, EscalationLevel, EscalationResolution, EscalationTrack, UnitKind
from services.escalation.application.base import EscalationBase
from services.escalation.domain import Escalation
from services.runtime.kernel.actor import Actor, require_party
from services.runtime.kernel.commands import arguments


@dataclass(frozen=True)
class RaiseEscalation:
    track: EscalationTrack
    subject_id: str | None
    cost_question: bool
    responsible_org: str
    counterpart_orgs: list[str]
    reason: str


@dataclass(frozen=True)
class Escalate:
    escalation_id: UUID
    to_level: EscalationLevel
    reason: str
    written_summary: str | None
    agreed_by_orgs: list[str]


@dataclass(frozen=True)
class ResolveEscalation:
    resolution: EscalationResolution
    notes: str


@dataclass(frozen=True)
class SettleCost:
    basis: CostBasis
    payers: list[UnitKind]


class Ladder(EscalationBase):
    """Matters on the ladder; what is said on them is the record owner's personal data
    (services.escalation.domain.owners)."""

    def raise_escalation(
        self, actor: Actor, command: RaiseEscalation, *, at: datetime
    ) -> Escalation:
        """A matter naming the individual shares their data with its parties on a basis
        (C-11); a question of principle names no one and needs none."""
        return self._created_on_basis(
            lambda: Escalation.raise_matter(
                **arguments(command),
                raised_by=actor.hsa_id,
                raised_by_org=actor.org_id,
                raised_by_role=actor.role,
                at=at,
            ),
            subject_id=command.subject_id,
            parties=lambda escalation: list(escalation.parties),
            flow="escalation",
            at=at,
        )

    def read_escalation(self, actor: Actor, escalation_id: UUID) -> Escalation:
        """The matter, for its parties (E-6)."""
        escalation = self._load(Escalation, escalation_id)
        require_party(actor, escalation.parties, what="this escalation", rule="E-6")
        return escalation

    def escalate(self, actor: Actor, command: Escalate, *, at: datetime) -> Escalation:
        """One step up, as the routine allows (E-6): who, when, why."""
        return self._staff_step(
            Escalation,
            command.escalation_id,
            Escalation.escalate,
            actor,
            at,
            **arguments(command, leave_out={"escalation_id"}),
        )

    def agree_to_escalate(self, actor: Actor, escalation_id: UUID, *, at: datetime) -> Escalation:
        """E-6: one party's own agreement that the matter goes further."""
        return self._staff_step(Escalation, escalation_id, Escalation.agree, actor, at)

    def resolve_escalation(
        self, actor: Actor, escalation_id: UUID, command: ResolveEscalation, *, at: datetime
    ) -> Escalation:
        return self._staff_step(
            Escalation, escalation_id, Escalation.resolve, actor, at, **arguments(command)
        )

    def settle_cost(
        self, actor: Actor, escalation_id: UUID, command: SettleCost, *, at: datetime
    ) -> Escalation:
        """E-12: a department head of a party records who pays, as the rule says (the
        domain refuses payers that contradict it)."""
        return self._staff_step(
            Escalation, escalation_id, Escalation.settle_cost, actor, at, **arguments(command)
        )
