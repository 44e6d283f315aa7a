"""The violence question at a contact or visit (K-16): record it, read it back.

A personnummer arrives only in the request body and becomes a subject id at
once. Only the answers' categories are taken (`ViolenceExposure`): the body
refuses any other field, so no account of what happened is ever stored here
or published.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, Field

from contracts.vocabulary import OrgType, TargetGroup, ViolenceExposure
from services.cases.api.bodies import K16
from services.cases.application import CasesApplication, RecordViolenceQuestion
from services.cases.domain import ViolenceQuestion
from services.cases.policy import may
from services.runtime.http.bodies import command_from, located, view_of
from services.runtime.http.caller import Caller
from services.runtime.http.fields import Personnummer, RequestModel
from services.runtime.http.identification import (
    PERSONAL_DATA,
    identify,
    log_access,
    log_change,
    one_commit,
)

router = APIRouter()

PURPOSE = "violence question (K-16)"


class ViolenceQuestionRequest(RequestModel):
    personnummer: Personnummer
    contact_on: date = Field(
        description="The Swedish day of the contact or visit; not in the future.",
        json_schema_extra=K16,
    )
    asked: bool = Field(
        description="Whether the violence question was asked at this contact.",
        json_schema_extra=K16,
    )
    adult_exposure: ViolenceExposure | None = Field(
        None,
        description="The category of the adult's answer about their own exposure; "
        "required when asked, left out when not.",
        json_schema_extra=K16,
    )
    children_exposure: ViolenceExposure | None = Field(
        None,
        description="The category of the answer about children's exposure (`no_children` "
        "when there are none); required when asked, left out when not.",
        json_schema_extra=K16,
    )
    support_offered: bool | None = Field(
        None,
        description="Whether support was offered; required when anyone is exposed.",
        json_schema_extra=K16,
    )


class RecordedViolenceQuestion(BaseModel):
    id: UUID
    subject_id: str
    contact_on: date
    asked: bool
    adult_exposure: ViolenceExposure | None
    children_exposure: ViolenceExposure | None
    support_offered: bool | None
    org_id: str
    org_type: OrgType
    target_groups: list[TargetGroup]
    """The individual's open cases' target groups when it was recorded."""
    recorded_at: datetime
    recorded_by: str


def recorded(question: ViolenceQuestion) -> RecordedViolenceQuestion:
    return view_of(RecordedViolenceQuestion, question)


@router.post("/violence-questions", status_code=201, openapi_extra=PERSONAL_DATA)
def record_violence_question(
    body: ViolenceQuestionRequest, caller: Annotated[Caller, may("violence_question.record")]
) -> RecordedViolenceQuestion:
    """Record the violence question at a contact (K-16): asked or not, the answers'
    categories, and whether support was offered: caseworkers (or higher) in health
    care, psychiatry, social services or private care."""
    subject = identify(caller.request, body.personnummer)
    command = command_from(body, RecordViolenceQuestion, subject_id=subject.subject_id)
    application = caller.application(CasesApplication)

    def record() -> RecordedViolenceQuestion:
        question = application.record_violence_question(caller.actor, command, at=caller.now)
        log_change(caller, question.subject_id, purpose=PURPOSE)
        location = f"/v1/violence-questions/{question.id}"
        return located(caller.response, location, recorded(question))

    return one_commit(caller, record)


@router.get("/violence-questions/{question_id}", openapi_extra=PERSONAL_DATA)
def get_violence_question(
    question_id: UUID, caller: Annotated[Caller, may("violence_question.read")]
) -> RecordedViolenceQuestion:
    """The record, for the organisation that made it (K-16)."""
    question = caller.application(CasesApplication).read_violence_question(
        caller.actor, question_id
    )
    log_access(caller, question.subject_id, purpose=PURPOSE)
    return recorded(question)
