"""The referral of a pregnant woman with misuse (K-14): made by whoever discovered her to
the social services of her municipality and to specialist maternity care, read by those
three, acknowledged by each recipient from its work list (W-1)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, Field

from contracts import LegalBasis
from contracts.base import HsaId
from services.cases.api.bodies import MunicipalityCode
from services.cases.application import CasesApplication, MakePregnancyReferral
from services.cases.policy import may
from services.runtime.http.bodies import command_from, located, view_of
from services.runtime.http.caller import Caller
from services.runtime.http.fields import Personnummer, RequestModel
from services.runtime.http.identification import (
    PERSONAL_DATA,
    identify,
    log_access,
    log_change,
    one_commit,
)

router = APIRouter()

PURPOSE = "pregnancy referral (K-14)"


class PregnancyReferralRequest(RequestModel):
    personnummer: Personnummer = Field(description="The pregnant woman's personnummer.")
    municipality_code: MunicipalityCode = Field(
        description="Kommunkod of her municipality: its social services (IOF) receive it."
    )
    maternity_unit: HsaId = Field(
        description="HSA-id of the region's specialist maternity care unit (specialistmödravården)."
    )
    in_consultation_with_woman: bool = Field(
        description="Made in consultation with her (helst i samråd med kvinnan, K-14)."
    )


class PregnancyReferralView(BaseModel):
    """Who referred her, to whom, on what basis, and who has acknowledged it (K-14)."""

    id: UUID
    subject_id: str
    municipality_code: str
    social_services_unit: str
    maternity_unit: str
    discovered_by_unit: str
    discovered_by: str
    discoverer_org_type: str
    in_consultation_with_woman: bool
    basis: LegalBasis
    basis_id: UUID
    referred_at: datetime
    acknowledgements: dict[str, datetime] = Field(
        description="When each recipient (by HSA-id) acknowledged it; absent: not yet."
    )


@router.post("/pregnancy-referrals", status_code=201, openapi_extra=PERSONAL_DATA)
def make_pregnancy_referral(
    body: PregnancyReferralRequest, caller: Annotated[Caller, may("pregnancy_referral.make")]
) -> PregnancyReferralView:
    """Refer a pregnant woman with misuse to social services and specialist maternity care
    (K-14), on her consent to information sharing naming both, or an OSL 26:9 disclosure
    (C-6): without either, 409 naming K-14."""
    subject = identify(caller.request, body.personnummer)
    command = command_from(body, MakePregnancyReferral, subject_id=subject.subject_id)
    application = caller.application(CasesApplication)

    def refer() -> PregnancyReferralView:
        referral = application.make_pregnancy_referral(caller.actor, command, at=caller.now)
        log_change(caller, referral.subject_id, purpose=PURPOSE)
        answer = view_of(PregnancyReferralView, referral)
        return located(caller.response, f"/v1/pregnancy-referrals/{referral.id}", answer)

    return one_commit(caller, refer)


@router.get("/pregnancy-referrals/{referral_id}", openapi_extra=PERSONAL_DATA)
def get_pregnancy_referral(
    referral_id: UUID, caller: Annotated[Caller, may("pregnancy_referral.read")]
) -> PregnancyReferralView:
    """The referral, for the discovering unit and both recipients (K-14, W-3)."""
    referral = caller.application(CasesApplication).read_pregnancy_referral(
        caller.actor, referral_id
    )
    log_access(caller, referral.subject_id, purpose=PURPOSE)
    return view_of(PregnancyReferralView, referral)


@router.post("/pregnancy-referrals/{referral_id}/acknowledgement", openapi_extra=PERSONAL_DATA)
def acknowledge_pregnancy_referral(
    referral_id: UUID, caller: Annotated[Caller, may("pregnancy_referral.acknowledge")]
) -> PregnancyReferralView:
    """A recipient confirms it received the referral (K-14); once each. It then leaves that
    recipient's work list (W-1)."""
    application = caller.application(CasesApplication)

    def acknowledge() -> PregnancyReferralView:
        referral = application.acknowledge_pregnancy_referral(
            caller.actor, referral_id, at=caller.now
        )
        log_change(caller, referral.subject_id, purpose=PURPOSE)
        return view_of(PregnancyReferralView, referral)

    return one_commit(caller, acknowledge)
