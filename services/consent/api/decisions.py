"""Decisions (C-9): may one unit share with another about an individual, for a purpose,
at a time? And the log of who asked (C-9, C-10)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel

from contracts import SUBJECT_ID_PATTERN, LegalBasis, Purpose
from contracts.base import HsaId
from services.consent.api.bodies import SUBJECT_ID, SubjectId
from services.consent.application import ConsentApplication, Question
from services.consent.domain import Decision
from services.consent.policy import may
from services.runtime.http.bodies import view_of
from services.runtime.http.caller import Caller
from services.runtime.http.fields import Personnummer, RequestModel
from services.runtime.http.identification import PERSONAL_DATA, log_access, subject_id_for
from services.runtime.http.problems import PROBLEM_TYPE_BASE, Problem

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


def _decide(
    caller: Caller,
    subject_id: str,
    from_org: str,
    to_org: str,
    purpose: Purpose,
    at: datetime | None,
) -> DecisionView:
    asked_at = caller.now
    question = Question(subject_id, from_org, to_org, purpose.value, at or asked_at)
    application = caller.application(ConsentApplication)
    decision, logged = application.ask(caller.actor, question, asked_at=asked_at)
    # In the decision log (C-9) and the access log (who learnt what about whom) before
    # it is answered: an answer says whether records about the person exist.
    log_access(caller, subject_id, purpose=f"consent decision:{purpose.value}")
    logged.result()
    return _view(decision, question)


_DECISION_BY_NUMBER = (
    "query.subject must be a pseudonymous subject id; a personnummer never goes in a URL "
    "(proxies and access logs keep URLs): ask POST /v1/decisions with it in the body"
)


@router.get("/decisions", openapi_extra=PERSONAL_DATA)
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
    return _decide(caller, subject, from_org, to_org, purpose, at)


@router.post("/decisions", openapi_extra=PERSONAL_DATA)
def post_decision(
    body: DecisionRequest, caller: Annotated[Caller, may("decision.ask")]
) -> DecisionView:
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
