"""Three-party meetings (K-8), care-planning meetings (K-9), and every meeting as an
iCalendar invitation (RFC 5545). A meeting is read by the units that meet (the
application decides, where it loads it). Plans change (W-2): an occasion is moved or
cancelled with a reason, as the red thread's meeting is (POST .../move,
.../cancellation), and recorded as held with its outcome, minutes and attendance."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Response
from pydantic import AwareDatetime, BaseModel, Field

from contracts import CaseMeetingOutcome, MeetingKind
from contracts.base import HsaId, OrgIds
from services.cases.api.bodies import Reason, Text
from services.cases.application import (
    CasesApplication,
    MoveMeeting,
    PlanCarePlanningMeeting,
    RecordMeetingHeld,
    ScheduleThreePartyMeeting,
)
from services.cases.domain import Meeting, Occasion
from services.cases.policy import may
from services.cases.rendering import invitation
from services.runtime.http.bodies import command_from, view_of
from services.runtime.http.caller import Caller
from services.runtime.http.fields import RequestModel
from services.runtime.http.identification import PERSONAL_DATA, log_access
from services.runtime.http.routes import Disclosing
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

    def occasion(self, kind: MeetingKind) -> Occasion:
        return Occasion(kind, self.starts_at, self.ends_at, self.location)


class CarePlanningRequest(RequestModel):
    units: OrgIds = Field(description="The other units taking part (K-9).")
    meeting: OccasionBody
    follow_up: OccasionBody = Field(description="Planned close to the meeting (K-9).")


Which = Annotated[
    MeetingKind | None,
    Field(
        description="The occasion: a care-planning meeting's `care_planning_follow_up`; "
        "left out, the meeting itself."
    ),
]


class MoveRequest(RequestModel):
    occasion: Which = None
    starts_at: AwareDatetime = Field(description="The new time: ahead (K-8, K-9).")
    ends_at: AwareDatetime
    reason: Reason


class CancellationRequest(RequestModel):
    occasion: Which = None
    reason: Reason


class HeldRequest(RequestModel):
    occasion: Which = None
    outcome: CaseMeetingOutcome = Field(
        description="What came of it: one its kind can come to (K-9: a care-planning meeting "
        "decides nothing)."
    )
    minutes: Text = Field(
        description="The minutes: free text about the individual, kept sealed in cases."
    )
    attended_units: OrgIds = Field(
        description="The meeting's units that attended; every other one was absent."
    )


class HeldView(BaseModel):
    outcome: str
    minutes: str
    attended_units: list[str]
    recorded_at: datetime
    recorded_by: str


class OccasionView(BaseModel):
    kind: str
    starts_at: datetime
    ends_at: datetime
    location: str
    revision: int
    cancelled_at: datetime | None
    held: HeldView | None
    overdue_raised: bool


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
    return view_of(
        MeetingView,
        meeting,
        occasions=occasions,
        invitation=f"/v1/meetings/{meeting.id}/invitation.ics",
    )


def _disclosed(caller: Caller, meeting: Meeting, action: Action = Action.CHANGED) -> MeetingView:
    """The meeting with its places unsealed (as a write left it, or as read), its access
    record written first: who meets about the individual, when and where is their
    personal data."""
    log_access(caller, meeting.subject_id, purpose=f"meeting:{meeting.kind}", action=action)
    occasions = caller.application(CasesApplication).occasions_of(meeting)
    return meeting_view(meeting, occasions)


_meetings = Disclosing(CasesApplication, _disclosed)
LOCATION = "/v1/meetings/{id}"


@router.post("/cases/{case_id}/three-party-meetings", status_code=201, openapi_extra=PERSONAL_DATA)
def request_three_party_meeting(
    case_id: UUID,
    body: ThreePartyRequest,
    caller: Annotated[Caller, may("meeting.request_three_party")],
) -> MeetingView:
    """Ask the other unit's deputy unit manager for a caseworker to a three-party meeting
    (K-8)."""
    ask = CasesApplication.request_three_party_meeting
    return _meetings.created(caller, LOCATION, ask, case_id, to_unit=body.to_unit)


@router.post("/meetings/{meeting_id}/assignment", openapi_extra=PERSONAL_DATA)
def assign_caseworker(
    meeting_id: UUID, body: AssignmentRequest, caller: Annotated[Caller, may("meeting.assign")]
) -> MeetingView:
    """The asked unit's deputy unit manager assigns one of its caseworkers (K-8)."""
    assign = CasesApplication.assign_meeting_caseworker
    return _meetings.changed(caller, assign, meeting_id, caseworker=body.caseworker)


@router.post("/meetings/{meeting_id}/pre-meeting", openapi_extra=PERSONAL_DATA)
def record_pre_meeting(
    meeting_id: UUID,
    body: PreMeetingRequest,
    caller: Annotated[Caller, may("meeting.record_pre_meeting")],
) -> MeetingView:
    """Record the professional pre-meeting, held without the individual (K-8)."""
    record = CasesApplication.record_pre_meeting
    return _meetings.changed(caller, record, meeting_id, held_at=body.held_at)


@router.post("/meetings/{meeting_id}/schedule", openapi_extra=PERSONAL_DATA)
def schedule_three_party_meeting(
    meeting_id: UUID, body: OccasionBody, caller: Annotated[Caller, may("meeting.schedule")]
) -> MeetingView:
    """Book the three-party meeting; refused without an earlier pre-meeting (K-8)."""
    command = command_from(body, ScheduleThreePartyMeeting)
    schedule = CasesApplication.schedule_three_party_meeting
    return _meetings.changed(caller, schedule, meeting_id, command)


@router.post(
    "/cases/{case_id}/care-planning-meetings", status_code=201, openapi_extra=PERSONAL_DATA
)
def plan_care_planning_meeting(
    case_id: UUID,
    body: CarePlanningRequest,
    caller: Annotated[Caller, may("meeting.plan_care_planning")],
) -> MeetingView:
    """Book a care-planning meeting with its follow-up close to it (K-9)."""
    command = PlanCarePlanningMeeting(
        other_units=list(body.units),
        meeting=body.meeting.occasion(MeetingKind.CARE_PLANNING),
        follow_up=body.follow_up.occasion(MeetingKind.CARE_PLANNING_FOLLOW_UP),
    )
    plan = CasesApplication.plan_care_planning_meeting
    return _meetings.created(caller, LOCATION, plan, case_id, command)


@router.post("/meetings/{meeting_id}/move", openapi_extra=PERSONAL_DATA)
def move_meeting(
    meeting_id: UUID, body: MoveRequest, caller: Annotated[Caller, may("meeting.move")]
) -> MeetingView:
    """Move an occasion still to come to a new time, with the reason (W-2), by the rules
    it was booked by (K-8, K-9)."""
    command = command_from(body, MoveMeeting)
    return _meetings.changed(caller, CasesApplication.move_meeting, meeting_id, command)


@router.post("/meetings/{meeting_id}/cancellation", openapi_extra=PERSONAL_DATA)
def cancel_meeting(
    meeting_id: UUID,
    body: CancellationRequest,
    caller: Annotated[Caller, may("meeting.cancel")],
) -> MeetingView:
    """Cancel an occasion still to come, with the reason (W-2); a care-planning meeting takes
    its follow-up along."""
    cancel = CasesApplication.cancel_meeting
    return _meetings.changed(caller, cancel, meeting_id, occasion=body.occasion, reason=body.reason)


@router.post("/meetings/{meeting_id}/held", openapi_extra=PERSONAL_DATA)
def record_meeting_held(
    meeting_id: UUID,
    body: HeldRequest,
    caller: Annotated[Caller, may("meeting.record_held")],
) -> MeetingView:
    """Record an occasion as held, once it started: outcome, minutes and who attended
    (K-8, K-9); not recorded by the end of the next working day, it is overdue (E-11)."""
    command = command_from(body, RecordMeetingHeld, attended_units=list(body.attended_units))
    return _meetings.changed(caller, CasesApplication.record_meeting_held, meeting_id, command)


@router.get("/meetings/{meeting_id}", openapi_extra=PERSONAL_DATA)
def get_meeting(meeting_id: UUID, caller: Annotated[Caller, may("meeting.read")]) -> MeetingView:
    """The meeting, for the units that meet (K-8, K-9)."""
    return _meetings.read(caller, CasesApplication.read_meeting, meeting_id)


@router.get(
    "/meetings/{meeting_id}/invitation.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
    openapi_extra=PERSONAL_DATA,
)
def download_invitation(
    meeting_id: UUID, caller: Annotated[Caller, may("meeting.read")]
) -> Response:
    """The meeting's booked occasions as an iCalendar invitation (RFC 5545)."""
    application = caller.application(CasesApplication)
    meeting = application.export_meeting(caller.actor, meeting_id)
    log_access(
        caller,
        meeting.subject_id,
        purpose=f"meeting:{meeting.kind}",
        action=Action.EXPORTED,
    )
    return Response(
        invitation(meeting, sent_at=caller.now, occasions=application.occasions_of(meeting)),
        media_type="text/calendar; charset=utf-8; method=REQUEST",
        headers={"Content-Disposition": f'attachment; filename="meeting-{meeting.id}.ics"'},
    )
