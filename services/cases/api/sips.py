"""Coordinated individual plans, SIP: propose, establish, follow up, revise (K-6, K-7, C-7),
close early (W-2).

The plan's texts are the individual's plan and stay here; the topic carries
only ids, units, dates and the version number. A plan is read by its units
(the application decides, where it loads it).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from contracts import SipProposer
from contracts.base import HsaId, OrgIds
from services.cases.api.bodies import Reason, Text
from services.cases.application import (
    CasesApplication,
    EstablishSip,
    ProposeSip,
    RecordSipFollowUp,
)
from services.cases.domain import Participants, Responsibility, Sip, SipPlan
from services.cases.policy import may
from services.cases.rendering import plan_document
from services.runtime.http.bodies import ClearData, ClearText, command_from, located, view_of
from services.runtime.http.caller import Caller
from services.runtime.http.fields import Personnummer, RequestModel
from services.runtime.http.identification import (
    PERSONAL_DATA,
    identify,
    log_access,
    log_change,
    one_commit,
)
from services.runtime.http.routes import Disclosing
from services.runtime.store.audit import Action

router = APIRouter()

PURPOSE = "coordinated individual plan"


class ResponsibilityBody(RequestModel):
    unit: HsaId
    interventions: Text


class PlanBody(RequestModel):
    """The person's own words (K-13, seed 001) and the five parts every SIP states (K-6,
    seed 004)."""

    what_matters: Text = Field(
        description='K-13: the person\'s answer to "Vad är viktigt för dig?", in their words.',
        json_schema_extra={"x-rule": "K-13"},
    )
    own_goals: Text = Field(
        description="K-13: the person's own goals, in their words.",
        json_schema_extra={"x-rule": "K-13"},
    )
    problem: Text = Field(description="1. The problem.")
    short_term_goals_and_interventions: Text = Field(
        description="1. Interventions needed for the short-term goals."
    )
    long_term_goals_and_interventions: Text = Field(
        description="1. Interventions needed for the long-term goals."
    )
    responsibilities: Annotated[list[ResponsibilityBody], Field(max_length=20)] = Field(
        description="2. Which interventions each unit (principal) answers for."
    )
    measures_by_others: Text = Field(
        description="3. Measures taken by others than region and municipality (or 'none')."
    )
    overall_responsibility: HsaId = Field(
        description="4. The unit whose principal has overall responsibility."
    )
    follow_up_by: HsaId = Field(description="5. Who coordinates and follows up the plan.")

    def to_plan(self) -> SipPlan:
        return command_from(
            self,
            SipPlan,
            responsibilities=tuple(
                Responsibility(r.unit, r.interventions) for r in self.responsibilities
            ),
        )


class ParticipantsBody(RequestModel):
    individual: bool = Field(description="The individual takes part (where possible).")
    relatives: bool = Field(description="Relatives take part.")
    individual_objects_to_relatives: bool = Field(
        description="The individual objects to relatives taking part (K-6)."
    )


class ProposalRequest(RequestModel):
    personnummer: Personnummer
    proposed_by: SipProposer
    units: OrgIds = Field(description="The units (region and municipality) taking part.")


class EstablishmentRequest(RequestModel):
    plan: PlanBody
    participants: ParticipantsBody
    complex_case: bool = Field(
        description="Complex needs and many contacts: a named coordinator (K-7)."
    )
    coordinator: HsaId | None = None
    follow_up_every_days: Annotated[int, Field(ge=1, le=366)] = Field(
        description="How often the plan is followed up, set from the individual's situation."
    )
    first_follow_up_on: date


class FollowUpRequest(RequestModel):
    held_on: date
    outcome: Text
    next_follow_up_on: date | None = Field(
        None, description="Default: the plan's frequency after `held_on`."
    )


class RevisionRequest(RequestModel):
    plan: PlanBody


class ClosureRequest(RequestModel):
    reason: Reason


class SipCreated(BaseModel):
    id: UUID
    subject_id: str


class VersionView(BaseModel):
    number: int
    plan: ClearData
    made_at: datetime
    after_follow_up_on: date | None


class FollowUpView(BaseModel):
    held_on: date
    outcome: ClearText
    recorded_at: datetime


class FollowUpRead(FollowUpView):
    sip_id: UUID
    number: int = Field(description="The follow-up's place in the plan, from 1 (W-3).")


class VersionRead(VersionView):
    sip_id: UUID


Number = Annotated[int, Path(ge=1, le=1_000_000, description="From 1, in the order made.")]


class SipView(BaseModel):
    id: UUID
    subject_id: str
    proposed_by: str
    units: list[str]
    consent_id: UUID | None
    established_at: datetime | None
    participants: dict[str, bool]
    complex_case: bool
    coordinator: str | None
    follow_up_every_days: int | None
    next_follow_up_on: date | None
    versions: list[VersionView]
    follow_ups: list[FollowUpView]
    closed_at: datetime | None
    closing_reason: ClearText | None
    """Why it was closed (W-2)."""


def sip_view(sip: Sip) -> SipView:
    return view_of(SipView, sip, complex_case=sip.complex)


def _disclosed(caller: Caller, sip: Sip, action: Action) -> SipView:
    """The plan as read or as a write left it, its access record written first: the answer
    shows the individual's plan, texts unsealed."""
    log_access(caller, sip.subject_id, purpose=PURPOSE, action=action)
    return sip_view(sip)


_sips = Disclosing(CasesApplication, _disclosed)


@router.post("/sips", status_code=201, openapi_extra=PERSONAL_DATA)
def propose_sip(body: ProposalRequest, caller: Annotated[Caller, may("sip.propose")]) -> SipCreated:
    """Propose a SIP (K-6); for an adult, consent to `sip` covering its units (C-7)."""
    subject = identify(caller.request, body.personnummer)
    command = command_from(
        body,
        ProposeSip,
        subject_id=subject.subject_id,
        birth_date=subject.birth_date,
        units=list(body.units),
    )
    application = caller.application(CasesApplication)

    def propose() -> SipCreated:
        sip = application.propose_sip(caller.actor, command, at=caller.now)
        log_change(caller, sip.subject_id, purpose=PURPOSE)
        return located(caller.response, f"/v1/sips/{sip.id}", view_of(SipCreated, sip))

    return one_commit(caller, propose)


@router.get("/sips/{sip_id}", openapi_extra=PERSONAL_DATA)
def get_sip(sip_id: UUID, caller: Annotated[Caller, may("sip.read")]) -> SipView:
    """The plan with its texts, for the units it is made between (K-6)."""
    return _sips.read(caller, CasesApplication.read_sip, sip_id)


@router.get(
    "/sips/{sip_id}/document",
    response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {}}}},
    openapi_extra=PERSONAL_DATA,
)
def get_plan_document(sip_id: UUID, caller: Annotated[Caller, may("sip.read")]) -> HTMLResponse:
    """K-13: the person's own plan, its current version as a document in Swedish ("Min
    plan"), for the plan's units to hand to the person; what `SipPlanPublished` points to."""
    application = caller.application(CasesApplication)
    sip, version = application.read_plan_document(caller.actor, sip_id)
    log_access(caller, sip.subject_id, purpose=PURPOSE)
    return HTMLResponse(plan_document(sip, version))


@router.post("/sips/{sip_id}/establishment", openapi_extra=PERSONAL_DATA)
def establish_sip(
    sip_id: UUID, body: EstablishmentRequest, caller: Annotated[Caller, may("sip.establish")]
) -> SipView:
    """Make the plan with its five parts (K-6) and its follow-up rhythm (K-7)."""
    command = command_from(
        body,
        EstablishSip,
        plan=body.plan.to_plan(),
        participants=Participants(**body.participants.model_dump()),
    )
    return _sips.changed(caller, CasesApplication.establish_sip, sip_id, command)


@router.post("/sips/{sip_id}/follow-ups", status_code=201, openapi_extra=PERSONAL_DATA)
def record_follow_up(
    sip_id: UUID, body: FollowUpRequest, caller: Annotated[Caller, may("sip.follow_up")]
) -> SipView:
    """Record a held follow-up; the next is planned at the plan's frequency (K-7). The
    answer is the plan; the follow-up reads back where the Location points (W-3)."""
    command = command_from(body, RecordSipFollowUp)
    sip = _sips.changed(caller, CasesApplication.record_sip_follow_up, sip_id, command)
    return located(caller.response, f"/v1/sips/{sip_id}/follow-ups/{len(sip.follow_ups)}", sip)


@router.get("/sips/{sip_id}/follow-ups/{number}", openapi_extra=PERSONAL_DATA)
def get_follow_up(
    sip_id: UUID, number: Number, caller: Annotated[Caller, may("sip.read")]
) -> FollowUpRead:
    """One follow-up of the plan, by its number from 1, for the plan's units (K-6, K-7)."""
    application = caller.application(CasesApplication)
    sip, follow_up = application.read_sip_follow_up(caller.actor, sip_id, number)
    log_access(caller, sip.subject_id, purpose=PURPOSE)
    return view_of(FollowUpRead, follow_up, sip_id=sip.id, number=number)


@router.post("/sips/{sip_id}/revisions", status_code=201, openapi_extra=PERSONAL_DATA)
def revise_sip(
    sip_id: UUID, body: RevisionRequest, caller: Annotated[Caller, may("sip.revise")]
) -> SipView:
    """A follow-up leads to a new version; the earlier ones are kept (K-7, C-7). The
    answer is the plan; the new version reads back where the Location points (W-3)."""
    plan = body.plan.to_plan()
    sip = _sips.changed(caller, CasesApplication.revise_sip, sip_id, plan=plan)
    return located(caller.response, f"/v1/sips/{sip_id}/versions/{sip.versions[-1].number}", sip)


@router.get("/sips/{sip_id}/versions/{number}", openapi_extra=PERSONAL_DATA)
def get_version(
    sip_id: UUID, number: Number, caller: Annotated[Caller, may("sip.read")]
) -> VersionRead:
    """One version of the plan (1 is the established plan), for the plan's units (K-6, K-7):
    where a revision's Location points (W-3)."""
    application = caller.application(CasesApplication)
    sip, version = application.read_sip_version(caller.actor, sip_id, number)
    log_access(caller, sip.subject_id, purpose=PURPOSE)
    return view_of(VersionRead, version, sip_id=sip.id)


@router.post("/sips/{sip_id}/closure", openapi_extra=PERSONAL_DATA)
def close_sip(
    sip_id: UUID, body: ClosureRequest, caller: Annotated[Caller, may("sip.close")]
) -> SipView:
    """Close the plan before it has run its course, with the reason (W-2): no follow-up
    or revision after that, none overdue; its versions and follow-ups stay."""
    return _sips.changed(caller, CasesApplication.close_sip, sip_id, reason=body.reason)
