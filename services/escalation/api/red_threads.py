"""The red thread over HTTP (E-1..E-5): pull, coordinator, meeting, attendance, follow-up,
closing, and its calendar files; plans that change (W-2): the meeting and the follow-up
moved or cancelled, the thread closed early, each with a reason.

Who may pull (E-1) is decided from the verified token's organisation type,
never from anything in the request body; the coordinator's steps need the
coordinator role from the token, and an office that serves the municipality
the thread was pulled in (E-3), which the application checks where it loads
the thread. Every answer names the individual (their subject id) and is logged
as an access.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Response
from pydantic import AwareDatetime, BaseModel, Field

from contracts import ActionStatus, FollowUpResult, MeetingOutcome, MeetingStage
from contracts.base import HsaId, OrgIds
from services.escalation.api.bodies import Notes, PullRequest, Text
from services.escalation.api.calendar import ics_response
from services.escalation.api.disclosure import owned_routes
from services.escalation.application import (
    AssignCoordinator,
    EscalationApplication,
    EvaluateFollowUp,
    MoveMeeting,
    PullRedThread,
    RecordMeetingHeld,
    ScheduleMeeting,
)
from services.escalation.domain import ActionEvaluation, AgreedAction, RedThread
from services.escalation.domain.errors import NotScheduled
from services.escalation.policy import may
from services.escalation.views.calendar import MeetingStatus
from services.runtime.http.bodies import ClearText, command_from, view_of
from services.runtime.http.caller import Caller
from services.runtime.http.fields import RequestModel
from services.runtime.http.identification import PERSONAL_DATA, log_access, subject_id_for
from services.runtime.store.audit import Action

router = APIRouter(tags=["red thread"])

MEETING_LENGTH = timedelta(minutes=90)
PURPOSE = "red thread (E-1..E-5)"
Attended = Annotated[list[HsaId], Field(max_length=50)]


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


Reason = Annotated[
    Text,
    Field(
        description="Why the plan changes (W-2): free text about the individual, kept sealed "
        "in escalation, never on a topic.",
        json_schema_extra={"x-rule": "W-2"},
    ),
]


class MeetingMoveRequest(RequestModel):
    meeting_at: AwareDatetime = Field(
        description="The new time: in the future, within 14 days of the pull (E-3), with a "
        "legal basis holding then (E-4)."
    )
    reason: Reason


class FollowUpMoveRequest(RequestModel):
    follow_up_at: AwareDatetime = Field(
        description="The new time: in the future, after the meeting (E-5), with a legal basis "
        "holding then (E-4)."
    )
    reason: Reason


class CancellationRequest(RequestModel):
    reason: Reason


class ClosureRequest(RequestModel):
    reason: Text | None = Field(
        None,
        description="Required to close early, before the follow-up was evaluated (W-2, E-5); "
        "not asked for, and not kept, after it.",
        json_schema_extra={"x-rule": "W-2"},
    )


class ActionRequest(RequestModel):
    """E-10: one concrete solution the meeting agreed on."""

    responsible_org: HsaId = Field(
        description="The summoned organisation that does it (E-10).",
        json_schema_extra={"x-rule": "E-10"},
    )
    what: Text = Field(description="What is to be done: about the individual, kept sealed.")
    due_on: date = Field(
        description="By when: a date after the meeting (E-10).",
        json_schema_extra={"x-rule": "E-10"},
    )


class ActionEvaluationRequest(RequestModel):
    """E-10: how one agreed action stood at the follow-up."""

    action_id: UUID
    status: ActionStatus


class MeetingHeldRequest(RequestModel):
    attended_orgs: Attended = Field(
        description="Summoned organisations that attended; every other one is absent (E-3)."
    )
    outcome: MeetingOutcome
    notes: Notes = ""
    actions: list[ActionRequest] = Field(
        default=[],
        max_length=50,
        description="The concrete solutions agreed (E-10): required, at least one, when the "
        "outcome is solutions_agreed or partly_agreed.",
        json_schema_extra={"x-rule": "E-10"},
    )


class FollowUpRequest(RequestModel):
    follow_up_at: AwareDatetime


class EvaluationRequest(RequestModel):
    attended_orgs: Attended
    result: FollowUpResult
    notes: Notes = ""
    actions: list[ActionEvaluationRequest] = Field(
        default=[],
        max_length=50,
        description="Every action the meeting agreed on, each with its status (E-10).",
        json_schema_extra={"x-rule": "E-10"},
    )


class HoldView(BaseModel):
    stage: str
    reason: str
    basis_id: UUID
    since: datetime


class ActionView(BaseModel):
    id: UUID
    responsible_org: str
    what: ClearText
    due_on: date
    status: ActionStatus | None
    """None until the follow-up evaluated it (E-10)."""


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
    cancelled_meeting_at: datetime | None
    invited_orgs: list[str]
    legal_basis: str | None
    basis_id: UUID | None
    hold: HoldView | None
    meeting_held: bool
    attended_orgs: list[str]
    absent_orgs: list[str]
    outcome: str | None
    outcome_notes: ClearText | None
    actions: list[ActionView]
    follow_up_at: datetime | None
    cancelled_follow_up_at: datetime | None
    follow_up_legal_basis: str | None
    follow_up_basis_id: UUID | None
    follow_up_evaluated: bool
    follow_up_absent_orgs: list[str]
    follow_up_result: str | None
    closed_at: datetime | None
    closing_reason: ClearText | None
    """Why it was closed early (W-2); none when closed after the evaluation."""
    meeting_overdue_since: datetime | None
    follow_up_overdue_since: datetime | None


def _view(red_thread: RedThread) -> RedThreadView:
    basis, follow_up_basis = red_thread.basis, red_thread.follow_up_basis
    return view_of(
        RedThreadView,
        red_thread,
        legal_basis=basis.kind if basis else None,
        basis_id=basis.id if basis else None,
        follow_up_legal_basis=follow_up_basis.kind if follow_up_basis else None,
        follow_up_basis_id=follow_up_basis.id if follow_up_basis else None,
    )


_threads = owned_routes(_view, purpose=PURPOSE)
"""Every answer names the individual whose red thread it is."""


@router.post("/red-threads", status_code=201, openapi_extra=PERSONAL_DATA)
def pull_red_thread(
    body: PullRequest, caller: Annotated[Caller, may("red_thread.pull")]
) -> RedThreadView:
    """Pull the red thread (E-1, E-2): ambulance, rescue services or police only."""
    command = command_from(
        body,
        PullRedThread,
        subject_id=subject_id_for(caller.request, body.personnummer),
        measures_tried=[m.value for m in body.measures_tried],
        burdened_orgs=list(body.burdened_orgs),
    )
    pull = EscalationApplication.pull_red_thread
    return _threads.created(caller, "/v1/red-threads/{id}", pull, command)


@router.get("/red-threads/{red_thread_id}", openapi_extra=PERSONAL_DATA)
def get_red_thread(
    red_thread_id: UUID, caller: Annotated[Caller, may("red_thread.read")]
) -> RedThreadView:
    """The thread, for the organisations in it and the coordinators of the office serving
    its municipality (E-3)."""
    return _threads.read(caller, EscalationApplication.read_red_thread, red_thread_id)


@router.post("/red-threads/{red_thread_id}/coordinator", openapi_extra=PERSONAL_DATA)
def assign_coordinator(
    red_thread_id: UUID,
    body: CoordinatorRequest,
    caller: Annotated[Caller, may("red_thread.assign_coordinator")],
) -> RedThreadView:
    """A coordinator of the office serving the thread's municipality takes it, or hands it
    to a colleague at the same office (E-3)."""
    command = command_from(body, AssignCoordinator)
    assign = EscalationApplication.assign_coordinator
    return _threads.changed(caller, assign, red_thread_id, command)


@router.post("/red-threads/{red_thread_id}/meeting", openapi_extra=PERSONAL_DATA)
def schedule_meeting(
    red_thread_id: UUID,
    body: MeetingRequest,
    caller: Annotated[Caller, may("red_thread.schedule_meeting")],
) -> RedThreadView:
    """The coordinator convenes the meeting within 14 days (E-3), on a legal basis (E-4).

    Again only while the meeting is on hold: a new time, on a basis that holds then.
    """
    command = command_from(
        body, ScheduleMeeting, red_thread_id=red_thread_id, invited_orgs=list(body.invited_orgs)
    )
    return _threads.changed(caller, EscalationApplication.schedule_meeting, command)


@router.post("/red-threads/{red_thread_id}/meeting/move", openapi_extra=PERSONAL_DATA)
def move_meeting(
    red_thread_id: UUID,
    body: MeetingMoveRequest,
    caller: Annotated[Caller, may("red_thread.move_meeting")],
) -> RedThreadView:
    """Move the meeting to a new time, with the reason (W-2), by the rules it was scheduled
    by (E-3, E-4): not once held, nor while on hold (schedule it anew instead)."""
    command = command_from(body, MoveMeeting, red_thread_id=red_thread_id, to=body.meeting_at)
    return _threads.changed(caller, EscalationApplication.move_meeting, command)


@router.post("/red-threads/{red_thread_id}/meeting/cancellation", openapi_extra=PERSONAL_DATA)
def cancel_meeting(
    red_thread_id: UUID,
    body: CancellationRequest,
    caller: Annotated[Caller, may("red_thread.cancel_meeting")],
) -> RedThreadView:
    """Cancel the meeting, with the reason (W-2); it may be scheduled again, and until then
    the 14-day deadline stands unmet (E-3)."""
    cancel = EscalationApplication.cancel_meeting
    return _threads.changed(caller, cancel, red_thread_id, reason=body.reason)


@router.post("/red-threads/{red_thread_id}/meeting/held", openapi_extra=PERSONAL_DATA)
def record_meeting_held(
    red_thread_id: UUID,
    body: MeetingHeldRequest,
    caller: Annotated[Caller, may("red_thread.record_meeting")],
) -> RedThreadView:
    """The meeting took place: attendance per summoned organisation, and the outcome (E-3).

    Every summoned organisation not among `attended_orgs` is recorded absent
    (MeetingAbsenceRecorded, a deviation); each agreed action is recorded on its own
    (RedThreadActionAgreed, E-10) and is on the responsible unit's work list until the
    follow-up evaluates it.
    """
    actions = [AgreedAction(a.responsible_org, a.what, a.due_on) for a in body.actions]
    command = command_from(body, RecordMeetingHeld, red_thread_id=red_thread_id, actions=actions)
    return _threads.changed(caller, EscalationApplication.record_meeting_held, command)


@router.post("/red-threads/{red_thread_id}/follow-up", openapi_extra=PERSONAL_DATA)
def book_follow_up(
    red_thread_id: UUID,
    body: FollowUpRequest,
    caller: Annotated[Caller, may("red_thread.book_follow_up")],
) -> RedThreadView:
    """Book the follow-up and evaluation after the meeting (E-5), on a legal basis (E-4)."""
    book = EscalationApplication.book_follow_up
    return _threads.changed(caller, book, red_thread_id, follow_up_at=body.follow_up_at)


@router.post("/red-threads/{red_thread_id}/follow-up/move", openapi_extra=PERSONAL_DATA)
def move_follow_up(
    red_thread_id: UUID,
    body: FollowUpMoveRequest,
    caller: Annotated[Caller, may("red_thread.move_follow_up")],
) -> RedThreadView:
    """Move the follow-up to a new time, with the reason (W-2), by the rules it was booked by
    (E-5, E-4): not once evaluated, nor while on hold (book it anew instead)."""
    command = command_from(body, MoveMeeting, red_thread_id=red_thread_id, to=body.follow_up_at)
    return _threads.changed(caller, EscalationApplication.move_follow_up, command)


@router.post("/red-threads/{red_thread_id}/follow-up/cancellation", openapi_extra=PERSONAL_DATA)
def cancel_follow_up(
    red_thread_id: UUID,
    body: CancellationRequest,
    caller: Annotated[Caller, may("red_thread.cancel_follow_up")],
) -> RedThreadView:
    """Cancel the follow-up, with the reason (W-2); it may be booked again (E-5)."""
    cancel = EscalationApplication.cancel_follow_up
    return _threads.changed(caller, cancel, red_thread_id, reason=body.reason)


@router.post("/red-threads/{red_thread_id}/follow-up/evaluation", openapi_extra=PERSONAL_DATA)
def evaluate_follow_up(
    red_thread_id: UUID,
    body: EvaluationRequest,
    caller: Annotated[Caller, may("red_thread.evaluate_follow_up")],
) -> RedThreadView:
    """The follow-up was held: attendance and how things stand (E-5), and every agreed
    action gone through: done, partly or not (E-10)."""
    actions = [ActionEvaluation(a.action_id, a.status) for a in body.actions]
    command = command_from(body, EvaluateFollowUp, red_thread_id=red_thread_id, actions=actions)
    return _threads.changed(caller, EscalationApplication.evaluate_follow_up, command)


@router.post("/red-threads/{red_thread_id}/closure", openapi_extra=PERSONAL_DATA)
def close_red_thread(
    red_thread_id: UUID,
    caller: Annotated[Caller, may("red_thread.close")],
    body: ClosureRequest | None = None,
) -> RedThreadView:
    """Close the red thread after its follow-up was evaluated (E-5), or early, before that,
    with the reason (W-2: the individual moved away, say)."""
    reason = body.reason if body else None
    close = EscalationApplication.close_red_thread
    return _threads.changed(caller, close, red_thread_id, reason=reason)


@router.get("/red-threads/{red_thread_id}/meeting.ics", openapi_extra=PERSONAL_DATA)
def meeting_calendar(
    red_thread_id: UUID, caller: Annotated[Caller, may("red_thread.read")]
) -> Response:
    """The red-thread meeting as an iCalendar file (tentative while on hold, cancelled once
    called off)."""
    return _calendar(caller, red_thread_id, MeetingStage.MEETING)


@router.get("/red-threads/{red_thread_id}/follow-up.ics", openapi_extra=PERSONAL_DATA)
def follow_up_calendar(
    red_thread_id: UUID, caller: Annotated[Caller, may("red_thread.read")]
) -> Response:
    """The follow-up and evaluation as an iCalendar file (tentative while on hold, cancelled
    once called off)."""
    return _calendar(caller, red_thread_id, MeetingStage.FOLLOW_UP)


@dataclass(frozen=True)
class _CalendarFile:
    """What tells one of the thread's two meetings apart in its calendar file."""

    when: Callable[[RedThread], datetime | None]
    cancelled: Callable[[RedThread], datetime | None]
    took_place: Callable[[RedThread], bool]
    missing: str
    rule: str
    name: str
    summary: str


CALENDAR_FILES = {
    MeetingStage.MEETING: _CalendarFile(
        when=lambda red_thread: red_thread.meeting_at,
        cancelled=lambda red_thread: red_thread.cancelled_meeting_at,
        took_place=lambda red_thread: red_thread.meeting_held,
        missing="no meeting is scheduled",
        rule="E-3",
        name="meeting",
        summary="Det röda snöret: samverkansmöte",
    ),
    MeetingStage.FOLLOW_UP: _CalendarFile(
        when=lambda red_thread: red_thread.follow_up_at,
        cancelled=lambda red_thread: red_thread.cancelled_follow_up_at,
        took_place=lambda red_thread: red_thread.follow_up_evaluated,
        missing="no follow-up is booked",
        rule="E-5",
        name="follow-up",
        summary="Det röda snöret: uppföljning och utvärdering",
    ),
}


def _status(red_thread: RedThread, stage: MeetingStage) -> MeetingStatus:
    """Cancelled when called off, or when the thread closed before it took place (W-2)."""
    which = CALENDAR_FILES[stage]
    if which.when(red_thread) is None or (
        red_thread.closed_at is not None and not which.took_place(red_thread)
    ):
        return MeetingStatus.CANCELLED
    if red_thread.hold is not None and red_thread.hold.stage is stage:
        return MeetingStatus.TENTATIVE
    return MeetingStatus.CONFIRMED


def _calendar(caller: Caller, red_thread_id: UUID, stage: MeetingStage) -> Response:
    """One of the thread's meetings as an iCalendar file: tentative while it is on hold,
    cancelled once called off (W-2). Its SEQUENCE is the thread's version: it grows with
    every change, and is never below what the unit's calendar feed gave the same UID.

    The file names no one, but it is the individual's red-thread meeting: when and with
    whom. Its export is an access to their data like any other.
    """
    which = CALENDAR_FILES[stage]
    application = caller.application(EscalationApplication)
    red_thread = application.read_red_thread(caller.actor, red_thread_id)
    starts_at = which.when(red_thread) or which.cancelled(red_thread)
    if starts_at is None:
        raise NotScheduled(which.missing, rule=which.rule)
    log_access(caller, red_thread.subject_id, purpose=PURPOSE, action=Action.EXPORTED)
    summoned = ", ".join(red_thread.invited_orgs)
    return ics_response(
        f"red-thread-{red_thread.id}-{which.name}",
        which.summary,
        f"Röd tråd {red_thread.id}. Kallade verksamheter (HSA-id): {summoned}.",
        starts_at,
        MEETING_LENGTH,
        stamp=caller.now,
        status=_status(red_thread, stage),
        sequence=red_thread.version,
    )
