"""Meetings as iCalendar invitations (RFC 5545), built with the `icalendar` library.

An invitation travels by e-mail into calendars outside the platform, so it
names no one: the summary says what kind of meeting it is, the description
gives the case and meeting ids to look up in the cases service. A moved or
cancelled occasion (W-2) is the same entry (UID) at a higher SEQUENCE, cancelled
ones with STATUS:CANCELLED, so a calendar that imported it follows. Times are
written in Europe/Stockholm with the zone's definition included, so a
meeting on the night summer time begins lands at the right instant.

`icalendar` (~2.6 MB resident with its zone tables) is imported on the first
invitation, not at start: most processes never render one (#24).
"""

from __future__ import annotations

from datetime import datetime

from contracts import MeetingKind
from services.cases.domain.meeting_occasions import Occasion
from services.cases.domain.meetings import Meeting
from services.runtime.kernel.stockholm_time import STOCKHOLM

PRODUCT_ID = "-//samverkan//cases//SV"

SUMMARY = {
    MeetingKind.THREE_PARTY: "Trepartsmöte",
    MeetingKind.CARE_PLANNING: "Vårdplaneringsmöte",
    MeetingKind.CARE_PLANNING_FOLLOW_UP: "Uppföljningsmöte efter vårdplanering",
}


def invitation(
    meeting: Meeting, *, sent_at: datetime, occasions: list[Occasion] | None = None
) -> bytes:
    """Every booked occasion of the meeting as a VEVENT in one REQUEST calendar.

    `occasions` are the meeting's with their places unsealed (the application's
    ``occasions_of``); without them the meeting's own are used as stored."""
    import icalendar

    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")
    for occasion in meeting.occasions if occasions is None else occasions:
        entry = icalendar.Event()
        entry.add("uid", f"{meeting.id}-{occasion.kind.value}@cases.samverkan.se")
        entry.add("dtstamp", sent_at)
        entry.add("sequence", occasion.revision)
        entry.add("status", "CANCELLED" if occasion.cancelled_at else "CONFIRMED")
        entry.add("dtstart", occasion.starts_at.astimezone(STOCKHOLM))
        entry.add("dtend", occasion.ends_at.astimezone(STOCKHOLM))
        entry.add("summary", SUMMARY[occasion.kind])
        entry.add("description", f"Ärende {meeting.case_id}, möte {meeting.id}.")
        if occasion.location:
            entry.add("location", occasion.location)
        calendar.add_component(entry)
    calendar.add_missing_timezones()
    ics: bytes = calendar.to_ical()
    return ics
