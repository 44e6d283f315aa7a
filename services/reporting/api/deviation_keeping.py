"""Keeping deviation reports (D-8, seed 003): "Ifylld avvikelserapport sänds till
verksamhetscontroller IoF för förvaring". The controller lists every deviation of the
municipality they keep, reads and prints each as the municipality's form, and files the
filled-in ones; the parties list and print their own. Reads about an individual are
access-logged like every other read."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from services.reporting.api.deviations import readable
from services.reporting.api.routers import new_router
from services.reporting.application import ReportingApplication
from services.reporting.domain import Deviation
from services.reporting.policy import may
from services.reporting.rendering.deviation_form import deviation_form_html
from services.runtime.http.caller import Caller
from services.runtime.http.identification import PERSONAL_DATA, log_access

router = new_router()

HTML_RESPONSE: dict[int | str, dict[str, object]] = {
    200: {"content": {"text/html": {"schema": {"type": "string"}}}}
}


class DeviationListed(BaseModel):
    """One deviation in a list: codes, dates and organisations; no free text (read it at
    `href`)."""

    id: UUID
    subject_id: str | None
    category: str
    detected: bool = Field(description="Detected from a missed deadline (D-7), not reported.")
    reporting_org: str | None
    affected_orgs: list[str]
    reported_at: datetime
    status: str = Field(
        description="open, summarised (both steps signed), closed (early, W-2) or filed (D-8)."
    )
    feedback_overdue: bool = Field(description="Unsolved past the feedback deadline (D-3).")
    href: str
    form: str


class DeviationList(BaseModel):
    items: list[DeviationListed]


def _status(deviation: Deviation) -> str:
    if deviation.filed_at is not None:
        return "filed"
    if deviation.closed_at is not None:
        return "closed"
    return "summarised" if deviation.summarised else "open"


def _listed(deviation: Deviation) -> DeviationListed:
    href = f"/v1/deviations/{deviation.id}"
    return DeviationListed(
        id=deviation.id,
        subject_id=deviation.subject_id,
        category=deviation.category,
        detected=deviation.detected,
        reporting_org=deviation.reporting_org,
        affected_orgs=deviation.affected_orgs,
        reported_at=deviation.reported_at,
        status=_status(deviation),
        feedback_overdue=deviation.feedback_overdue_at is not None,
        href=href,
        form=f"{href}/form",
    )


@router.get("/deviations", openapi_extra=PERSONAL_DATA)
def list_deviations(caller: Annotated[Caller, may("deviation.list")]) -> DeviationList:
    """The deviations the caller may read, oldest first: a controller's, every one of the
    municipality they keep (D-8); anyone else's, those their unit is party to (D-2).
    Each individual a listed deviation is about gets an access record."""
    application = caller.application(ReportingApplication)
    deviations = application.list_deviations(caller.actor)
    subjects = list(dict.fromkeys(d.subject_id for d in deviations if d.subject_id))
    if subjects:
        log_access(caller, subjects, purpose="deviation list (D-8)")
    return DeviationList(items=[_listed(d) for d in deviations])


@router.get(
    "/deviations/{deviation_id}/form",
    response_class=HTMLResponse,
    responses=HTML_RESPONSE,
    openapi_extra=PERSONAL_DATA,
)
def deviation_form(
    deviation_id: UUID, caller: Annotated[Caller, may("deviation.form")]
) -> HTMLResponse:
    """D-8: the deviation as the municipality's form, "Blankett för avvikelserapport", both
    parts (D-2) in Swedish, ready to print; for its parties and the controller keeping it."""
    deviation = readable(caller, deviation_id, "deviation report form (D-8)")
    return HTMLResponse(deviation_form_html(deviation))


@router.post("/deviations/{deviation_id}/filing", status_code=204)
def file_deviation(
    deviation_id: UUID, caller: Annotated[Caller, may("deviation.file")]
) -> Response:
    """D-8: the controller files the filled-in report (both steps signed); it leaves their
    work list."""
    application = caller.application(ReportingApplication)
    application.file_deviation(caller.actor, deviation_id, at=caller.now)
    return Response(status_code=204)
