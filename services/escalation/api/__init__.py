"""Escalation HTTP API: one router module per concept, routes thin and sync.

The red thread (E-1..E-5) and the deadlines (D-7), the ladder (E-6), the
monthly forums (E-7), acute matters (E-8) and consultations (E-9). A route
parses, calls one use case of the application with the acting member of staff
(``app.<use_case>(actor, command)``), writes the access record and answers.
Whether the caller's unit may see or act on *this* object is decided by the
application, where it loads it. FastAPI runs these sync routes in its worker
threads, so the store's blocking calls never hold the event loop.
"""

from fastapi import APIRouter

from services.escalation.api import (
    access_log,
    acute_matters,
    consultations,
    deadlines,
    forums,
    ladder,
    red_threads,
)
from services.runtime.http.problems import ProblemDetails

router = APIRouter(
    prefix="/v1",
    responses={
        401: {"model": ProblemDetails},
        403: {"model": ProblemDetails},
        404: {"model": ProblemDetails},
        409: {"model": ProblemDetails},
        422: {"model": ProblemDetails},
    },
)
for concept in (red_threads, deadlines, ladder, forums, acute_matters, consultations, access_log):
    router.include_router(concept.router)

__all__ = ["router"]
