"""The escalation ladder over HTTP (E-6): raise a matter, take it one step up, settle who
pays on a cost question (E-12), resolve it.

The caller's role and organisation come from the verified token: the ladder
checks them against the step the matter is at. Every answer carries the reasons
given (about the individual named, or, naming no one, about the matter itself)
and is logged as an access about `record_owner`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, Field

from contracts import CostBasis, EscalationLevel, EscalationResolution, EscalationTrack, UnitKind
from contracts.base import HsaId, OrgIds
from services.escalation.api.bodies import Notes, Text
from services.escalation.api.disclosure import owned_routes
from services.escalation.application import (
    Escalate,
    EscalationApplication,
    RaiseEscalation,
    ResolveEscalation,
    SettleCost,
)
from services.escalation.domain import Escalation, allowed_next_steps
from services.escalation.policy import may
from services.runtime.http.bodies import ClearText, command_from, view_of
from services.runtime.http.caller import Caller
from services.runtime.http.fields import Personnummer, RequestModel
from services.runtime.http.identification import PERSONAL_DATA, subject_named

router = APIRouter(tags=["escalation ladder"])


class RaiseRequest(RequestModel):
    track: EscalationTrack
    personnummer: Personnummer | None = Field(
        None, description="The individual the matter is about; none for a question of principle."
    )
    cost_question: bool = Field(
        False, description="The matter is about the cost of interventions (department heads)."
    )
    responsible_org: HsaId = Field(
        description="The unit that decided the ongoing interventions: it stays responsible."
    )
    counterpart_orgs: OrgIds
    reason: Text


class StepRequest(RequestModel):
    to_level: EscalationLevel
    reason: Text
    written_summary: Notes | None = Field(
        None, description="Required to the unit managers: it goes in writing."
    )
    agreed_by_orgs: Annotated[list[HsaId], Field(max_length=50)] = Field(
        default_factory=list,
        description=(
            "The parties that agree it is escalated (all, to the unit managers). Each other "
            "party must first have agreed for itself (POST .../agreements); the caller's "
            "own unit agrees by taking the step."
        ),
    )


class ResolutionRequest(RequestModel):
    resolution: EscalationResolution
    notes: Notes = Field("", description="How it ended; required when `withdrawn` (W-2).")


class CostRequest(RequestModel):
    basis: CostBasis = Field(
        description="Which part of E-12 applies: `addiction_treatment` (IoF pays, always), "
        "`shared_housing` (housing with interventions from both: IoF and ÄoF pay together), "
        "`other` (the department heads name the payer).",
        json_schema_extra={"x-rule": "E-12"},
    )
    payers: Annotated[list[UnitKind], Field(min_length=1, max_length=2)] = Field(
        description="The departments that pay; refused when it contradicts `basis` (E-12)."
    )


class CostView(BaseModel):
    basis: str
    payers: list[str]
    settled_by: str
    settled_by_org: str
    settled_at: datetime


class StepView(BaseModel):
    level: str
    by: str
    by_org: str
    at: datetime
    reason: ClearText
    written_summary: ClearText | None
    agreed_by_orgs: list[str]


class EscalationView(BaseModel):
    id: UUID
    subject_id: str | None
    track: str
    level: str
    cost_question: bool
    responsible_org: str
    """Stays with the deciding unit for as long as the matter is escalated (seed 003)."""
    parties: list[str]
    steps: list[StepView]
    next_steps: list[str]
    agreed_orgs: list[str]
    """The parties that agreed, each for itself, to take the matter further from here."""
    resolution: str | None
    resolved_at: datetime | None
    cost: CostView | None = Field(
        None, description="Who pays, once the department heads settled it (E-12)."
    )


def _view(escalation: Escalation) -> EscalationView:
    return view_of(
        EscalationView,
        escalation,
        next_steps=[]
        if escalation.resolution
        else [
            step.value
            for step in allowed_next_steps(
                escalation.track, escalation.level, cost_question=escalation.cost_question
            )
        ],
        agreed_orgs=list(escalation.agreements),
    )


_ladder = owned_routes(_view, purpose=lambda escalation: f"escalation:{escalation.track.value}")
"""Every answer carries the reasons given: logged about the individual named, or the matter."""


@router.post("/escalations", status_code=201, openapi_extra=PERSONAL_DATA)
def raise_escalation(
    body: RaiseRequest, caller: Annotated[Caller, may("escalation.raise")]
) -> EscalationView:
    """Raise a matter onto the first step of its ladder (E-6)."""
    command = command_from(
        body,
        RaiseEscalation,
        subject_id=subject_named(caller.request, body.personnummer),
        counterpart_orgs=list(body.counterpart_orgs),
    )
    raise_matter = EscalationApplication.raise_escalation
    return _ladder.created(caller, "/v1/escalations/{id}", raise_matter, command)


@router.get("/escalations/{escalation_id}", openapi_extra=PERSONAL_DATA)
def get_escalation(
    escalation_id: UUID, caller: Annotated[Caller, may("escalation.read")]
) -> EscalationView:
    """The matter, for its parties (E-6)."""
    return _ladder.read(caller, EscalationApplication.read_escalation, escalation_id)


@router.post("/escalations/{escalation_id}/steps", openapi_extra=PERSONAL_DATA)
def escalate(
    escalation_id: UUID, body: StepRequest, caller: Annotated[Caller, may("escalation.step")]
) -> EscalationView:
    """One step up the ladder, as the routine allows (E-6): who, when, why."""
    command = command_from(body, Escalate, escalation_id=escalation_id)
    return _ladder.changed(caller, EscalationApplication.escalate, command)


@router.post("/escalations/{escalation_id}/agreements", openapi_extra=PERSONAL_DATA)
def agree_to_escalate(
    escalation_id: UUID, caller: Annotated[Caller, may("escalation.step")]
) -> EscalationView:
    """The caller's own unit agrees the matter goes further (E-6); no unit agrees for
    another, so the step to the unit managers waits for each party's own word."""
    return _ladder.changed(caller, EscalationApplication.agree_to_escalate, escalation_id)


@router.post("/escalations/{escalation_id}/cost-responsibility", openapi_extra=PERSONAL_DATA)
def settle_cost(
    escalation_id: UUID,
    body: CostRequest,
    caller: Annotated[Caller, may("escalation.settle_cost")],
) -> EscalationView:
    """A department head records who pays on a cost question at their step (E-6), as E-12
    says: addiction treatment is IoF's; housing with interventions from both is shared."""
    command = command_from(body, SettleCost, payers=list(body.payers))
    return _ladder.changed(caller, EscalationApplication.settle_cost, escalation_id, command)


@router.post("/escalations/{escalation_id}/resolution", openapi_extra=PERSONAL_DATA)
def resolve_escalation(
    escalation_id: UUID,
    body: ResolutionRequest,
    caller: Annotated[Caller, may("escalation.resolve")],
) -> EscalationView:
    """The matter is settled at its current step, or withdrawn by a party (E-6)."""
    command = command_from(body, ResolveEscalation)
    resolve = EscalationApplication.resolve_escalation
    return _ladder.changed(caller, resolve, escalation_id, command)
