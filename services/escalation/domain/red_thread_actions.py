"""E-10 Concrete solutions: the red-thread meeting exists "för att finna konkreta lösningar"
(seed 000), so what it comes to is a list of actions, each with the organisation
responsible, what it does and by when; the follow-up (E-5) goes through each one.

What an action is, is about the individual: it is theirs, sealed at rest (`Personal`),
and never published. Each action is a fact of its own (`ActionAgreed`, recorded with the
meeting held; `ActionEvaluated`, with the follow-up), so the responsible unit's work list
can follow it and nothing already stored changes shape. The events are declared here
with how each changes the thread (`apply`) and named on `RedThread`, like
`red_thread_plans`'s.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING
from uuid import UUID, uuid5

from contracts import ActionStatus, MeetingOutcome
from services.escalation.domain.errors import ActionsInvalid
from services.runtime.kernel.aggregate import Aggregate
from services.runtime.kernel.personal import Personal
from services.runtime.kernel.stockholm_time import stockholm_date

if TYPE_CHECKING:
    from services.escalation.domain.red_thread_state import RedThreadState

OUTCOMES_WITH_ACTIONS = frozenset({MeetingOutcome.SOLUTIONS_AGREED, MeetingOutcome.PARTLY_AGREED})
"""E-10: a meeting that agreed on solutions, in full or in part, says which: at least one
action. One that agreed on none (`not_agreed`) may still record what someone undertook,
but need not: there is nothing agreed to follow up action by action."""


MAX_ACTIONS = 50
"""E-10: at most this many actions for one meeting; their ids (`action_id`) are the
first this many of the thread's, so what is about all of them can name each."""


@dataclass(frozen=True)
class AgreedAction:
    """An action as the meeting agreed it (E-10): who, what, by when."""

    responsible_org: str
    what: str
    due_on: date


@dataclass(frozen=True)
class ActionEvaluation:
    """How one agreed action stood at the follow-up (E-10, E-5)."""

    action_id: UUID
    status: ActionStatus


@dataclass(frozen=True)
class Action:
    """An agreed action as the red thread keeps it; `status` once the follow-up evaluated it."""

    id: UUID
    responsible_org: str
    what: Personal
    due_on: date
    status: ActionStatus | None = None
    overdue: bool = False
    """E-11: ActionOverdue was raised for it (once per action)."""


def action_id(red_thread_id: UUID, number: int) -> UUID:
    """The action's id, the same every time it is worked out: the domain draws no chance."""
    return uuid5(red_thread_id, f"action-{number}")


def agreed_actions(
    outcome: MeetingOutcome,
    actions: list[AgreedAction],
    invited_orgs: list[str],
    meeting_at: datetime,
) -> list[AgreedAction]:
    """E-10: required when the meeting agreed on solutions (`OUTCOMES_WITH_ACTIONS`); each
    the responsibility of a summoned organisation, saying what, due after the meeting."""
    if outcome in OUTCOMES_WITH_ACTIONS and not actions:
        raise ActionsInvalid(
            f"actions: the meeting agreed on solutions ({outcome.value}); "
            "record at least one action (who, what, by when)"
        )
    if len(actions) > MAX_ACTIONS:
        raise ActionsInvalid(f"actions: at most {MAX_ACTIONS} actions for one meeting")
    meeting_day = stockholm_date(meeting_at)
    for number, action in enumerate(actions):
        if action.responsible_org not in invited_orgs:
            raise ActionsInvalid(
                f"actions[{number}].responsible_org: {action.responsible_org} was not summoned "
                "to the meeting; an action is the responsibility of a summoned organisation"
            )
        if not action.what.strip():
            raise ActionsInvalid(f"actions[{number}].what: say what is to be done")
        if action.due_on <= meeting_day:
            raise ActionsInvalid(
                f"actions[{number}].due_on: an action is due after the meeting "
                f"({meeting_day.isoformat()})"
            )
    return actions


def evaluations(
    actions: tuple[Action, ...], given: list[ActionEvaluation]
) -> list[tuple[Action, ActionStatus]]:
    """E-10: the follow-up goes through every agreed action, once each, and no other."""
    statuses = {evaluation.action_id: evaluation.status for evaluation in given}
    known = {action.id for action in actions}
    unknown = [str(id_) for id_ in statuses if id_ not in known]
    if unknown:
        raise ActionsInvalid(f"actions: {', '.join(unknown)} are not actions of this red thread")
    if len(statuses) != len(given):
        raise ActionsInvalid("actions: each action is evaluated once")
    missing = [str(action.id) for action in actions if action.id not in statuses]
    if missing:
        raise ActionsInvalid(
            f"actions: the follow-up goes through every agreed action; {', '.join(missing)} "
            "have no status (done, partly_done or not_done)"
        )
    return [(action, statuses[action.id]) for action in actions]


# --- the events, and how each changes the red thread ----------------------------------------


class ActionAgreed(Aggregate.Event):
    """E-10: the meeting agreed that `responsible_org` does `what` by `due_on`."""

    subject_id: str
    action_id: UUID
    responsible_org: str
    what: Personal
    due_on: date
    meeting_at: datetime
    recorded_by: str

    def apply(self, aggregate: RedThreadState) -> None:
        action = Action(self.action_id, self.responsible_org, self.what, self.due_on)
        aggregate.actions = (*aggregate.actions, action)


class ActionEvaluated(Aggregate.Event):
    """E-10, E-5: the follow-up went through the action: done, partly or not."""

    subject_id: str
    action_id: UUID
    responsible_org: str
    due_on: date
    status: str
    recorded_by: str
    recorded_at: datetime

    def apply(self, aggregate: RedThreadState) -> None:
        aggregate.actions = tuple(
            replace(action, status=ActionStatus(self.status))
            if action.id == self.action_id
            else action
            for action in aggregate.actions
        )
