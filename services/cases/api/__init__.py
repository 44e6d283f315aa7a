"""Cases HTTP API: parse, authorise, call the application, answer.

One module per concept: `cases` (reports, routing, decisions, closing, age
transitions, the units' lists), `target_groups` and `screenings` (D-6),
`handovers`, `sips`, `meetings` (with the iCalendar invitation),
`child_welfare`, `consent_view`, `access_log` (the follow-up of who read
what, shared with every service). The caller's unit is the verified token's
`org_id`, never something in the body.
"""

from fastapi import APIRouter

from services.cases.api import (
    access_log,
    cases,
    child_welfare,
    consent_view,
    handovers,
    meetings,
    screenings,
    sips,
    target_groups,
)
from services.runtime.http.problems import ProblemDetails

router = APIRouter(
    prefix="/v1",
    tags=["cases"],
    responses={
        401: {"model": ProblemDetails},
        403: {"model": ProblemDetails},
        404: {"model": ProblemDetails},
        409: {"model": ProblemDetails},
        422: {"model": ProblemDetails},
    },
)
for part in (
    cases,
    target_groups,
    handovers,
    sips,
    meetings,
    child_welfare,
    screenings,
    consent_view,
    access_log,
):
    router.include_router(part.router)

__all__ = ["router"]
