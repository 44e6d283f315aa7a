"""The de-identified annual report for the local collaboration body (D-5), and its
publication: the counts go out as `AnnualReportPublished` (issue #7)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import quote
from uuid import UUID

from fastapi import Path, Query, Response
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field

from contracts.reporting import AREA_PATTERN
from services.reporting.api.routers import CSV_MEDIA_TYPE, new_router
from services.reporting.application import ReportingApplication
from services.reporting.domain import (
    AnnualReport,
    annual_report,
    publishable_year,
    reviewed_report,
    reviewed_subjects,
)
from services.reporting.policy import may
from services.reporting.rendering.annual_report import report_csv, report_html
from services.runtime.http.bodies import located
from services.runtime.http.caller import Caller
from services.runtime.http.fields import RequestModel
from services.runtime.http.identification import PERSONAL_DATA, log_access

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
    openapi_extra=PERSONAL_DATA,
)
def get_annual_report(
    year: Annotated[int, Path(ge=2000, le=2100)],
    caller: Annotated[Caller, may("annual_report.read")],
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
    """D-5: the year's deviations, de-identified, for the local collaboration body, and
    the four follow-up indicator groups by target group (D-6), disclosure-controlled.

    For managers (deputy unit manager and above): the working group's input.
    A year without deviations gives an empty report. The area narrows the
    deviations; the indicators are everything the statistics have counted.

    JSON and HTML show the deviations' free text, scrubbed; each individual it is
    about gets an access record. The CSV holds only the tables.
    """
    report, subjects = _report(caller, year, area or "all")
    if format == "csv":
        return Response(report_csv(report), media_type=CSV_MEDIA_TYPE)
    log_access(caller, subjects, purpose="annual review of deviations (D-5)")
    if format == "html":
        return HTMLResponse(report_html(report))
    return JSONResponse(report.as_json())


def _report(caller: Caller, year: int, area: str) -> tuple[AnnualReport, list[str]]:
    """The year's report: the area's deviations and the statistics view's indicators
    (D-6), under the configured disclosure control; and whom its review text is about."""
    application = caller.application(ReportingApplication)
    facts = application.annual_facts(None if area == "all" else area)
    state = caller.request.app.state
    report = annual_report(
        year, area, facts, indicators=state.statistics.counts(), control=state.disclosure
    )
    report = reviewed_report(report, application.annual_review(year, area), state.disclosure)
    return report, reviewed_subjects(year, facts)


class PublishAnnualReport(RequestModel):
    """D-5: publish the year's report for a collaboration area to the local body."""

    year: int = Field(ge=2000, le=2100, examples=[2026])
    area: str = Field(
        "all",
        pattern=AREA_PATTERN,
        description="Collaboration area: HSA-id prefix of its organisations, or 'all'.",
        examples=["SE2321000016"],
    )


class Publication(BaseModel):
    publication_id: UUID
    year: int
    area: str
    revision: int = Field(description="1 at first, one more each time it is published again.")
    published_at: datetime


@router.post("/annual-reports", status_code=201)
def publish_annual_report(
    body: PublishAnnualReport, caller: Annotated[Caller, may("annual_report.publish")]
) -> Publication:
    """D-5: publish the year's de-identified report to the local collaboration body.

    Only an approved report is published (409, D-5: drafted, analysed, approved first,
    `/v1/annual-reports/{year}/review`). Records the publication, marks the review
    published, and publishes `AnnualReportPublished` with the
    disclosure-controlled counts (no subject, no free text). Publishing the same
    year and area again makes a new revision with the counts as they are now.
    """
    at = caller.now
    publishable_year(body.year, at)  # before the report is worked out
    report, _ = _report(caller, body.year, body.area)
    publication = caller.application(ReportingApplication).publish_annual_report(
        caller.actor, report, disclosure_method=caller.request.app.state.disclosure.method, at=at
    )
    answer = Publication(
        publication_id=publication.id,
        year=body.year,
        area=body.area,
        revision=publication.revision,
        published_at=at,
    )
    # The whole of the platform is the report without an area (the read refuses "all").
    area = "" if body.area == "all" else f"?area={quote(body.area)}"
    location = f"/v1/annual-reports/{body.year}{area}"
    return located(caller.response, location, answer)
