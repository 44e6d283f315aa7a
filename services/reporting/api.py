"""Reporting HTTP API: deviation reports (D-1, D-2) and suppressed statistics (D-5).

A deviation's free text is readable only by the organisations it concerns;
statistics are readable by any authenticated member of staff because they
leave only aggregated, with small counts suppressed.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from contracts import HSA_ID_PATTERN, DeviationCategory
from contracts.base import OrgIds
from services.reporting.application import ReportDeviation, ReportingApplication
from services.reporting.domain import Deviation, suppress
from services.reporting.statistics import MEASURES, StatisticsView
from services.runtime.auth import Actor, CurrentActor
from services.runtime.edge import Personnummer, RequestModel, subject_id_for
from services.runtime.problems import Problem, ProblemDetails

router = APIRouter(
    prefix="/v1",
    tags=["reporting"],
    responses={
        401: {"model": ProblemDetails},
        403: {"model": ProblemDetails},
        422: {"model": ProblemDetails},
    },
)

SUPPRESSION_NOTE = "counts 1-4 are shown as null with suppressed=true (D-5)"

FreeText = Annotated[str, Field(min_length=1, max_length=4000)]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]


class DeviationRequest(RequestModel):
    """Step 1 of a deviation report (D-2). The reporting unit is the caller's own."""

    category: DeviationCategory
    affected_orgs: Annotated[OrgIds, Field(max_length=50)] = Field(
        description="HSA-ids of the other organisation units affected (at least one)."
    )
    what_happened: FreeText
    perceived_as: FreeText = Field(description="How the failure was perceived.")
    improvement_proposal: FreeText
    reporter_name: ShortText
    reporter_title: ShortText
    personnummer: Personnummer | None = Field(
        None, description="The individual the deviation concerns, if it concerns one."
    )


class Created(BaseModel):
    id: UUID
    subject_id: str | None


class DeviationView(BaseModel):
    id: UUID
    subject_id: str | None
    category: str
    reporting_org: str
    reporting_org_type: str
    affected_orgs: list[str]
    what_happened: str
    perceived_as: str
    improvement_proposal: str
    reporter_name: str
    reporter_title: str
    reported_by: str
    reported_at: datetime


class Cell(BaseModel):
    month: str = Field(examples=["2026-11"])
    dimension: str = Field(examples=["police"])
    count: int | None = Field(description="Null when suppressed (D-5).")
    suppressed: bool


class StatisticsReport(BaseModel):
    suppression: str = SUPPRESSION_NOTE
    measures: dict[str, list[Cell]]


def _app(request: Request) -> ReportingApplication:
    application: ReportingApplication = request.app.state.application
    return application


def _require_unit(actor: Actor) -> None:
    """The reporting unit goes on the public event, which only carries HSA-ids."""
    if not re.fullmatch(HSA_ID_PATTERN, actor.org_id):
        raise Problem(403, "Forbidden", "your token's org_id is not an organisation unit HSA-id")


def _require_concerned(actor: Actor, deviation: Deviation) -> None:
    if not deviation.concerns(actor.org_id):
        raise Problem(
            403,
            "Forbidden",
            "only the reporting unit and the affected organisations may read a deviation",
            rule="D-2",
        )


@router.post("/deviations", status_code=201, response_model=Created)
async def report_deviation(
    body: DeviationRequest, request: Request, response: Response, actor: CurrentActor
) -> Created:
    """Report a collaboration failure (D-2 step 1): at least deputy unit manager."""
    _require_unit(actor)
    subject_id = (
        subject_id_for(request, body.personnummer) if body.personnummer is not None else None
    )
    command = ReportDeviation(
        reporter_role=actor.role,
        reported_by=actor.hsa_id,
        reporting_org=actor.org_id,
        reporting_org_type=actor.org_type.value,
        affected_orgs=list(body.affected_orgs),
        category=body.category.value,
        what_happened=body.what_happened,
        perceived_as=body.perceived_as,
        improvement_proposal=body.improvement_proposal,
        reporter_name=body.reporter_name,
        reporter_title=body.reporter_title,
        subject_id=subject_id,
    )
    deviation_id = await run_in_threadpool(
        _app(request).report_deviation, command, at=request.app.state.clock.now()
    )
    response.headers["Location"] = f"/v1/deviations/{deviation_id}"
    return Created(id=deviation_id, subject_id=subject_id)


@router.get("/deviations/{deviation_id}", response_model=DeviationView)
async def get_deviation(deviation_id: UUID, request: Request, actor: CurrentActor) -> DeviationView:
    deviation = await run_in_threadpool(_app(request).get_deviation, deviation_id)
    _require_concerned(actor, deviation)
    return DeviationView(
        id=deviation.id,
        subject_id=deviation.subject_id,
        category=deviation.category,
        reporting_org=deviation.reporting_org,
        reporting_org_type=deviation.reporting_org_type,
        affected_orgs=deviation.affected_orgs,
        what_happened=deviation.what_happened,
        perceived_as=deviation.perceived_as,
        improvement_proposal=deviation.improvement_proposal,
        reporter_name=deviation.reporter_name,
        reporter_title=deviation.reporter_title,
        reported_by=deviation.reported_by,
        reported_at=deviation.reported_at,
    )


@router.get("/statistics", response_model=StatisticsReport)
async def get_statistics(request: Request, actor: CurrentActor) -> StatisticsReport:
    """Monthly counts per measure, small cells suppressed (D-5)."""
    view: StatisticsView = request.app.state.statistics
    measures: dict[str, list[Cell]] = {measure: [] for measure in MEASURES}
    for row in await run_in_threadpool(view.counts):
        shown = suppress(row.count)
        measures.setdefault(row.measure, []).append(
            Cell(month=row.month, dimension=row.dimension, count=shown, suppressed=shown is None)
        )
    return StatisticsReport(measures=measures)


__all__ = ["router"]
