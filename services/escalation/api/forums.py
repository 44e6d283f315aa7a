"""The monthly forums over HTTP (E-7): the series of meetings of the member units' deputy unit
managers, each meeting's agenda of registered cases, attendance, minutes and calendar file;
a meeting moved or cancelled with a reason (W-2).

A case registration carries the individual's name and age: it is read back
only by the forum's member units (the application decides, where it loads the
forum), and never published. Every answer that carries a registration or an
inventory transfer is logged as an access about the individual named (or,
naming no one, about the registration: `registration_owner`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Response
from pydantic import AwareDatetime, BaseModel, BeforeValidator, Field

from contracts import MonthlyMeetingKind
from contracts.base import HsaId
from services.escalation.api.bodies import Text
from services.escalation.api.calendar import ics_response
from services.escalation.application import (
    CreateMeetingSeries,
    EscalationApplication,
    RecordMinutes,
    RegisterCase,
    registration_owner,
)
from services.escalation.domain import MeetingSeries, MonthlyMeeting, Registration
from services.escalation.domain.registrations import age_of
from services.escalation.policy import may
from services.escalation.views.calendar import MeetingStatus
from services.runtime.http.bodies import ClearText, command_from, located, view_of
from services.runtime.http.caller import Caller
from services.runtime.http.fields import Personnummer, RequestModel
from services.runtime.http.identification import (
    PERSONAL_DATA,
    log_access,
    log_change,
    one_commit,
    subject_named,
)
from services.runtime.http.routes import Disclosing
from services.runtime.kernel.personal import Personal
from services.runtime.store.audit import Action

router = APIRouter(tags=["monthly meetings"])

MONTHLY_MEETING_LENGTH = timedelta(hours=2)
AGENDA = "monthly meeting agenda (E-7)"
Members = Annotated[list[HsaId], Field(min_length=2, max_length=50)]


class SeriesRequest(RequestModel):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    members: Members = Field(description="The units whose deputy unit managers meet.")
    first_kind: MonthlyMeetingKind = MonthlyMeetingKind.ALIGNMENT


class PlanRequest(RequestModel):
    starts_at: AwareDatetime


Reason = Annotated[
    Text,
    Field(
        description="Why the plan changes (W-2): free text, kept sealed in escalation as the "
        "meeting's own, never on a topic.",
        json_schema_extra={"x-rule": "W-2"},
    ),
]


class MoveRequest(RequestModel):
    starts_at: AwareDatetime = Field(
        description="The new time: in the future, in the month the meeting was planned for "
        "(E-7: the forum meets once a month). Registration closes at 12:00 the day before it."
    )
    reason: Reason


class CancellationRequest(RequestModel):
    reason: Reason


class RegistrationRequest(RequestModel):
    personnummer: Personnummer | None = Field(
        None,
        description="The individual named: their consent to information sharing (or an "
        "emergency or OSL 26:9 disclosure) naming every member unit is checked by it; "
        "without it the registration is refused (C-11).",
        json_schema_extra={"x-rule": "C-11"},
    )
    name: Annotated[str, Field(min_length=1, max_length=200)]
    age: Annotated[int, Field(ge=0, le=130)]
    background: Text
    current_situation: Text
    problem_and_question: Text
    summoned_orgs: Annotated[list[HsaId], Field(max_length=50)] = Field(
        default_factory=list,
        description="Units summoned for the case; default: every other member unit.",
    )


class AttendanceRequest(RequestModel):
    present_orgs: Annotated[list[HsaId], Field(max_length=50)]


class CaseMinutes(RequestModel):
    registration_id: UUID = Field(description="The case on this meeting's agenda.")
    text: Annotated[str, Field(min_length=1, max_length=20000)]


class MinutesRequest(RequestModel):
    text: Annotated[str, Field(min_length=1, max_length=20000)] = Field(
        description="What concerns the forum as a whole; write about an individual in `cases`."
    )
    cases: Annotated[list[CaseMinutes], Field(max_length=200)] = Field(
        default_factory=list,
        description="The minutes of each registered case, sealed to that individual: erasing "
        "them erases their part only.",
    )


class PlannedView(BaseModel):
    meeting_id: UUID
    starts_at: datetime
    kind: str
    minute_taker: str
    inventory: bool


class SeriesView(BaseModel):
    id: UUID
    name: str
    members: list[str]
    next_kind: str
    next_minute_taker: str
    meetings: list[PlannedView]


class RegistrationView(BaseModel):
    id: UUID
    subject_id: str | None
    registering_org: str
    registered_by: str
    name: ClearText
    age: Annotated[int | None, BeforeValidator(age_of)] = Field(
        description="The age given at registration; null once erased (C-7)."
    )
    background: ClearText
    current_situation: ClearText
    problem_and_question: ClearText
    summoned_orgs: list[str]
    registered_at: datetime
    minutes: ClearText | None = Field(description="This case's part of the meeting's minutes.")


class TransferView(BaseModel):
    case_id: UUID
    subject_id: str
    unit: str
    transition_on: date
    to_unit: str | None = Field(
        None, description="The unit taking over, once announced (K-4); null: not yet."
    )
    announced_at: datetime | None = None


class MonthlyMeetingView(BaseModel):
    id: UUID
    series_id: UUID
    kind: str
    starts_at: datetime
    registration_closes_at: datetime
    members: list[str]
    summoned_orgs: list[str]
    minute_taker: str
    agenda: list[RegistrationView]
    present_orgs: list[str] | None
    absent_orgs: list[str]
    minutes: ClearText | None
    cancelled_at: datetime | None = Field(description="When it was cancelled (W-2); else null.")
    inventory: list[TransferView] | None
    """Upcoming known transfers: only at the term's inventory meeting (E-7, K-4)."""


def _series_view(series: MeetingSeries) -> SeriesView:
    return view_of(
        SeriesView,
        series,
        next_kind=series.next_kind(),
        next_minute_taker=series.next_minute_taker(),
    )


def _meeting_view(
    meeting: MonthlyMeeting, application: EscalationApplication
) -> MonthlyMeetingView:
    return view_of(
        MonthlyMeetingView,
        meeting,
        registration_closes_at=meeting.registration_cutoff,
        agenda=[
            _registration_view(r, meeting.case_minutes.get(r.registration_id))
            for r in meeting.registrations
        ],
        inventory=application.inventory(meeting),
    )


def _registration_view(r: Registration, minutes: Personal | None = None) -> RegistrationView:
    return view_of(RegistrationView, r, id=r.registration_id, minutes=minutes)


def _meeting_disclosed(
    caller: Caller, meeting: MonthlyMeeting, action: Action = Action.CHANGED
) -> MonthlyMeetingView:
    """The meeting as the members see it, once an access record is stored for everyone it
    discloses: each case on the agenda, and each individual in the term's inventory."""
    view = _meeting_view(meeting, caller.application(EscalationApplication))
    about = [registration_owner(r.subject_id, r.registration_id) for r in meeting.registrations]
    about += [t.subject_id for t in view.inventory or []]
    log_access(caller, about, purpose=AGENDA, action=action)
    return view


_meetings = Disclosing(EscalationApplication, _meeting_disclosed)


@router.post("/meeting-series", status_code=201)
def create_meeting_series(
    body: SeriesRequest, caller: Annotated[Caller, may("forum.create")]
) -> SeriesView:
    """Set up the monthly forum of the member units' deputy unit managers (E-7)."""
    command = command_from(body, CreateMeetingSeries)
    application = caller.application(EscalationApplication)
    series = application.create_meeting_series(caller.actor, command, at=caller.now)
    return located(caller.response, f"/v1/meeting-series/{series.id}", _series_view(series))


@router.get("/meeting-series/{series_id}")
def get_meeting_series(series_id: UUID, caller: Annotated[Caller, may("forum.read")]) -> SeriesView:
    application = caller.application(EscalationApplication)
    return _series_view(application.read_meeting_series(caller.actor, series_id))


@router.post("/meeting-series/{series_id}/meetings", status_code=201, openapi_extra=PERSONAL_DATA)
def plan_monthly_meeting(
    series_id: UUID, body: PlanRequest, caller: Annotated[Caller, may("forum.plan_meeting")]
) -> MonthlyMeetingView:
    """Plan next month's meeting: the kind alternates, the minute-taker rotates (E-7)."""
    plan = EscalationApplication.plan_monthly_meeting
    location = "/v1/monthly-meetings/{id}"
    return _meetings.created(caller, location, plan, series_id, starts_at=body.starts_at)


@router.get("/monthly-meetings/{meeting_id}", openapi_extra=PERSONAL_DATA)
def get_monthly_meeting(
    meeting_id: UUID, caller: Annotated[Caller, may("monthly_meeting.read")]
) -> MonthlyMeetingView:
    """The meeting with its agenda (names and ages for the members' eyes only), attendance,
    minutes and, at the term's inventory meeting, the upcoming transfers."""
    return _meetings.read(caller, EscalationApplication.read_monthly_meeting, meeting_id)


@router.post("/monthly-meetings/{meeting_id}/move", openapi_extra=PERSONAL_DATA)
def move_monthly_meeting(
    meeting_id: UUID, body: MoveRequest, caller: Annotated[Caller, may("monthly_meeting.move")]
) -> MonthlyMeetingView:
    """Move the meeting within its month, with the reason (W-2); registration closes at
    12:00 the day before the new time (E-7), and the cases registered stay on the agenda."""
    move = EscalationApplication.move_monthly_meeting
    return _meetings.changed(caller, move, meeting_id, to=body.starts_at, reason=body.reason)


@router.post("/monthly-meetings/{meeting_id}/cancellation", openapi_extra=PERSONAL_DATA)
def cancel_monthly_meeting(
    meeting_id: UUID,
    body: CancellationRequest,
    caller: Annotated[Caller, may("monthly_meeting.cancel")],
) -> MonthlyMeetingView:
    """Cancel the meeting, with the reason (W-2): it takes no more registrations; the
    forum's next meeting is planned as usual."""
    cancel = EscalationApplication.cancel_monthly_meeting
    return _meetings.changed(caller, cancel, meeting_id, reason=body.reason)


@router.post(
    "/monthly-meetings/{meeting_id}/registrations", status_code=201, openapi_extra=PERSONAL_DATA
)
def register_case(
    meeting_id: UUID,
    body: RegistrationRequest,
    caller: Annotated[Caller, may("monthly_meeting.register_case")],
) -> RegistrationView:
    """Register a case by 12:00 (Europe/Stockholm) the day before the meeting (E-7)."""
    command = command_from(
        body,
        RegisterCase,
        meeting_id=meeting_id,
        subject_id=subject_named(caller.request, body.personnummer),
    )
    application = caller.application(EscalationApplication)

    def register() -> RegistrationView:
        r = application.register_case(caller.actor, command, at=caller.now)
        owner = registration_owner(r.subject_id, r.registration_id)
        log_change(caller, owner, purpose=AGENDA)
        # A registration is one item of the meeting's agenda: it reads back there (W-3).
        location = f"/v1/monthly-meetings/{meeting_id}"
        return located(caller.response, location, _registration_view(r))

    return one_commit(caller, register)


@router.post("/monthly-meetings/{meeting_id}/attendance", openapi_extra=PERSONAL_DATA)
def record_monthly_attendance(
    meeting_id: UUID,
    body: AttendanceRequest,
    caller: Annotated[Caller, may("monthly_meeting.record")],
) -> MonthlyMeetingView:
    """Who came; summoned units that did not are recorded absent (E-7). Recorded by the
    unit keeping this meeting's minutes."""
    record = EscalationApplication.record_monthly_attendance
    present_orgs = list(body.present_orgs)
    return _meetings.changed(caller, record, meeting_id, present_orgs=present_orgs)


@router.post("/monthly-meetings/{meeting_id}/minutes", openapi_extra=PERSONAL_DATA)
def record_minutes(
    meeting_id: UUID, body: MinutesRequest, caller: Annotated[Caller, may("monthly_meeting.record")]
) -> MonthlyMeetingView:
    """The minutes, kept by this meeting's minute-taker unit (E-7: the turn rotates): a
    general part, and a part per registered case sealed to that individual."""
    command = RecordMinutes(
        text=body.text, cases=[(part.registration_id, part.text) for part in body.cases]
    )
    return _meetings.changed(caller, EscalationApplication.record_minutes, meeting_id, command)


@router.get("/monthly-meetings/{meeting_id}/calendar.ics")
def monthly_meeting_calendar(
    meeting_id: UUID, caller: Annotated[Caller, may("monthly_meeting.read")]
) -> Response:
    """The monthly meeting as an iCalendar file; moved or cancelled (W-2), a later one with
    a higher SEQUENCE (and STATUS:CANCELLED) updates the one imported before."""
    application = caller.application(EscalationApplication)
    meeting = application.read_monthly_meeting(caller.actor, meeting_id)
    summary = (
        "Avstämningsmöte biträdande enhetschefer"
        if meeting.kind is MonthlyMeetingKind.ALIGNMENT
        else "Samverkansmöte biträdande enhetschefer"
    )
    description = (
        f"Anmälan av ärenden senast {meeting.registration_cutoff.isoformat()}. "
        f"Protokoll: {meeting.minute_taker}."
    )
    return ics_response(
        f"monthly-meeting-{meeting.id}",
        summary,
        description,
        meeting.starts_at,
        MONTHLY_MEETING_LENGTH,
        stamp=caller.now,
        status=MeetingStatus.CANCELLED if meeting.cancelled_at else MeetingStatus.CONFIRMED,
        sequence=meeting.version,
    )
