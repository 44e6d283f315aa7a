"""Consultations over HTTP (E-9): anonymous (no individual at all) or named, and brought to
a forum's meeting only by a member unit (E-7). Read by the units consulting and consulted
(the application decides, where it loads it); every answer carries the notes and is
logged as an access about the individual named or, naming no one, the consultation.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from contracts import ConsultationOutcome
from contracts.base import OrgIds
from services.escalation.api.bodies import Notes
from services.escalation.api.disclosure import owned_routes
from services.escalation.application import EscalationApplication, HoldConsultation
from services.escalation.policy import may
from services.runtime.http.bodies import ClearText, command_from
from services.runtime.http.caller import Caller
from services.runtime.http.fields import Personnummer, RequestModel
from services.runtime.http.identification import PERSONAL_DATA, subject_named

router = APIRouter(tags=["consultation"])


class ConsultationRequest(RequestModel):
    anonymous: bool = Field(description="No individual named: nothing links it to anyone (E-9).")
    personnummer: Personnummer | None = Field(None, description="Required for a named one.")
    consulted_orgs: OrgIds
    meeting_id: UUID | None = None
    outcome: ConsultationOutcome
    notes: Notes = ""


class ConsultationView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    anonymous: bool
    subject_id: str | None
    consulting_org: str
    consulted_orgs: list[str]
    meeting_id: UUID | None
    outcome: str
    notes: ClearText
    held_at: datetime


_consultations = owned_routes(ConsultationView.model_validate, purpose="consultation (E-9)")
"""Every answer carries the notes: logged about the individual named, or the consultation."""


@router.post("/consultations", status_code=201, openapi_extra=PERSONAL_DATA)
def hold_consultation(
    body: ConsultationRequest, caller: Annotated[Caller, may("consultation.hold")]
) -> ConsultationView:
    """Record a consultation (E-9): anonymous (no individual at all) or named."""
    command = command_from(
        body,
        HoldConsultation,
        subject_id=subject_named(caller.request, body.personnummer),
        consulted_orgs=list(body.consulted_orgs),
    )
    hold = EscalationApplication.hold_consultation
    return _consultations.created(caller, "/v1/consultations/{id}", hold, command)


@router.get("/consultations/{consultation_id}", openapi_extra=PERSONAL_DATA)
def get_consultation(
    consultation_id: UUID, caller: Annotated[Caller, may("consultation.read")]
) -> ConsultationView:
    """The consultation, for the units consulting and consulted (E-9)."""
    return _consultations.read(caller, EscalationApplication.read_consultation, consultation_id)
