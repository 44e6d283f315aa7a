"""Escalation HTTP API: one router module per concept, routes thin and sync.

The red thread (E-1..E-5) and the deadlines (D-7), the ladder (E-6), the
monthly forums (E-7), acute matters (E-8), consultations (E-9) and the yearly
routine review (E-13); the work
list (W-1) and the records by individual (W-3). A route
parses, calls one use case of the application with the acting member of staff
(``app.<use_case>(actor, command)``), writes the access record and answers.
Whether the caller's unit may see or act on *this* object is decided by the
application, where it loads it. FastAPI runs these sync routes in its worker
threads, so the store's blocking calls never hold the event loop.
"""

from services.escalation.api import (
    access_log,
    acute_matters,
    calendar_feeds,
    consultations,
    deadlines,
    forums,
    ladder,
    red_threads,
    routine_reviews,
    subject_records,
    work_list,
)
from services.runtime.http.openapi import api_router

router = api_router(
    red_threads.router,
    deadlines.router,
    ladder.router,
    forums.router,
    routine_reviews.router,
    acute_matters.router,
    consultations.router,
    calendar_feeds.router,
    work_list.router,
    subject_records.router,
    access_log.router,
)

__all__ = ["router"]
