"""Meetings as iCalendar files (red-thread meetings and follow-ups, monthly meetings): times
and ids only, no personal data."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import Response
from icalendar import Calendar, Event

CALENDAR = "text/calendar; charset=utf-8"


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
    """One meeting as an iCalendar file, for the participants' own calendars."""
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
