"""How every reporting router is made, and what each of its routes takes from the request.

A router lives under /v1 with its problems documented (RFC 9457); a route that
can answer in CSV says so with `CSV_RESPONSE`; `app_of` is the application the
service put on the app; `require_unit` refuses a caller whose token names no
organisation unit, since what they write goes on a public event that carries
only HSA-ids. What one concept's routes need alone stays in that router module.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request

from contracts import HSA_ID_PATTERN
from services.reporting.application import ReportingApplication
from services.runtime.http.problems import Problem, ProblemDetails
from services.runtime.kernel.actor import Actor


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


def app_of(request: Request) -> ReportingApplication:
    application: ReportingApplication = request.app.state.application
    return application


def require_unit(actor: Actor) -> None:
    """The reporting unit goes on the public event, which only carries HSA-ids."""
    if not re.fullmatch(HSA_ID_PATTERN, actor.org_id):
        raise Problem(403, "Forbidden", "your token's org_id is not an organisation unit HSA-id")
