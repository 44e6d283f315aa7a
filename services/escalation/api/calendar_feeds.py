"""Each unit's calendar feed over HTTP (W-1): one address a calendar program subscribes to.

``POST /v1/calendar-feeds`` gives a manager or coordinator their unit's feed
address, with a new secret in it (the previous address stops working).
``GET /v1/calendar-feeds/{unit}/{token}/meetings.ics`` is that address: the
unit's red-thread meetings and follow-ups and monthly meetings, with no
bearer token (calendar programs send none) — the token in the path is the
credential, so the address is to be kept like a password. Entries carry
times and ids only; who a meeting is about is read behind its link, logged.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, Field

from contracts.base import HSA_ID_PATTERN
from services.escalation.api.calendar import CALENDAR, calendar_of
from services.escalation.application import EscalationApplication
from services.escalation.policy import may
from services.runtime.http.bodies import located
from services.runtime.http.caller import Caller
from services.runtime.http.openapi import problem_responses

router = APIRouter(tags=["calendar"])

FEED_ADDRESS_PART = r"^[A-Za-z0-9_-]{43}$"
"""What secrets.token_urlsafe(32) makes: 43 URL-safe base64 characters."""


class CalendarFeedIssued(BaseModel):
    unit: str
    url: str = Field(description="The feed's address: subscribe to it; keep it secret.")
    issued_at: datetime


@router.post("/calendar-feeds", status_code=201)
def issue_calendar_feed(
    caller: Annotated[Caller, may("calendar_feed.issue")],
) -> CalendarFeedIssued:
    """A new feed address for the caller's unit; the one before stops working (W-1)."""
    at = caller.now
    app = caller.application(EscalationApplication)
    token = app.issue_calendar_feed(caller.actor, at=at)
    path = f"/v1/calendar-feeds/{caller.actor.org_id}/{token}/meetings.ics"
    url = str(caller.request.url.replace(path=path, query=""))
    return located(
        caller.response, path, CalendarFeedIssued(unit=caller.actor.org_id, url=url, issued_at=at)
    )


@router.get(
    "/calendar-feeds/{unit}/{token}/meetings.ics",
    response_class=Response,
    responses={200: {"content": {CALENDAR: {}}}, **problem_responses(404, 422)},
)
def calendar_feed(
    unit: Annotated[str, Path(pattern=HSA_ID_PATTERN)],
    token: Annotated[str, Path(pattern=FEED_ADDRESS_PART)],
    request: Request,
) -> Response:
    """The unit's meetings as one calendar, for a calendar program: no bearer token, the
    address is the credential (W-1). 404 for an address that was never issued or has
    been replaced."""
    app: EscalationApplication = request.app.state.application
    now: datetime = request.app.state.clock.now()
    entries = app.calendar_feed(unit, token, now)
    return Response(content=calendar_of(entries, stamp=now), media_type=CALENDAR)
