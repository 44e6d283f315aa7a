"""Escalation HTTP API: pull the red thread, schedule its meeting, read it back.

Who may pull (E-1) is decided from the verified token's organisation type,
never from anything in the request body.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from contracts import MUNICIPALITY_CODE_PATTERN, MeasureTried, Role
from contracts.base import OrgIds
from services.escalation.application import (
    EscalationApplication,
    PullRedThread,
    ScheduleMeeting,
)
from services.escalation.domain import RedThread
from services.runtime.auth import Actor, CurrentActor
from services.runtime.edge import Personnummer, RequestModel, subject_id_for
from services.runtime.problems import Problem, ProblemDetails

router = APIRouter(
    prefix="/v1",
    tags=["escalation"],
    responses={
        401: {"model": ProblemDetails},
        403: {"model": ProblemDetails},
        409: {"model": ProblemDetails},
        422: {"model": ProblemDetails},
    },
)


class PullRequest(RequestModel):
    personnummer: Personnummer
    measures_tried: Annotated[list[MeasureTried], Field(min_length=1, max_length=10)]
    burdened_orgs: OrgIds
    municipality_code: Annotated[str, StringConstraints(pattern=MUNICIPALITY_CODE_PATTERN)]


class MeetingRequest(RequestModel):
    meeting_at: AwareDatetime
    invited_orgs: OrgIds


class RedThreadView(BaseModel):
    id: UUID
    subject_id: str
    pulled_at: datetime
    pulled_by_org_type: str
    measures_tried: list[str]
    burdened_orgs: list[str]
    municipality_code: str
    meeting_deadline: date
    meeting_at: datetime | None
    invited_orgs: list[str]
    legal_basis: str | None
    basis_id: UUID | None


def _app(request: Request) -> EscalationApplication:
    application: EscalationApplication = request.app.state.application
    return application


def _view(red_thread: RedThread) -> RedThreadView:
    return RedThreadView(
        id=red_thread.id,
        subject_id=red_thread.subject_id,
        pulled_at=red_thread.pulled_at,
        pulled_by_org_type=red_thread.pulled_by_org_type,
        measures_tried=red_thread.measures_tried,
        burdened_orgs=red_thread.burdened_orgs,
        municipality_code=red_thread.municipality_code,
        meeting_deadline=red_thread.meeting_deadline,
        meeting_at=red_thread.meeting_at,
        invited_orgs=red_thread.invited_orgs,
        legal_basis=red_thread.basis.kind.value if red_thread.basis else None,
        basis_id=red_thread.basis.id if red_thread.basis else None,
    )


def _require_involved(actor: Actor, red_thread: RedThread) -> None:
    """Only the coordinator and the organisations in the thread see it."""
    involved = {red_thread.pulled_by_org, *red_thread.burdened_orgs, *red_thread.invited_orgs}
    if actor.role is not Role.COORDINATOR and actor.org_id not in involved:
        raise Problem(403, "Forbidden", "your organisation is not part of this red thread")


@router.post("/red-threads", status_code=201, response_model=RedThreadView)
async def pull_red_thread(
    body: PullRequest, request: Request, response: Response, actor: CurrentActor
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
    application = _app(request)
    now = request.app.state.clock.now()
    red_thread_id = await run_in_threadpool(application.pull_red_thread, command, at=now)
    response.headers["Location"] = f"/v1/red-threads/{red_thread_id}"
    return _view(await run_in_threadpool(application.get_red_thread, red_thread_id))


@router.post("/red-threads/{red_thread_id}/meeting", response_model=RedThreadView)
async def schedule_meeting(
    red_thread_id: UUID, body: MeetingRequest, request: Request, actor: CurrentActor
) -> RedThreadView:
    """The coordinator convenes the meeting within 14 days (E-3), on a legal basis (E-4)."""
    if actor.role is not Role.COORDINATOR:
        raise Problem(
            403, "Forbidden", "only the coordinator convenes the red-thread meeting", rule="E-3"
        )
    command = ScheduleMeeting(
        red_thread_id=red_thread_id,
        meeting_at=body.meeting_at,
        invited_orgs=list(body.invited_orgs),
        scheduled_by=actor.hsa_id,
    )
    red_thread = await run_in_threadpool(
        _app(request).schedule_meeting, command, at=request.app.state.clock.now()
    )
    return _view(red_thread)


@router.get("/red-threads/{red_thread_id}", response_model=RedThreadView)
async def get_red_thread(
    red_thread_id: UUID, request: Request, actor: CurrentActor
) -> RedThreadView:
    red_thread = await run_in_threadpool(_app(request).get_red_thread, red_thread_id)
    _require_involved(actor, red_thread)
    return _view(red_thread)
