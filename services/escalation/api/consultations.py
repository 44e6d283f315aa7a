"""Consultations over HTTP (E-9): anonymous (no individual at all) or named, and brought to
a forum's meeting only by a member unit (E-7). Read by the units consulting and consulted
(the application decides, where it loads it); every answer carries the notes and is
logged as an access about the individual named or, naming no one, the consultation.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from contracts import ConsultationOutcome
from contracts.base import OrgIds
from services.escalation.api.bodies import Notes
from services.escalation.application import (
    EscalationApplication,
    HoldConsultation,
    record_owner,
)
from services.escalation.domain import Consultation
from services.escalation.policy import may
from services.runtime.http.bodies import ClearText, command_from, located
from services.runtime.http.context import application_of, now
from services.runtime.http.identification import (
    PERSONAL_DATA,
    Personnummer,
    RequestModel,
    log_access,
    subject_named,
)
from services.runtime.kernel.actor import Actor
from services.runtime.store.audit import Action

router = APIRouter(tags=["consultation"])


class ConsultationRequest(RequestModel):
    anonymous: bool = Field(description="No individual named: nothing links it to anyone (E-9).")
    personnummer: Personnummer | None = Field(None, description="Required for a named one.")
    consulted_orgs: OrgIds
    meeting_id: UUID | None = None
    outcome: ConsultationOutcome
    notes: Notes = ""


class ConsultationView(BaseModel):
    id: UUID
    anonymous: bool
    subject_id: str | None
    consulting_org: str
    consulted_orgs: list[str]
    meeting_id: UUID | None
    outcome: str
    notes: ClearText
    held_at: datetime


def _disclosed(
    request: Request, actor: Actor, c: Consultation, action: Action = Action.CHANGED
) -> ConsultationView:
    """The consultation with its notes, once its disclosure is in the access log."""
    owner = record_owner(c.subject_id, c.id)
    log_access(request, actor, owner, purpose="consultation (E-9)", action=action)
    return ConsultationView.model_validate(c, from_attributes=True)


@router.post(
    "/consultations",
    status_code=201,
    response_model=ConsultationView,
    openapi_extra=PERSONAL_DATA,
)
def hold_consultation(
    body: ConsultationRequest,
    request: Request,
    response: Response,
    actor: Annotated[Actor, may("consultation.hold")],
) -> ConsultationView:
    """Record a consultation (E-9): anonymous (no individual at all) or named."""
    command = command_from(
        body,
        HoldConsultation,
        subject_id=subject_named(request, body.personnummer),
        consulted_orgs=list(body.consulted_orgs),
    )
    application = application_of(request, EscalationApplication)
    consultation = application.hold_consultation(actor, command, at=now(request))
    answer = _disclosed(request, actor, consultation)
    return located(response, f"/v1/consultations/{consultation.id}", answer)


@router.get(
    "/consultations/{consultation_id}",
    response_model=ConsultationView,
    openapi_extra=PERSONAL_DATA,
)
def get_consultation(
    consultation_id: UUID, request: Request, actor: Annotated[Actor, may("consultation.read")]
) -> ConsultationView:
    """The consultation, for the units consulting and consulted (E-9)."""
    application = application_of(request, EscalationApplication)
    consultation = application.read_consultation(actor, consultation_id)
    return _disclosed(request, actor, consultation, Action.READ)
