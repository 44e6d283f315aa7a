"""Acute matters (E-8) and consultations (E-9): outside the monthly rhythm, between units.

Each is read by the units it involves, decided here where it is loaded; its
free text is sealed to the individual named or, naming no one, to the record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from contracts import ConsultationOutcome
from services.escalation.application.base import EscalationBase
from services.escalation.domain import (
    AcuteMatter,
    Consultation,
    ConsultationInvalid,
    MonthlyMeeting,
)
from services.runtime.kernel.actor import Actor, require_party
from services.runtime.kernel.commands import arguments


@dataclass(frozen=True)
class RaiseAcuteMatter:
    subject_id: str | None
    to_org: str
    question: str


@dataclass(frozen=True)
class HoldConsultation:
    anonymous: bool
    subject_id: str | None
    consulted_orgs: list[str]
    meeting_id: UUID | None
    outcome: ConsultationOutcome
    notes: str


class Matters(EscalationBase):
    """Acute matters and consultations."""

    def raise_acute_matter(
        self, actor: Actor, command: RaiseAcuteMatter, *, at: datetime
    ) -> AcuteMatter:
        """Straight to the other unit's deputy unit manager: no registration, no cutoff.
        Naming the individual, it shares their data with that unit on a basis (C-11)."""
        return self._created_on_basis(
            lambda: AcuteMatter.raise_matter(
                **arguments(command), from_org=actor.org_id, raised_by=actor.hsa_id, at=at
            ),
            subject_id=command.subject_id,
            parties=lambda matter: [matter.from_org, matter.to_org],
            flow="acute_matter",
            at=at,
        )

    def read_acute_matter(self, actor: Actor, matter_id: UUID) -> AcuteMatter:
        matter = self._load(AcuteMatter, matter_id)
        require_party(actor, [matter.from_org, matter.to_org], what="this acute matter", rule="E-8")
        return matter

    def take_acute_matter(self, actor: Actor, matter_id: UUID, *, at: datetime) -> AcuteMatter:
        """The receiving unit's deputy unit manager takes it (the domain checks)."""
        return self._staff_step(AcuteMatter, matter_id, AcuteMatter.take, actor, at)

    def hold_consultation(
        self, actor: Actor, command: HoldConsultation, *, at: datetime
    ) -> Consultation:
        """Anonymous (no individual at all) or named; brought to a forum's meeting only by a
        member unit (E-7). A named one shares the individual's data with the consulted
        units on a basis (C-11); an anonymous one needs none."""
        if command.anonymous != (command.subject_id is None):
            raise ConsultationInvalid(
                "an anonymous consultation names no individual; a named one gives the personnummer"
            )
        if command.meeting_id is not None:
            meeting = self._load(MonthlyMeeting, command.meeting_id)
            require_party(actor, meeting.members, what="this forum", rule="E-7")
        return self._created_on_basis(
            lambda: Consultation.hold(
                **arguments(command, leave_out={"anonymous"}),
                consulting_org=actor.org_id,
                recorded_by=actor.hsa_id,
                at=at,
            ),
            subject_id=command.subject_id,
            parties=lambda c: [c.consulting_org, *c.consulted_orgs],
            flow="consultation",
            at=at,
        )

    def read_consultation(self, actor: Actor, consultation_id: UUID) -> Consultation:
        c = self._load(Consultation, consultation_id)
        require_party(
            actor, [c.consulting_org, *c.consulted_orgs], what="this consultation", rule="E-9"
        )
        return c
