"""Consent HTTP API: parse, authorise, call the application, answer.

A personnummer arrives in a request body (never in a URL, which ends up in
logs) and is turned into a subject id at once. Where a URL must name the
individual, it uses the pseudonymous subject id.
"""

from __future__ import annotations

import asyncio
import re
from datetime import date, datetime, timedelta
from functools import partial
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import AwareDatetime, BaseModel, Field

from contracts import SUBJECT_ID_PATTERN, ConsentForm, LegalBasis, Purpose
from contracts.base import HsaId, Parties
from services.consent.application import (
    Asker,
    ConsentApplication,
    DecideEmergencyDisclosure,
    DecideUnbornChildDisclosure,
    GiveConsent,
    Question,
    RefuseConsent,
)
from services.consent.domain import Consent, Decision, GivenBy
from services.consent.policy import may
from services.consent.translate import to_integration_event
from services.runtime.http.access_log import AccessLogEntry, access_log_router, read_access_log
from services.runtime.http.auth import Actor
from services.runtime.http.identification import (
    PERSONAL_DATA,
    Personnummer,
    RequestModel,
    audit_access,
    identify,
    subject_id_for,
)
from services.runtime.http.permissions import require_party
from services.runtime.http.problems import PROBLEM_TYPE_BASE, Problem, ProblemDetails
from services.runtime.kernel.stockholm_time import stockholm_date
from services.runtime.store.audit import Action

router = APIRouter(
    prefix="/v1",
    tags=["consent"],
    responses={
        401: {"model": ProblemDetails},
        403: {"model": ProblemDetails},
        404: {"model": ProblemDetails},
        409: {"model": ProblemDetails},
        422: {"model": ProblemDetails},
    },
)

SUBJECT_ID = re.compile(SUBJECT_ID_PATTERN)
SubjectId = Annotated[str, Field(pattern=SUBJECT_ID_PATTERN, examples=["3f" * 32])]


# --- request and response bodies ---------------------------------------------------------


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


class EmergencyDisclosureRequest(RequestModel):
    personnummer: Personnummer
    parties: Parties
    justification: Annotated[str, Field(min_length=1, max_length=4000)]
    valid_hours: Annotated[int, Field(ge=1, le=24 * 14)] = 72


class UnbornChildDisclosureRequest(RequestModel):
    personnummer: Personnummer
    parties: Parties
    justification: Annotated[str, Field(min_length=1, max_length=4000)]
    consent_sought: bool = Field(description="Consent was sought as far as possible (C-6).")
    valid_days: Annotated[int, Field(ge=1, le=366)] = 280


class DecisionRequest(RequestModel):
    """The same question as GET /v1/decisions, with the personnummer in the body."""

    personnummer: Personnummer
    from_org: HsaId
    to_org: HsaId
    purpose: Purpose
    at: AwareDatetime | None = None


class HistoryRequest(RequestModel):
    personnummer: Personnummer


class Created(BaseModel):
    id: UUID
    subject_id: str


class ConsentView(BaseModel):
    id: UUID
    subject_id: str
    purpose: str
    parties: list[str]
    form: str
    given_by: str
    guardian_name: str | None
    recorded_by: str
    given_at: datetime
    valid_until: date | None
    withdrawn_at: datetime | None
    expired_at: datetime | None
    status: Literal["active", "withdrawn", "expired"]


class Basis(BaseModel):
    kind: Literal["consent", "emergency", "osl_26_9", "none"]
    id: UUID | None


class DecisionView(BaseModel):
    """C-9: the answer with its legal basis, reproducible from the log.

    It carries no subject id: asked with a personnummer, that would link the
    number to the pseudonym every topic is keyed on, for anyone who may ask.
    """

    allowed: bool
    basis: Basis
    valid_until: datetime | None
    from_org: str
    to_org: str
    purpose: str
    at: datetime


class HistoryEntry(BaseModel):
    type: str
    at: datetime
    id: UUID
    version: int
    details: dict[str, Any]


class History(BaseModel):
    subject_id: str
    events: list[HistoryEntry]


# --- helpers -----------------------------------------------------------------------------


def _app(request: Request) -> ConsentApplication:
    application: ConsentApplication = request.app.state.application
    return application


def _now(request: Request) -> datetime:
    now: datetime = request.app.state.clock.now()
    return now


def _require_party(actor: Actor, parties: tuple[str, ...] | list[str] | set[str]) -> None:
    """Staff act on, and read, only what their own organisation unit takes part in (C-3)."""
    require_party(actor, parties, what="this consent's scope", rule="C-3")


def _consent_view(consent: Consent, now: datetime, application: ConsentApplication) -> ConsentView:
    return ConsentView(
        id=consent.id,
        subject_id=consent.subject_id,
        purpose=consent.purpose,
        parties=consent.parties,
        form=consent.form,
        given_by=consent.given_by,
        guardian_name=application.unseal(consent.subject_id, consent.guardian_name),
        recorded_by=consent.recorded_by,
        given_at=consent.given_at,
        valid_until=consent.valid_until,
        withdrawn_at=consent.withdrawn_at,
        expired_at=consent.expired_at,
        status=consent.status(now),
    )


_BASIS_KIND = {
    LegalBasis.CONSENT: "consent",
    LegalBasis.EMERGENCY_DISCLOSURE: "emergency",
    LegalBasis.OSL_26_9: "osl_26_9",
}


def _decision_view(decision: Decision, question: Question) -> DecisionView:
    return DecisionView(
        allowed=decision.allowed,
        basis=Basis(
            kind=_BASIS_KIND[decision.kind] if decision.kind else "none",
            id=decision.basis_id,
        ),
        valid_until=decision.valid_until,
        from_org=question.from_org,
        to_org=question.to_org,
        purpose=question.purpose,
        at=question.at,
    )


# --- consents ----------------------------------------------------------------------------


async def _audit_change(request: Request, actor: Actor, subject_id: str, purpose: str) -> None:
    """A write about an individual is in their access log like a read (loggkontroll): its
    answer ties the identity number to the record, or shows the record back."""
    await audit_access(request, actor, subject_id, purpose=purpose, action=Action.CHANGED)


@router.post("/consents", status_code=201, response_model=Created, openapi_extra=PERSONAL_DATA)
async def give_consent(
    body: ConsentRequest,
    request: Request,
    response: Response,
    actor: Annotated[Actor, may("consent.give")],
) -> Created:
    """Record a consent (C-1..C-3): oral or written, informed, scoped to parties and purpose."""
    _require_party(actor, body.parties)
    subject = identify(request, body.personnummer)
    now = _now(request)
    command = GiveConsent(
        subject_id=subject.subject_id,
        purpose=body.purpose.value,
        parties=list(body.parties),
        form=body.form.value,
        informed=body.informed,
        recorded_by=actor.hsa_id,
        valid_until=body.valid_until,
        given_by=body.given_by,
        guardian_name=body.guardian_name,
        subject_birth_date=subject.birth_date,
        recording_unit=actor.org_id,
    )
    consent_id = await run_in_threadpool(
        _app(request).give_consent, command, at=now, today=stockholm_date(now)
    )
    await _audit_change(request, actor, subject.subject_id, "consent given")
    response.headers["Location"] = f"/v1/consents/{consent_id}"
    return Created(id=consent_id, subject_id=subject.subject_id)


@router.get("/consents/{consent_id}", response_model=ConsentView, openapi_extra=PERSONAL_DATA)
async def get_consent(
    consent_id: UUID, request: Request, actor: Annotated[Actor, may("consent.read")]
) -> ConsentView:
    """One consent, for the units it names and the unit that recorded it (C-10)."""
    consent = await run_in_threadpool(
        partial(_app(request).read_consent, consent_id, unit=actor.org_id)
    )
    await audit_access(request, actor, consent.subject_id, purpose=f"consent:{consent.purpose}")
    return _consent_view(consent, _now(request), _app(request))


@router.post(
    "/consents/{consent_id}/scope", response_model=ConsentView, openapi_extra=PERSONAL_DATA
)
async def change_scope(
    consent_id: UUID,
    body: ScopeChange,
    request: Request,
    actor: Annotated[Actor, may("consent.change_scope")],
) -> ConsentView:
    """Add or remove parties (C-3), recorded as a new event; the old scope stays on record."""
    application = _app(request)
    consent = await run_in_threadpool(application.get_consent, consent_id)
    _require_party(actor, consent.parties)
    now = _now(request)
    changed = await run_in_threadpool(
        application.change_scope,
        consent_id,
        add=list(body.add),
        remove=list(body.remove),
        recorded_by=actor.hsa_id,
        at=now,
    )
    await _audit_change(request, actor, changed.subject_id, "consent scope changed")
    return _consent_view(changed, now, application)


@router.post("/consents/{consent_id}/withdrawal", status_code=204)
async def withdraw_consent(
    consent_id: UUID, request: Request, actor: Annotated[Actor, may("consent.withdraw")]
) -> None:
    """The individual withdraws consent (C-4): no new sharing from now on."""
    application = _app(request)
    consent = await run_in_threadpool(application.get_consent, consent_id)
    _require_party(actor, consent.parties)
    await run_in_threadpool(
        application.withdraw_consent, consent_id, recorded_by=actor.hsa_id, at=_now(request)
    )


@router.post(
    "/consent-refusals", status_code=201, response_model=Created, openapi_extra=PERSONAL_DATA
)
async def refuse_consent(
    body: RefusalRequest,
    request: Request,
    response: Response,
    actor: Annotated[Actor, may("consent.refuse")],
) -> Created:
    """Record that the individual refused consent (C-4)."""
    _require_party(actor, body.parties)
    subject_id = subject_id_for(request, body.personnummer)
    command = RefuseConsent(
        subject_id=subject_id,
        purpose=body.purpose.value,
        parties=list(body.parties),
        recorded_by=actor.hsa_id,
        informed=body.informed,
        recording_unit=actor.org_id,
    )
    refusal_id = await run_in_threadpool(_app(request).refuse_consent, command, at=_now(request))
    await _audit_change(request, actor, subject_id, "consent refused")
    response.headers["Location"] = f"/v1/consent-refusals/{refusal_id}"
    return Created(id=refusal_id, subject_id=subject_id)


# --- disclosures without consent -------------------------------------------------------


@router.post(
    "/emergency-disclosures", status_code=201, response_model=Created, openapi_extra=PERSONAL_DATA
)
async def decide_emergency_disclosure(
    body: EmergencyDisclosureRequest,
    request: Request,
    response: Response,
    actor: Annotated[Actor, may("disclosure.emergency")],
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
        recording_unit=actor.org_id,
    )
    disclosure_id = await run_in_threadpool(
        _app(request).decide_emergency_disclosure, command, at=_now(request)
    )
    await _audit_change(request, actor, subject_id, "emergency disclosure (BrB 24:4)")
    response.headers["Location"] = f"/v1/emergency-disclosures/{disclosure_id}"
    return Created(id=disclosure_id, subject_id=subject_id)


@router.post(
    "/unborn-child-disclosures",
    status_code=201,
    response_model=Created,
    openapi_extra=PERSONAL_DATA,
)
async def decide_unborn_child_disclosure(
    body: UnbornChildDisclosureRequest,
    request: Request,
    response: Response,
    actor: Annotated[Actor, may("disclosure.unborn_child")],
) -> Created:
    """Record a disclosure to protect an expected child (OSL 26:9, C-6).

    OSL chapter 26 is the social services' secrecy, so it is theirs to decide.
    """
    _require_party(actor, body.parties)
    subject_id = subject_id_for(request, body.personnummer)
    command = DecideUnbornChildDisclosure(
        subject_id=subject_id,
        parties=list(body.parties),
        justification=body.justification,
        decided_by=actor.hsa_id,
        valid_for=timedelta(days=body.valid_days),
        consent_sought=body.consent_sought,
        recording_unit=actor.org_id,
    )
    disclosure_id = await run_in_threadpool(
        _app(request).decide_unborn_child_disclosure, command, at=_now(request)
    )
    await _audit_change(request, actor, subject_id, "unborn-child disclosure (OSL 26:9)")
    response.headers["Location"] = f"/v1/unborn-child-disclosures/{disclosure_id}"
    return Created(id=disclosure_id, subject_id=subject_id)


# --- decisions (C-9) -----------------------------------------------------------------------


async def _decide(
    request: Request,
    actor: Actor,
    subject_id: str,
    from_org: str,
    to_org: str,
    purpose: Purpose,
    at: datetime | None,
) -> DecisionView:
    # Ask only about sharing your own organisation unit takes part in.
    require_party(actor, (from_org, to_org), what="the sharing asked about", rule="C-9")
    now = _now(request)
    question = Question(subject_id, from_org, to_org, purpose.value, at or now)
    application = _app(request)
    ask = partial(
        application.ask,
        question,
        asked_by=Asker(hsa_id=actor.hsa_id, org_id=actor.org_id),
        asked_at=now,
    )
    # The hot path: a read of a local file costs less than a thread-pool trip.
    decision, logged = ask() if application.answers_in_place() else await run_in_threadpool(ask)
    # In the decision log (C-9) and the access log (who learnt what about whom) before
    # it is answered: an answer says whether records about the person exist.
    await asyncio.gather(
        asyncio.wrap_future(logged),
        audit_access(request, actor, subject_id, purpose=f"consent decision:{purpose.value}"),
    )
    return _decision_view(decision, question)


_DECISION_BY_NUMBER = (
    "query.subject must be a pseudonymous subject id; a personnummer never goes in a URL "
    "(proxies and access logs keep URLs): ask POST /v1/decisions with it in the body"
)


@router.get("/decisions", response_model=DecisionView, openapi_extra=PERSONAL_DATA)
async def get_decision(
    request: Request,
    actor: Annotated[Actor, may("decision.ask")],
    subject: Annotated[
        str,
        Query(
            max_length=64,
            description=(
                "Pseudonymous subject id. A personnummer is refused here (422): ask "
                "POST /v1/decisions with it in the body."
            ),
            json_schema_extra={"pattern": SUBJECT_ID_PATTERN},
        ),
    ],
    from_org: Annotated[HsaId, Query()],
    to_org: Annotated[HsaId, Query()],
    purpose: Annotated[Purpose, Query()],
    at: Annotated[AwareDatetime | None, Query(description="Default: now.")] = None,
) -> DecisionView:
    """C-9: may `from_org` share with `to_org` about the subject for `purpose` at `at`?

    Only a unit that is one of the two is answered (C-9); the answer is logged.
    """
    if not SUBJECT_ID.fullmatch(subject):
        raise Problem(
            422,
            "Invalid request",
            _DECISION_BY_NUMBER,
            type=f"{PROBLEM_TYPE_BASE}/invalid-request",
            rule="C-9",
            errors=[{"field": "query.subject", "message": _DECISION_BY_NUMBER, "rule": "C-9"}],
        )
    return await _decide(request, actor, subject, from_org, to_org, purpose, at)


@router.post("/decisions", response_model=DecisionView, openapi_extra=PERSONAL_DATA)
async def post_decision(
    body: DecisionRequest, request: Request, actor: Annotated[Actor, may("decision.ask")]
) -> DecisionView:
    """C-9, asked with the personnummer in the body rather than the URL."""
    subject_id = subject_id_for(request, body.personnummer)
    return await _decide(
        request, actor, subject_id, body.from_org, body.to_org, body.purpose, body.at
    )


# --- history and audit ---------------------------------------------------------------------


async def _history(request: Request, actor: Actor, subject_id: str) -> History:
    """The records about the individual the caller's unit may read (C-10), nothing else:
    the justifications in them are for the deciding unit and the named recipients."""
    application = _app(request)
    events = await run_in_threadpool(partial(application.history, subject_id, unit=actor.org_id))
    await audit_access(request, actor, subject_id, purpose="consent history")
    entries = []
    for event in events:
        public = to_integration_event(event)
        details = public.model_dump(mode="json") if public is not None else {}
        justification = getattr(event, "justification", None)
        if justification is not None:
            details["justification"] = application.unseal(subject_id, justification)
        entries.append(
            HistoryEntry(
                type=type(public).__name__ if public is not None else type(event).__qualname__,
                at=event.timestamp,
                id=event.originator_id,
                version=event.originator_version,
                details=details,
            )
        )
    return History(subject_id=subject_id, events=entries)


@router.get("/subjects/{subject_id}/history", response_model=History, openapi_extra=PERSONAL_DATA)
async def get_history(
    subject_id: SubjectId, request: Request, actor: Annotated[Actor, may("history.read")]
) -> History:
    """The consent events about one individual the caller's unit may read (C-10), in order."""
    return await _history(request, actor, subject_id)


@router.post("/history", response_model=History, openapi_extra=PERSONAL_DATA)
async def post_history(
    body: HistoryRequest, request: Request, actor: Annotated[Actor, may("history.read")]
) -> History:
    """The same history, asked with the personnummer in the body."""
    return await _history(request, actor, subject_id_for(request, body.personnummer))


@router.post("/subjects/{subject_id}/erasure", status_code=202, response_model=Created)
async def erase_subject(
    subject_id: SubjectId,
    request: Request,
    response: Response,
    actor: Annotated[Actor, may("subject.erase")],
) -> Created:
    """Erase the individual's personal data (GDPR art. 17): the administrators of the
    platform unit SAMVERKAN_CONSENT_ERASURE_UNIT names, and only them; 404 for an
    individual the platform has never seen.

    Consent's own copy becomes unreadable at once; `SubjectErased` on the
    consent topic tells the other services and partners to do the same.
    """
    erasure_id = await run_in_threadpool(
        partial(
            _app(request).erase_subject,
            subject_id,
            erased_by=actor.hsa_id,
            erased_for=actor.org_id,
            at=_now(request),
        )
    )
    await audit_access(
        request, actor, subject_id, purpose="erasure (GDPR art. 17)", action=Action.CHANGED
    )
    response.headers["Location"] = f"/v1/subjects/{subject_id}/erasure"
    return Created(id=erasure_id, subject_id=subject_id)


@router.get("/subjects/{subject_id}/decisions", openapi_extra=PERSONAL_DATA)
async def get_decision_log(
    subject_id: SubjectId, request: Request, actor: Annotated[Actor, may("decision_log.read")]
) -> list[dict[str, Any]]:
    """The decision log for one individual: who asked what, when, and the answer (C-9), as
    far as the caller's unit asked or was asked about (C-10)."""
    application = _app(request)
    entries = await run_in_threadpool(
        partial(application.decisions_about, subject_id, unit=actor.org_id)
    )
    await audit_access(request, actor, subject_id, purpose="decision log")
    return entries


# --- access log (loggkontroll) -------------------------------------------------------------
# Per individual, per member of staff and the chain check, the same in every service (see
# services.runtime.http.access_log for who may read it); this path is consent's older spelling
# of the per-individual read, kept for the clients that use it.


@router.get(
    "/subjects/{subject_id}/access-log",
    response_model=list[AccessLogEntry],
    openapi_extra=PERSONAL_DATA,
)
async def get_access_log(
    subject_id: SubjectId, request: Request, actor: Annotated[Actor, may("access_log.read")]
) -> list[AccessLogEntry]:
    """Who read this individual's data, when and why (the individual's right to know)."""
    _, entries = await read_access_log(request, actor, subject_ids=[subject_id])
    return entries


router.include_router(access_log_router(prefix=""))
