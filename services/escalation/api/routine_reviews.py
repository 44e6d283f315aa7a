"""The yearly routine review over HTTP (E-13): the departments schedule the year's meeting
on the routine, read it back, and record it held with attendance and minutes.

About no one individual: the minutes say what was revised in the routine, and an
answer is logged as no one's access. The text is still read back only by the member
departments (the application decides, where it loads the review).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter
from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from contracts import MUNICIPALITY_CODE_PATTERN
from contracts.base import HsaId
from services.escalation.application import (
    EscalationApplication,
    HoldRoutineReview,
    ScheduleRoutineReview,
)
from services.escalation.domain import MAX_REVISIONS, RoutineReview
from services.escalation.policy import may
from services.runtime.http.bodies import ClearText, command_from, located, view_of
from services.runtime.http.caller import Caller
from services.runtime.http.fields import RequestModel

router = APIRouter(tags=["routine review"])

Minutes = Annotated[str, Field(min_length=1, max_length=20000)]


class ScheduleRequest(RequestModel):
    municipality_code: Annotated[str, StringConstraints(pattern=MUNICIPALITY_CODE_PATTERN)]
    members: Annotated[list[HsaId], Field(min_length=2, max_length=50)] = Field(
        description="The departments' units that meet (IoF and ÄoF, ...); the caller's among them."
    )
    starts_at: AwareDatetime = Field(
        description="In the future; its year (Europe/Stockholm) is the review's: one a "
        "municipality a year (E-13).",
        json_schema_extra={"x-rule": "E-13"},
    )


class HeldRequest(RequestModel):
    present_orgs: Annotated[list[HsaId], Field(min_length=1, max_length=50)]
    minutes: Minutes = Field(
        description="What was said: how the routine was anchored and brought to life."
    )
    revisions: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=4000)]],
        Field(max_length=MAX_REVISIONS),
    ] = Field(default_factory=list, description="What was revised in the routine, one each.")


class RoutineReviewView(BaseModel):
    id: UUID
    municipality_code: str
    year: int
    starts_at: datetime
    members: list[str]
    present_orgs: list[str] | None
    absent_orgs: list[str]
    minutes: ClearText | None
    revisions: list[ClearText]
    held_at: datetime | None


def _view(review: RoutineReview) -> RoutineReviewView:
    return view_of(RoutineReviewView, review)


@router.post("/routine-reviews", status_code=201)
def schedule_routine_review(
    body: ScheduleRequest, caller: Annotated[Caller, may("routine_review.schedule")]
) -> RoutineReviewView:
    """Schedule the municipality's yearly routine review (E-13); a second one that year is
    refused."""
    command = command_from(body, ScheduleRoutineReview, members=list(body.members))
    application = caller.application(EscalationApplication)
    review = application.schedule_routine_review(caller.actor, command, at=caller.now)
    return located(caller.response, f"/v1/routine-reviews/{review.id}", _view(review))


@router.get("/routine-reviews/{review_id}")
def get_routine_review(
    review_id: UUID, caller: Annotated[Caller, may("routine_review.read")]
) -> RoutineReviewView:
    """The review, for its member departments (E-13)."""
    application = caller.application(EscalationApplication)
    return _view(application.read_routine_review(caller.actor, review_id))


@router.post("/routine-reviews/{review_id}/held")
def hold_routine_review(
    review_id: UUID, body: HeldRequest, caller: Annotated[Caller, may("routine_review.hold")]
) -> RoutineReviewView:
    """Record the review held: who came (the other members absent) and the minutes, with
    what was revised in the routine (E-13)."""
    command = command_from(
        body,
        HoldRoutineReview,
        present_orgs=list(body.present_orgs),
        revisions=list(body.revisions),
    )
    application = caller.application(EscalationApplication)
    return _view(application.hold_routine_review(caller.actor, review_id, command, at=caller.now))
