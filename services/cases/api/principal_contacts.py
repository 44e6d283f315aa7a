"""Contact with the other principal (K-17): the unit holding a case asks a unit of the other
principal to establish contact with the person, by a day, leading to a SIP; that unit
acknowledges it, or a SIP with both units is proposed. Read by the two units (the
application decides, where it loads it)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, Field

from contracts.base import HsaId
from services.cases.application import CasesApplication
from services.cases.domain.principal_contact import PrincipalContact
from services.cases.policy import may
from services.runtime.http.bodies import view_of
from services.runtime.http.caller import Caller
from services.runtime.http.fields import RequestModel
from services.runtime.http.identification import PERSONAL_DATA, log_access
from services.runtime.http.routes import Disclosing
from services.runtime.store.audit import Action

router = APIRouter()

PURPOSE = "contact with the other principal"
LOCATION = "/v1/principal-contacts/{id}"


class ContactRequest(RequestModel):
    to_unit: HsaId = Field(
        description="A unit of the other principal (region or municipality) than the case's "
        "(K-17).",
        json_schema_extra={"x-rule": "K-17"},
    )


class ContactView(BaseModel):
    id: UUID
    subject_id: str
    case_id: UUID
    from_unit: str
    to_unit: str
    contact_by: date
    requested_at: datetime
    established_at: datetime | None
    how: str | None = Field(description="`acknowledged`, or `sip_proposed` with `sip_id`.")
    sip_id: UUID | None
    overdue_raised: bool


def _disclosed(caller: Caller, contact: PrincipalContact, action: Action) -> ContactView:
    """That the person is known here and needs the other principal is their personal data."""
    log_access(caller, contact.subject_id, purpose=PURPOSE, action=action)
    return view_of(ContactView, contact)


_contacts = Disclosing(CasesApplication, _disclosed)


@router.post(
    "/cases/{case_id}/other-principal-contacts", status_code=201, openapi_extra=PERSONAL_DATA
)
def request_contact(
    case_id: UUID,
    body: ContactRequest,
    caller: Annotated[Caller, may("principal_contact.request")],
) -> ContactView:
    """K-17: the person needs interventions from both principals and only this one knows
    them: ask `to_unit` to establish contact, by the configured day."""
    ask = CasesApplication.request_other_principal_contact
    return _contacts.created(caller, LOCATION, ask, case_id, to_unit=body.to_unit)


@router.get("/principal-contacts/{contact_id}", openapi_extra=PERSONAL_DATA)
def get_contact(
    contact_id: UUID, caller: Annotated[Caller, may("principal_contact.read")]
) -> ContactView:
    """The contact, for the unit that asked and the unit asked (K-17)."""
    return _contacts.read(caller, CasesApplication.read_other_principal_contact, contact_id)


@router.post("/principal-contacts/{contact_id}/acknowledgement", openapi_extra=PERSONAL_DATA)
def acknowledge_contact(
    contact_id: UUID, caller: Annotated[Caller, may("principal_contact.acknowledge")]
) -> ContactView:
    """K-17: the unit asked has established contact with the person."""
    acknowledge = CasesApplication.acknowledge_other_principal_contact
    return _contacts.changed(caller, acknowledge, contact_id)
