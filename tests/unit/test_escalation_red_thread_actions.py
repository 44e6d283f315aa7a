"""E-10 Concrete solutions: the red-thread meeting's outcome is a list of actions (who,
what, by when), and the follow-up goes through each one. Pure domain, no I/O."""

from __future__ import annotations

import re
from datetime import date, timedelta
from uuid import UUID

import pytest

from contracts import ActionStatus, MeetingOutcome
from services.escalation.domain import ActionEvaluation, ActionsInvalid, AgreedAction
from services.runtime.kernel.personal import Personal
from tests.unit.test_escalation_red_thread import (
    ACTION,
    FOLLOW_UP_AT,
    MEETING_AT,
    SUBJECT,
    book,
    evaluate,
    meet,
    scheduled,
)
from tests.unit.units import HEALTH_UNIT, SCHOOL_UNIT, SOCIAL_UNIT

LATER = AgreedAction(HEALTH_UNIT, "Läkarbesök.", date(2026, 3, 30))
LATER_ID = UUID(int=99)


@pytest.mark.parametrize("outcome", [MeetingOutcome.SOLUTIONS_AGREED, MeetingOutcome.PARTLY_AGREED])
def test_e10_a_meeting_that_agreed_on_solutions_names_at_least_one_action(
    outcome: MeetingOutcome,
) -> None:
    red_thread = scheduled()
    with pytest.raises(ActionsInvalid, match=r"^actions: .*at least one action") as raised:
        meet(red_thread, outcome=outcome, actions=[])
    assert raised.value.rule == "E-10"
    assert not red_thread.meeting_held


def test_e10_a_meeting_that_agreed_on_nothing_needs_no_actions() -> None:
    red_thread = scheduled()
    meet(red_thread, outcome=MeetingOutcome.NOT_AGREED, actions=[])
    assert red_thread.meeting_held
    assert red_thread.actions == ()


def test_e10_each_action_is_kept_with_who_what_and_by_when_its_text_sealed() -> None:
    red_thread = scheduled()
    meet(red_thread, actions=[ACTION, LATER])
    first, second = red_thread.actions
    assert (first.responsible_org, first.due_on, first.status) == (
        SOCIAL_UNIT,
        ACTION.due_on,
        None,
    )
    assert first.what == Personal(SUBJECT, ACTION.what)
    assert second.responsible_org == HEALTH_UNIT
    assert first.id != second.id
    agreed = [e for e in red_thread.collect_events() if type(e).__name__ == "ActionAgreed"]
    assert [e.action_id for e in agreed] == [first.id, second.id]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("action", "field"),
    [
        (AgreedAction(SCHOOL_UNIT, "Skolstöd.", date(2026, 3, 16)), "actions[0].responsible_org"),
        (AgreedAction(SOCIAL_UNIT, "  ", date(2026, 3, 16)), "actions[0].what"),
        (AgreedAction(SOCIAL_UNIT, "Boendestöd.", MEETING_AT.date()), "actions[0].due_on"),
    ],
)
def test_e10_an_action_is_a_summoned_organisations_says_what_and_is_due_after_the_meeting(
    action: AgreedAction, field: str
) -> None:
    red_thread = scheduled()
    with pytest.raises(ActionsInvalid, match="^" + re.escape(field)):
        meet(red_thread, actions=[action])
    assert not red_thread.meeting_held


def test_e10_the_follow_up_goes_through_every_action_with_its_status() -> None:
    red_thread = scheduled()
    meet(red_thread, actions=[ACTION, LATER])
    book(red_thread)
    first, second = red_thread.actions
    evaluate(
        red_thread,
        actions=[
            ActionEvaluation(first.id, ActionStatus.PARTLY_DONE),
            ActionEvaluation(second.id, ActionStatus.NOT_DONE),
        ],
    )
    assert [action.status for action in red_thread.actions] == [
        ActionStatus.PARTLY_DONE,
        ActionStatus.NOT_DONE,
    ]


def test_e10_an_action_left_out_of_the_evaluation_is_refused() -> None:
    red_thread = scheduled()
    meet(red_thread, actions=[ACTION, LATER])
    book(red_thread)
    first, second = red_thread.actions
    with pytest.raises(ActionsInvalid, match=str(second.id)):
        evaluate(red_thread, actions=[ActionEvaluation(first.id, ActionStatus.DONE)])
    assert not red_thread.follow_up_evaluated


def test_e10_an_unknown_or_repeated_action_in_the_evaluation_is_refused() -> None:
    red_thread = scheduled()
    meet(red_thread)
    book(red_thread)
    (action,) = red_thread.actions
    unknown = ActionEvaluation(LATER_ID, ActionStatus.DONE)
    with pytest.raises(ActionsInvalid, match="not actions of this red thread"):
        evaluate(red_thread, actions=[ActionEvaluation(action.id, ActionStatus.DONE), unknown])
    twice = [ActionEvaluation(action.id, ActionStatus.DONE)] * 2
    with pytest.raises(ActionsInvalid, match="evaluated once"):
        evaluate(red_thread, actions=twice, now=FOLLOW_UP_AT + timedelta(hours=1))
    assert not red_thread.follow_up_evaluated
