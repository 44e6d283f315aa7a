"""An organisation's deadlines over HTTP (D-7): the red-thread meetings and follow-ups
(E-3, E-5), the monthly meetings' registration cutoffs (E-7), and what must not stall
(E-11: the meeting recorded, the follow-up booked, the agreed actions done) it has
coming, and those it missed. Each names the individual whose red thread it is: one access record per
individual."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel

from services.escalation.application import EscalationApplication
from services.escalation.policy import may
from services.escalation.views.deadlines import Deadline
from services.runtime.http.bodies import view_of
from services.runtime.http.caller import Caller
from services.runtime.http.identification import PERSONAL_DATA, log_access

router = APIRouter(tags=["red thread"])


class DeadlineView(BaseModel):
    item_id: UUID
    kind: str
    rule: str
    subject_id: str | None
    due_at: datetime
    """The first instant the deadline is missed."""
    takes_place_at: datetime | None
    met: bool
    overdue: bool


RULE_OF_DEADLINE = {
    "red_thread_meeting": "E-3",
    "red_thread_follow_up": "E-5",
    "monthly_meeting_registration": "E-7",
    "red_thread_meeting_record": "E-11",
    "red_thread_follow_up_booking": "E-11",
    "red_thread_action": "E-11",
}


@router.get("/deadlines", openapi_extra=PERSONAL_DATA)
def deadlines(caller: Annotated[Caller, may("deadlines.read")]) -> list[DeadlineView]:
    """The caller's organisation's deadlines: those coming, and those missed (D-7)."""
    at = caller.now
    found = caller.application(EscalationApplication).deadlines_for(caller.actor, at)
    log_access(
        caller,
        [d.subject_id for d in found if d.subject_id is not None],
        purpose="deadlines (D-7)",
    )
    return [_deadline_view(d, at) for d in found]


def _deadline_view(deadline: Deadline, at: datetime) -> DeadlineView:
    return view_of(
        DeadlineView,
        deadline,
        rule=RULE_OF_DEADLINE[deadline.kind.value],
        overdue=not deadline.met and deadline.due_at <= at,
    )
