"""E-11 Nothing stalls silently, for the red thread: a meeting not recorded as held the
working day after its date, a held meeting with no follow-up booked within the days set,
and an agreed action (E-10) past its day are overdue, each raised once (D-7). Pure domain.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from contracts import ActionStatus, HoldReason
from services.escalation.domain import (
    ActionEvaluation,
    AgreedAction,
    RedThread,
    action_overdue_at,
    follow_up_not_booked_at,
    next_action_due,
)
from services.runtime.kernel.working_days import meeting_record_overdue_at
from tests.unit.test_escalation_red_thread import (
    ACTION,
    CONSENT,
    FOLLOW_UP_AT,
    INVITED,
    MEETING_AT,
    book,
    evaluate,
    meet,
    scheduled,
)
from tests.unit.test_escalation_red_thread_plans_change import cancel, move
from tests.unit.units import HEALTH_UNIT, POLICE_UNIT, SOCIAL_UNIT

NOT_RECORDED_AT = datetime(2026, 3, 10, 23, 0, tzinfo=UTC)
"""MEETING_AT is Monday 9 March; the working day after it ends at midnight CET."""
NOT_BOOKED_AT = datetime(2026, 3, 23, 23, 0, tzinfo=UTC)
"""14 calendar days after 9 March: the end of Monday 23 March, CET."""
LATER = AgreedAction(HEALTH_UNIT, "Läkarbesök.", date(2026, 3, 30))


def stalled(red_thread: RedThread) -> list[RedThread.Event]:
    return [
        e
        for e in red_thread.collect_events()
        if isinstance(
            e, RedThread.MeetingNotRecorded | RedThread.FollowUpNotBooked | RedThread.ActionOverdue
        )
    ]


def test_e11_the_meeting_is_recorded_by_the_end_of_the_next_swedish_working_day() -> None:
    assert meeting_record_overdue_at(MEETING_AT) == NOT_RECORDED_AT
    friday = datetime(2026, 3, 13, 9, 0, tzinfo=UTC)
    assert meeting_record_overdue_at(friday) == datetime(2026, 3, 16, 23, 0, tzinfo=UTC)
    maundy_thursday = datetime(2026, 4, 2, 9, 0, tzinfo=UTC)  # Good Friday, Easter Monday
    assert meeting_record_overdue_at(maundy_thursday) == datetime(2026, 4, 7, 22, 0, tzinfo=UTC)


def test_e11_a_meeting_not_recorded_as_held_in_time_is_raised_once() -> None:
    red_thread = scheduled()
    red_thread.collect_events()
    assert not red_thread.raise_meeting_not_recorded_if_due(NOT_RECORDED_AT - timedelta(seconds=1))
    assert red_thread.raise_meeting_not_recorded_if_due(NOT_RECORDED_AT)
    assert not red_thread.raise_meeting_not_recorded_if_due(NOT_RECORDED_AT + timedelta(days=3))
    (raised,) = stalled(red_thread)
    assert isinstance(raised, RedThread.MeetingNotRecorded)
    assert raised.meeting_at == MEETING_AT
    assert raised.overdue_at == NOT_RECORDED_AT
    assert set(INVITED) <= set(raised.concerned_orgs)


def test_e11_a_meeting_recorded_cancelled_or_on_hold_is_not_raised() -> None:
    recorded = scheduled()
    meet(recorded, now=MEETING_AT + timedelta(hours=2))
    assert not recorded.raise_meeting_not_recorded_if_due(NOT_RECORDED_AT)
    cancelled = scheduled()
    cancel(cancelled)
    assert not cancelled.raise_meeting_not_recorded_if_due(NOT_RECORDED_AT)
    on_hold = scheduled()
    on_hold.basis_lost(
        basis_id=CONSENT.id,
        reason=HoldReason.CONSENT_WITHDRAWN,
        at=MEETING_AT - timedelta(days=1),
        alternative=None,
    )
    assert not on_hold.raise_meeting_not_recorded_if_due(NOT_RECORDED_AT)


def test_e11_w2_a_meeting_moved_after_it_was_raised_may_be_raised_anew() -> None:
    red_thread = scheduled()
    assert red_thread.raise_meeting_not_recorded_if_due(NOT_RECORDED_AT)
    moved_to = datetime(2026, 3, 13, 9, 0, tzinfo=UTC)  # a Friday: due Monday's end
    move(red_thread, meeting_at=moved_to, now=NOT_RECORDED_AT + timedelta(hours=10))
    assert not red_thread.raise_meeting_not_recorded_if_due(
        datetime(2026, 3, 16, 22, 59, tzinfo=UTC)
    )
    assert red_thread.raise_meeting_not_recorded_if_due(datetime(2026, 3, 16, 23, 0, tzinfo=UTC))
    assert [e.meeting_at for e in stalled(red_thread)] == [MEETING_AT, moved_to]  # type: ignore[attr-defined]


def test_e11_a_held_meeting_with_no_follow_up_booked_in_time_is_raised_once() -> None:
    assert follow_up_not_booked_at(MEETING_AT, 14) == NOT_BOOKED_AT
    red_thread = scheduled()
    meet(red_thread, now=MEETING_AT + timedelta(hours=2))
    red_thread.collect_events()
    assert not red_thread.raise_follow_up_not_booked_if_due(
        NOT_BOOKED_AT - timedelta(seconds=1), 14
    )
    assert red_thread.raise_follow_up_not_booked_if_due(NOT_BOOKED_AT, 14)
    assert not red_thread.raise_follow_up_not_booked_if_due(NOT_BOOKED_AT + timedelta(days=1), 14)
    (raised,) = stalled(red_thread)
    assert isinstance(raised, RedThread.FollowUpNotBooked)
    assert (raised.within_days, raised.overdue_at) == (14, NOT_BOOKED_AT)


def test_e11_the_days_to_book_the_follow_up_are_the_settings() -> None:
    red_thread = scheduled()
    meet(red_thread, now=MEETING_AT + timedelta(hours=2))
    three_days = datetime(2026, 3, 12, 23, 0, tzinfo=UTC)
    assert not red_thread.raise_follow_up_not_booked_if_due(three_days - timedelta(seconds=1), 3)
    assert red_thread.raise_follow_up_not_booked_if_due(three_days, 3)


def test_e11_a_follow_up_booked_in_time_is_not_raised() -> None:
    red_thread = scheduled()
    meet(red_thread, now=MEETING_AT + timedelta(hours=2))
    book(red_thread)
    assert not red_thread.raise_follow_up_not_booked_if_due(NOT_BOOKED_AT, 14)
    assert stalled(red_thread) == []


def test_e11_an_action_past_its_day_and_not_evaluated_is_raised_once_per_action() -> None:
    red_thread = scheduled()
    meet(red_thread, actions=[ACTION, LATER], now=MEETING_AT + timedelta(hours=2))
    first, second = red_thread.actions
    assert action_overdue_at(ACTION.due_on) == datetime(2026, 3, 16, 23, 0, tzinfo=UTC)
    assert next_action_due(red_thread.actions) == first
    assert red_thread.raise_actions_overdue_if_due(datetime(2026, 3, 16, 22, 59, tzinfo=UTC)) == 0
    assert red_thread.raise_actions_overdue_if_due(datetime(2026, 3, 16, 23, 0, tzinfo=UTC)) == 1
    assert red_thread.raise_actions_overdue_if_due(datetime(2026, 3, 20, tzinfo=UTC)) == 0
    assert next_action_due(red_thread.actions) == second
    # 30 March is summer time: its end is 22:00 UTC
    assert red_thread.raise_actions_overdue_if_due(datetime(2026, 3, 30, 22, 0, tzinfo=UTC)) == 1
    raised = [e for e in stalled(red_thread) if isinstance(e, RedThread.ActionOverdue)]
    assert [(e.action_id, e.responsible_org) for e in raised] == [
        (first.id, SOCIAL_UNIT),
        (second.id, HEALTH_UNIT),
    ]
    assert next_action_due(red_thread.actions) is None


def test_e11_an_evaluated_action_is_not_raised() -> None:
    red_thread = scheduled()
    meet(red_thread, actions=[ACTION], now=MEETING_AT + timedelta(hours=2))
    book(red_thread, follow_up_at=datetime(2026, 3, 12, 9, 0, tzinfo=UTC))
    (action,) = red_thread.actions
    evaluate(
        red_thread,
        now=datetime(2026, 3, 12, 10, 0, tzinfo=UTC),
        actions=[ActionEvaluation(action.id, ActionStatus.NOT_DONE)],
    )
    assert red_thread.raise_actions_overdue_if_due(FOLLOW_UP_AT) == 0
    assert POLICE_UNIT in red_thread.concerned_orgs
