"""Cases HTTP API: one router module per concept, routes thin and sync.

`cases` (reports, routing, decisions, closing, age transitions, the units'
lists), `target_groups` and `screenings` (D-6, K-15), `violence_questions`
(K-16), `handovers` and their `follow_through` (K-12), `sips`, `principal_contacts`
(K-17), `meetings` (with the iCalendar invitation), `child_welfare`, `referrals`
(K-14), `consent_view`, `work_list` (what waits for the caller, W-1) and
`subject_records` (what is kept about an individual, W-3), the routes every service
shares, `access_log` (the follow-up of who read what, shared with every service);
`bodies` holds what their request bodies share. A route parses, calls one use
case of the application with the acting member of staff
(``app.<use_case>(actor, command)``), writes the access record and answers.
The caller's unit is the verified token's `org_id`, never something in the
body; whether it may see or change *this* case, plan or meeting is decided by
the application, where it loads it. FastAPI runs these sync routes in its
worker threads, so the store's blocking calls never hold the event loop.
"""

from services.cases.api import (
    access_log,
    cases,
    child_welfare,
    consent_view,
    follow_through,
    handovers,
    meetings,
    principal_contacts,
    referrals,
    screenings,
    sips,
    subject_records,
    target_groups,
    violence_questions,
    work_list,
)
from services.runtime.http.openapi import api_router

router = api_router(
    cases.router,
    target_groups.router,
    handovers.router,
    follow_through.router,
    sips.router,
    principal_contacts.router,
    meetings.router,
    child_welfare.router,
    referrals.router,
    screenings.router,
    violence_questions.router,
    consent_view.router,
    work_list.router,
    subject_records.router,
    access_log.router,
    tags=("cases",),
)

__all__ = ["router"]
