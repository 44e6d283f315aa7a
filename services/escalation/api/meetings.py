"""Monthly meetings of deputy unit managers (E-7), acute matters (E-8) and consultations (E-9).

A case registration carries the individual's name and age: it is read back
only by the forum's member units, and never published. Every answer that
carries a registration, an inventory transfer, an acute matter's question or
a consultation's notes is logged as an access about the individual named (or,
naming no one, about the record: `record_owner`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import partial
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import AwareDatetime, BaseModel, Field

from contracts import ConsultationOutcome, MonthlyMeetingKind
from contracts.base import HsaId, OrgIds
from services.escalation.api.common import (
    PROBLEMS,
    Notes,
    Text,
    app_of,
    ics_response,
    now_of,
)
from services.escalation.application import (
    EscalationApplication,
    HoldConsultation,
    RegisterCase,
    minutes_owner,
    record_owner,
    registration_owner,
)
from services.escalation.domain import (
    AcuteMatter,
    Consultation,
    MeetingSeries,
    MonthlyMeeting,
    Registration,
)
from services.escalation.policy import may
from services.runtime.http.identification import (
    PERSONAL_DATA,
    Personnummer,
    RequestModel,
    audit_access,
    audit_accesses,
    subject_id_for,
)
from services.runtime.http.problems import Problem
from services.runtime.kernel.actor import Actor, require_party
from services.runtime.store.audit import Action

router = APIRouter(prefix="/v1", tags=["monthly meetings"], responses=PROBLEMS)

MONTHLY_MEETING_LENGTH = timedelta(hours=2)
Members = Annotated[list[HsaId], Field(min_length=2, max_length=50)]


class SeriesRequest(RequestModel):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    members: Members = Field(description="The units whose deputy unit managers meet.")
    first_kind: MonthlyMeetingKind = MonthlyMeetingKind.ALIGNMENT


class PlanRequest(RequestModel):
    starts_at: AwareDatetime


class RegistrationRequest(RequestModel):
    personnummer: Personnummer | None = Field(
        None, description="Links the registration to the individual; optional."
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


class AcuteMatterRequest(RequestModel):
    to_org: HsaId = Field(description="The other unit; its deputy unit manager takes it (E-8).")
    personnummer: Personnummer | None = None
    question: Text


class ConsultationRequest(RequestModel):
    anonymous: bool = Field(description="No individual named: nothing links it to anyone (E-9).")
    personnummer: Personnummer | None = Field(None, description="Required for a named one.")
    consulted_orgs: OrgIds
    meeting_id: UUID | None = None
    outcome: ConsultationOutcome
    notes: Notes = ""


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
    name: str
    age: int
    background: str
    current_situation: str
    problem_and_question: str
    summoned_orgs: list[str]
    registered_at: datetime
    minutes: str | None = Field(description="This case's part of the meeting's minutes.")


class TransferView(BaseModel):
    case_id: UUID
    subject_id: str
    unit: str
    transition_on: date


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
    minutes: str | None
    inventory: list[TransferView] | None
    """Upcoming known transfers: only at the term's inventory meeting (E-7, K-4)."""


class AcuteMatterView(BaseModel):
    id: UUID
    subject_id: str | None
    from_org: str
    to_org: str
    raised_by: str
    question: str
    raised_at: datetime
    taken_by: str | None
    taken_at: datetime | None


class ConsultationView(BaseModel):
    id: UUID
    anonymous: bool
    subject_id: str | None
    consulting_org: str
    consulted_orgs: list[str]
    meeting_id: UUID | None
    outcome: str
    notes: str
    held_at: datetime


def _series_view(series: MeetingSeries) -> SeriesView:
    return SeriesView(
        id=series.id,
        name=series.name,
        members=series.members,
        next_kind=series.next_kind().value,
        next_minute_taker=series.next_minute_taker(),
        meetings=[
            PlannedView(
                meeting_id=m.meeting_id,
                starts_at=m.starts_at,
                kind=m.kind.value,
                minute_taker=m.minute_taker,
                inventory=m.inventory,
            )
            for m in series.meetings
        ],
    )


def _meeting_view(
    meeting: MonthlyMeeting, application: EscalationApplication
) -> MonthlyMeetingView:
    inventory = application.inventory(meeting)
    return MonthlyMeetingView(
        id=meeting.id,
        series_id=meeting.series_id,
        kind=meeting.kind.value,
        starts_at=meeting.starts_at,
        registration_closes_at=meeting.registration_cutoff,
        members=meeting.members,
        summoned_orgs=meeting.summoned_orgs,
        minute_taker=meeting.minute_taker,
        agenda=[
            _registration_view(r, application, meeting.case_minutes.get(r.registration_id))
            for r in meeting.registrations
        ],
        present_orgs=meeting.present_orgs,
        absent_orgs=meeting.absent_orgs,
        minutes=application.unseal(minutes_owner(meeting.id), meeting.minutes),
        inventory=None
        if inventory is None
        else [
            TransferView(
                case_id=t.case_id,
                subject_id=t.subject_id,
                unit=t.unit,
                transition_on=t.transition_on,
            )
            for t in inventory
        ],
    )


def _registration_view(
    r: Registration, application: EscalationApplication, minutes: str | None = None
) -> RegistrationView:
    owner = registration_owner(r.subject_id, r.registration_id)
    return RegistrationView(
        id=r.registration_id,
        subject_id=r.subject_id,
        registering_org=r.registering_org,
        registered_by=r.registered_by,
        name=application.unseal(owner, r.name),
        age=r.age,
        background=application.unseal(owner, r.background),
        current_situation=application.unseal(owner, r.current_situation),
        problem_and_question=application.unseal(owner, r.problem_and_question),
        summoned_orgs=r.summoned_orgs,
        registered_at=r.registered_at,
        minutes=application.unseal(owner, minutes),
    )


async def _meeting_disclosed(
    request: Request, actor: Actor, meeting: MonthlyMeeting, action: Action = Action.CHANGED
) -> MonthlyMeetingView:
    """The meeting as the members see it, once an access record is stored for everyone it
    discloses: each case on the agenda, and each individual in the term's inventory."""
    view = await run_in_threadpool(_meeting_view, meeting, app_of(request))
    about = [registration_owner(r.subject_id, r.registration_id) for r in meeting.registrations]
    about += [t.subject_id for t in view.inventory or []]
    await audit_accesses(
        request, actor, about, purpose="monthly meeting agenda (E-7)", action=action
    )
    return view


async def _meeting_for_member(request: Request, meeting_id: UUID, actor: Actor) -> MonthlyMeeting:
    meeting = await run_in_threadpool(app_of(request).get_monthly_meeting, meeting_id)
    require_party(actor, meeting.members, what="this forum", rule="E-7")
    return meeting


# --- monthly meetings (E-7) ----------------------------------------------------------------


@router.post("/meeting-series", status_code=201, response_model=SeriesView)
async def create_meeting_series(
    body: SeriesRequest,
    request: Request,
    response: Response,
    actor: Annotated[Actor, may("forum.create")],
) -> SeriesView:
    """Set up the monthly forum of the member units' deputy unit managers (E-7)."""
    require_party(actor, body.members, what="this forum", rule="E-7")
    application = app_of(request)
    series_id = await run_in_threadpool(
        application.create_meeting_series,
        name=body.name,
        members=list(body.members),
        first_kind=body.first_kind,
        created_by=actor.hsa_id,
        at=now_of(request),
    )
    response.headers["Location"] = f"/v1/meeting-series/{series_id}"
    return _series_view(await run_in_threadpool(application.get_meeting_series, series_id))


@router.get("/meeting-series/{series_id}", response_model=SeriesView)
async def get_meeting_series(
    series_id: UUID, request: Request, actor: Annotated[Actor, may("forum.read")]
) -> SeriesView:
    series = await run_in_threadpool(app_of(request).get_meeting_series, series_id)
    require_party(actor, series.members, what="this forum", rule="E-7")
    return _series_view(series)


@router.post(
    "/meeting-series/{series_id}/meetings",
    status_code=201,
    response_model=MonthlyMeetingView,
    openapi_extra=PERSONAL_DATA,
)
async def plan_monthly_meeting(
    series_id: UUID,
    body: PlanRequest,
    request: Request,
    response: Response,
    actor: Annotated[Actor, may("forum.plan_meeting")],
) -> MonthlyMeetingView:
    """Plan next month's meeting: the kind alternates, the minute-taker rotates (E-7)."""
    application = app_of(request)
    series = await run_in_threadpool(application.get_meeting_series, series_id)
    require_party(actor, series.members, what="this forum", rule="E-7")
    meeting = await run_in_threadpool(
        application.plan_monthly_meeting, series_id, starts_at=body.starts_at, at=now_of(request)
    )
    response.headers["Location"] = f"/v1/monthly-meetings/{meeting.id}"
    return await _meeting_disclosed(request, actor, meeting)


@router.get(
    "/monthly-meetings/{meeting_id}", response_model=MonthlyMeetingView, openapi_extra=PERSONAL_DATA
)
async def get_monthly_meeting(
    meeting_id: UUID, request: Request, actor: Annotated[Actor, may("monthly_meeting.read")]
) -> MonthlyMeetingView:
    """The meeting with its agenda (names and ages for the members' eyes only), attendance,
    minutes and, at the term's inventory meeting, the upcoming transfers."""
    meeting = await _meeting_for_member(request, meeting_id, actor)
    return await _meeting_disclosed(request, actor, meeting, Action.READ)


@router.post(
    "/monthly-meetings/{meeting_id}/registrations",
    status_code=201,
    response_model=RegistrationView,
    openapi_extra=PERSONAL_DATA,
)
async def register_case(
    meeting_id: UUID,
    body: RegistrationRequest,
    request: Request,
    actor: Annotated[Actor, may("monthly_meeting.register_case")],
) -> RegistrationView:
    """Register a case by 12:00 (Europe/Stockholm) the day before the meeting (E-7)."""
    command = RegisterCase(
        meeting_id=meeting_id,
        subject_id=subject_id_for(request, body.personnummer) if body.personnummer else None,
        registering_org=actor.org_id,
        registered_by=actor.hsa_id,
        name=body.name,
        age=body.age,
        background=body.background,
        current_situation=body.current_situation,
        problem_and_question=body.problem_and_question,
        summoned_orgs=list(body.summoned_orgs),
    )
    application = app_of(request)
    r = await run_in_threadpool(application.register_case, command, at=now_of(request))
    await audit_access(
        request,
        actor,
        registration_owner(r.subject_id, r.registration_id),
        purpose="monthly meeting agenda (E-7)",
        action=Action.CHANGED,
    )
    return await run_in_threadpool(_registration_view, r, application)


@router.post(
    "/monthly-meetings/{meeting_id}/attendance",
    response_model=MonthlyMeetingView,
    openapi_extra=PERSONAL_DATA,
)
async def record_monthly_attendance(
    meeting_id: UUID,
    body: AttendanceRequest,
    request: Request,
    actor: Annotated[Actor, may("monthly_meeting.record")],
) -> MonthlyMeetingView:
    """Who came; summoned units that did not are recorded absent (E-7). Recorded by the
    unit keeping this meeting's minutes."""
    await _meeting_for_member(request, meeting_id, actor)
    application = app_of(request)
    meeting = await run_in_threadpool(
        partial(
            application.record_monthly_attendance,
            meeting_id,
            present_orgs=list(body.present_orgs),
            recorded_by=actor.hsa_id,
            at=now_of(request),
            recorded_by_org=actor.org_id,
        )
    )
    return await _meeting_disclosed(request, actor, meeting)


@router.post(
    "/monthly-meetings/{meeting_id}/minutes",
    response_model=MonthlyMeetingView,
    openapi_extra=PERSONAL_DATA,
)
async def record_minutes(
    meeting_id: UUID,
    body: MinutesRequest,
    request: Request,
    actor: Annotated[Actor, may("monthly_meeting.record")],
) -> MonthlyMeetingView:
    """The minutes, kept by this meeting's minute-taker unit (E-7: the turn rotates): a
    general part, and a part per registered case sealed to that individual."""
    await _meeting_for_member(request, meeting_id, actor)
    ids = [part.registration_id for part in body.cases]
    if len(set(ids)) != len(ids):
        raise Problem(
            422,
            "Invalid request",
            "body.cases: one part per registered case",
            type="https://samverkan.se/problems/invalid-request",
            errors=[{"field": "body.cases", "message": "a case appears twice", "rule": "E-7"}],
        )
    application = app_of(request)
    meeting = await run_in_threadpool(
        partial(
            application.record_minutes,
            meeting_id,
            text=body.text,
            recorded_by=actor.hsa_id,
            recorded_by_org=actor.org_id,
            at=now_of(request),
            case_minutes={part.registration_id: part.text for part in body.cases},
        )
    )
    return await _meeting_disclosed(request, actor, meeting)


@router.get("/monthly-meetings/{meeting_id}/calendar.ics")
async def monthly_meeting_calendar(
    meeting_id: UUID, request: Request, actor: Annotated[Actor, may("monthly_meeting.read")]
) -> Response:
    """The monthly meeting as an iCalendar file."""
    meeting = await _meeting_for_member(request, meeting_id, actor)
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
        tentative=False,
        stamp=now_of(request),
    )


# --- acute matters (E-8) -------------------------------------------------------------------


def _acute_view(matter: AcuteMatter, application: EscalationApplication) -> AcuteMatterView:
    return AcuteMatterView(
        id=matter.id,
        subject_id=matter.subject_id,
        from_org=matter.from_org,
        to_org=matter.to_org,
        raised_by=matter.raised_by,
        question=application.unseal(record_owner(matter.subject_id, matter.id), matter.question),
        raised_at=matter.raised_at,
        taken_by=matter.taken_by,
        taken_at=matter.taken_at,
    )


async def _acute_disclosed(
    request: Request, actor: Actor, matter: AcuteMatter, action: Action = Action.CHANGED
) -> AcuteMatterView:
    """The matter with its question, once its disclosure is in the access log."""
    owner = record_owner(matter.subject_id, matter.id)
    await audit_access(request, actor, owner, purpose="acute matter (E-8)", action=action)
    return await run_in_threadpool(_acute_view, matter, app_of(request))


@router.post(
    "/acute-matters",
    status_code=201,
    response_model=AcuteMatterView,
    tags=["acute"],
    openapi_extra=PERSONAL_DATA,
)
async def raise_acute_matter(
    body: AcuteMatterRequest,
    request: Request,
    response: Response,
    actor: Annotated[Actor, may("acute_matter.raise")],
) -> AcuteMatterView:
    """An acute matter goes straight to the other unit's deputy unit manager, outside the
    monthly rhythm: no registration, no cutoff (E-8)."""
    application = app_of(request)
    matter_id = await run_in_threadpool(
        application.raise_acute_matter,
        subject_id=subject_id_for(request, body.personnummer) if body.personnummer else None,
        from_org=actor.org_id,
        to_org=body.to_org,
        raised_by=actor.hsa_id,
        question=body.question,
        at=now_of(request),
    )
    response.headers["Location"] = f"/v1/acute-matters/{matter_id}"
    matter = await run_in_threadpool(application.get_acute_matter, matter_id)
    return await _acute_disclosed(request, actor, matter)


@router.get(
    "/acute-matters/{matter_id}",
    response_model=AcuteMatterView,
    tags=["acute"],
    openapi_extra=PERSONAL_DATA,
)
async def get_acute_matter(
    matter_id: UUID, request: Request, actor: Annotated[Actor, may("acute_matter.read")]
) -> AcuteMatterView:
    matter = await run_in_threadpool(app_of(request).get_acute_matter, matter_id)
    require_party(actor, [matter.from_org, matter.to_org], what="this acute matter", rule="E-8")
    return await _acute_disclosed(request, actor, matter, Action.READ)


@router.post(
    "/acute-matters/{matter_id}/taken",
    response_model=AcuteMatterView,
    tags=["acute"],
    openapi_extra=PERSONAL_DATA,
)
async def take_acute_matter(
    matter_id: UUID, request: Request, actor: Annotated[Actor, may("acute_matter.take")]
) -> AcuteMatterView:
    """The receiving unit's deputy unit manager takes the acute matter (E-8)."""
    application = app_of(request)
    matter = await run_in_threadpool(
        application.take_acute_matter,
        matter_id,
        by=actor.hsa_id,
        by_org=actor.org_id,
        by_role=actor.role,
        at=now_of(request),
    )
    return await _acute_disclosed(request, actor, matter)


# --- consultations (E-9) -------------------------------------------------------------------


async def _consultation_disclosed(
    request: Request, actor: Actor, c: Consultation, action: Action = Action.CHANGED
) -> ConsultationView:
    """The consultation with its notes, once its disclosure is in the access log."""
    owner = record_owner(c.subject_id, c.id)
    await audit_access(request, actor, owner, purpose="consultation (E-9)", action=action)
    return await run_in_threadpool(_consultation_view, c, app_of(request))


@router.post(
    "/consultations",
    status_code=201,
    response_model=ConsultationView,
    tags=["consultation"],
    openapi_extra=PERSONAL_DATA,
)
async def hold_consultation(
    body: ConsultationRequest,
    request: Request,
    response: Response,
    actor: Annotated[Actor, may("consultation.hold")],
) -> ConsultationView:
    """Record a consultation (E-9): anonymous (no individual at all) or named."""
    if body.anonymous == (body.personnummer is not None):
        raise Problem(
            422,
            "Consultation invalid",
            "an anonymous consultation names no individual; a named one gives the personnummer",
            rule="E-9",
        )
    application = app_of(request)
    if body.meeting_id is not None:
        # E-7: only a member unit brings a consultation to the forum's meeting.
        await _meeting_for_member(request, body.meeting_id, actor)
    command = HoldConsultation(
        subject_id=subject_id_for(request, body.personnummer) if body.personnummer else None,
        consulting_org=actor.org_id,
        consulted_orgs=list(body.consulted_orgs),
        meeting_id=body.meeting_id,
        outcome=body.outcome,
        notes=body.notes,
        recorded_by=actor.hsa_id,
    )
    consultation_id = await run_in_threadpool(
        application.hold_consultation, command, at=now_of(request)
    )
    response.headers["Location"] = f"/v1/consultations/{consultation_id}"
    consultation = await run_in_threadpool(application.get_consultation, consultation_id)
    return await _consultation_disclosed(request, actor, consultation)


@router.get(
    "/consultations/{consultation_id}",
    response_model=ConsultationView,
    tags=["consultation"],
    openapi_extra=PERSONAL_DATA,
)
async def get_consultation(
    consultation_id: UUID, request: Request, actor: Annotated[Actor, may("consultation.read")]
) -> ConsultationView:
    c = await run_in_threadpool(app_of(request).get_consultation, consultation_id)
    require_party(
        actor, [c.consulting_org, *c.consulted_orgs], what="this consultation", rule="E-9"
    )
    return await _consultation_disclosed(request, actor, c, Action.READ)


def _consultation_view(c: Consultation, application: EscalationApplication) -> ConsultationView:
    return ConsultationView(
        id=c.id,
        anonymous=c.anonymous,
        subject_id=c.subject_id,
        consulting_org=c.consulting_org,
        consulted_orgs=c.consulted_orgs,
        meeting_id=c.meeting_id,
        outcome=c.outcome.value,
        notes=application.unseal(record_owner(c.subject_id, c.id), c.notes),
        held_at=c.held_at,
    )
