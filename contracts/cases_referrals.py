"""Events the cases service publishes about referrals between organisations: a pregnant
woman with misuse referred to social services and specialist maternity care (K-14,
seed 004), and each recipient's acknowledgement.

Ids, codes, dates and organisation ids only: what was seen is said to the recipients
and stays out of the platform.
"""

from __future__ import annotations

from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import AwareDatetime, StringConstraints

from contracts.base import HsaId
from contracts.cases import CasesEvent
from contracts.escalation import MUNICIPALITY_CODE_PATTERN
from contracts.vocabulary import LegalBasis, OrgType


class PregnancyReferralMade(CasesEvent):
    """Whoever discovered a pregnant woman with misuse or dependence referred her, preferably
    in consultation with her, to the social services of her municipality and to specialist
    maternity care (K-14): both must acknowledge it."""

    version: ClassVar[int] = 1

    referral_id: UUID
    municipality_code: Annotated[str, StringConstraints(pattern=MUNICIPALITY_CODE_PATTERN)]
    social_services_unit: HsaId
    """The municipality's IOF unit (misuse)."""
    maternity_unit: HsaId
    """The region's specialist maternity care unit (specialistmödravården)."""
    discovered_by_unit: HsaId
    discoverer_org_type: OrgType
    in_consultation_with_woman: bool
    basis: LegalBasis
    """Her consent to information sharing, or a disclosure under OSL 26:9 (C-6, C-11)."""
    referred_at: AwareDatetime


class PregnancyReferralAcknowledged(CasesEvent):
    """One recipient of a K-14 referral confirmed it received it."""

    version: ClassVar[int] = 1

    referral_id: UUID
    unit: HsaId
    acknowledged_at: AwareDatetime


__all__ = ["PregnancyReferralAcknowledged", "PregnancyReferralMade"]
