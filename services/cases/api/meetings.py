"""Three-party meetings (K-8), care-planning meetings (K-9), and every meeting as an
iCalendar invitation (RFC 5545)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import AwareDatetime, BaseModel, Field

from contracts.base import HsaId, OrgIds
from contracts.cases import MeetingKind
from services.cases.api.common import application, audit_change, now
from services.cases.domain import Meeting, Occasion
from services.cases.invitations import invitation
from services.cases.policy import may
from services.runtime.http.identification import PERSONAL_DATA, RequestModel, audit_access
from services.runtime.http.problems import Problem
from services.runtime.kernel.actor import Actor, require_party
from services.runtime.store.audit import Action

router = APIRouter()

Location = Annotated[str, Field(max_length=200, description="Where; never the individual's home.")]


class ThreePartyRequest(RequestModel):
    to_unit: HsaId = Field(description="The unit whose deputy unit manager is asked (K-8).")


class AssignmentRequest(RequestModel):
    caseworker: HsaId


class PreMeetingRequest(RequestModel):
    held_at: AwareDatetime


class OccasionBody(RequestModel):
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    location: Location = ""


class CarePlanningRequest(RequestModel):
    units: OrgIds = Field(description="The other units taking part (K-9).")
    meeting: OccasionBody
    follow_up: OccasionBody = Field(description="Planned close to the meeting (K-9).")


class OccasionView(BaseModel):
    kind: str
    starts_at: datetime
    ends_at: datetime
    location: str


class MeetingView(BaseModel):
    id: UUID
    case_id: UUID
    kind: str
    from_unit: str
    to_unit: str
    units: list[str]
    caseworker: str | None
    pre_meeting_at: datetime | None
    occasions: list[OccasionView]
    invitation: str


def meeting_view(meeting: Meeting, occasions: list[Occasion]) -> MeetingView:
    """The meeting; `occasions` with their places unsealed (``occasions_of``)."""
    return MeetingView(
        id=meeting.id,
        case_id=meeting.case_id,
        kind=meeting.kind,
        from_unit=meeting.from_unit,
        to_unit=meeting.to_unit,
        units=meeting.units,
        caseworker=meeting.caseworker,
        pre_meeting_at=meeting.pre_meeting_at,
        occasions=[
            OccasionView(
                kind=o.kind.value, starts_at=o.starts_at, ends_at=o.ends_at, location=o.location
            )
            for o in occasions
        ],
        invitation=f"/v1/meetings/{meeting.id}/invitation.ics",
    )


async def changed_meeting(request: Request, actor: Actor, meeting: Meeting) -> MeetingView:
    """The meeting as the write left it, its access record written first: who meets
    about the individual, when and where is their personal data."""
    await audit_change(request, actor, meeting.subject_id, purpose=f"meeting:{meeting.kind}")
    return await _view(request, meeting)


async def _view(request: Request, meeting: Meeting) -> MeetingView:
    """The meeting with its places unsealed (a key lookup: off the event loop)."""
    occasions = await run_in_threadpool(application(request).occasions_of, meeting)
    return meeting_view(meeting, occasions)


def _require_party(actor: Actor, meeting: Meeting) -> None:
    require_party(actor, meeting.units, what="this meeting", rule="K-8")


@router.post(
    "/cases/{case_id}/three-party-meetings",
    status_code=201,
    response_model=MeetingView,
    openapi_extra=PERSONAL_DATA,
)
async def request_three_party_meeting(
    case_id: UUID,
    body: ThreePartyRequest,
    request: Request,
    response: Response,
    actor: Annotated[Actor, may("meeting.request_three_party")],
) -> MeetingView:
    """Ask the other unit's deputy unit manager for a caseworker to a three-party meeting
    (K-8)."""
    meeting = await run_in_threadpool(
        application(request).request_three_party_meeting,
        case_id,
        unit=actor.org_id,
        by=actor.hsa_id,
        to_unit=body.to_unit,
        at=now(request),
    )
    response.headers["Location"] = f"/v1/meetings/{meeting.id}"
    return await changed_meeting(request, actor, meeting)


@router.post(
    "/meetings/{meeting_id}/assignment",
    response_model=MeetingView,
    openapi_extra=PERSONAL_DATA,
)
async def assign_caseworker(
    meeting_id: UUID,
    body: AssignmentRequest,
    request: Request,
    actor: Annotated[Actor, may("meeting.assign")],
) -> MeetingView:
    """The asked unit's deputy unit manager assigns one of its caseworkers (K-8)."""
    meeting = await run_in_threadpool(
        application(request).assign_meeting_caseworker,
        meeting_id,
        unit=actor.org_id,
        role=actor.role,
        by=actor.hsa_id,
        caseworker=body.caseworker,
        at=now(request),
    )
    return await changed_meeting(request, actor, meeting)


@router.post(
    "/meetings/{meeting_id}/pre-meeting",
    response_model=MeetingView,
    openapi_extra=PERSONAL_DATA,
)
async def record_pre_meeting(
    meeting_id: UUID,
    body: PreMeetingRequest,
    request: Request,
    actor: Annotated[Actor, may("meeting.record_pre_meeting")],
) -> MeetingView:
    """Record the professional pre-meeting, held without the individual (K-8)."""
    meeting = await run_in_threadpool(
        application(request).record_pre_meeting,
        meeting_id,
        unit=actor.org_id,
        by=actor.hsa_id,
        held_at=body.held_at,
        at=now(request),
    )
    return await changed_meeting(request, actor, meeting)


@router.post(
    "/meetings/{meeting_id}/schedule",
    response_model=MeetingView,
    openapi_extra=PERSONAL_DATA,
)
async def schedule_three_party_meeting(
    meeting_id: UUID,
    body: OccasionBody,
    request: Request,
    actor: Annotated[Actor, may("meeting.schedule")],
) -> MeetingView:
    """Book the three-party meeting; refused without an earlier pre-meeting (K-8)."""
    meeting = await run_in_threadpool(
        application(request).schedule_three_party_meeting,
        meeting_id,
        unit=actor.org_id,
        by=actor.hsa_id,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        location=body.location,
        at=now(request),
    )
    return await changed_meeting(request, actor, meeting)


@router.post(
    "/cases/{case_id}/care-planning-meetings",
    status_code=201,
    response_model=MeetingView,
    openapi_extra=PERSONAL_DATA,
)
async def plan_care_planning_meeting(
    case_id: UUID,
    body: CarePlanningRequest,
    request: Request,
    response: Response,
    actor: Annotated[Actor, may("meeting.plan_care_planning")],
) -> MeetingView:
    """Book a care-planning meeting with its follow-up close to it (K-9)."""
    meeting = await run_in_threadpool(
        application(request).plan_care_planning_meeting,
        case_id,
        unit=actor.org_id,
        by=actor.hsa_id,
        other_units=list(body.units),
        meeting=Occasion(
            MeetingKind.CARE_PLANNING,
            body.meeting.starts_at,
            body.meeting.ends_at,
            body.meeting.location,
        ),
        follow_up=Occasion(
            MeetingKind.CARE_PLANNING_FOLLOW_UP,
            body.follow_up.starts_at,
            body.follow_up.ends_at,
            body.follow_up.location,
        ),
        at=now(request),
    )
    response.headers["Location"] = f"/v1/meetings/{meeting.id}"
    return await changed_meeting(request, actor, meeting)


@router.get("/meetings/{meeting_id}", response_model=MeetingView, openapi_extra=PERSONAL_DATA)
async def get_meeting(
    meeting_id: UUID, request: Request, actor: Annotated[Actor, may("meeting.read")]
) -> MeetingView:
    meeting = await run_in_threadpool(application(request).get_meeting, meeting_id)
    _require_party(actor, meeting)
    await audit_access(request, actor, meeting.subject_id, purpose=f"meeting:{meeting.kind}")
    return await _view(request, meeting)


@router.get(
    "/meetings/{meeting_id}/invitation.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
    openapi_extra=PERSONAL_DATA,
)
async def download_invitation(
    meeting_id: UUID, request: Request, actor: Annotated[Actor, may("meeting.read")]
) -> Response:
    """The meeting's booked occasions as an iCalendar invitation (RFC 5545)."""
    meeting = await run_in_threadpool(application(request).get_meeting, meeting_id)
    _require_party(actor, meeting)
    if not meeting.occasions:
        raise Problem(409, "Conflict", "the meeting is not booked yet", rule="K-8")
    await audit_access(
        request,
        actor,
        meeting.subject_id,
        purpose=f"meeting:{meeting.kind}",
        action=Action.EXPORTED,
    )
    occasions = await run_in_threadpool(application(request).occasions_of, meeting)
    return Response(
        invitation(meeting, sent_at=now(request), occasions=occasions),
        media_type="text/calendar; charset=utf-8; method=REQUEST",
        headers={"Content-Disposition": f'attachment; filename="meeting-{meeting.id}.ics"'},
    )
