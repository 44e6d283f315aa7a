"""Consents and refusals (C-1..C-4, C-10): give, read, change the scope, withdraw, refuse."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal, TypeVar
from uuid import UUID

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from contracts import ConsentForm, Purpose
from contracts.base import HsaId, Parties
from services.consent.api.bodies import Created, recording
from services.consent.application import (
    ChangeScope,
    ConsentApplication,
    GiveConsent,
    RefuseConsent,
)
from services.consent.domain import Consent, GivenBy
from services.consent.policy import may
from services.runtime.http.bodies import ClearText, command_from, view_of
from services.runtime.http.caller import Caller
from services.runtime.http.fields import Personnummer, RequestModel
from services.runtime.http.identification import (
    PERSONAL_DATA,
    identify,
    log_access,
    log_change,
    one_commit,
    subject_id_for,
)
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


C12: dict[str, Any] = {"x-rule": "C-12"}


class RefusalRequest(RequestModel):
    personnummer: Personnummer
    purpose: Purpose
    parties: Parties
    informed: bool = Field(description="The individual was told what the consent was for.")
    ask_again_on: date | None = Field(
        None,
        description="The day to ask again, after the day of the refusal: it waits on the "
        "recording unit's work list (C-12).",
        json_schema_extra=C12,
    )
    motivational_work: Annotated[str, Field(min_length=1, max_length=4000)] | None = Field(
        None, description="The motivational work planned until then (C-12).", json_schema_extra=C12
    )


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


class RefusalView(BaseModel):
    id: UUID
    subject_id: str
    purpose: str
    parties: list[str]
    informed: bool
    recorded_by: str
    refused_at: datetime
    ask_again_on: date | None
    motivational_work: ClearText | None


def _view(consent: Consent, at: datetime) -> ConsentView:
    return view_of(ConsentView, consent, status=consent.status(at))


C = TypeVar("C", GiveConsent, RefuseConsent)


def _command(body: ConsentRequest | RefusalRequest, kind: type[C], subject_id: str, **kw: Any) -> C:
    """The command a consent or a refusal body asks for, about `subject_id`: the purpose
    and the parties it was asked for, as the application takes them."""
    return command_from(
        body,
        kind,
        subject_id=subject_id,
        purpose=body.purpose.value,
        parties=list(body.parties),
        **kw,
    )


@router.post("/consents", status_code=201, openapi_extra=PERSONAL_DATA, response_model=Created)
def give_consent(body: ConsentRequest, caller: Annotated[Caller, may("consent.give")]) -> Response:
    """Record a consent (C-1..C-3): oral or written, informed, scoped to parties and purpose."""
    return given(caller, body)


def given(caller: Caller, body: ConsentRequest) -> Response:
    """The consent `body` asks for, recorded by the caller and answered: the route's work,
    and its lean lane's (services.consent.api.giving)."""
    subject = identify(caller.request, body.personnummer)
    command = _command(
        body,
        GiveConsent,
        subject.subject_id,
        form=body.form.value,
        subject_birth_date=subject.birth_date,
    )
    at = caller.now
    application = caller.application(ConsentApplication)
    location = "/v1/consents/{}".format
    with recording(caller, subject.subject_id, "consent given", location) as answer:
        consent_id = application.give_consent(
            caller.actor, command, at=at, today=stockholm_date(at)
        )
    return answer(consent_id)


@router.get("/consents/{consent_id}", openapi_extra=PERSONAL_DATA)
def get_consent(consent_id: UUID, caller: Annotated[Caller, may("consent.read")]) -> ConsentView:
    """One consent, for the units it names and the unit that recorded it (C-10)."""
    consent = caller.application(ConsentApplication).read_consent(caller.actor, consent_id)
    purpose = f"consent:{consent.purpose}"
    log_access(caller, consent.subject_id, purpose=purpose)
    return _view(consent, caller.now)


@router.post("/consents/{consent_id}/scope", openapi_extra=PERSONAL_DATA)
def change_scope(
    consent_id: UUID, body: ScopeChange, caller: Annotated[Caller, may("consent.change_scope")]
) -> ConsentView:
    """Add or remove parties (C-3), recorded as a new event; the old scope stays on record."""
    at = caller.now
    command = ChangeScope(add=list(body.add), remove=list(body.remove))
    application = caller.application(ConsentApplication)

    def change() -> ConsentView:
        changed = application.change_scope(caller.actor, consent_id, command, at=at)
        log_change(caller, changed.subject_id, purpose="consent scope changed")
        return _view(changed, at)

    return one_commit(caller, change)


@router.post("/consents/{consent_id}/withdrawal", status_code=204)
def withdraw_consent(consent_id: UUID, caller: Annotated[Caller, may("consent.withdraw")]) -> None:
    """The individual withdraws consent (C-4): no new sharing from now on."""
    application = caller.application(ConsentApplication)
    application.withdraw_consent(caller.actor, consent_id, at=caller.now)


@router.post(
    "/consent-refusals", status_code=201, openapi_extra=PERSONAL_DATA, response_model=Created
)
def refuse_consent(
    body: RefusalRequest, caller: Annotated[Caller, may("consent.refuse")]
) -> Response:
    """Record that the individual refused consent (C-4), with the day to ask again and the
    motivational work planned until then, if any (C-12)."""
    subject_id = subject_id_for(caller.request, body.personnummer)
    command = _command(body, RefuseConsent, subject_id)
    application = caller.application(ConsentApplication)
    location = "/v1/consent-refusals/{}".format
    with recording(caller, subject_id, "consent refused", location) as answer:
        refusal_id = application.refuse_consent(caller.actor, command, at=caller.now)
    return answer(refusal_id)


@router.get("/consent-refusals/{refusal_id}", openapi_extra=PERSONAL_DATA)
def get_refusal(refusal_id: UUID, caller: Annotated[Caller, may("refusal.read")]) -> RefusalView:
    """One refusal, for the units it names and the unit that recorded it (C-10): where the
    refusal's Location points (W-3)."""
    refusal = caller.application(ConsentApplication).read_refusal(caller.actor, refusal_id)
    log_access(caller, refusal.subject_id, purpose=f"consent refusal:{refusal.purpose}")
    return view_of(RefusalView, refusal)
