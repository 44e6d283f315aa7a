"""The referral of a pregnant woman with misuse (K-14, seed 004).

"Den instans som upptäcker en gravid kvinna med missbruks- eller beroendeproblematik
ska, helst i samråd med kvinnan, kontakta socialtjänsten och specialistmödravården."
Whoever discovers her refers her to both: the social services of her municipality
(its IOF unit, which handles misuse) and the region's specialist maternity care
(specialistmödravården). The referral records who discovered her and whether it was
made in consultation with her; its basis is her consent to share information with
both, or a disclosure to protect the expected child (OSL 26:9, C-6). Each recipient
acknowledges it once, from its work list (W-1). What was seen is said to the
recipients, not kept here. Pure domain.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from contracts import LegalBasis, OrgType
from services.cases.domain.errors import CaseConflict, CaseForbidden, CaseNotFound
from services.runtime.kernel.aggregate import Aggregate, event
from services.runtime.kernel.personal import OwnedBySubject


class PregnancyReferralNotFound(CaseNotFound):
    rule = "K-14"


class NotAReferralRecipient(CaseForbidden):
    """K-14: social services and specialist maternity care acknowledge, nobody else."""

    rule = "K-14"


class ReferralAlreadyAcknowledged(CaseConflict):
    rule = "K-14"


class ReferralWithoutBasis(CaseConflict):
    """K-14, C-11: no consent covering both recipients, nor an OSL 26:9 disclosure."""

    rule = "K-14"


class PregnancyReferral(Aggregate):
    """One referral of a pregnant woman with misuse to social services and specialist
    maternity care (K-14)."""

    class Made(OwnedBySubject, Aggregate.Created):
        subject_id: str
        municipality_code: str
        social_services_unit: str
        maternity_unit: str
        discovered_by_unit: str
        discovered_by: str
        discoverer_org_type: str
        in_consultation_with_woman: bool
        basis: str
        basis_id: UUID
        referred_at: datetime

    class Acknowledged(Aggregate.Event):
        subject_id: str
        unit: str
        recipient: str
        """"social_services" or "maternity_care"."""
        acknowledged_at: datetime
        acknowledged_by: str

    @classmethod
    def make(
        cls,
        *,
        subject_id: str,
        municipality_code: str,
        social_services_unit: str,
        maternity_unit: str,
        discovered_by_unit: str,
        discovered_by: str,
        discoverer_org_type: OrgType,
        in_consultation_with_woman: bool,
        basis: LegalBasis,
        basis_id: UUID,
        at: datetime,
    ) -> PregnancyReferral:
        """K-14: to both recipients at once, on a basis the application found."""
        referral: PregnancyReferral = cls(
            subject_id=subject_id,
            municipality_code=municipality_code,
            social_services_unit=social_services_unit,
            maternity_unit=maternity_unit,
            discovered_by_unit=discovered_by_unit,
            discovered_by=discovered_by,
            discoverer_org_type=discoverer_org_type.value,
            in_consultation_with_woman=in_consultation_with_woman,
            basis=basis.value,
            basis_id=basis_id,
            referred_at=at,
        )
        return referral

    @event(Made)
    def __init__(
        self,
        *,
        subject_id: str,
        municipality_code: str,
        social_services_unit: str,
        maternity_unit: str,
        discovered_by_unit: str,
        discovered_by: str,
        discoverer_org_type: str,
        in_consultation_with_woman: bool,
        basis: str,
        basis_id: UUID,
        referred_at: datetime,
    ) -> None:
        self.subject_id = subject_id
        self.municipality_code = municipality_code
        self.social_services_unit = social_services_unit
        self.maternity_unit = maternity_unit
        self.discovered_by_unit = discovered_by_unit
        self.discovered_by = discovered_by
        self.discoverer_org_type = discoverer_org_type
        self.in_consultation_with_woman = in_consultation_with_woman
        self.basis = basis
        self.basis_id = basis_id
        self.referred_at = referred_at
        self.acknowledgements: dict[str, datetime] = {}

    @property
    def recipients(self) -> list[str]:
        """K-14: social services and specialist maternity care, in that order."""
        return [self.social_services_unit, self.maternity_unit]

    @property
    def parties(self) -> list[str]:
        """Who reads the referral: the discovering unit and both recipients."""
        return list(dict.fromkeys([self.discovered_by_unit, *self.recipients]))

    def acknowledge(self, *, unit: str, at: datetime, by: str) -> None:
        """K-14: each recipient confirms it received the referral, once."""
        if unit not in self.recipients:
            raise NotAReferralRecipient(
                "only social services and specialist maternity care the referral went to "
                "acknowledge it"
            )
        if unit in self.acknowledgements:
            raise ReferralAlreadyAcknowledged("your unit has acknowledged the referral already")
        self._acknowledged(
            subject_id=self.subject_id,
            unit=unit,
            recipient="social_services" if unit == self.social_services_unit else "maternity_care",
            acknowledged_at=at,
            acknowledged_by=by,
        )

    @event(Acknowledged)
    def _acknowledged(
        self,
        *,
        subject_id: str,
        unit: str,
        recipient: str,
        acknowledged_at: datetime,
        acknowledged_by: str,
    ) -> None:
        self.acknowledgements[unit] = acknowledged_at
