"""Consents and refusals (C-1..C-4, C-10): give, read, change the scope, withdraw, refuse."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from contracts import ConsentForm, Purpose
from contracts.base import HsaId, Parties
from services.consent.api.bodies import Created, created
from services.consent.application import (
    ChangeScope,
    ConsentApplication,
    GiveConsent,
    RefuseConsent,
)
from services.consent.domain import Consent, GivenBy
from services.consent.policy import may
from services.runtime.http.bodies import ClearText, command_from, view_of
from services.runtime.http.context import application_of, now
from services.runtime.http.fields import Personnummer, RequestModel
from services.runtime.http.identification import (
    PERSONAL_DATA,
    identify,
    log_access,
    log_change,
    subject_id_for,
)
from services.runtime.kernel.actor import Actor
from services.runtime.kernel.stockholm_time import stockholm_date

router = APIRouter()


class ConsentRequest(RequestModel):
    personnummer: Personnummer
    purpose: Purpose
    parties: Parties
    form: ConsentForm
    informed: bool = Field(description="The individual was told what may be shared (C-2).")
    valid_until: date | None = Field(None, description="Last day the consent holds (C-3).")
    given_by: GivenBy = Field(
        GivenBy.INDIVIDUAL, description="The individual, or a guardian for a child (C-1)."
    )
    guardian_name: Annotated[str, Field(min_length=1, max_length=200)] | None = None


class RefusalRequest(RequestModel):
    personnummer: Personnummer
    purpose: Purpose
    parties: Parties
    informed: bool = Field(description="The individual was told what the consent was for.")


class ScopeChange(RequestModel):
    add: Annotated[list[HsaId], Field(max_length=50)] = []
    remove: Annotated[list[HsaId], Field(max_length=50)] = []


class ConsentView(BaseModel):
    id: UUID
    subject_id: str
    purpose: str
    parties: list[str]
    form: str
    given_by: str
    guardian_name: ClearText | None
    recorded_by: str
    given_at: datetime
    valid_until: date | None
    withdrawn_at: datetime | None
    expired_at: datetime | None
    status: Literal["active", "withdrawn", "expired"]


def _view(consent: Consent, at: datetime) -> ConsentView:
    return view_of(ConsentView, consent, status=consent.status(at))


@router.post("/consents", status_code=201, response_model=Created, openapi_extra=PERSONAL_DATA)
def give_consent(
    body: ConsentRequest,
    request: Request,
    response: Response,
    actor: Annotated[Actor, may("consent.give")],
) -> Created:
    """Record a consent (C-1..C-3): oral or written, informed, scoped to parties and purpose."""
    subject = identify(request, body.personnummer)
    at = now(request)
    command = command_from(
        body,
        GiveConsent,
        subject_id=subject.subject_id,
        purpose=body.purpose.value,
        parties=list(body.parties),
        form=body.form.value,
        subject_birth_date=subject.birth_date,
    )
    application = application_of(request, ConsentApplication)
    consent_id = application.give_consent(actor, command, at=at, today=stockholm_date(at))
    answer = Created(id=consent_id, subject_id=subject.subject_id)
    return created(request, response, actor, answer, "consent given", f"/v1/consents/{consent_id}")


@router.get("/consents/{consent_id}", response_model=ConsentView, openapi_extra=PERSONAL_DATA)
def get_consent(
    consent_id: UUID, request: Request, actor: Annotated[Actor, may("consent.read")]
) -> ConsentView:
    """One consent, for the units it names and the unit that recorded it (C-10)."""
    application = application_of(request, ConsentApplication)
    consent = application.read_consent(actor, consent_id)
    log_access(request, actor, consent.subject_id, purpose=f"consent:{consent.purpose}")
    return _view(consent, now(request))


@router.post(
    "/consents/{consent_id}/scope", response_model=ConsentView, openapi_extra=PERSONAL_DATA
)
def change_scope(
    consent_id: UUID,
    body: ScopeChange,
    request: Request,
    actor: Annotated[Actor, may("consent.change_scope")],
) -> ConsentView:
    """Add or remove parties (C-3), recorded as a new event; the old scope stays on record."""
    application = application_of(request, ConsentApplication)
    at = now(request)
    command = ChangeScope(add=list(body.add), remove=list(body.remove))
    changed = application.change_scope(actor, consent_id, command, at=at)
    log_change(request, actor, changed.subject_id, purpose="consent scope changed")
    return _view(changed, at)


@router.post("/consents/{consent_id}/withdrawal", status_code=204)
def withdraw_consent(
    consent_id: UUID, request: Request, actor: Annotated[Actor, may("consent.withdraw")]
) -> None:
    """The individual withdraws consent (C-4): no new sharing from now on."""
    application = application_of(request, ConsentApplication)
    application.withdraw_consent(actor, consent_id, at=now(request))


@router.post(
    "/consent-refusals", status_code=201, response_model=Created, openapi_extra=PERSONAL_DATA
)
def refuse_consent(
    body: RefusalRequest,
    request: Request,
    response: Response,
    actor: Annotated[Actor, may("consent.refuse")],
) -> Created:
    """Record that the individual refused consent (C-4)."""
    subject_id = subject_id_for(request, body.personnummer)
    command = command_from(
        body,
        RefuseConsent,
        subject_id=subject_id,
        purpose=body.purpose.value,
        parties=list(body.parties),
    )
    application = application_of(request, ConsentApplication)
    refusal_id = application.refuse_consent(actor, command, at=now(request))
    answer = Created(id=refusal_id, subject_id=subject_id)
    return created(
        request, response, actor, answer, "consent refused", f"/v1/consent-refusals/{refusal_id}"
    )
