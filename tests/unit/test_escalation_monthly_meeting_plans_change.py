"""Plans change (W-2) for the monthly meetings (E-7): a meeting moved within its month or
cancelled, with a reason, while it is still to come; the registration cutoff follows the
new time. Pure domain; time is passed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.escalation.domain import (
    MonthlyMeeting,
    MonthlyMeetingBegun,
    MonthlyMeetingCalledOff,
    MonthlyMeetingInvalid,
    NothingMoved,
    ReasonRequired,
    minutes_owner,
    registration_cutoff,
)
from services.runtime.kernel.personal import text_of
from tests.unit.test_escalation_monthly_meetings import DEPUTY, NOW, meeting_on, register
from tests.unit.test_escalation_red_thread import Store

STARTS_AT = datetime(2026, 2, 10, 8, 0, tzinfo=UTC)
MOVED_TO = datetime(2026, 2, 17, 8, 0, tzinfo=UTC)
REASON = "Lokalen är upptagen; vi ses veckan efter."


def test_w2_e7_a_moved_meeting_closes_registration_the_day_before_its_new_time() -> None:
    meeting = meeting_on(STARTS_AT)
    meeting.move(to=MOVED_TO, reason=REASON, moved_by=DEPUTY, now=NOW)

    assert meeting.starts_at == MOVED_TO
    assert meeting.registration_cutoff == registration_cutoff(MOVED_TO)
    assert meeting.registration_cutoff > registration_cutoff(STARTS_AT)
    # too late for the old time, in time for the new one
    late_for_the_old = registration_cutoff(STARTS_AT) + timedelta(hours=1)
    register(meeting, late_for_the_old)
    assert len(meeting.registrations) == 1


def test_w2_e7_registrations_already_made_stay_when_the_meeting_moves_earlier() -> None:
    meeting = meeting_on(STARTS_AT)
    register(meeting, NOW)
    earlier = STARTS_AT - timedelta(days=5)
    meeting.move(to=earlier, reason=REASON, moved_by=DEPUTY, now=NOW + timedelta(days=1))
    assert [r.registering_org for r in meeting.registrations] == [meeting.members[0]]


def test_w2_the_move_and_its_reason_are_recorded_sealed_as_the_meetings_own() -> None:
    meeting = meeting_on(STARTS_AT)
    meeting.move(to=MOVED_TO, reason=f"  {REASON} ", moved_by=DEPUTY, now=NOW)

    moved = meeting.collect_events()[-1]
    assert isinstance(moved, MonthlyMeeting.Moved)
    assert (moved.previous_starts_at, moved.starts_at) == (STARTS_AT, MOVED_TO)
    assert moved.members == meeting.members
    assert moved.reason.owner == minutes_owner(meeting.id)
    assert text_of(moved.reason) == REASON


def test_w2_the_plan_changes_with_a_reason() -> None:
    meeting = meeting_on(STARTS_AT)
    with pytest.raises(ReasonRequired) as moved:
        meeting.move(to=MOVED_TO, reason=" ", moved_by=DEPUTY, now=NOW)
    with pytest.raises(ReasonRequired) as cancelled:
        meeting.cancel(reason="", cancelled_by=DEPUTY, now=NOW)
    assert moved.value.rule == cancelled.value.rule == "W-2"
    assert moved.value.field == "body.reason"
    assert meeting.starts_at == STARTS_AT
    assert meeting.cancelled_at is None


def test_w2_e7_a_meeting_moves_within_its_month_to_a_time_to_come() -> None:
    meeting = meeting_on(STARTS_AT)
    with pytest.raises(MonthlyMeetingInvalid, match="within its month") as next_month:
        meeting.move(to=STARTS_AT + timedelta(days=30), reason=REASON, moved_by=DEPUTY, now=NOW)
    with pytest.raises(MonthlyMeetingInvalid, match="past"):
        meeting.move(to=NOW - timedelta(hours=1), reason=REASON, moved_by=DEPUTY, now=NOW)
    with pytest.raises(NothingMoved):
        meeting.move(to=STARTS_AT, reason=REASON, moved_by=DEPUTY, now=NOW)
    assert next_month.value.field == "body.starts_at"
    assert meeting.starts_at == STARTS_AT


def test_w2_a_meeting_that_has_begun_is_neither_moved_nor_cancelled() -> None:
    meeting = meeting_on(STARTS_AT)
    begun = STARTS_AT + timedelta(minutes=1)
    with pytest.raises(MonthlyMeetingBegun) as moved:
        meeting.move(to=MOVED_TO, reason=REASON, moved_by=DEPUTY, now=begun)
    with pytest.raises(MonthlyMeetingBegun):
        meeting.cancel(reason=REASON, cancelled_by=DEPUTY, now=STARTS_AT)
    assert moved.value.rule == "W-2"


def test_w2_a_minuted_meeting_is_neither_moved_nor_cancelled() -> None:
    meeting = meeting_on(STARTS_AT)
    meeting.record_minutes(
        text="Inga ärenden.",
        recorded_by=DEPUTY,
        recorded_by_org=meeting.minute_taker,
        now=STARTS_AT + timedelta(hours=2),
    )
    with pytest.raises(MonthlyMeetingBegun):
        meeting.cancel(reason=REASON, cancelled_by=DEPUTY, now=STARTS_AT + timedelta(hours=3))


def test_w2_a_cancelled_meeting_takes_nothing_more_and_changes_no_more() -> None:
    meeting = meeting_on(STARTS_AT)
    meeting.cancel(reason=REASON, cancelled_by=DEPUTY, now=NOW)
    cancelled = meeting.collect_events()[-1]
    assert isinstance(cancelled, MonthlyMeeting.Cancelled)
    assert cancelled.starts_at == STARTS_AT
    assert cancelled.members == meeting.members
    assert meeting.cancelled_at == NOW

    with pytest.raises(MonthlyMeetingCalledOff):
        register(meeting, NOW)
    with pytest.raises(MonthlyMeetingCalledOff):
        meeting.move(to=MOVED_TO, reason=REASON, moved_by=DEPUTY, now=NOW)
    with pytest.raises(MonthlyMeetingCalledOff):
        meeting.cancel(reason=REASON, cancelled_by=DEPUTY, now=NOW)
    with pytest.raises(MonthlyMeetingCalledOff) as minutes:
        meeting.record_minutes(
            text="x", recorded_by=DEPUTY, recorded_by_org=meeting.minute_taker, now=MOVED_TO
        )
    assert minutes.value.rule == "W-2"


def test_w2_moved_and_cancelled_are_stored_as_the_meetings_own_events() -> None:
    store = Store()
    meeting = meeting_on(STARTS_AT)
    meeting.move(to=MOVED_TO, reason=REASON, moved_by=DEPUTY, now=NOW)
    meeting.cancel(reason=REASON, cancelled_by=DEPUTY, now=NOW)
    store.save(meeting)

    topics = [e.topic for e in store.recorder.select_events(meeting.id)]
    prefix = "services.escalation.domain.monthly_meetings:MonthlyMeeting."
    assert topics[-2:] == [f"{prefix}Moved", f"{prefix}Cancelled"]
    again = store.repository.get(meeting.id)
    assert (again.starts_at, again.cancelled_at) == (MOVED_TO, NOW)
