"""Meetings once booked: moved or cancelled with a reason (W-2), recorded as held with an
outcome, minutes and attendance (K-8, K-9), and raised overdue when not recorded by the
end of the working day after their date (E-11). Pure domain and rendering."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import icalendar
import pytest

from contracts import CaseMeetingHeld, CaseMeetingMoved, CaseMeetingOutcome, MeetingKind
from services.cases.domain import (
    Meeting,
    MeetingChangeInvalid,
    MeetingConflict,
    MeetingInvalid,
    MeetingNotToCome,
    NotInMeeting,
    ReasonRequired,
    meeting_record_overdue_at,
)
from services.cases.rendering import invitation
from services.cases.translate import to_integration_event
from services.runtime.kernel.personal import Personal
from tests.unit.test_cases_meetings import NOW, STAFF, assigned, care_planning, schedule
from tests.unit.units import AOF, HEALTH_UNIT, IOF

STARTS = datetime(2026, 3, 27, 9, 0, tzinfo=UTC)
"""A Friday: the working day after it is Monday 30 March."""


def booked() -> Meeting:
    meeting = assigned()
    meeting.record_pre_meeting(unit=IOF, held_at=NOW, at=NOW, by=STAFF)
    schedule(meeting, STARTS)
    return meeting


def held(meeting: Meeting, **changes: object) -> None:
    arguments: dict[str, object] = {
        "occasion": None,
        "outcome": CaseMeetingOutcome.APPLICATION_MADE,
        "minutes": "Ansökan om boendestöd lämnades.",
        "attended_units": [IOF, AOF],
        "unit": IOF,
        "at": STARTS + timedelta(hours=2),
        "by": STAFF,
    }
    arguments.update(changes)
    meeting.record_held(**arguments)  # type: ignore[arg-type]


def test_w2_a_meeting_moves_with_a_reason_and_its_invitation_follows() -> None:
    meeting = booked()
    later = STARTS + timedelta(days=3)
    meeting.move(
        occasion=None,
        starts_at=later,
        ends_at=later + timedelta(hours=1),
        reason="Den enskilde är sjuk.",
        unit=AOF,
        at=NOW,
        by=STAFF,
    )

    (occasion,) = meeting.occasions
    assert (occasion.starts_at, occasion.revision) == (later, 1)
    moved = meeting.collect_events()[-1]
    assert isinstance(moved, Meeting.Moved)
    assert moved.previous_starts_at == STARTS
    assert moved.reason == Personal(meeting.subject_id, "Den enskilde är sjuk.")
    (entry,) = icalendar.Calendar.from_ical(invitation(meeting, sent_at=NOW)).walk("VEVENT")
    assert (entry["sequence"], str(entry["status"])) == (1, "CONFIRMED")
    assert entry.decoded("dtstart") == later


def test_w2_a_move_says_why_goes_elsewhere_ahead_and_is_the_units_own() -> None:
    meeting = booked()
    move: dict[str, Any] = {
        "occasion": None,
        "ends_at": STARTS + timedelta(days=1, hours=1),
        "at": NOW,
    }
    with pytest.raises(ReasonRequired) as blank:
        meeting.move(**move, starts_at=STARTS + timedelta(days=1), reason=" ", unit=IOF, by="x")
    assert (blank.value.field, blank.value.rule) == ("body.reason", "W-2")
    with pytest.raises(MeetingChangeInvalid) as same:
        meeting.move(
            occasion=None,
            starts_at=STARTS,
            ends_at=STARTS + timedelta(hours=1),
            reason="r",
            unit=IOF,
            at=NOW,
            by="x",
        )
    assert same.value.rule == "W-2"
    with pytest.raises(MeetingInvalid) as past:
        meeting.move(
            occasion=None,
            starts_at=NOW - timedelta(hours=1),
            ends_at=NOW,
            reason="r",
            unit=IOF,
            at=NOW,
            by="x",
        )
    assert (past.value.field, past.value.rule) == ("body.starts_at", "K-8")
    with pytest.raises(NotInMeeting):
        meeting.move(
            **move, starts_at=STARTS + timedelta(days=1), reason="r", unit=HEALTH_UNIT, by="x"
        )


def test_w2_a_cancelled_meeting_is_cancelled_in_calendars_and_not_moved_again() -> None:
    meeting = booked()
    meeting.cancel(occasion=None, reason="Flyttat från kommunen.", unit=IOF, at=NOW, by=STAFF)

    (entry,) = icalendar.Calendar.from_ical(invitation(meeting, sent_at=NOW)).walk("VEVENT")
    assert (entry["sequence"], str(entry["status"])) == (1, "CANCELLED")
    with pytest.raises(MeetingNotToCome) as again:
        meeting.cancel(occasion=None, reason="r", unit=IOF, at=NOW, by=STAFF)
    assert (again.value.rule, again.value.status) == ("W-2", 409)
    with pytest.raises(MeetingNotToCome):
        meeting.move(
            occasion=None,
            starts_at=STARTS + timedelta(days=1),
            ends_at=STARTS + timedelta(days=1, hours=1),
            reason="r",
            unit=IOF,
            at=NOW,
            by=STAFF,
        )
    with pytest.raises(MeetingConflict, match="cancelled") as not_held:
        held(meeting)
    assert not_held.value.rule == "K-8"


def test_w2_k9_a_cancelled_care_planning_meeting_takes_its_follow_up_along() -> None:
    meeting = care_planning(timedelta(days=3))
    meeting.cancel(occasion=None, reason="Utskrivning sköts upp.", unit=IOF, at=NOW, by=STAFF)

    cancelled = [e for e in meeting.collect_events() if isinstance(e, Meeting.Cancelled)]
    assert [e.kind for e in cancelled] == [
        MeetingKind.CARE_PLANNING.value,
        MeetingKind.CARE_PLANNING_FOLLOW_UP.value,
    ]
    assert all(o.cancelled_at == NOW for o in meeting.occasions)


def test_w2_k9_a_moved_follow_up_stays_within_two_weeks_of_the_meeting() -> None:
    meeting = care_planning(timedelta(days=3))
    first = meeting.occasion(MeetingKind.CARE_PLANNING)
    too_late = first.ends_at + timedelta(days=15)
    with pytest.raises(MeetingInvalid) as error:
        meeting.move(
            occasion=MeetingKind.CARE_PLANNING_FOLLOW_UP,
            starts_at=too_late,
            ends_at=too_late + timedelta(hours=1),
            reason="r",
            unit=AOF,
            at=NOW,
            by=STAFF,
        )
    assert error.value.rule == "K-9"
    meeting.move(
        occasion=MeetingKind.CARE_PLANNING_FOLLOW_UP,
        starts_at=first.ends_at + timedelta(days=5),
        ends_at=first.ends_at + timedelta(days=5, hours=1),
        reason="Läkaren kan inte.",
        unit=AOF,
        at=NOW,
        by=STAFF,
    )
    assert meeting.occasion(MeetingKind.CARE_PLANNING).revision == 0
    assert meeting.occasion(MeetingKind.CARE_PLANNING_FOLLOW_UP).revision == 1


def test_k8_a_meeting_is_recorded_as_held_once_started_and_only_once() -> None:
    meeting = booked()
    with pytest.raises(MeetingConflict, match="once held") as early:
        held(meeting, at=STARTS - timedelta(minutes=1))
    assert (early.value.rule, early.value.status) == ("K-8", 409)

    held(meeting, attended_units=[IOF])

    record = meeting.occasion().held
    assert record is not None
    assert record.outcome is CaseMeetingOutcome.APPLICATION_MADE
    assert record.attended_units == [IOF]
    assert record.minutes == Personal(meeting.subject_id, "Ansökan om boendestöd lämnades.")
    with pytest.raises(MeetingConflict, match="already"):
        held(meeting)
    with pytest.raises(MeetingNotToCome):
        meeting.cancel(occasion=None, reason="r", unit=IOF, at=NOW, by=STAFF)


def test_k8_held_names_who_attended_among_the_meetings_units_and_writes_minutes() -> None:
    meeting = booked()
    with pytest.raises(MeetingInvalid) as stranger:
        held(meeting, attended_units=[HEALTH_UNIT])
    assert stranger.value.field == "body.attended_units"
    with pytest.raises(MeetingInvalid) as blank:
        held(meeting, minutes="  ")
    assert blank.value.field == "body.minutes"


def test_k9_a_care_planning_meeting_comes_to_information_not_decisions() -> None:
    meeting = care_planning(timedelta(days=3))
    after = meeting.occasions[1].ends_at
    record = {"minutes": "Genomgång.", "attended_units": [AOF, IOF], "unit": AOF, "at": after}
    with pytest.raises(MeetingInvalid) as decided:
        held(meeting, outcome=CaseMeetingOutcome.JOINT_RESPONSIBILITY, **record)
    assert (decided.value.field, decided.value.rule) == ("body.outcome", "K-9")

    held(meeting, outcome=CaseMeetingOutcome.INFORMATION_EXCHANGED, **record)
    held(
        meeting,
        occasion=MeetingKind.CARE_PLANNING_FOLLOW_UP,
        outcome=CaseMeetingOutcome.JOINT_RESPONSIBILITY,
        **record,
    )
    assert all(o.held is not None for o in meeting.occasions)


def test_e11_overdue_at_the_end_of_the_working_day_after_its_date() -> None:
    # Friday 27 March: the next working day is Monday 30 March; it ends at midnight
    # Stockholm summer time, 22:00 UTC.
    assert meeting_record_overdue_at(STARTS) == datetime(2026, 3, 30, 22, 0, tzinfo=UTC)
    # Maundy Thursday 2 April 2026: Good Friday and Easter Monday do not count.
    thursday = datetime(2026, 4, 2, 9, 0, tzinfo=UTC)
    assert meeting_record_overdue_at(thursday) == datetime(2026, 4, 7, 22, 0, tzinfo=UTC)


def test_e11_a_meeting_not_recorded_as_held_is_raised_overdue_once() -> None:
    meeting = booked()
    overdue_at = meeting_record_overdue_at(STARTS)
    assert meeting.raise_due(overdue_at - timedelta(microseconds=1)) == []

    assert meeting.raise_due(overdue_at) == ["meeting_overdue"]
    assert meeting.raise_due(overdue_at + timedelta(days=1)) == []

    raised = meeting.collect_events()[-1]
    assert isinstance(raised, Meeting.OverdueRaised)
    assert (raised.units, raised.starts_at, raised.overdue_at) == ([IOF, AOF], STARTS, overdue_at)


def test_e11_held_cancelled_or_moved_ahead_it_is_not_overdue() -> None:
    late = meeting_record_overdue_at(STARTS) + timedelta(days=1)
    recorded = booked()
    held(recorded)
    assert recorded.raise_due(late) == []
    cancelled = booked()
    cancelled.cancel(occasion=None, reason="r", unit=IOF, at=NOW, by=STAFF)
    assert cancelled.raise_due(late) == []
    moved = booked()
    moved.move(
        occasion=None,
        starts_at=late,
        ends_at=late + timedelta(hours=1),
        reason="r",
        unit=IOF,
        at=NOW,
        by=STAFF,
    )
    assert moved.raise_due(late) == []


def test_w2_k8_the_public_events_name_the_units_and_carry_no_reason_or_minutes() -> None:
    meeting = booked()
    later = STARTS + timedelta(days=1)
    meeting.move(
        occasion=None,
        starts_at=later,
        ends_at=later + timedelta(hours=1),
        reason="Den enskilde är sjuk.",
        unit=IOF,
        at=NOW,
        by=STAFF,
    )
    held(meeting, at=later + timedelta(hours=1))

    moved, recorded = (
        to_integration_event(e)
        for e in meeting.collect_events()
        if isinstance(e, Meeting.Moved | Meeting.Held)
    )
    assert isinstance(moved, CaseMeetingMoved)
    assert (moved.units, moved.previous_starts_at) == ((IOF, AOF), STARTS)
    assert isinstance(recorded, CaseMeetingHeld)
    assert recorded.outcome is CaseMeetingOutcome.APPLICATION_MADE
    published = moved.model_dump_json() + recorded.model_dump_json()
    assert "sjuk" not in published
    assert "boendest" not in published
