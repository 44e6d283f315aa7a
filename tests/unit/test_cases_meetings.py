"""Meetings: three-party meetings via the other unit's deputy manager and always after
a pre-meeting (K-8), care-planning meetings with a follow-up and no decisions (K-9),
and every meeting as an RFC 5545 invitation. Pure domain and rendering."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import icalendar
import pytest

from contracts import MeetingKind, Role
from services.cases.domain import (
    Meeting,
    MeetingConflict,
    MeetingInvalid,
    NoDecisionsAtCarePlanning,
    NotInMeeting,
    Occasion,
)
from services.cases.rendering import invitation
from tests.unit.units import AOF, HEALTH_UNIT, IOF

SUBJECT = "9" * 64
CASE = UUID("1c9a8b7d-2e3f-4a5b-8c6d-7e8f9a0b1c2d")
STAFF = "SE2120000001-S101"
AOF_CASEWORKER = "SE2120000001-S202"
NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
CONSENT = UUID("0b8e7a55-61f6-4d7e-9a57-0b5b1c4f3a11")
"""The individual's consent to `three_party_meeting` between IOF and AOF (C-11)."""


def requested(**changes: Any) -> Meeting:
    arguments: dict[str, Any] = {
        "subject_id": SUBJECT,
        "case_id": CASE,
        "case_unit": IOF,
        "unit": IOF,
        "to_unit": AOF,
        "consent_id": CONSENT,
        "disclosure_id": None,
        "at": NOW,
        "by": STAFF,
    }
    arguments.update(changes)
    return Meeting.request_three_party(**arguments)


def assigned() -> Meeting:
    meeting = requested()
    meeting.assign_caseworker(
        unit=AOF, role=Role.DEPUTY_UNIT_MANAGER, caseworker=AOF_CASEWORKER, at=NOW, by="x"
    )
    return meeting


def schedule(meeting: Meeting, starts_at: datetime, hours: int = 1) -> None:
    meeting.schedule_three_party(
        unit=IOF,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        location="Stadsdelsförvaltningen, rum 4",
        at=NOW,
        by=STAFF,
    )


def test_k8_the_unit_holding_the_case_asks_another_unit() -> None:
    with pytest.raises(NotInMeeting):
        requested(unit=AOF)
    with pytest.raises(MeetingInvalid) as error:
        requested(to_unit=IOF)
    assert (error.value.field, error.value.rule) == ("body.to_unit", "K-8")
    assert requested().units == [IOF, AOF]


def test_k8_requested_via_the_other_units_deputy_manager() -> None:
    meeting = requested()
    with pytest.raises(NotInMeeting):
        meeting.assign_caseworker(
            unit=AOF, role=Role.CASEWORKER, caseworker=AOF_CASEWORKER, at=NOW, by="x"
        )
    with pytest.raises(NotInMeeting):
        meeting.assign_caseworker(
            unit=IOF, role=Role.DEPUTY_UNIT_MANAGER, caseworker=STAFF, at=NOW, by="x"
        )
    meeting.assign_caseworker(
        unit=AOF, role=Role.DEPUTY_UNIT_MANAGER, caseworker=AOF_CASEWORKER, at=NOW, by="x"
    )
    assert meeting.caseworker == AOF_CASEWORKER


def test_k8_a_three_party_meeting_without_an_earlier_pre_meeting_is_rejected() -> None:
    meeting = assigned()
    with pytest.raises(MeetingConflict, match="pre-meeting") as error:
        schedule(meeting, NOW + timedelta(days=7))
    assert (error.value.rule, error.value.status) == ("K-8", 409)
    assert meeting.occasions == []


def test_k8_the_pre_meeting_is_held_before_on_its_own_occasion() -> None:
    with pytest.raises(MeetingConflict, match="assigns"):
        requested().record_pre_meeting(unit=IOF, held_at=NOW, at=NOW, by=STAFF)
    meeting = assigned()
    with pytest.raises(MeetingInvalid, match="once held"):
        meeting.record_pre_meeting(unit=IOF, held_at=NOW + timedelta(hours=1), at=NOW, by=STAFF)
    with pytest.raises(NotInMeeting):
        meeting.record_pre_meeting(unit=HEALTH_UNIT, held_at=NOW, at=NOW, by=STAFF)

    meeting.record_pre_meeting(unit=AOF, held_at=NOW - timedelta(hours=2), at=NOW, by=STAFF)
    schedule(meeting, NOW + timedelta(days=7))

    assert meeting.pre_meeting_at is not None
    assert meeting.pre_meeting_at < meeting.occasions[0].starts_at
    with pytest.raises(MeetingConflict, match="already booked"):
        schedule(meeting, NOW + timedelta(days=8))


def test_k8_a_meeting_is_booked_ahead_and_ends_after_it_starts() -> None:
    meeting = assigned()
    meeting.record_pre_meeting(unit=IOF, held_at=NOW, at=NOW, by=STAFF)
    with pytest.raises(MeetingInvalid) as past:
        schedule(meeting, NOW - timedelta(hours=1))
    assert past.value.field == "body.starts_at"
    with pytest.raises(MeetingInvalid) as long:
        schedule(meeting, NOW + timedelta(days=1), hours=9)
    assert long.value.field == "body.ends_at"


def care_planning(follow_up_after: timedelta, **changes: Any) -> Meeting:
    starts = NOW + timedelta(days=2)
    follow_up_starts = starts + timedelta(hours=2) + follow_up_after
    arguments: dict[str, Any] = {
        "subject_id": SUBJECT,
        "case_id": CASE,
        "case_unit": AOF,
        "unit": AOF,
        "other_units": [IOF, HEALTH_UNIT],
        "meeting": Occasion(MeetingKind.CARE_PLANNING, starts, starts + timedelta(hours=2), ""),
        "follow_up": Occasion(
            MeetingKind.CARE_PLANNING_FOLLOW_UP,
            follow_up_starts,
            follow_up_starts + timedelta(hours=1),
            "",
        ),
        "at": NOW,
        "by": STAFF,
    }
    arguments.update(changes)
    return Meeting.plan_care_planning(**arguments)


def test_k9_a_care_planning_meeting_gets_a_follow_up_planned_close_to_it() -> None:
    meeting = care_planning(timedelta(days=3))

    assert [o.kind for o in meeting.occasions] == [
        MeetingKind.CARE_PLANNING,
        MeetingKind.CARE_PLANNING_FOLLOW_UP,
    ]
    assert meeting.units == [AOF, IOF, HEALTH_UNIT]
    with pytest.raises(MeetingInvalid) as late:
        care_planning(timedelta(days=15))
    assert (late.value.field, late.value.rule) == ("body.follow_up.starts_at", "K-9")
    with pytest.raises(MeetingInvalid):
        care_planning(-timedelta(hours=3))  # before the meeting has ended
    with pytest.raises(MeetingInvalid) as alone:
        care_planning(timedelta(days=1), other_units=[AOF])
    assert alone.value.field == "body.units"


def test_k9_care_planning_meetings_take_no_decisions() -> None:
    with pytest.raises(NoDecisionsAtCarePlanning) as error:
        care_planning(timedelta(days=1)).refuse_decisions()
    assert (error.value.rule, error.value.status) == ("K-9", 409)
    requested().refuse_decisions()  # a three-party meeting may lead to a decision


def test_k8_every_meeting_downloads_as_an_rfc_5545_invitation() -> None:
    meeting = assigned()
    meeting.record_pre_meeting(unit=IOF, held_at=NOW, at=NOW, by=STAFF)
    # 29 March 2026, 01:30 CET to 03:30 CEST: one hour, across the start of summer time.
    schedule(meeting, datetime(2026, 3, 29, 0, 30, tzinfo=UTC), hours=1)

    ics = invitation(meeting, sent_at=NOW)
    calendar = icalendar.Calendar.from_ical(ics)

    assert calendar["method"] == "REQUEST"
    assert [c.name for c in calendar.walk() if c.name == "VTIMEZONE"] == ["VTIMEZONE"]
    (entry,) = calendar.walk("VEVENT")
    assert str(entry["summary"]) == "Trepartsmöte"
    assert entry.decoded("dtstart") == datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    assert entry.decoded("dtend") == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert b"DTSTART;TZID=Europe/Stockholm:20260329T013000" in ics
    assert b"DTEND;TZID=Europe/Stockholm:20260329T033000" in ics
    assert str(meeting.id) in str(entry["uid"])
    assert str(CASE) in str(entry["description"])
    assert SUBJECT not in ics.decode()


def test_k9_a_care_planning_invitation_holds_the_meeting_and_its_follow_up() -> None:
    ics = invitation(care_planning(timedelta(days=2)), sent_at=NOW)

    summaries = [str(e["summary"]) for e in icalendar.Calendar.from_ical(ics).walk("VEVENT")]
    assert summaries == ["Vårdplaneringsmöte", "Uppföljningsmöte efter vårdplanering"]
