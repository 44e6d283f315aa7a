"""What cases knows of a subject's consents (the view C-7 and C-8 are checked against)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel

from services.cases.application import CasesApplication
from services.cases.policy import may
from services.runtime.http.bodies import view_of
from services.runtime.http.caller import Caller
from services.runtime.http.fields import Personnummer, RequestModel
from services.runtime.http.identification import PERSONAL_DATA, log_access, subject_id_for
from services.runtime.kernel.stockholm_time import stockholm_date

router = APIRouter()


class ConsentLookup(RequestModel):
    personnummer: Personnummer


class KnownConsentView(BaseModel):
    consent_id: UUID
    purpose: str
    parties: list[str]
    given_at: datetime
    valid_until: date | None
    withdrawn_at: datetime | None
    status: str


class ConsentViewResponse(BaseModel):
    """No subject id: asked with a personnummer, it would link the number to the pseudonym
    every topic is keyed on, for anyone who may ask (C-10)."""

    consents: list[KnownConsentView]


@router.post("/consent-view/lookup", openapi_extra=PERSONAL_DATA)
def lookup_consents(
    body: ConsentLookup, caller: Annotated[Caller, may("consent_view.lookup")]
) -> ConsentViewResponse:
    """The consents cases knows of for a subject that name the caller's unit (C-10: being
    party to one consent about the person shows no other).

    POST, because the personnummer must not appear in a URL.
    """
    subject_id = subject_id_for(caller.request, body.personnummer)
    known = caller.application(CasesApplication).consents_known_to(caller.actor, subject_id)
    log_access(caller, subject_id, purpose="consent view (C-7, C-8)")
    today = stockholm_date(caller.now)
    return ConsentViewResponse(
        consents=[view_of(KnownConsentView, c, status=c.status(today)) for c in known],
    )
