"""Meetings as iCalendar files (red-thread meetings and follow-ups, monthly meetings): times
and ids only, no personal data.

`icalendar` (~2.6 MB resident with its zone tables) is imported on the first
calendar asked for, not at start (#24).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from fastapi import Response

from services.escalation.views.calendar import CalendarEntry, MeetingStatus

if TYPE_CHECKING:
    from icalendar import Calendar, Event

CALENDAR = "text/calendar; charset=utf-8"


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
    calendar = _calendar()
    calendar.add_component(
        _event(uid, summary, description, starts_at, starts_at + length, stamp, sequence, status)
    )
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
    calendar = _calendar()
    calendar.add("x-wr-calname", "Samverkan")
    for entry in entries:
        calendar.add_component(
            _event(
                hashlib.sha256(entry.uid.encode()).hexdigest()[:32],
                entry.summary,
                "Vem och vad: se arbetslistan i samverkan.",
                entry.starts_at,
                entry.ends_at,
                stamp,
                entry.sequence,
                MeetingStatus(entry.status),
            )
        )
    ics: bytes = calendar.to_ical()
    return ics


def _calendar() -> Calendar:
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", "-//samverkan//escalation//SV")
    calendar.add("version", "2.0")
    return calendar


def _event(
    uid: str,
    summary: str,
    description: str,
    starts_at: datetime,
    ends_at: datetime,
    stamp: datetime,
    sequence: int,
    status: MeetingStatus,
) -> Event:
    """One meeting, the same in a single meeting's file and in a unit's feed."""
    from icalendar import Event

    meeting = Event()
    meeting.add("uid", f"{uid}@samverkan.se")
    meeting.add("dtstamp", stamp)
    meeting.add("dtstart", starts_at)
    meeting.add("dtend", ends_at)
    meeting.add("summary", summary)
    meeting.add("description", description)
    meeting.add("sequence", sequence)
    meeting.add("status", status.value)
    return meeting
