"""The working group's review of the annual report (D-5) and its action plan (D-9).

Drafted, analysed, approved with the action plan, then published
(`POST /v1/annual-reports`, `services.reporting.api.annual`): each step refused
out of order (409, D-5); a plan without owned, dated actions at both local and
county level is refused (422, D-9).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from urllib.parse import quote
from uuid import UUID

from fastapi import Path, Query, Response
from pydantic import BaseModel, Field

from contracts import DeviationCategory, ProblemArea
from contracts.reporting import AREA_PATTERN
from services.reporting.api.routers import new_router
from services.reporting.application import ReportingApplication
from services.reporting.domain import ActionLevel, AnnualReview, PlannedAction
from services.reporting.domain.errors import UnknownReview
from services.reporting.policy import may
from services.runtime.http.bodies import located
from services.runtime.http.caller import Caller
from services.runtime.http.fields import RequestModel

router = new_router()

Year = Annotated[int, Path(ge=2000, le=2100)]
Area = Annotated[str, Field(pattern=AREA_PATTERN, examples=["SE2321000016", "all"])]
AreaQuery = Annotated[
    str,
    Query(
        pattern=AREA_PATTERN,
        description="Collaboration area: HSA-id prefix of its organisations, or 'all'.",
    ),
]
Text = Annotated[str, Field(min_length=1, max_length=4000)]
Short = Annotated[str, Field(min_length=1, max_length=200)]


class DraftReview(RequestModel):
    """D-5: draft the year's de-identified report for the working group."""

    area: Area = "all"


class AnalyseReview(RequestModel):
    """D-5: the working group's analysis of the drafted report."""

    area: Area = "all"
    analysis: Text


class Action(RequestModel):
    """One action of the plan (D-9): answers a D-1 category or a D-5 problem area."""

    action: Text
    owner: Short = Field(description="Who is responsible, e.g. 'Lokalt samråd'.")
    due: date
    level: ActionLevel
    category: DeviationCategory | None = None
    problem_area: ProblemArea | None = None
    user_involvement: bool = Field(False, description="Users (brukare) take part (D-9).")


class ApproveReview(RequestModel):
    """D-5, D-9: the working group approves the analysed report and its action plan."""

    area: Area = "all"
    approver_name: Short
    approver_title: Short
    actions: Annotated[list[Action], Field(max_length=100)]


class ReviewCreated(BaseModel):
    review_id: UUID
    year: int
    area: str
    stage: str


class ReviewView(BaseModel):
    review_id: UUID
    year: int
    area: str
    stage: str = Field(description="drafted, analysed, approved or published (D-5).")
    analysis: str
    approved_by: str
    approved_at: datetime | None
    published_at: datetime | None
    actions: list[Action]


def _location(year: int, area: str) -> str:
    return f"/v1/annual-reports/{year}/review?area={quote(area)}"


@router.post("/annual-reports/{year}/review", status_code=201)
def draft_annual_review(
    year: Year, body: DraftReview, caller: Annotated[Caller, may("annual_report.review")]
) -> ReviewCreated:
    """D-5: draft the year's report for the working group's review (409 if drafted)."""
    application = caller.application(ReportingApplication)
    review_id = application.draft_annual_review(caller.actor, year, body.area, at=caller.now)
    answer = ReviewCreated(review_id=review_id, year=year, area=body.area, stage="drafted")
    return located(caller.response, _location(year, body.area), answer)


@router.get("/annual-reports/{year}/review")
def get_annual_review(
    year: Year, caller: Annotated[Caller, may("annual_report.read")], area: AreaQuery = "all"
) -> ReviewView:
    """D-5, D-9: where the year's review stands, its analysis, approval and action plan."""
    review = caller.application(ReportingApplication).annual_review(year, area)
    if review is None:
        raise UnknownReview(f"the {year} report for {area} is not drafted yet")
    return _view(review)


@router.put("/annual-reports/{year}/review/analysis", status_code=204)
def analyse_annual_review(
    year: Year, body: AnalyseReview, caller: Annotated[Caller, may("annual_report.review")]
) -> Response:
    """D-5: the working group's analysis; may be rewritten until the report is approved."""
    caller.application(ReportingApplication).analyse_annual_review(
        caller.actor, year, body.area, body.analysis, at=caller.now
    )
    return Response(status_code=204)


@router.put("/annual-reports/{year}/review/approval", status_code=204)
def approve_annual_review(
    year: Year, body: ApproveReview, caller: Annotated[Caller, may("annual_report.review")]
) -> Response:
    """D-5, D-9: approve the analysed report with its action plan: owned, dated actions at
    local and county level, each answering a D-1 category or a D-5 problem area."""
    actions = [
        PlannedAction(
            action=a.action,
            owner=a.owner,
            due=a.due,
            level=a.level.value,
            category=None if a.category is None else a.category.value,
            problem_area=None if a.problem_area is None else a.problem_area.value,
            user_involvement=a.user_involvement,
        )
        for a in body.actions
    ]
    caller.application(ReportingApplication).approve_annual_review(
        caller.actor,
        year,
        body.area,
        approver_name=body.approver_name,
        approver_title=body.approver_title,
        actions=actions,
        at=caller.now,
    )
    return Response(status_code=204)


def _view(review: AnnualReview) -> ReviewView:
    approved_by = ", ".join(p for p in (review.approver_name, review.approver_title) if p)
    return ReviewView(
        review_id=review.id,
        year=review.year,
        area=review.area,
        stage=review.stage.value,
        analysis=review.analysis,
        approved_by=approved_by,
        approved_at=review.approved_at,
        published_at=review.published_at,
        actions=[Action.model_validate(a.as_dict()) for a in review.actions],
    )
