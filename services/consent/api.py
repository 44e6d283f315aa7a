"""Consent HTTP API: parse, authorise, call the application, answer.

The personnummer arrives in the request body only (never in a URL, which
ends up in logs) and is turned into a subject id at once.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from contracts import ConsentForm, Purpose
from contracts.base import Parties
from services.consent.application import (
    ConsentApplication,
    DecideEmergencyDisclosure,
    GiveConsent,
)
from services.runtime.auth import Actor, CurrentActor
from services.runtime.edge import Personnummer, RequestModel, subject_id_for
from services.runtime.problems import Problem, ProblemDetails
from services.runtime.time import stockholm_date

router = APIRouter(
    prefix="/v1",
    tags=["consent"],
    responses={
        401: {"model": ProblemDetails},
        403: {"model": ProblemDetails},
        422: {"model": ProblemDetails},
    },
)


class ConsentRequest(RequestModel):
    personnummer: Personnummer
    purpose: Purpose
    parties: Parties
    form: ConsentForm
    informed: bool = Field(description="The individual was told what may be shared (C-2).")
    valid_until: date | None = None


class Created(BaseModel):
    id: UUID
    subject_id: str


class ConsentView(BaseModel):
    id: UUID
    subject_id: str
    purpose: str
    parties: list[str]
    form: str
    recorded_by: str
    given_at: datetime
    valid_until: date | None
    withdrawn_at: datetime | None
    status: str


class WithdrawalRequest(RequestModel):
    pass


class EmergencyDisclosureRequest(RequestModel):
    personnummer: Personnummer
    parties: Parties
    justification: Annotated[str, Field(min_length=1, max_length=4000)]
    valid_hours: Annotated[int, Field(ge=1, le=24 * 14)] = 72


def _app(request: Request) -> ConsentApplication:
    application: ConsentApplication = request.app.state.application
    return application


def _require_party(actor: Actor, parties: tuple[str, ...] | list[str]) -> None:
    """Staff record consent only for sharing their own organisation unit takes part in."""
    if actor.org_id not in parties:
        raise Problem(
            403,
            "Forbidden",
            "your organisation unit must be one of the parties",
            rule="C-3",
        )


@router.post("/consents", status_code=201, response_model=Created)
async def give_consent(
    body: ConsentRequest, request: Request, response: Response, actor: CurrentActor
) -> Created:
    """Record a consent (C-1..C-3): oral or written, informed, scoped to parties and purpose."""
    _require_party(actor, body.parties)
    subject_id = subject_id_for(request, body.personnummer)
    now = request.app.state.clock.now()
    command = GiveConsent(
        subject_id=subject_id,
        purpose=body.purpose.value,
        parties=list(body.parties),
        form=body.form.value,
        informed=body.informed,
        recorded_by=actor.hsa_id,
        valid_until=body.valid_until,
    )
    consent_id = await run_in_threadpool(
        _app(request).give_consent, command, at=now, today=stockholm_date(now)
    )
    response.headers["Location"] = f"/v1/consents/{consent_id}"
    return Created(id=consent_id, subject_id=subject_id)


@router.get("/consents/{consent_id}", response_model=ConsentView)
async def get_consent(consent_id: UUID, request: Request, actor: CurrentActor) -> ConsentView:
    consent = await run_in_threadpool(_app(request).get_consent, consent_id)
    _require_party(actor, consent.parties)
    now = request.app.state.clock.now()
    if consent.withdrawn_at is not None:
        status = "withdrawn"
    elif consent.valid_until is not None and stockholm_date(now) > consent.valid_until:
        status = "expired"
    else:
        status = "active"
    return ConsentView(
        id=consent.id,
        subject_id=consent.subject_id,
        purpose=consent.purpose,
        parties=consent.parties,
        form=consent.form,
        recorded_by=consent.recorded_by,
        given_at=consent.given_at,
        valid_until=consent.valid_until,
        withdrawn_at=consent.withdrawn_at,
        status=status,
    )


@router.post("/consents/{consent_id}/withdrawal", status_code=204)
async def withdraw_consent(consent_id: UUID, request: Request, actor: CurrentActor) -> None:
    """The individual withdraws consent (C-4): no new sharing from now on."""
    application = _app(request)
    consent = await run_in_threadpool(application.get_consent, consent_id)
    _require_party(actor, consent.parties)
    await run_in_threadpool(
        application.withdraw_consent,
        consent_id,
        recorded_by=actor.hsa_id,
        at=request.app.state.clock.now(),
    )


@router.post("/emergency-disclosures", status_code=201, response_model=Created)
async def decide_emergency_disclosure(
    body: EmergencyDisclosureRequest, request: Request, response: Response, actor: CurrentActor
) -> Created:
    """Record an emergency disclosure (BrB 24:4, C-5) when there is no consent."""
    _require_party(actor, body.parties)
    subject_id = subject_id_for(request, body.personnummer)
    command = DecideEmergencyDisclosure(
        subject_id=subject_id,
        parties=list(body.parties),
        justification=body.justification,
        decided_by=actor.hsa_id,
        valid_for=timedelta(hours=body.valid_hours),
    )
    disclosure_id = await run_in_threadpool(
        _app(request).decide_emergency_disclosure, command, at=request.app.state.clock.now()
    )
    response.headers["Location"] = f"/v1/emergency-disclosures/{disclosure_id}"
    return Created(id=disclosure_id, subject_id=subject_id)


__all__ = ["router"]
