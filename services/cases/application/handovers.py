"""Case handover between units (K-5) on the individual's consent (C-8, C-9).

The sending unit hands over, the receiving unit acknowledges, either records the
transfer; or, as plans change (W-2), the receiving unit declines it or the sending unit
withdraws it, with the reason: the case checks each step against the actor's unit.
Reading a handover is for its two units, and for the receiving one only while the
consent holds, decided here where the case is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from contracts import Purpose
from services.cases.application.base import CasesBase
from services.cases.domain import Case, Handover, HandoverContent, acknowledgement_deadline
from services.cases.domain.parties import require_handover_readable
from services.runtime.kernel.actor import Actor


@dataclass(frozen=True)
class RequestHandover:
    """K-5: the case to `to_unit`, with every mandatory part of what it carries."""

    to_unit: str
    content: HandoverContent


class Handovers(CasesBase):
    """Hand over, acknowledge, transfer; read by the two units."""

    def request_handover(
        self, actor: Actor, case_id: UUID, command: RequestHandover, *, at: datetime
    ) -> Handover:
        """K-5 by the unit holding the case (the case checks), on a consent to
        `case_handover` covering both units (C-8); acknowledged within the configured
        number of Swedish working days."""
        case = self._load(Case, case_id)
        receiving = self.units.require(command.to_unit, field="body.to_unit", rule="K-5")
        handover_id = case.request_handover(
            unit=actor.org_id,
            to_unit=receiving,
            content=command.content,
            consent_id=self._consent_id_for(
                Purpose.CASE_HANDOVER, case.subject_id, [case.unit, receiving.hsa_id], at
            ),
            at=at,
            by=actor.hsa_id,
            acknowledge_by=acknowledgement_deadline(at, self.acknowledgement_working_days),
        )
        self.save(case)
        return case.handover(handover_id)

    def read_handover(
        self, actor: Actor, case_id: UUID, handover_id: UUID, *, at: datetime
    ) -> tuple[Case, Handover]:
        """The handover and its case, for the sending and receiving units (K-5); for the
        receiving one, before the transfer, only while the individual's consent to it
        still covers both units (C-8, C-9)."""
        case = self._load(Case, case_id)
        handover = case.handover(handover_id)
        require_handover_readable(
            actor,
            handover,
            consent_holds=lambda: self._handover_consent_holds(
                case.subject_id, [handover.from_unit, handover.to_unit], at
            ),
        )
        return case, handover

    def _handover_consent_holds(self, subject_id: str, units: list[str], at: datetime) -> bool:
        """C-8/C-9: whether the individual's `case_handover` consent still covers both
        units today (not withdrawn, narrowed or expired since the handover began)."""
        return self._consent_id_for(Purpose.CASE_HANDOVER, subject_id, units, at) is not None

    def acknowledge_handover(
        self,
        actor: Actor,
        case_id: UUID,
        handover_id: UUID,
        *,
        receiving_caseworker: str,
        at: datetime,
    ) -> Case:
        """K-5: the receiving unit (the case checks) confirms receipt and names its
        caseworker; once only."""
        return self._unit_step(
            Case,
            case_id,
            Case.acknowledge_handover,
            actor,
            at,
            handover_id=handover_id,
            receiving_caseworker=receiving_caseworker,
        )

    def decline_handover(
        self, actor: Actor, case_id: UUID, handover_id: UUID, *, reason: str, at: datetime
    ) -> Case:
        """W-2: by the receiving unit, before acknowledging (the case checks)."""
        return self._unit_step(
            Case, case_id, Case.decline_handover, actor, at, handover_id=handover_id, reason=reason
        )

    def withdraw_handover(
        self, actor: Actor, case_id: UUID, handover_id: UUID, *, reason: str, at: datetime
    ) -> Case:
        """W-2: by the sending unit, before the transfer (the case checks)."""
        return self._unit_step(
            Case, case_id, Case.withdraw_handover, actor, at, handover_id=handover_id, reason=reason
        )

    def transfer_responsibility(
        self, actor: Actor, case_id: UUID, handover_id: UUID, *, at: datetime
    ) -> Case:
        """K-5: recorded by either unit (the case checks), after the acknowledgement."""
        case = self._load(Case, case_id)
        case.transfer_responsibility(handover_id, unit=actor.org_id, at=at, by=actor.hsa_id)
        index = self._subject_cases(case.subject_id)
        index.move(case_id=case.id, unit=case.unit, unit_kind=case.unit_kind)
        self.save(case, index)
        return case
