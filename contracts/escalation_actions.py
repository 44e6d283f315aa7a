"""The red thread's concrete solutions (E-10): the actions its meeting agreed on, each with
the organisation responsible and the date it is due, and how each stood at the follow-up.

What an action is (its text) is about the individual and stays in the escalation
service; the payloads carry the action's id, the responsible organisation, the date
and the status only (as for the rest of the red thread, contracts.escalation).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import AwareDatetime

from contracts.base import HsaId
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


__all__ = ["ActionStatus", "RedThreadActionAgreed", "RedThreadActionEvaluated"]
