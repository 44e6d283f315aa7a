"""Case handover between units (K-5) on the individual's consent (C-8); declined by the
receiving unit or withdrawn by the sending one, with the reason (W-2).

The handover's texts are case content: they are read here, by the sending
and receiving units only (the application decides, where it loads the case),
and never put on a topic.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, Field

from contracts.base import HsaId
from services.cases.api.bodies import Reason, Text
from services.cases.api.cases import CaseView, changed_case
from services.cases.application import CasesApplication, RequestHandover
from services.cases.domain import HandoverContent
from services.cases.policy import may
from services.runtime.http.bodies import ClearData, ClearText, command_from, located, view_of
from services.runtime.http.caller import Caller
from services.runtime.http.fields import RequestModel
from services.runtime.http.identification import PERSONAL_DATA, log_access

router = APIRouter()
PURPOSE = "case handover (K-5)"


class HandoverContentBody(RequestModel):
    """What a handover carries (K-5, seed 003). Every part is mandatory; `guardian`
    must be given too, as null when the individual has none ("ev. förmyndare")."""

    background_and_family: Text
    guardian: Annotated[str, Field(max_length=2_000)] | None
    current_situation: Text
    problems_and_earlier_investigations: Text = Field(
        description="Disability or problems, and earlier investigations or diagnoses."
    )
    ongoing_interventions_and_planning: Text


class HandoverRequest(RequestModel):
    to_unit: HsaId
    content: HandoverContentBody


class AcknowledgementRequest(RequestModel):
    receiving_caseworker: HsaId = Field(
        description="HSA-id of the caseworker the receiving unit appointed (K-5)."
    )


class ReasonRequest(RequestModel):
    reason: Reason


class HandoverCreated(BaseModel):
    id: UUID
    case_id: UUID
    acknowledge_by: date


class HandoverView(BaseModel):
    id: UUID
    case_id: UUID
    from_unit: str
    to_unit: str
    status: str
    consent_id: UUID
    requested_at: datetime
    requested_by: str
    acknowledge_by: date
    acknowledged_at: datetime | None
    receiving_caseworker: str | None
    transferred_at: datetime | None
    declined_at: datetime | None
    withdrawn_at: datetime | None
    reason: ClearText | None
    """Why it was declined or withdrawn (W-2)."""
    content: ClearData


@router.post("/cases/{case_id}/handovers", status_code=201)
def request_handover(
    case_id: UUID, body: HandoverRequest, caller: Annotated[Caller, may("handover.request")]
) -> HandoverCreated:
    """Hand the case over (K-5): consent for `case_handover` covering both units first
    (C-8), then every mandatory part; the receiving unit acknowledges within the
    configured number of Swedish working days. The answer names only ids and the
    deadline, nothing about the individual, so it writes no access record."""
    command = command_from(
        body, RequestHandover, content=HandoverContent(**body.content.model_dump())
    )
    application = caller.application(CasesApplication)
    handover = application.request_handover(caller.actor, case_id, command, at=caller.now)
    answer = view_of(HandoverCreated, handover, case_id=case_id)
    return located(caller.response, f"/v1/cases/{case_id}/handovers/{handover.id}", answer)


@router.get("/cases/{case_id}/handovers/{handover_id}", openapi_extra=PERSONAL_DATA)
def get_handover(
    case_id: UUID, handover_id: UUID, caller: Annotated[Caller, may("handover.read")]
) -> HandoverView:
    """The handover with its texts, for the sending and receiving units (K-5); for the
    receiving unit, before the transfer, only while the individual's consent to it holds
    (C-8, C-9)."""
    application = caller.application(CasesApplication)
    case, handover = application.read_handover(caller.actor, case_id, handover_id, at=caller.now)
    log_access(caller, case.subject_id, purpose=PURPOSE)
    return view_of(HandoverView, handover, case_id=case.id)


@router.post(
    "/cases/{case_id}/handovers/{handover_id}/acknowledgement", openapi_extra=PERSONAL_DATA
)
def acknowledge_handover(
    case_id: UUID,
    handover_id: UUID,
    body: AcknowledgementRequest,
    caller: Annotated[Caller, may("handover.acknowledge")],
) -> CaseView:
    """The receiving unit confirms receipt and names its caseworker (K-5); once only."""
    acknowledge = CasesApplication.acknowledge_handover
    caseworker = body.receiving_caseworker
    return changed_case(
        caller, PURPOSE, acknowledge, case_id, handover_id, receiving_caseworker=caseworker
    )


@router.post("/cases/{case_id}/handovers/{handover_id}/transfer", openapi_extra=PERSONAL_DATA)
def transfer_responsibility(
    case_id: UUID, handover_id: UUID, caller: Annotated[Caller, may("handover.transfer")]
) -> CaseView:
    """Responsibility moves to the receiving unit, after acknowledgement (K-5)."""
    transfer = CasesApplication.transfer_responsibility
    return changed_case(caller, PURPOSE, transfer, case_id, handover_id)


@router.post("/cases/{case_id}/handovers/{handover_id}/declination", openapi_extra=PERSONAL_DATA)
def decline_handover(
    case_id: UUID,
    handover_id: UUID,
    body: ReasonRequest,
    caller: Annotated[Caller, may("handover.decline")],
) -> CaseView:
    """The receiving unit declines the handover, with the reason, before acknowledging it
    (W-2, K-5); the case stays with the sending unit, which may hand it over anew."""
    decline = CasesApplication.decline_handover
    return changed_case(caller, PURPOSE, decline, case_id, handover_id, reason=body.reason)


@router.post("/cases/{case_id}/handovers/{handover_id}/withdrawal", openapi_extra=PERSONAL_DATA)
def withdraw_handover(
    case_id: UUID,
    handover_id: UUID,
    body: ReasonRequest,
    caller: Annotated[Caller, may("handover.withdraw")],
) -> CaseView:
    """The sending unit withdraws the handover, with the reason, before responsibility
    transfers (W-2, K-5); the case stays with it."""
    withdraw = CasesApplication.withdraw_handover
    return changed_case(caller, PURPOSE, withdraw, case_id, handover_id, reason=body.reason)
