"""What the reporting routes share: the router's shape, CSV, text limits, authorisation."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import Field

from contracts import HSA_ID_PATTERN
from services.reporting.application import ReportingApplication
from services.reporting.domain import Deviation
from services.runtime.http.problems import Problem, ProblemDetails
from services.runtime.kernel.actor import Actor, not_a_party


def new_router() -> APIRouter:
    """A router under /v1 whose problems are documented."""
    return APIRouter(
        prefix="/v1",
        tags=["reporting"],
        responses={
            401: {"model": ProblemDetails},
            403: {"model": ProblemDetails},
            422: {"model": ProblemDetails},
        },
    )


CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"}}}}
}

FreeText = Annotated[str, Field(min_length=1, max_length=4000)]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]


def app_of(request: Request) -> ReportingApplication:
    application: ReportingApplication = request.app.state.application
    return application


def require_unit(actor: Actor) -> None:
    """The reporting unit goes on the public event, which only carries HSA-ids."""
    if not re.fullmatch(HSA_ID_PATTERN, actor.org_id):
        raise Problem(403, "Forbidden", "your token's org_id is not an organisation unit HSA-id")


def require_concerned(actor: Actor, deviation: Deviation) -> None:
    """The reporting unit, the affected organisations and the signers read a deviation (D-2)."""
    if not deviation.concerns(actor.org_id):
        raise not_a_party("this deviation", rule="D-2")
