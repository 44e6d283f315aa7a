"""Coordinated individual plans, SIP: propose, establish, follow up, revise (K-6, K-7), on
the individual's consent when an adult (C-7); closed early, with the reason (W-2).

A plan is worked on and read by the units it is made between: the plan checks
each step against the actor's unit, and reading is decided here where it is
loaded. The plan's texts are sealed to the individual.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import Any
from uuid import UUID

from contracts import Purpose, SipProposer
from services.cases.application.base import CasesBase
from services.cases.domain import ADULT_AGE, Participants, Sip, SipConflict, SipPlan, birthday
from services.cases.domain.parties import require_plan_party
from services.cases.domain.principal_contact import PrincipalContact, principal_contact_id
from services.cases.domain.sip_plan import FollowUp, PlanVersion
from services.runtime.kernel.actor import Actor
from services.runtime.kernel.commands import arguments


@dataclass(frozen=True)
class ProposeSip:
    """A proposal for a coordinated individual plan (K-6), recorded by the actor's unit."""

    subject_id: str
    birth_date: date
    proposed_by: SipProposer
    units: list[str]


@dataclass(frozen=True)
class EstablishSip:
    """The plan's first version (K-6) and its follow-up rhythm (K-7)."""

    plan: SipPlan
    participants: Participants
    complex_case: bool
    coordinator: str | None
    follow_up_every_days: int
    first_follow_up_on: date


@dataclass(frozen=True)
class RecordSipFollowUp:
    """A held follow-up (K-7); the next one at the plan's frequency unless given."""

    held_on: date
    outcome: str
    next_follow_up_on: date | None = None


class Sips(CasesBase):
    """The plan's life: proposed, established, followed up, revised; read by its units."""

    def propose_sip(self, actor: Actor, command: ProposeSip, *, at: datetime) -> Sip:
        """K-6, K-13, C-7: proposed, to be established within the configured days; a
        contact asked for between two of its units is established by it (K-17)."""
        sip = Sip.propose(
            subject_id=command.subject_id,
            proposed_by=command.proposed_by,
            units=command.units,
            proposer_unit=actor.org_id,
            adult_from=birthday(command.birth_date, ADULT_AGE),
            consent_id=self._consent_id_for(Purpose.SIP, command.subject_id, command.units, at),
            at=at,
            by=actor.hsa_id,
            establish_within_days=self.sip_establishment_days,
        )
        self.save(sip, *self._contacts_settled_by(sip, at, actor.hsa_id))
        return sip

    def _contacts_settled_by(self, sip: Sip, at: datetime, by: str) -> list[PrincipalContact]:
        """K-17: the open contacts on the person's cases between two of the plan's units,
        established by the plan's proposal."""
        settled = []
        for case in self._cases_of(sip.subject_id):
            for unit in sip.units:
                contact = self.find(principal_contact_id(case.id, unit), PrincipalContact)
                if contact is not None and contact.settle_by_sip(
                    sip_id=sip.id, units=sip.units, at=at, by=by
                ):
                    settled.append(contact)
        return settled

    def read_sip(self, actor: Actor, sip_id: UUID) -> Sip:
        """The plan, for the units it is made between (K-6)."""
        return self._load_checked(Sip, sip_id, partial(require_plan_party, actor))

    def read_plan_document(self, actor: Actor, sip_id: UUID) -> tuple[Sip, PlanVersion]:
        """K-13: the plan's current version, for the plan's units to hand to the person."""
        sip = self.read_sip(actor, sip_id)
        if sip.current is None:
            raise SipConflict("the plan is not established yet: nothing to read", rule="K-13")
        return sip, sip.current

    def read_sip_follow_up(self, actor: Actor, sip_id: UUID, number: int) -> tuple[Sip, FollowUp]:
        """The plan's `number`th follow-up, for the plan's units (K-6, K-7): where the
        follow-up's Location points (W-3)."""
        sip = self.read_sip(actor, sip_id)
        return sip, sip.follow_up(number)

    def read_sip_version(self, actor: Actor, sip_id: UUID, number: int) -> tuple[Sip, PlanVersion]:
        """The plan's version `number`, for the plan's units (K-6, K-7): where a revision's
        Location points (W-3)."""
        sip = self.read_sip(actor, sip_id)
        return sip, sip.plan_version(number)

    def establish_sip(
        self, actor: Actor, sip_id: UUID, command: EstablishSip, *, at: datetime
    ) -> Sip:
        return self._on_consent(Sip.establish, actor, sip_id, at, **arguments(command))

    def record_sip_follow_up(
        self, actor: Actor, sip_id: UUID, command: RecordSipFollowUp, *, at: datetime
    ) -> Sip:
        return self._unit_step(Sip, sip_id, Sip.record_follow_up, actor, at, **arguments(command))

    def revise_sip(self, actor: Actor, sip_id: UUID, *, plan: SipPlan, at: datetime) -> Sip:
        return self._on_consent(Sip.revise, actor, sip_id, at, plan=plan)

    def close_sip(self, actor: Actor, sip_id: UUID, *, reason: str, at: datetime) -> Sip:
        """W-2: by one of the plan's units (the plan checks), with the reason."""
        return self._unit_step(Sip, sip_id, Sip.close, actor, at, reason=reason)

    def _on_consent(
        self,
        step: Callable[..., object],
        actor: Actor,
        sip_id: UUID,
        at: datetime,
        **arguments: Any,
    ) -> Sip:
        """A step that makes the plan or a new version of it (`Sip.establish`, `Sip.revise`),
        by the actor's unit, on the consent that covers the plan's units then (C-7)."""
        return self._change(
            Sip,
            sip_id,
            lambda sip: step(
                sip,
                **arguments,
                consent_id=self._consent_id_for(Purpose.SIP, sip.subject_id, sip.units, at),
                unit=actor.org_id,
                at=at,
                by=actor.hsa_id,
            ),
        )
