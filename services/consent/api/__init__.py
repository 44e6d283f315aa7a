"""Consent HTTP API: one router module per concept, routes thin and sync.

A route parses, calls one use case of the application with the acting member
of staff (``app.<use_case>(actor, command)``), writes the access record and
answers. Whether the caller's unit may act on *this* object is decided by the
application, where it loads it. FastAPI runs these sync routes in its worker
threads, so the store's blocking calls never hold the event loop.

A personnummer arrives in a request body (never in a URL, which ends up in
logs) and is turned into a subject id at once. Where a URL must name the
individual, it uses the pseudonymous subject id.
"""

from __future__ import annotations

from services.consent.api import consents, decisions, disclosures, history, work_list
from services.runtime.http.access_log import access_log_router
from services.runtime.http.openapi import api_router

router = api_router(
    consents.router,
    disclosures.router,
    decisions.router,
    history.router,
    # What waits for the caller's unit (W-1), the same route in every service.
    work_list.router,
    # Per individual, per member of staff and the chain check, the same in every service
    # (services.runtime.http.access_log says who may read it).
    access_log_router(prefix=""),
    tags=("consent",),
)
