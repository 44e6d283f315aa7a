"""Acute matters over HTTP (E-8): straight to the other unit's deputy unit manager, outside
the monthly rhythm. Read by the two units only (the application decides, where it loads
the matter); every answer carries the question and is logged as an access about the
individual named or, naming no one, the matter (`record_owner`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from contracts.base import HsaId
from services.escalation.api.bodies import Text
from services.escalation.application import (
    EscalationApplication,
    RaiseAcuteMatter,
    record_owner,
)
from services.escalation.domain import AcuteMatter
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

router = APIRouter(tags=["acute"])


class AcuteMatterRequest(RequestModel):
    to_org: HsaId = Field(description="The other unit; its deputy unit manager takes it (E-8).")
    personnummer: Personnummer | None = None
    question: Text


class AcuteMatterView(BaseModel):
    id: UUID
    subject_id: str | None
    from_org: str
    to_org: str
    raised_by: str
    question: ClearText
    raised_at: datetime
    taken_by: str | None
    taken_at: datetime | None


def _disclosed(
    request: Request, actor: Actor, matter: AcuteMatter, action: Action = Action.CHANGED
) -> AcuteMatterView:
    """The matter with its question, once its disclosure is in the access log."""
    owner = record_owner(matter.subject_id, matter.id)
    log_access(request, actor, owner, purpose="acute matter (E-8)", action=action)
    return AcuteMatterView.model_validate(matter, from_attributes=True)


@router.post(
    "/acute-matters", status_code=201, response_model=AcuteMatterView, openapi_extra=PERSONAL_DATA
)
def raise_acute_matter(
    body: AcuteMatterRequest,
    request: Request,
    response: Response,
    actor: Annotated[Actor, may("acute_matter.raise")],
) -> AcuteMatterView:
    """An acute matter goes straight to the other unit's deputy unit manager, outside the
    monthly rhythm: no registration, no cutoff (E-8)."""
    command = command_from(
        body, RaiseAcuteMatter, subject_id=subject_named(request, body.personnummer)
    )
    application = application_of(request, EscalationApplication)
    matter = application.raise_acute_matter(actor, command, at=now(request))
    answer = _disclosed(request, actor, matter)
    return located(response, f"/v1/acute-matters/{matter.id}", answer)


@router.get(
    "/acute-matters/{matter_id}", response_model=AcuteMatterView, openapi_extra=PERSONAL_DATA
)
def get_acute_matter(
    matter_id: UUID, request: Request, actor: Annotated[Actor, may("acute_matter.read")]
) -> AcuteMatterView:
    """The matter, for the raising and the receiving unit (E-8)."""
    application = application_of(request, EscalationApplication)
    matter = application.read_acute_matter(actor, matter_id)
    return _disclosed(request, actor, matter, Action.READ)


@router.post(
    "/acute-matters/{matter_id}/taken",
    response_model=AcuteMatterView,
    openapi_extra=PERSONAL_DATA,
)
def take_acute_matter(
    matter_id: UUID, request: Request, actor: Annotated[Actor, may("acute_matter.take")]
) -> AcuteMatterView:
    """The receiving unit's deputy unit manager takes the acute matter (E-8)."""
    application = application_of(request, EscalationApplication)
    matter = application.take_acute_matter(actor, matter_id, at=now(request))
    return _disclosed(request, actor, matter)
