"""What every escalation route shares: the application, the clock, problems, calendar files.

Who may do what is the policy table (services.escalation.policy); whether the
caller is a party to an object goes through services.runtime.http.permissions.require_party."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Request, Response
from icalendar import Calendar, Event
from pydantic import Field

from services.escalation.application import EscalationApplication
from services.escalation.domain import CoordinationOffices
from services.runtime.http.problems import PROBLEM_TYPE_BASE, Problem, ProblemDetails

PROBLEMS: dict[int | str, dict[str, object]] = {
    401: {"model": ProblemDetails},
    403: {"model": ProblemDetails},
    404: {"model": ProblemDetails},
    409: {"model": ProblemDetails},
    422: {"model": ProblemDetails},
}

Notes = Annotated[str, Field(max_length=4000)]
"""Free text: stays in escalation's store, never on a topic."""
Text = Annotated[str, Field(min_length=1, max_length=4000)]

CALENDAR = "text/calendar; charset=utf-8"


def app_of(request: Request) -> EscalationApplication:
    application: EscalationApplication = request.app.state.application
    return application


def now_of(request: Request) -> datetime:
    now: datetime = request.app.state.clock.now()
    return now


def offices_of(request: Request) -> CoordinationOffices:
    """The configured coordination offices and the municipalities each serves (E-3)."""
    offices: CoordinationOffices = request.app.state.coordination_offices
    return offices


def invalid_field(field: str, message: str, *, rule: str) -> Problem:
    """A 422 naming the request field at fault and the rule it breaks."""
    return Problem(
        422,
        "Invalid request",
        f"{field}: {message}",
        type=f"{PROBLEM_TYPE_BASE}/invalid-request",
        errors=[{"field": field, "message": message, "rule": rule}],
    )


def ics_response(
    uid: str,
    summary: str,
    description: str,
    starts_at: datetime,
    length: timedelta,
    *,
    tentative: bool,
    stamp: datetime,
) -> Response:
    """One meeting as an iCalendar file: times and ids only, no personal data."""
    calendar = Calendar()
    calendar.add("prodid", "-//samverkan//escalation//SV")
    calendar.add("version", "2.0")
    meeting = Event()
    meeting.add("uid", f"{uid}@samverkan.se")
    meeting.add("dtstamp", stamp)
    meeting.add("dtstart", starts_at)
    meeting.add("dtend", starts_at + length)
    meeting.add("summary", summary)
    meeting.add("description", description)
    meeting.add("status", "TENTATIVE" if tentative else "CONFIRMED")
    calendar.add_component(meeting)
    return Response(
        content=calendar.to_ical(),
        media_type=CALENDAR,
        headers={"Content-Disposition": f'attachment; filename="{uid}.ics"'},
    )
