"""The red thread over HTTP (E-1..E-5): pull, coordinator, meeting, attendance, follow-up,
closing, its calendar files, and the deadlines an organisation has coming.

Who may pull (E-1) is decided from the verified token's organisation type,
never from anything in the request body; the coordinator's steps need the
coordinator role from the token, and an office that serves the municipality
the thread was pulled in (E-3, services.escalation.domain.offices). Every
answer names the individual (their subject id) and is logged as an access.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import partial
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from contracts import (
    MUNICIPALITY_CODE_PATTERN,
    FollowUpResult,
    MeasureTried,
    MeetingOutcome,
    Role,
)
from contracts.base import HsaId, OrgIds
from services.escalation.api.common import (
    PROBLEMS,
    Notes,
    app_of,
    ics_response,
    invalid_field,
    now_of,
    offices_of,
)
from services.escalation.application import (
    EscalationApplication,
    EvaluateFollowUp,
    PullRedThread,
    RecordMeetingHeld,
    ScheduleMeeting,
)
from services.escalation.deadlines import Deadline
from services.escalation.domain import RedThread
from services.escalation.policy import may
from services.runtime.http.identification import (
    PERSONAL_DATA,
    Personnummer,
    RequestModel,
    audit_access,
    audit_accesses,
    subject_id_for,
)
from services.runtime.http.permissions import organisation_of
from services.runtime.http.problems import Problem
from services.runtime.kernel.actor import Actor, require_party
from services.runtime.store.audit import Action

router = APIRouter(prefix="/v1", tags=["red thread"], responses=PROBLEMS)

MEETING_LENGTH = timedelta(minutes=90)
Attended = Annotated[list[HsaId], Field(max_length=50)]


class PullRequest(RequestModel):
    personnummer: Personnummer
    measures_tried: Annotated[list[MeasureTried], Field(min_length=1, max_length=10)]
    burdened_orgs: OrgIds
    municipality_code: Annotated[str, StringConstraints(pattern=MUNICIPALITY_CODE_PATTERN)]


class CoordinatorRequest(RequestModel):
    coordinator: HsaId | None = Field(
        None,
        description="HSA-id of the coordinator; default: the caller takes it. Someone else "
        "is a colleague at the caller's own coordination office, with an HSA-id of its "
        "organisation (E-3).",
        json_schema_extra={"x-rule": "E-3"},
    )
    office: HsaId | None = Field(
        None,
        description="The coordination office `coordinator` works at: required when naming "
        "someone else, and it must be the caller's own (a thread is handed on only within "
        "the office that serves its municipality, E-3).",
        json_schema_extra={"x-rule": "E-3"},
    )


class MeetingRequest(RequestModel):
    meeting_at: AwareDatetime
    invited_orgs: OrgIds = Field(description="The organisations summoned to the meeting (E-3).")


class MeetingHeldRequest(RequestModel):
    attended_orgs: Attended = Field(
        description="Summoned organisations that attended; every other one is absent (E-3)."
    )
    outcome: MeetingOutcome
    notes: Notes = ""


class FollowUpRequest(RequestModel):
    follow_up_at: AwareDatetime


class EvaluationRequest(RequestModel):
    attended_orgs: Attended
    result: FollowUpResult
    notes: Notes = ""


class HoldView(BaseModel):
    stage: str
    reason: str
    basis_id: UUID
    since: datetime


class RedThreadView(BaseModel):
    id: UUID
    subject_id: str
    status: str
    pulled_at: datetime
    pulled_by_org_type: str
    measures_tried: list[str]
    burdened_orgs: list[str]
    municipality_code: str
    coordinator: str | None
    meeting_deadline: date
    meeting_at: datetime | None
    invited_orgs: list[str]
    legal_basis: str | None
    basis_id: UUID | None
    hold: HoldView | None
    meeting_held: bool
    attended_orgs: list[str]
    absent_orgs: list[str]
    outcome: str | None
    outcome_notes: str | None
    follow_up_at: datetime | None
    follow_up_legal_basis: str | None
    follow_up_basis_id: UUID | None
    follow_up_evaluated: bool
    follow_up_absent_orgs: list[str]
    follow_up_result: str | None
    closed_at: datetime | None
    meeting_overdue_since: datetime | None
    follow_up_overdue_since: datetime | None


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
}


def _view(red_thread: RedThread, application: EscalationApplication) -> RedThreadView:
    hold = red_thread.hold
    follow_up_basis = red_thread.follow_up_basis
    return RedThreadView(
        id=red_thread.id,
        subject_id=red_thread.subject_id,
        status=red_thread.status,
        pulled_at=red_thread.pulled_at,
        pulled_by_org_type=red_thread.pulled_by_org_type,
        measures_tried=red_thread.measures_tried,
        burdened_orgs=red_thread.burdened_orgs,
        municipality_code=red_thread.municipality_code,
        coordinator=red_thread.coordinator,
        meeting_deadline=red_thread.meeting_deadline,
        meeting_at=red_thread.meeting_at,
        invited_orgs=red_thread.invited_orgs,
        legal_basis=red_thread.basis.kind.value if red_thread.basis else None,
        basis_id=red_thread.basis.id if red_thread.basis else None,
        hold=HoldView(
            stage=hold.stage.value,
            reason=hold.reason.value,
            basis_id=hold.basis_id,
            since=hold.since,
        )
        if hold
        else None,
        meeting_held=red_thread.meeting_held,
        attended_orgs=red_thread.attended_orgs,
        absent_orgs=red_thread.absent_orgs,
        outcome=red_thread.outcome,
        outcome_notes=application.unseal(red_thread.subject_id, red_thread.outcome_notes),
        follow_up_at=red_thread.follow_up_at,
        follow_up_legal_basis=follow_up_basis.kind.value if follow_up_basis else None,
        follow_up_basis_id=follow_up_basis.id if follow_up_basis else None,
        follow_up_evaluated=red_thread.follow_up_evaluated,
        follow_up_absent_orgs=red_thread.follow_up_absent_orgs,
        follow_up_result=red_thread.follow_up_result,
        closed_at=red_thread.closed_at,
        meeting_overdue_since=red_thread.meeting_overdue_since,
        follow_up_overdue_since=red_thread.follow_up_overdue_since,
    )


PURPOSE = "red thread (E-1..E-5)"


def _serves(request: Request, actor: Actor, red_thread: RedThread) -> bool:
    """E-3: the caller is a coordinator at an office serving the thread's municipality."""
    return actor.role is Role.COORDINATOR and offices_of(request).serves(
        actor.org_id, red_thread.municipality_code
    )


def _require_serving_office(request: Request, actor: Actor, red_thread: RedThread) -> None:
    if not _serves(request, actor, red_thread):
        raise Problem(
            403,
            "Forbidden",
            f"your coordination office does not serve municipality "
            f"{red_thread.municipality_code}, where this red thread was pulled",
            rule="E-3",
        )


def _require_involved(request: Request, actor: Actor, red_thread: RedThread) -> None:
    """The organisations in the thread see it, and so do the coordinators of the office that
    serves its municipality (E-3): it waits for one of them to take it, and they may hand
    it on among themselves. No other coordination office sees it."""
    if _serves(request, actor, red_thread):
        return
    require_party(actor, red_thread.concerned_orgs, what="this red thread", rule="E-3")


async def _coordinated(request: Request, actor: Actor, red_thread_id: UUID) -> None:
    """Object level for the coordinator's steps (E-3): the caller's office serves the
    thread's municipality, and the thread is theirs to run (or still waiting for someone)."""
    red_thread = await run_in_threadpool(app_of(request).get_red_thread, red_thread_id)
    _require_serving_office(request, actor, red_thread)
    if red_thread.coordinator not in (None, actor.hsa_id) or (
        red_thread.coordinator_office not in (None, actor.org_id)
    ):
        raise Problem(403, "Forbidden", "another coordinator has taken this red thread", rule="E-3")


def _may_hand_on(request: Request, actor: Actor, red_thread: RedThread) -> None:
    """E-3: who may (re)assign the thread. A coordinator of an office serving its
    municipality, unless another such office holds it: an office keeps what it holds and
    hands it on among its own staff. A thread held by an office that does not serve the
    municipality (or, assigned before offices were kept, by an unknown one) is taken back."""
    _require_serving_office(request, actor, red_thread)
    holder = red_thread.coordinator_office
    if (
        red_thread.coordinator is not None
        and holder is not None
        and holder != actor.org_id
        and offices_of(request).serves(holder, red_thread.municipality_code)
    ):
        raise Problem(
            403, "Forbidden", "another coordination office has taken this red thread", rule="E-3"
        )


def _new_coordinator(actor: Actor, body: CoordinatorRequest) -> str:
    """E-3: the caller, or a colleague at the caller's own office whom the request names
    with that office; refused otherwise, so a thread never leaves the office."""
    if body.coordinator is None or body.coordinator == actor.hsa_id:
        return actor.hsa_id
    if body.office is None:
        raise invalid_field(
            "body.office",
            "name the coordination office the new coordinator works at: your own",
            rule="E-3",
        )
    if body.office != actor.org_id:
        raise Problem(
            403,
            "Forbidden",
            "a red thread is handed on only within your own coordination office",
            rule="E-3",
        )
    if organisation_of(body.coordinator) != organisation_of(actor.org_id):
        raise invalid_field(
            "body.coordinator",
            f"staff of {actor.org_id} have HSA-ids of its organisation "
            f"({organisation_of(actor.org_id)}-…)",
            rule="E-3",
        )
    return body.coordinator


async def _disclosed(
    request: Request, actor: Actor, red_thread: RedThread, action: Action = Action.CHANGED
) -> RedThreadView:
    """The answer about the thread, once its disclosure is in the access log."""
    await audit_access(request, actor, red_thread.subject_id, purpose=PURPOSE, action=action)
    return await run_in_threadpool(_view, red_thread, app_of(request))


@router.post(
    "/red-threads", status_code=201, response_model=RedThreadView, openapi_extra=PERSONAL_DATA
)
async def pull_red_thread(
    body: PullRequest,
    request: Request,
    response: Response,
    actor: Annotated[Actor, may("red_thread.pull")],
) -> RedThreadView:
    """Pull the red thread (E-1, E-2): ambulance, rescue services or police only."""
    command = PullRedThread(
        subject_id=subject_id_for(request, body.personnummer),
        pulled_by=actor.hsa_id,
        pulled_by_org=actor.org_id,
        pulled_by_org_type=actor.org_type.value,
        measures_tried=[m.value for m in body.measures_tried],
        burdened_orgs=list(body.burdened_orgs),
        municipality_code=body.municipality_code,
    )
    application = app_of(request)
    red_thread_id = await run_in_threadpool(
        application.pull_red_thread, command, at=now_of(request)
    )
    response.headers["Location"] = f"/v1/red-threads/{red_thread_id}"
    red_thread = await run_in_threadpool(application.get_red_thread, red_thread_id)
    return await _disclosed(request, actor, red_thread)


@router.get(
    "/red-threads/{red_thread_id}", response_model=RedThreadView, openapi_extra=PERSONAL_DATA
)
async def get_red_thread(
    red_thread_id: UUID, request: Request, actor: Annotated[Actor, may("red_thread.read")]
) -> RedThreadView:
    red_thread = await run_in_threadpool(app_of(request).get_red_thread, red_thread_id)
    _require_involved(request, actor, red_thread)
    return await _disclosed(request, actor, red_thread, Action.READ)


@router.post(
    "/red-threads/{red_thread_id}/coordinator",
    response_model=RedThreadView,
    openapi_extra=PERSONAL_DATA,
)
async def assign_coordinator(
    red_thread_id: UUID,
    body: CoordinatorRequest,
    request: Request,
    actor: Annotated[Actor, may("red_thread.assign_coordinator")],
) -> RedThreadView:
    """A coordinator of the office serving the thread's municipality takes it, or hands it
    to a colleague at the same office (E-3)."""
    current = await run_in_threadpool(app_of(request).get_red_thread, red_thread_id)
    _may_hand_on(request, actor, current)
    red_thread = await run_in_threadpool(
        partial(
            app_of(request).assign_coordinator,
            red_thread_id,
            coordinator=_new_coordinator(actor, body),
            assigned_by=actor.hsa_id,
            at=now_of(request),
            office=actor.org_id,
        )
    )
    return await _disclosed(request, actor, red_thread)


@router.post(
    "/red-threads/{red_thread_id}/meeting",
    response_model=RedThreadView,
    openapi_extra=PERSONAL_DATA,
)
async def schedule_meeting(
    red_thread_id: UUID,
    body: MeetingRequest,
    request: Request,
    actor: Annotated[Actor, may("red_thread.schedule_meeting")],
) -> RedThreadView:
    """The coordinator convenes the meeting within 14 days (E-3), on a legal basis (E-4).

    Again only while the meeting is on hold: a new time, on a basis that holds then.
    """
    await _coordinated(request, actor, red_thread_id)
    command = ScheduleMeeting(
        red_thread_id=red_thread_id,
        meeting_at=body.meeting_at,
        invited_orgs=list(body.invited_orgs),
        scheduled_by=actor.hsa_id,
        office=actor.org_id,
    )
    red_thread = await run_in_threadpool(
        app_of(request).schedule_meeting, command, at=now_of(request)
    )
    return await _disclosed(request, actor, red_thread)


@router.post(
    "/red-threads/{red_thread_id}/meeting/held",
    response_model=RedThreadView,
    openapi_extra=PERSONAL_DATA,
)
async def record_meeting_held(
    red_thread_id: UUID,
    body: MeetingHeldRequest,
    request: Request,
    actor: Annotated[Actor, may("red_thread.record_meeting")],
) -> RedThreadView:
    """The meeting took place: attendance per summoned organisation, and the outcome (E-3).

    Every summoned organisation not among `attended_orgs` is recorded absent
    (MeetingAbsenceRecorded, a deviation).
    """
    await _coordinated(request, actor, red_thread_id)
    command = RecordMeetingHeld(
        red_thread_id=red_thread_id,
        attended_orgs=list(body.attended_orgs),
        outcome=body.outcome,
        notes=body.notes,
        recorded_by=actor.hsa_id,
    )
    red_thread = await run_in_threadpool(
        app_of(request).record_meeting_held, command, at=now_of(request)
    )
    return await _disclosed(request, actor, red_thread)


@router.post(
    "/red-threads/{red_thread_id}/follow-up",
    response_model=RedThreadView,
    openapi_extra=PERSONAL_DATA,
)
async def book_follow_up(
    red_thread_id: UUID,
    body: FollowUpRequest,
    request: Request,
    actor: Annotated[Actor, may("red_thread.book_follow_up")],
) -> RedThreadView:
    """Book the follow-up and evaluation after the meeting (E-5), on a legal basis (E-4)."""
    await _coordinated(request, actor, red_thread_id)
    red_thread = await run_in_threadpool(
        app_of(request).book_follow_up,
        red_thread_id,
        follow_up_at=body.follow_up_at,
        booked_by=actor.hsa_id,
        at=now_of(request),
    )
    return await _disclosed(request, actor, red_thread)


@router.post(
    "/red-threads/{red_thread_id}/follow-up/evaluation",
    response_model=RedThreadView,
    openapi_extra=PERSONAL_DATA,
)
async def evaluate_follow_up(
    red_thread_id: UUID,
    body: EvaluationRequest,
    request: Request,
    actor: Annotated[Actor, may("red_thread.evaluate_follow_up")],
) -> RedThreadView:
    """The follow-up was held: attendance and how things stand (E-5)."""
    await _coordinated(request, actor, red_thread_id)
    command = EvaluateFollowUp(
        red_thread_id=red_thread_id,
        attended_orgs=list(body.attended_orgs),
        result=body.result,
        notes=body.notes,
        recorded_by=actor.hsa_id,
    )
    red_thread = await run_in_threadpool(
        app_of(request).evaluate_follow_up, command, at=now_of(request)
    )
    return await _disclosed(request, actor, red_thread)


@router.post(
    "/red-threads/{red_thread_id}/closure",
    response_model=RedThreadView,
    openapi_extra=PERSONAL_DATA,
)
async def close_red_thread(
    red_thread_id: UUID, request: Request, actor: Annotated[Actor, may("red_thread.close")]
) -> RedThreadView:
    """Close the red thread: only after its follow-up was evaluated (E-5)."""
    await _coordinated(request, actor, red_thread_id)
    red_thread = await run_in_threadpool(
        app_of(request).close_red_thread, red_thread_id, closed_by=actor.hsa_id, at=now_of(request)
    )
    return await _disclosed(request, actor, red_thread)


@router.get("/red-threads/{red_thread_id}/meeting.ics", openapi_extra=PERSONAL_DATA)
async def meeting_calendar(
    red_thread_id: UUID, request: Request, actor: Annotated[Actor, may("red_thread.read")]
) -> Response:
    """The red-thread meeting as an iCalendar file (tentative while on hold)."""
    red_thread = await run_in_threadpool(app_of(request).get_red_thread, red_thread_id)
    _require_involved(request, actor, red_thread)
    if red_thread.meeting_at is None:
        raise Problem(404, "Not Found", "no meeting is scheduled", rule="E-3")
    await _exported(request, actor, red_thread)
    on_hold = red_thread.hold is not None and red_thread.hold.stage.value == "meeting"
    return ics_response(
        f"red-thread-{red_thread.id}-meeting",
        "Det röda snöret: samverkansmöte",
        _description(red_thread),
        red_thread.meeting_at,
        MEETING_LENGTH,
        tentative=on_hold,
        stamp=now_of(request),
    )


@router.get("/red-threads/{red_thread_id}/follow-up.ics", openapi_extra=PERSONAL_DATA)
async def follow_up_calendar(
    red_thread_id: UUID, request: Request, actor: Annotated[Actor, may("red_thread.read")]
) -> Response:
    """The follow-up and evaluation as an iCalendar file (tentative while on hold)."""
    red_thread = await run_in_threadpool(app_of(request).get_red_thread, red_thread_id)
    _require_involved(request, actor, red_thread)
    if red_thread.follow_up_at is None:
        raise Problem(404, "Not Found", "no follow-up is booked", rule="E-5")
    await _exported(request, actor, red_thread)
    on_hold = red_thread.hold is not None and red_thread.hold.stage.value == "follow_up"
    return ics_response(
        f"red-thread-{red_thread.id}-follow-up",
        "Det röda snöret: uppföljning och utvärdering",
        _description(red_thread),
        red_thread.follow_up_at,
        MEETING_LENGTH,
        tentative=on_hold,
        stamp=now_of(request),
    )


async def _exported(request: Request, actor: Actor, red_thread: RedThread) -> None:
    """A calendar file names no one, but it is the individual's red-thread meeting: when
    and with whom. Its export is an access to their data like any other."""
    await audit_access(
        request, actor, red_thread.subject_id, purpose=PURPOSE, action=Action.EXPORTED
    )


def _description(red_thread: RedThread) -> str:
    summoned = ", ".join(red_thread.invited_orgs)
    return f"Röd tråd {red_thread.id}. Kallade verksamheter (HSA-id): {summoned}."


@router.get("/deadlines", response_model=list[DeadlineView], openapi_extra=PERSONAL_DATA)
async def deadlines(
    request: Request, actor: Annotated[Actor, may("deadlines.read")]
) -> list[DeadlineView]:
    """The caller's organisation's deadlines: those coming, and those missed (D-7). Each
    names the individual whose red thread it is: one access record per individual."""
    now = now_of(request)
    found = await run_in_threadpool(app_of(request).deadlines_for, actor.org_id, now)
    await audit_accesses(
        request,
        actor,
        [d.subject_id for d in found if d.subject_id is not None],
        purpose="deadlines (D-7)",
    )
    return [_deadline_view(d, now) for d in found]


def _deadline_view(deadline: Deadline, now: datetime) -> DeadlineView:
    return DeadlineView(
        item_id=deadline.item_id,
        kind=deadline.kind.value,
        rule=RULE_OF_DEADLINE[deadline.kind.value],
        subject_id=deadline.subject_id,
        due_at=deadline.due_at,
        takes_place_at=deadline.takes_place_at,
        met=deadline.met,
        overdue=not deadline.met and deadline.due_at <= now,
    )
