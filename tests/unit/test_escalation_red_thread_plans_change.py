"""Plans change (W-2) for the red thread: its meeting and follow-up moved or cancelled, and
the thread closed early, each with a reason; the rules of scheduling (E-3), the legal
basis (E-4) and the follow-up (E-5) hold for the new time. Pure domain, no I/O."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from eventsourcing.utils import resolve_topic

from contracts import HoldReason, MeetingOutcome
from services.escalation.domain import (
    Basis,
    ClosedBeforeFollowUp,
    FollowUpAlreadyEvaluated,
    FollowUpNotBooked,
    FollowUpTimeInvalid,
    MeetingAlreadyHeld,
    MeetingInThePast,
    MeetingOnHold,
    MeetingTooLate,
    NoLegalBasisForMeeting,
    NoMeetingScheduled,
    NothingMoved,
    ReasonRequired,
    RedThread,
    RedThreadAlreadyClosed,
    follow_up_overdue_at,
    meeting_overdue_at,
)
from services.runtime.kernel.personal import Personal
from services.runtime.kernel.rules import RuleViolation
from tests.unit.test_escalation_red_thread import (
    CONSENT,
    COORDINATOR,
    EMERGENCY,
    FOLLOW_UP_AT,
    MEETING_AT,
    PULLED_AT,
    RED_THREAD_TOPIC,
    SUBJECT,
    Store,
    book,
    booked,
    evaluated,
    held,
    kinds,
    pulled,
    schedule,
    scheduled,
)

BEFORE_THE_MEETING = PULLED_AT + timedelta(days=2)
BEFORE_THE_FOLLOW_UP = MEETING_AT + timedelta(days=7)
MOVED_TO = MEETING_AT + timedelta(days=3)
FOLLOW_UP_MOVED_TO = FOLLOW_UP_AT + timedelta(days=7)
REASON = "Individen är inlagd på sjukhus den dagen."


def move(
    red_thread: RedThread,
    *,
    meeting_at: datetime = MOVED_TO,
    basis: Basis | None = CONSENT,
    reason: str = REASON,
    now: datetime = BEFORE_THE_MEETING,
) -> None:
    red_thread.move_meeting(
        to=meeting_at, basis=basis, reason=reason, moved_by=COORDINATOR, now=now
    )


def cancel(
    red_thread: RedThread, *, reason: str = REASON, now: datetime = BEFORE_THE_MEETING
) -> None:
    red_thread.cancel_meeting(reason=reason, cancelled_by=COORDINATOR, now=now)


def move_follow_up(
    red_thread: RedThread,
    *,
    follow_up_at: datetime = FOLLOW_UP_MOVED_TO,
    basis: Basis | None = CONSENT,
    reason: str = REASON,
    now: datetime = BEFORE_THE_FOLLOW_UP,
) -> None:
    red_thread.move_follow_up(
        to=follow_up_at, basis=basis, reason=reason, moved_by=COORDINATOR, now=now
    )


def cancel_follow_up(
    red_thread: RedThread, *, reason: str = REASON, now: datetime = BEFORE_THE_FOLLOW_UP
) -> None:
    red_thread.cancel_follow_up(reason=reason, cancelled_by=COORDINATOR, now=now)


def on_hold(red_thread: RedThread, at: datetime) -> RedThread:
    red_thread.basis_lost(
        basis_id=CONSENT.id, reason=HoldReason.CONSENT_WITHDRAWN, at=at, alternative=None
    )
    assert red_thread.hold is not None
    return red_thread


def refused(error: type[RuleViolation], rule: str, change: Callable[[], object]) -> RuleViolation:
    """The change is refused with `error` under `rule`."""
    with pytest.raises(error) as raised:
        change()
    assert raised.value.rule == rule
    return raised.value


# --- the meeting moved (W-2 by E-3, E-4) ----------------------------------------------------


def test_w2_e3_e4_the_meeting_moves_within_the_deadline_on_the_basis_holding_then() -> None:
    red_thread = scheduled()
    red_thread.collect_events()

    move(red_thread, basis=EMERGENCY)

    assert red_thread.meeting_at == MOVED_TO
    assert red_thread.basis == EMERGENCY
    assert red_thread.status == "meeting_scheduled"
    assert red_thread.pending is not None
    assert (red_thread.pending.at, red_thread.pending.basis) == (MOVED_TO, EMERGENCY)
    [moved] = red_thread.collect_events()
    assert isinstance(moved, RedThread.MeetingMoved)
    assert (moved.meeting_at, moved.previous_meeting_at) == (MOVED_TO, MEETING_AT)
    assert moved.invited_orgs == red_thread.invited_orgs
    assert (moved.legal_basis, moved.basis_id) == ("emergency_disclosure", EMERGENCY.id)
    assert moved.reason == Personal(SUBJECT, REASON)
    assert (moved.moved_by, moved.moved_at) == (COORDINATOR, BEFORE_THE_MEETING)


def test_w2_e3_the_meeting_is_not_moved_past_the_14_days_nor_into_the_past() -> None:
    red_thread = scheduled()
    last_day = PULLED_AT + timedelta(days=14)

    refused(
        MeetingTooLate, "E-3", lambda: move(red_thread, meeting_at=last_day + timedelta(days=1))
    )
    refused(MeetingInThePast, "E-3", lambda: move(red_thread, meeting_at=BEFORE_THE_MEETING))
    move(red_thread, meeting_at=last_day)
    assert red_thread.meeting_at == last_day


def test_w2_e4_the_meeting_moves_only_to_a_time_a_basis_covers() -> None:
    red_thread = scheduled()

    refused(NoLegalBasisForMeeting, "E-4", lambda: move(red_thread, basis=None))

    assert red_thread.meeting_at == MEETING_AT
    assert red_thread.collect_events()[-1].__class__ is RedThread.MeetingScheduled


def test_w2_e4_a_meeting_on_hold_is_not_moved_but_scheduled_anew() -> None:
    red_thread = on_hold(scheduled(), PULLED_AT + timedelta(days=1))

    refused(MeetingOnHold, "E-4", lambda: move(red_thread, basis=EMERGENCY))
    schedule(red_thread, meeting_at=MOVED_TO, basis=EMERGENCY, now=BEFORE_THE_MEETING)

    assert red_thread.hold is None
    assert red_thread.meeting_at == MOVED_TO


def test_w2_e3_only_a_meeting_still_to_take_place_is_moved_or_cancelled() -> None:
    refused(NoMeetingScheduled, "E-3", lambda: move(pulled()))
    refused(NoMeetingScheduled, "E-3", lambda: cancel(pulled()))
    refused(MeetingAlreadyHeld, "E-3", lambda: move(held(), now=MEETING_AT + timedelta(hours=3)))
    refused(MeetingAlreadyHeld, "E-3", lambda: cancel(held(), now=MEETING_AT + timedelta(hours=3)))
    closed = evaluated()
    closed.close(closed_by=COORDINATOR, now=FOLLOW_UP_AT + timedelta(days=1))
    refused(RedThreadAlreadyClosed, "E-5", lambda: cancel(closed))


def test_w2_moving_the_meeting_to_the_time_it_stands_at_moves_nothing() -> None:
    red_thread = scheduled()
    red_thread.collect_events()

    refused(NothingMoved, "W-2", lambda: move(red_thread, meeting_at=MEETING_AT))

    assert red_thread.collect_events() == []


@pytest.mark.parametrize("reason", ["", "   \n"])
def test_w2_a_plan_changes_with_a_reason(reason: str) -> None:
    """Moving or cancelling the meeting or the follow-up says why, or nothing changes."""
    meeting, follow_up = scheduled(), booked()
    meeting.collect_events()
    follow_up.collect_events()

    for change in (
        lambda: move(meeting, reason=reason),
        lambda: cancel(meeting, reason=reason),
        lambda: move_follow_up(follow_up, reason=reason),
        lambda: cancel_follow_up(follow_up, reason=reason),
    ):
        error = refused(ReasonRequired, "W-2", change)
        assert error.status == 422
        assert error.field == "body.reason"

    assert meeting.collect_events() == []
    assert follow_up.collect_events() == []


# --- the meeting cancelled (W-2, E-3) -------------------------------------------------------


def test_w2_e3_a_cancelled_meeting_may_be_scheduled_again_and_until_then_the_deadline_is_unmet():
    red_thread = scheduled()
    red_thread.collect_events()

    cancel(red_thread)

    assert red_thread.meeting_at is None
    assert red_thread.cancelled_meeting_at == MEETING_AT
    assert red_thread.basis is None
    assert red_thread.pending is None
    assert red_thread.status == "pulled"
    assert red_thread.meeting_overdue(meeting_overdue_at(PULLED_AT))
    [cancelled] = red_thread.collect_events()
    assert isinstance(cancelled, RedThread.MeetingCancelled)
    assert cancelled.meeting_at == MEETING_AT
    assert cancelled.invited_orgs == red_thread.invited_orgs
    assert cancelled.reason == Personal(SUBJECT, REASON)

    schedule(red_thread, meeting_at=MOVED_TO, basis=EMERGENCY, now=BEFORE_THE_MEETING)

    assert red_thread.meeting_at == MOVED_TO
    assert red_thread.cancelled_meeting_at is None
    assert not red_thread.meeting_overdue(meeting_overdue_at(PULLED_AT))


def test_w2_e4_a_meeting_on_hold_may_be_cancelled_and_the_hold_goes_with_it() -> None:
    red_thread = on_hold(scheduled(), PULLED_AT + timedelta(days=1))

    cancel(red_thread)

    assert red_thread.hold is None
    assert red_thread.status == "pulled"


# --- the follow-up moved or cancelled (W-2 by E-5, E-4) -------------------------------------


def test_w2_e5_the_follow_up_moves_on_the_basis_holding_then_and_is_due_on_its_new_day() -> None:
    red_thread = booked()
    assert red_thread.raise_follow_up_overdue_if_due(follow_up_overdue_at(FOLLOW_UP_AT))
    red_thread.collect_events()

    move_follow_up(red_thread, basis=EMERGENCY, now=follow_up_overdue_at(FOLLOW_UP_AT))

    assert red_thread.follow_up_at == FOLLOW_UP_MOVED_TO
    assert red_thread.follow_up_basis == EMERGENCY
    assert red_thread.follow_up_overdue_since is None
    assert not red_thread.follow_up_overdue(follow_up_overdue_at(FOLLOW_UP_AT))
    assert red_thread.raise_follow_up_overdue_if_due(follow_up_overdue_at(FOLLOW_UP_MOVED_TO))
    moved = red_thread.collect_events()[0]
    assert isinstance(moved, RedThread.FollowUpMoved)
    assert (moved.follow_up_at, moved.previous_follow_up_at) == (FOLLOW_UP_MOVED_TO, FOLLOW_UP_AT)
    assert moved.basis_id == EMERGENCY.id


def test_w2_e5_e4_the_follow_up_moves_to_a_future_time_after_the_meeting_with_a_basis() -> None:
    red_thread = booked()

    refused(
        FollowUpTimeInvalid,
        "E-5",
        lambda: move_follow_up(red_thread, follow_up_at=BEFORE_THE_FOLLOW_UP - timedelta(hours=1)),
    )
    refused(NoLegalBasisForMeeting, "E-4", lambda: move_follow_up(red_thread, basis=None))
    refused(NothingMoved, "W-2", lambda: move_follow_up(red_thread, follow_up_at=FOLLOW_UP_AT))
    assert red_thread.follow_up_at == FOLLOW_UP_AT


def test_w2_e5_only_a_follow_up_still_to_take_place_is_moved_or_cancelled() -> None:
    refused(FollowUpNotBooked, "E-5", lambda: move_follow_up(held()))
    refused(FollowUpNotBooked, "E-5", lambda: cancel_follow_up(held()))
    after = FOLLOW_UP_AT + timedelta(hours=2)
    refused(FollowUpAlreadyEvaluated, "E-5", lambda: move_follow_up(evaluated(), now=after))
    refused(FollowUpAlreadyEvaluated, "E-5", lambda: cancel_follow_up(evaluated(), now=after))
    on_hold_ = on_hold(booked(), MEETING_AT + timedelta(days=1))
    refused(MeetingOnHold, "E-4", lambda: move_follow_up(on_hold_, basis=EMERGENCY))


def test_w2_e5_a_cancelled_follow_up_may_be_booked_again() -> None:
    red_thread = on_hold(booked(), MEETING_AT + timedelta(days=1))
    red_thread.collect_events()

    cancel_follow_up(red_thread)

    assert red_thread.follow_up_at is None
    assert red_thread.cancelled_follow_up_at == FOLLOW_UP_AT
    assert red_thread.hold is None
    assert red_thread.pending is None
    assert red_thread.status == "meeting_held"
    assert not red_thread.follow_up_overdue(follow_up_overdue_at(FOLLOW_UP_AT))
    [cancelled] = red_thread.collect_events()
    assert isinstance(cancelled, RedThread.FollowUpCancelled)
    assert cancelled.follow_up_at == FOLLOW_UP_AT

    book(red_thread, follow_up_at=FOLLOW_UP_MOVED_TO, basis=EMERGENCY, now=BEFORE_THE_FOLLOW_UP)

    assert red_thread.follow_up_at == FOLLOW_UP_MOVED_TO


# --- closed early (W-2, E-5) ------------------------------------------------------------------


@pytest.mark.parametrize("stage", ["pulled", "scheduled", "held", "booked"])
def test_w2_e5_a_red_thread_is_closed_early_only_with_a_reason(stage: str) -> None:
    red_thread = {"pulled": pulled, "scheduled": scheduled, "held": held, "booked": booked}[stage]()
    red_thread.collect_events()
    now = MEETING_AT + timedelta(days=1)

    error = refused(
        ClosedBeforeFollowUp,
        "E-5",
        lambda: red_thread.close(closed_by=COORDINATOR, now=now, reason="  "),
    )
    assert error.field == "body.reason"
    red_thread.close(closed_by=COORDINATOR, now=now, reason=" Individen har flyttat. ")

    assert red_thread.status == "closed"
    assert red_thread.pending is None
    assert red_thread.closing_reason == Personal(SUBJECT, "Individen har flyttat.")
    [closed] = red_thread.collect_events()
    assert isinstance(closed, RedThread.ClosedEarly)
    assert closed.meeting_held is (stage in ("held", "booked"))
    assert not red_thread.meeting_overdue(meeting_overdue_at(PULLED_AT))
    refused(RedThreadAlreadyClosed, "E-5", lambda: red_thread.close(closed_by=COORDINATOR, now=now))


def test_e5_after_the_evaluation_no_reason_is_asked_for_nor_kept() -> None:
    red_thread = evaluated()
    red_thread.collect_events()

    red_thread.close(closed_by=COORDINATOR, now=FOLLOW_UP_AT + timedelta(days=1), reason="Klart.")

    assert kinds(red_thread) == [RedThread.Closed]
    assert red_thread.closing_reason is None


# --- stored --------------------------------------------------------------------------------------


def test_w2_events_are_stored_under_the_red_threads_topic_with_the_reasons_sealed() -> None:
    store = Store()
    red_thread = scheduled()
    move(red_thread)
    cancel(red_thread)
    schedule(red_thread, meeting_at=MOVED_TO, now=BEFORE_THE_MEETING)
    red_thread.record_meeting_held(
        attended_orgs=[],
        outcome=MeetingOutcome.NOT_AGREED,
        notes="",
        recorded_by=COORDINATOR,
        now=MOVED_TO,
    )
    book(red_thread, now=MOVED_TO + timedelta(hours=1))
    move_follow_up(red_thread, now=MOVED_TO + timedelta(hours=2))
    cancel_follow_up(red_thread, now=MOVED_TO + timedelta(hours=3))
    red_thread.close(closed_by=COORDINATOR, now=MOVED_TO + timedelta(hours=4), reason=REASON)
    store.save(red_thread)

    stored = list(store.recorder.select_events(red_thread.id))
    topics = {event.topic.removeprefix(f"{RED_THREAD_TOPIC}.") for event in stored}
    assert {
        "MeetingMoved",
        "MeetingCancelled",
        "FollowUpMoved",
        "FollowUpCancelled",
        "ClosedEarly",
    } <= topics
    for event in stored:
        assert resolve_topic(event.topic) is getattr(RedThread, event.topic.rpartition(".")[2])
        assert REASON.encode() not in event.state

    read = store.repository.get(red_thread.id)
    assert read.status == "closed"
    assert read.closing_reason == Personal(SUBJECT, REASON)
    assert read.cancelled_follow_up_at == FOLLOW_UP_MOVED_TO
