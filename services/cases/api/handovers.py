"""Case handover between units (K-5) on the individual's consent (C-8).

The handover's texts are case content: they are read here, by the sending
and receiving units only, and never put on a topic.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from contracts.base import HsaId
from services.cases.api.cases import CaseView, changed_case
from services.cases.api.common import application, now
from services.cases.domain import HandoverContent
from services.cases.policy import may
from services.runtime.http.identification import PERSONAL_DATA, RequestModel, audit_access
from services.runtime.http.problems import Problem
from services.runtime.kernel.actor import Actor, require_party

router = APIRouter()

Text = Annotated[str, Field(max_length=20_000)]


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
    content: dict[str, Any]


@router.post("/cases/{case_id}/handovers", status_code=201, response_model=HandoverCreated)
async def request_handover(
    case_id: UUID,
    body: HandoverRequest,
    request: Request,
    response: Response,
    actor: Annotated[Actor, may("handover.request")],
) -> HandoverCreated:
    """Hand the case over (K-5): consent for `case_handover` covering both units first
    (C-8), then every mandatory part; the receiving unit acknowledges within the
    configured number of Swedish working days. The answer names only ids and the
    deadline, nothing about the individual, so it writes no access record."""
    content = HandoverContent(**body.content.model_dump())
    handover = await run_in_threadpool(
        application(request).request_handover,
        case_id,
        unit=actor.org_id,
        by=actor.hsa_id,
        to_unit=body.to_unit,
        content=content,
        at=now(request),
    )
    response.headers["Location"] = f"/v1/cases/{case_id}/handovers/{handover.id}"
    return HandoverCreated(id=handover.id, case_id=case_id, acknowledge_by=handover.acknowledge_by)


@router.get(
    "/cases/{case_id}/handovers/{handover_id}",
    response_model=HandoverView,
    openapi_extra=PERSONAL_DATA,
)
async def get_handover(
    case_id: UUID,
    handover_id: UUID,
    request: Request,
    actor: Annotated[Actor, may("handover.read")],
) -> HandoverView:
    app = application(request)
    case = await run_in_threadpool(app.get_case, case_id)
    handover = case.handover(handover_id)
    require_party(actor, (handover.from_unit, handover.to_unit), what="this handover", rule="K-5")
    if actor.org_id == handover.to_unit and handover.status != "transferred":
        # The receiving unit reads the sending unit's documentation on the individual's
        # consent alone (C-8); once it is withdrawn or expires, so is the read (C-9).
        units = [handover.from_unit, handover.to_unit]
        holds = await run_in_threadpool(
            app.handover_consent_holds, case.subject_id, units, now(request)
        )
        if not holds:
            raise Problem(
                403,
                "Forbidden",
                "the individual's consent to this handover no longer holds",
                rule="C-9",
            )
    await audit_access(request, actor, case.subject_id, purpose="case handover (K-5)")
    content = await run_in_threadpool(app.unseal, case.subject_id, handover.content)
    return HandoverView(
        id=handover.id,
        case_id=case.id,
        from_unit=handover.from_unit,
        to_unit=handover.to_unit,
        status=handover.status,
        consent_id=handover.consent_id,
        requested_at=handover.requested_at,
        requested_by=handover.requested_by,
        acknowledge_by=handover.acknowledge_by,
        acknowledged_at=handover.acknowledged_at,
        receiving_caseworker=handover.receiving_caseworker,
        transferred_at=handover.transferred_at,
        content=content,
    )


@router.post(
    "/cases/{case_id}/handovers/{handover_id}/acknowledgement",
    response_model=CaseView,
    openapi_extra=PERSONAL_DATA,
)
async def acknowledge_handover(
    case_id: UUID,
    handover_id: UUID,
    body: AcknowledgementRequest,
    request: Request,
    actor: Annotated[Actor, may("handover.acknowledge")],
) -> CaseView:
    """The receiving unit confirms receipt and names its caseworker (K-5); once only."""
    case = await run_in_threadpool(
        application(request).acknowledge_handover,
        case_id,
        handover_id,
        unit=actor.org_id,
        by=actor.hsa_id,
        receiving_caseworker=body.receiving_caseworker,
        at=now(request),
    )
    return await changed_case(request, actor, case, "case handover (K-5)")


@router.post(
    "/cases/{case_id}/handovers/{handover_id}/transfer",
    response_model=CaseView,
    openapi_extra=PERSONAL_DATA,
)
async def transfer_responsibility(
    case_id: UUID,
    handover_id: UUID,
    request: Request,
    actor: Annotated[Actor, may("handover.transfer")],
) -> CaseView:
    """Responsibility moves to the receiving unit, after acknowledgement (K-5)."""
    case = await run_in_threadpool(
        application(request).transfer_responsibility,
        case_id,
        handover_id,
        unit=actor.org_id,
        by=actor.hsa_id,
        at=now(request),
    )
    return await changed_case(request, actor, case, "case handover (K-5)")
