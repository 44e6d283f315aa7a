"""The red thread's concrete solutions (E-10): the actions its meeting agreed on, each with
the organisation responsible and the date it is due, and how each stood at the follow-up;
and what stalls (E-11, D-7): a meeting not recorded as held, a follow-up not booked, an
action past its day.

What an action is (its text) is about the individual and stays in the escalation
service; the payloads carry the action's id, the responsible organisation, the date
and the status only (as for the rest of the red thread, contracts.escalation).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import AwareDatetime, Field

from contracts.base import HsaId, OrgIds
from contracts.escalation import _EscalationEvent


class ActionStatus(StrEnum):
    """How an agreed action stood at the follow-up (E-10, E-5)."""

    DONE = "done"
    PARTLY_DONE = "partly_done"
    NOT_DONE = "not_done"


class RedThreadActionAgreed(_EscalationEvent):
    """The red-thread meeting agreed on an action (E-10): who does it, by when.

    Published once per action with the meeting recorded as held; the responsible
    organisation has it on its work list until the follow-up evaluates it (W-1).
    """

    version: ClassVar[int] = 1

    red_thread_id: UUID
    action_id: UUID
    responsible_org: HsaId
    due_on: date
    meeting_at: AwareDatetime
    recorded_by: HsaId


class RedThreadActionEvaluated(_EscalationEvent):
    """The follow-up went through an agreed action (E-10, E-5): done, partly or not."""

    version: ClassVar[int] = 1

    red_thread_id: UUID
    action_id: UUID
    responsible_org: HsaId
    due_on: date
    status: ActionStatus
    recorded_by: HsaId
    recorded_at: AwareDatetime


class RedThreadMeetingNotRecorded(_EscalationEvent):
    """The scheduled red-thread meeting was not recorded as held by the end of the first
    Swedish working day after its date (E-11, D-7). Raised once per meeting time: a
    meeting moved may be missed anew.

    `overdue_at` is the first instant after that working day in Europe/Stockholm.
    """

    version: ClassVar[int] = 1

    red_thread_id: UUID
    meeting_at: AwareDatetime
    overdue_at: AwareDatetime
    concerned_orgs: OrgIds
    """The puller, the burdened organisations and the summoned."""


class RedThreadFollowUpNotBooked(_EscalationEvent):
    """The red-thread meeting was held and no follow-up (E-5) was booked within
    `within_days` calendar days of it (E-11, D-7). Raised once.

    `overdue_at` is the first instant after the last of those days in Europe/Stockholm.
    """

    version: ClassVar[int] = 1

    red_thread_id: UUID
    meeting_at: AwareDatetime
    within_days: int = Field(ge=1)
    overdue_at: AwareDatetime
    concerned_orgs: OrgIds


class RedThreadActionOverdue(_EscalationEvent):
    """An agreed action (E-10) is past the end of its due day and the follow-up has not
    evaluated it (E-11, D-7). Raised once per action; what the action is stays in the
    escalation service."""

    version: ClassVar[int] = 1

    red_thread_id: UUID
    action_id: UUID
    responsible_org: HsaId
    due_on: date
    overdue_at: AwareDatetime


__all__ = [
    "ActionStatus",
    "RedThreadActionAgreed",
    "RedThreadActionEvaluated",
    "RedThreadActionOverdue",
    "RedThreadFollowUpNotBooked",
    "RedThreadMeetingNotRecorded",
]
