"""Acute matters over HTTP (E-8): straight to the other unit's deputy unit manager, outside
the monthly rhythm. Read by the two units only (the application decides, where it loads
the matter); every answer carries the question and is logged as an access about the
individual named or, naming no one, the matter (`record_owner`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from contracts.base import HsaId
from services.escalation.api.bodies import Text
from services.escalation.api.disclosure import owned_routes
from services.escalation.application import EscalationApplication, RaiseAcuteMatter
from services.escalation.policy import may
from services.runtime.http.bodies import ClearText, command_from
from services.runtime.http.caller import Caller
from services.runtime.http.fields import Personnummer, RequestModel
from services.runtime.http.identification import PERSONAL_DATA, subject_named

router = APIRouter(tags=["acute"])


class AcuteMatterRequest(RequestModel):
    to_org: HsaId = Field(description="The other unit; its deputy unit manager takes it (E-8).")
    personnummer: Personnummer | None = None
    question: Text


class AcuteMatterView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    subject_id: str | None
    from_org: str
    to_org: str
    raised_by: str
    question: ClearText
    raised_at: datetime
    taken_by: str | None
    taken_at: datetime | None


_matters = owned_routes(AcuteMatterView.model_validate, purpose="acute matter (E-8)")
"""Every answer carries the question: logged about the individual named, or the matter."""


@router.post("/acute-matters", status_code=201, openapi_extra=PERSONAL_DATA)
def raise_acute_matter(
    body: AcuteMatterRequest, caller: Annotated[Caller, may("acute_matter.raise")]
) -> AcuteMatterView:
    """An acute matter goes straight to the other unit's deputy unit manager, outside the
    monthly rhythm: no registration, no cutoff (E-8)."""
    command = command_from(
        body, RaiseAcuteMatter, subject_id=subject_named(caller.request, body.personnummer)
    )
    raise_matter = EscalationApplication.raise_acute_matter
    return _matters.created(caller, "/v1/acute-matters/{id}", raise_matter, command)


@router.get("/acute-matters/{matter_id}", openapi_extra=PERSONAL_DATA)
def get_acute_matter(
    matter_id: UUID, caller: Annotated[Caller, may("acute_matter.read")]
) -> AcuteMatterView:
    """The matter, for the raising and the receiving unit (E-8)."""
    return _matters.read(caller, EscalationApplication.read_acute_matter, matter_id)


@router.post("/acute-matters/{matter_id}/taken", openapi_extra=PERSONAL_DATA)
def take_acute_matter(
    matter_id: UUID, caller: Annotated[Caller, may("acute_matter.take")]
) -> AcuteMatterView:
    """The receiving unit's deputy unit manager takes the acute matter (E-8)."""
    return _matters.changed(caller, EscalationApplication.take_acute_matter, matter_id)
