"""The de-identified annual report for the local collaboration body (D-5)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse

from services.reporting.annual import annual_report, report_csv, report_html
from services.reporting.api.common import (
    CSV_MEDIA_TYPE,
    app_of,
    new_router,
)
from services.reporting.domain import may_report_deviation
from services.runtime.auth import CurrentActor
from services.runtime.problems import Problem

router = new_router()


@router.get(
    "/annual-reports/{year}",
    responses={
        200: {
            "content": {
                "application/json": {},
                CSV_MEDIA_TYPE: {"schema": {"type": "string"}},
                "text/html": {"schema": {"type": "string"}},
            }
        }
    },
)
async def get_annual_report(
    year: Annotated[int, Path(ge=2000, le=2100)],
    request: Request,
    actor: CurrentActor,
    area: Annotated[
        str | None,
        Query(
            pattern=r"^SE[0-9A-Z]{2,10}",
            max_length=40,
            description="Collaboration area: HSA-id prefix of its organisations (all if absent).",
        ),
    ] = None,
    format: Annotated[Literal["json", "csv", "html"], Query()] = "json",
) -> Response:
    """D-5: the year's deviations, de-identified, for the local collaboration body.

    For managers (deputy unit manager and above): the working group's input.
    A year without deviations gives an empty report.
    """
    if not may_report_deviation(actor.role):
        raise Problem(
            403,
            "Forbidden",
            "the annual report is for managers of the collaboration body",
            rule="D-5",
        )
    facts = await run_in_threadpool(app_of(request).annual_facts, area)
    report = annual_report(year, area or "all", facts)
    if format == "csv":
        return Response(report_csv(report), media_type=CSV_MEDIA_TYPE)
    if format == "html":
        return HTMLResponse(report_html(report))
    return JSONResponse(report.as_json())
