"""The referral of a pregnant woman with misuse (K-14, seed 004): whoever discovers her
refers her, preferably in consultation with her, to the social services of her
municipality and to the region's specialist maternity care; each acknowledges it.

The discoverer is the actor (their unit, its organisation type); the social services
unit is the IOF unit the directory names for her municipality (misuse is IOF's, K-1).
The basis (C-11) is what cases knows from the consent topic: her consent to
`information_sharing` naming both recipients, or else a disclosure to protect the
expected child under OSL 26:9 naming them (C-6), on the day it is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from uuid import UUID

from contracts import LegalBasis, Purpose, UnitKind
from services.cases.application.base import CasesBase
from services.cases.domain import PregnancyReferral, ReferralWithoutBasis
from services.runtime.kernel.actor import Actor, require_party


@dataclass(frozen=True)
class MakePregnancyReferral:
    """K-14: the woman, her municipality, the specialist maternity care unit, and whether
    the referral is made in consultation with her."""

    subject_id: str
    municipality_code: str
    maternity_unit: str
    in_consultation_with_woman: bool


def require_referral_party(actor: Actor, referral: PregnancyReferral) -> None:
    """K-14, C-10: read by the discovering unit and the two recipients only."""
    require_party(actor, referral.parties, what="this referral", rule="K-14")


class Referrals(CasesBase):
    """Referrals of pregnant women with misuse (K-14)."""

    def make_pregnancy_referral(
        self, actor: Actor, command: MakePregnancyReferral, *, at: datetime
    ) -> PregnancyReferral:
        social = self.units.unit_of(
            command.municipality_code, UnitKind.IOF, field="body.municipality_code"
        )
        recipients = [social.hsa_id, command.maternity_unit]
        basis, basis_id = self._referral_basis(command.subject_id, recipients, at)
        return self._created(
            PregnancyReferral.make(
                subject_id=command.subject_id,
                municipality_code=command.municipality_code,
                social_services_unit=social.hsa_id,
                maternity_unit=command.maternity_unit,
                discovered_by_unit=actor.org_id,
                discovered_by=actor.hsa_id,
                discoverer_org_type=actor.org_type,
                in_consultation_with_woman=command.in_consultation_with_woman,
                basis=basis,
                basis_id=basis_id,
                at=at,
            )
        )

    def read_pregnancy_referral(self, actor: Actor, referral_id: UUID) -> PregnancyReferral:
        require = partial(require_referral_party, actor)
        return self._load_checked(PregnancyReferral, referral_id, require)

    def acknowledge_pregnancy_referral(
        self, actor: Actor, referral_id: UUID, *, at: datetime
    ) -> PregnancyReferral:
        """K-14: each recipient once (the referral checks); it then leaves its list."""
        return self._change(
            PregnancyReferral,
            referral_id,
            lambda referral: referral.acknowledge(unit=actor.org_id, at=at, by=actor.hsa_id),
        )

    def _referral_basis(
        self, subject_id: str, recipients: list[str], at: datetime
    ) -> tuple[LegalBasis, UUID]:
        """C-11: her consent naming both recipients, else an OSL 26:9 disclosure (C-6)."""
        basis = self._basis_for(
            subject_id, recipients, at, (Purpose.INFORMATION_SHARING,), LegalBasis.OSL_26_9
        )
        if basis is not None:
            return basis.legal_basis, basis.id
        raise ReferralWithoutBasis(
            "no consent to information sharing naming both social services and specialist "
            "maternity care, nor an OSL 26:9 disclosure naming them, is known for today",
            field="body.personnummer",
        )
