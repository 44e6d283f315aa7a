"""Contact with the other principal (K-17): asked for on a case by the unit holding it,
acknowledged by the other principal's unit, or established by a SIP proposed with both.

Read by the two units, decided here where it is loaded.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from uuid import UUID

from services.cases.application.base import CasesBase
from services.cases.domain import Case
from services.cases.domain.principal_contact import (
    PrincipalContact,
    PrincipalContactConflict,
)
from services.runtime.kernel.actor import Actor, require_party


def _require_contact_party(actor: Actor, contact: PrincipalContact) -> None:
    """K-17: the contact is read by the unit that asked and the unit asked."""
    require_party(actor, contact.units, what="this contact", rule="K-17")


class PrincipalContacts(CasesBase):
    """K-17: the task that leads a person known to one principal to a SIP with both."""

    def request_other_principal_contact(
        self, actor: Actor, case_id: UUID, *, to_unit: str, at: datetime
    ) -> PrincipalContact:
        """K-17: the unit holding the case (the contact checks) asks `to_unit`, of the other
        principal, to establish contact within the configured days."""
        case = self._load(Case, case_id)
        contact = PrincipalContact.request(
            subject_id=case.subject_id,
            case_id=case.id,
            case_unit=case.unit,
            unit=actor.org_id,
            to_unit=to_unit,
            within_days=self.other_principal_contact_days,
            at=at,
            by=actor.hsa_id,
        )
        if self.find(contact.id, PrincipalContact) is not None:
            raise PrincipalContactConflict(
                f"contact with {to_unit} is already asked for on this case", field="body.to_unit"
            )
        return self._created(contact)

    def read_other_principal_contact(self, actor: Actor, contact_id: UUID) -> PrincipalContact:
        return self._load_checked(
            PrincipalContact, contact_id, partial(_require_contact_party, actor)
        )

    def acknowledge_other_principal_contact(
        self, actor: Actor, contact_id: UUID, *, at: datetime
    ) -> PrincipalContact:
        """K-17: the unit asked has established contact with the person."""
        return self._unit_step(
            PrincipalContact, contact_id, PrincipalContact.acknowledge, actor, at
        )
