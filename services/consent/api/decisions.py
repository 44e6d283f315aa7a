"""Decisions (C-9): may one unit share with another about an individual, for a purpose,
at a time? And the log of who asked (C-9, C-10).

GET /v1/decisions is the platform's hottest read (every other service asks it before
it shares): besides its route it has a lean lane (`LANE`, services.runtime.http.lanes)
that gives the same answer without FastAPI's routing and dependencies, and leaves
every request it cannot answer just so to the route.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import Future
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from contracts import SUBJECT_ID_PATTERN, LegalBasis, Purpose
from contracts.base import HsaId
from services.consent.api.bodies import SUBJECT_ID, SubjectId
from services.consent.application import ConsentApplication
from services.consent.application.asking import Question
from services.consent.domain import Decision
from services.consent.policy import POLICY, may
from services.consent.views.authorisations import AskedDecision
from services.runtime.http.auth import CALLER_HSA_ID
from services.runtime.http.bodies import view_of
from services.runtime.http.caller import Caller
from services.runtime.http.fields import Personnummer, RequestModel
from services.runtime.http.guards import STORE_DOWN, verified_principal
from services.runtime.http.identification import (
    PERSONAL_DATA,
    log_access,
    record_access,
    subject_id_for,
)
from services.runtime.http.lanes import Lane
from services.runtime.http.problems import PROBLEM_TYPE_BASE, Problem
from services.runtime.kernel.actor import Actor
from services.runtime.kernel.rules import RuleViolation

router = APIRouter()


class DecisionRequest(RequestModel):
    """The same question as GET /v1/decisions, with the personnummer in the body."""

    personnummer: Personnummer
    from_org: HsaId
    to_org: HsaId
    purpose: Purpose
    at: AwareDatetime | None = None


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


_BASIS_KIND = {
    LegalBasis.CONSENT: "consent",
    LegalBasis.EMERGENCY_DISCLOSURE: "emergency",
    LegalBasis.OSL_26_9: "osl_26_9",
}


def _view(decision: Decision, question: Question) -> DecisionView:
    """The answer to `question`: what was asked, and the decision with its basis."""
    return view_of(
        DecisionView,
        question,
        allowed=decision.allowed,
        basis=Basis(
            kind=_BASIS_KIND[decision.kind] if decision.kind else "none",
            id=decision.basis_id,
        ),
        valid_until=decision.valid_until,
    )


def _question(
    request: Request,
    subject_id: str,
    from_org: str,
    to_org: str,
    purpose: Purpose,
    at: datetime | None,
) -> tuple[ConsentApplication, Question, datetime]:
    """The service's application, the question and when it is asked."""
    application = request.app.state.application
    if not isinstance(application, ConsentApplication):
        raise TypeError(f"this app runs a {type(application).__name__}, not consent")
    asked_at: datetime = request.app.state.clock.now()
    return (
        application,
        Question(subject_id, from_org, to_org, purpose.value, at or asked_at),
        asked_at,
    )


def _recorded(
    request: Request,
    actor: Actor,
    application: ConsentApplication,
    question: Question,
    answered: tuple[Decision, AskedDecision],
) -> tuple[Response, Future[None]]:
    """The answer, and the future of its records: it must not be given before that completes.

    In the decision log (C-9) and the access log (who learnt what about whom) before it
    is answered, since an answer says whether records about the person exist: both in
    one transaction, so one commit (and one fsync) serves the two, and neither is kept
    without the other.
    """
    decision, asked = answered
    stored = record_access(
        request,
        actor,
        question.subject_id,
        purpose=f"consent decision:{question.purpose}",
        alongside=application.logged_with(asked),
    )
    # Encoded here, not by FastAPI: no second validation of a view just built.
    body = _view(decision, question).model_dump_json()
    return Response(body, media_type="application/json"), stored


def _decide(
    caller: Caller,
    subject_id: str,
    from_org: str,
    to_org: str,
    purpose: Purpose,
    at: datetime | None,
) -> Response:
    request, actor = caller.request, caller.actor
    application, question, asked_at = _question(request, subject_id, from_org, to_org, purpose, at)
    answered = application.answer(actor, question, asked_at=asked_at)
    response, stored = _recorded(request, actor, application, question, answered)
    stored.result()
    return response


_DECISION_BY_NUMBER = (
    "query.subject must be a pseudonymous subject id; a personnummer never goes in a URL "
    "(proxies and access logs keep URLs): ask POST /v1/decisions with it in the body"
)


@router.get("/decisions", openapi_extra=PERSONAL_DATA, response_model=DecisionView)
def get_decision(
    caller: Annotated[Caller, may("decision.ask")],
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
) -> Response:
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
    return _decide(caller, subject, from_org, to_org, purpose, at)


@router.post("/decisions", openapi_extra=PERSONAL_DATA, response_model=DecisionView)
def post_decision(
    body: DecisionRequest, caller: Annotated[Caller, may("decision.ask")]
) -> Response:
    """C-9, asked with the personnummer in the body rather than the URL."""
    subject_id = subject_id_for(caller.request, body.personnummer)
    return _decide(caller, subject_id, body.from_org, body.to_org, body.purpose, body.at)


@router.get("/subjects/{subject_id}/decisions", openapi_extra=PERSONAL_DATA)
def get_decision_log(
    subject_id: SubjectId, caller: Annotated[Caller, may("decision_log.read")]
) -> list[dict[str, Any]]:
    """The decision log for one individual: who asked what, when, and the answer (C-9), as
    far as the caller's unit asked or was asked about (C-10)."""
    application = caller.application(ConsentApplication)
    entries = application.decisions_about(caller.actor, subject_id)
    log_access(caller, subject_id, purpose="decision log")
    return entries


class _DecisionQuery(BaseModel):
    """GET /v1/decisions' query as the route declares it; anything else is the route's."""

    model_config = ConfigDict(extra="forbid")

    subject: Annotated[str, Field(max_length=64)]
    from_org: HsaId
    to_org: HsaId
    purpose: Purpose
    at: AwareDatetime | None = None


async def _lean_decision(request: Request) -> Response | None:
    """GET /v1/decisions as `get_decision` answers it, or None to leave the request to it:
    a query it would refuse (or one with a repeated or unknown parameter), no valid token,
    a caller the policy refuses, a refusal by a rule (C-9), a store that is down."""
    params = request.query_params
    if len(params.multi_items()) != len(params):
        return None
    try:
        query = _DecisionQuery.model_validate(dict(params))
    except ValidationError:
        return None
    actor = verified_principal(request.scope)
    if (
        not SUBJECT_ID.fullmatch(query.subject)
        or actor is None
        or not POLICY.allows("decision.ask", actor)
    ):
        return None
    setattr(request.state, CALLER_HSA_ID, actor.hsa_id)  # who asked, in the request log
    application, question, asked_at = _question(
        request, query.subject, query.from_org, query.to_org, query.purpose, query.at
    )
    try:
        answered = application.answer_at_hand(actor, question, asked_at=asked_at)
        if answered is None:  # the store must be read: in a thread, not on the event loop
            answered = await run_in_threadpool(
                application.answer, actor, question, asked_at=asked_at
            )
        response, stored = _recorded(request, actor, application, question, answered)
        # Awaited, not waited for in a thread: no thread is held while the record commits.
        await asyncio.wrap_future(stored)
    except (RuleViolation, *STORE_DOWN):
        return None  # refused, or the store is down: the route says so, in its words
    return response


LANE = Lane("GET", "/v1/decisions", _lean_decision)
