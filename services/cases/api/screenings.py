"""Screenings for alcohol and drug use (D-6 prevention), with the advice and referral after
one at risk (K-15): record one, read it back.

A personnummer arrives only in the request body and becomes a subject id at
once. The score, if kept, is sealed to the individual and read back only by
the organisation that recorded it, with an access-log record; the topic gets
the fact of the screening and never the score.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, Field

from contracts.vocabulary import (
    OrgType,
    ScreeningInstrument,
    ScreeningOccasion,
    ScreeningOutcome,
    TargetGroup,
)
from services.cases.api.bodies import D6, K15
from services.cases.application import CasesApplication, RecordScreening
from services.cases.domain import Screening
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
from services.runtime.store.privacy import ERASED

router = APIRouter()


class ScreeningRequest(RequestModel):
    personnummer: Personnummer
    instrument: ScreeningInstrument = Field(json_schema_extra=D6)
    occasion: ScreeningOccasion = Field(
        description="`new_visit`, or `follow_up` of an earlier new-visit screening.",
        json_schema_extra=D6,
    )
    outcome: ScreeningOutcome = Field(
        description="Whether the offered screening was done.", json_schema_extra=D6
    )
    screened_on: date = Field(
        description="The Swedish day of the visit; not in the future.", json_schema_extra=D6
    )
    follows_up: UUID | None = Field(
        None,
        description="For a follow-up (required): the new-visit screening of the same "
        "individual and instrument it follows up. Left out at a new visit.",
        json_schema_extra=D6,
    )
    score: int | None = Field(
        None,
        description="The score, if the organisation keeps it (AUDIT 0-40, DUDIT 0-44): "
        "personal data, sealed to the individual and never published.",
        json_schema_extra=D6,
    )
    risk_found: bool | None = Field(
        None,
        description="The screening found risky use (K-15). A kept score at or above the "
        "risk threshold (AUDIT 6, DUDIT 2) says so too.",
        json_schema_extra=K15,
    )
    advice_offered: bool | None = Field(
        None,
        description="Brief advice was offered (K-15): required at risk.",
        json_schema_extra=K15,
    )
    referred: bool | None = Field(
        None,
        description="Referred to more qualified interventions (K-15): required at risk.",
        json_schema_extra=K15,
    )


class RecordedScreening(BaseModel):
    id: UUID
    subject_id: str
    instrument: ScreeningInstrument
    occasion: ScreeningOccasion
    outcome: ScreeningOutcome
    screened_on: date
    follows_up: UUID | None
    score_kept: bool
    at_risk: bool
    """K-15: the screening found risky use; then the two answers below are given."""
    advice_offered: bool | None
    referred: bool | None
    org_id: str
    org_type: OrgType
    target_groups: list[TargetGroup]
    """The individual's open cases' target groups when it was recorded."""
    recorded_at: datetime
    recorded_by: str


class ScreeningView(RecordedScreening):
    score: int | Literal["[erased]"] | None
    """As recorded; `[erased]` once the individual's data is erased."""


def recorded(screening: Screening) -> RecordedScreening:
    return view_of(RecordedScreening, screening, score_kept=screening.score is not None)


@router.post("/screenings", status_code=201, openapi_extra=PERSONAL_DATA)
def record_screening(
    body: ScreeningRequest, caller: Annotated[Caller, may("screening.record")]
) -> RecordedScreening:
    """Record that AUDIT or DUDIT was offered, and done or declined (D-6), and, at risk,
    whether brief advice was offered and the individual referred on (K-15): caseworkers
    (or higher) in health care, psychiatry, social services or private care."""
    subject = identify(caller.request, body.personnummer)
    command = command_from(body, RecordScreening, subject_id=subject.subject_id)
    application = caller.application(CasesApplication)

    def record() -> RecordedScreening:
        screening = application.record_screening(caller.actor, command, at=caller.now)
        log_change(caller, screening.subject_id, purpose="screening (D-6)")
        return located(caller.response, f"/v1/screenings/{screening.id}", recorded(screening))

    return one_commit(caller, record)


@router.get("/screenings/{screening_id}", openapi_extra=PERSONAL_DATA)
def get_screening(
    screening_id: UUID, caller: Annotated[Caller, may("screening.read")]
) -> ScreeningView:
    """A screening with its score, for the organisation that recorded it."""
    application = caller.application(CasesApplication)
    screening = application.read_screening(caller.actor, screening_id)
    log_access(caller, screening.subject_id, purpose="screening (D-6)")
    score = application.screening_score(screening)
    return ScreeningView(
        **recorded(screening).model_dump(),
        score=ERASED if isinstance(score, str) else score,
    )
