"""A handover followed through at the receiving unit (K-12): the joint officials' meeting
booked and held by the receiving unit's deputy unit manager, with the other care providers
and the trustee or guardian (förvaltare/god man) where there is one, on a basis to share
(C-11); then the client told how the case goes on.

Where it is held and the new plan are about the individual: sealed in cases, read here
by the units invited, never on a topic.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter
from pydantic import AwareDatetime, BaseModel, Field

from contracts import InformedManner, LegalBasis
from contracts.base import HsaId
from services.cases.api.bodies import Text
from services.cases.application import (
    CasesApplication,
    RecordFollowThroughHeld,
    ScheduleFollowThrough,
)
from services.cases.domain.follow_through import FollowThrough
from services.cases.policy import may
from services.runtime.http.bodies import ClearText, command_from, located, view_of
from services.runtime.http.caller import Caller
from services.runtime.http.fields import RequestModel
from services.runtime.http.identification import PERSONAL_DATA, log_access, log_change, one_commit

router = APIRouter()
PURPOSE = "handover follow-through (K-12)"
PATH = "/cases/{case_id}/handovers/{handover_id}/follow-through"

Units = Annotated[list[HsaId], Field(max_length=20)]


class ScheduleFollowThroughRequest(RequestModel):
    other_units: Units = Field(
        description="HSA-ids of the other officials' units and of the other care providers "
        "(vårdgivare) invited; the receiving unit takes part anyway (K-12)."
    )
    trustee_invited: bool = Field(
        description="Whether the trustee or guardian (förvaltare/god man) is invited: "
        "required when the handover records one (K-12).",
        json_schema_extra={"x-rule": "K-12"},
    )
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    location: Text


class FollowThroughHeldRequest(RequestModel):
    attended_units: Units
    trustee_attended: bool = Field(json_schema_extra={"x-rule": "K-12"})
    plan: Text = Field(description="The new plan the meeting made (K-12).")


class ClientInformedRequest(RequestModel):
    informed_at: AwareDatetime
    manner: InformedManner


class FollowThroughView(BaseModel):
    id: UUID
    case_id: UUID
    handover_id: UUID
    unit: str
    units: list[str]
    status: str
    trustee_expected: bool
    trustee_invited: bool
    legal_basis: LegalBasis
    basis_id: UUID
    starts_at: datetime
    ends_at: datetime
    location: ClearText
    held_at: datetime | None
    attended_units: list[str]
    trustee_attended: bool | None
    plan: ClearText | None
    informed_at: datetime | None
    informed_how: str | None


def _changed(
    caller: Caller, change: Callable[[CasesApplication], FollowThrough]
) -> FollowThroughView:
    """The follow-through as `change` left it, stored with its access record (one commit)."""
    application = caller.application(CasesApplication)

    def answer() -> FollowThroughView:
        follow_through = change(application)
        log_change(caller, follow_through.subject_id, purpose=PURPOSE)
        return view_of(FollowThroughView, follow_through)

    return one_commit(caller, answer)


@router.post(PATH, status_code=201, openapi_extra=PERSONAL_DATA)
def schedule_follow_through(
    case_id: UUID,
    handover_id: UUID,
    body: ScheduleFollowThroughRequest,
    caller: Annotated[Caller, may("follow_through.schedule")],
) -> FollowThroughView:
    """Book the joint officials' meeting after the transfer (K-12), by the receiving unit's
    deputy unit manager, on a consent naming every unit invited (C-11)."""
    command = command_from(body, ScheduleFollowThrough, other_units=list(body.other_units))
    scheduled = _changed(
        caller,
        lambda application: application.schedule_follow_through(
            caller.actor, case_id, handover_id, command, at=caller.now
        ),
    )
    location = PATH.format(case_id=case_id, handover_id=handover_id)
    return located(caller.response, f"/v1{location}", scheduled)


@router.get(PATH, openapi_extra=PERSONAL_DATA)
def get_follow_through(
    case_id: UUID, handover_id: UUID, caller: Annotated[Caller, may("follow_through.read")]
) -> FollowThroughView:
    """The follow-through, with where it is held and its new plan, for the units invited."""
    application = caller.application(CasesApplication)
    follow_through = application.read_follow_through(caller.actor, case_id, handover_id)
    log_access(caller, follow_through.subject_id, purpose=PURPOSE)
    return view_of(FollowThroughView, follow_through)


@router.post(f"{PATH}/held", openapi_extra=PERSONAL_DATA)
def record_follow_through_held(
    case_id: UUID,
    handover_id: UUID,
    body: FollowThroughHeldRequest,
    caller: Annotated[Caller, may("follow_through.record_held")],
) -> FollowThroughView:
    """The meeting held, with the trustee or guardian where the handover records one, and
    the new plan it made (K-12); on a consent naming every unit that met (C-11)."""
    command = command_from(body, RecordFollowThroughHeld, attended_units=list(body.attended_units))
    return _changed(
        caller,
        lambda application: application.record_follow_through_held(
            caller.actor, case_id, handover_id, command, at=caller.now
        ),
    )


@router.post(f"{PATH}/client-informed", openapi_extra=PERSONAL_DATA)
def record_client_informed(
    case_id: UUID,
    handover_id: UUID,
    body: ClientInformedRequest,
    caller: Annotated[Caller, may("follow_through.record_informed")],
) -> FollowThroughView:
    """The client told how the case goes on, after the meeting (K-12): when and how."""
    return _changed(
        caller,
        lambda application: application.record_client_informed(
            caller.actor,
            case_id,
            handover_id,
            informed_at=body.informed_at,
            manner=body.manner,
            at=caller.now,
        ),
    )
