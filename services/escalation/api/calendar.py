"""Meetings as iCalendar files (red-thread meetings and follow-ups, monthly meetings): times
and ids only, no personal data."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum

from fastapi import Response
from icalendar import Calendar, Event

from services.escalation.views.calendar import CalendarEntry

CALENDAR = "text/calendar; charset=utf-8"


class MeetingStatus(StrEnum):
    """A calendar entry's STATUS (RFC 5545 3.8.1.11) as a meeting stands."""

    CONFIRMED = "CONFIRMED"
    TENTATIVE = "TENTATIVE"
    """On hold: it goes ahead only when a legal basis is back (E-4)."""
    CANCELLED = "CANCELLED"
    """Called off (W-2): the participants' calendars remove it."""


def ics_response(
    uid: str,
    summary: str,
    description: str,
    starts_at: datetime,
    length: timedelta,
    *,
    stamp: datetime,
    status: MeetingStatus = MeetingStatus.CONFIRMED,
    sequence: int = 0,
) -> Response:
    """One meeting as an iCalendar file, for the participants' own calendars.

    `sequence` only grows as the meeting changes (RFC 5545 3.8.7.4): a calendar that
    imported an earlier file takes a moved or cancelled meeting's file as its update
    (same UID, higher SEQUENCE) rather than ignoring it as stale.
    """
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
    meeting.add("sequence", sequence)
    meeting.add("status", status.value)
    calendar.add_component(meeting)
    return Response(
        content=calendar.to_ical(),
        media_type=CALENDAR,
        headers={"Content-Disposition": f'attachment; filename="{uid}.ics"'},
    )


def calendar_of(entries: Sequence[CalendarEntry], *, stamp: datetime) -> bytes:
    """A unit's meetings as one calendar (its feed, W-1): each entry with a stable UID and
    its SEQUENCE, so a calendar program updates, moves and cancels what it already has.

    The feed is read without a token by a calendar program, outside the access log, so
    it names nothing that leads to the person: no record id, no link. The UID is a
    digest of the meeting's own; what a meeting is about is on the work list.
    """
    calendar = Calendar()
    calendar.add("prodid", "-//samverkan//escalation//SV")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Samverkan")
    for entry in entries:
        meeting = Event()
        meeting.add("uid", f"{hashlib.sha256(entry.uid.encode()).hexdigest()[:32]}@samverkan.se")
        meeting.add("dtstamp", stamp)
        meeting.add("dtstart", entry.starts_at)
        meeting.add("dtend", entry.ends_at)
        meeting.add("summary", entry.summary)
        meeting.add("description", "Vem och vad: se arbetslistan i samverkan.")
        meeting.add("sequence", entry.sequence)
        meeting.add("status", entry.status)
        calendar.add_component(meeting)
    ics: bytes = calendar.to_ical()
    return ics
