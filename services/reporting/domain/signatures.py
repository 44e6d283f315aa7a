"""Who reports and signs a deviation (D-2: deputy unit manager or above), its joint
summary's signatures (D-2 step 2), and the text rule every part meets.

A signer's name and title are personal data of the deviation's owner (the
individual, or the record), carried as `Personal` values and sealed by the
store; the signature goes into the events as a dict (`Signature.stored`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from contracts.vocabulary import Role
from services.reporting.domain.errors import DeviationReportIncomplete
from services.runtime.kernel.personal import Personal

DEVIATION_REPORTER_ROLES = frozenset(
    {Role.DEPUTY_UNIT_MANAGER, Role.UNIT_MANAGER, Role.DEPARTMENT_HEAD}
)
"""Roles on the line-management ladder from deputy unit manager upwards (E-6)."""


def may_report_deviation(role: Role) -> bool:
    """D-2 (seed 003): a deviation is reported by the unit that noticed it, by someone
    who is at least deputy unit manager (biträdande enhetschef).

    So deputy unit managers, unit managers (enhetschef) and department heads
    (avdelningschef) may report; caseworkers may not, they raise the failure
    with their manager instead. Coordinators, first responders and
    administrators are not on the unit's management ladder and may not either.
    """
    return role in DEVIATION_REPORTER_ROLES


def required_text(name: str, value: str) -> str:
    text = value.strip()
    if not text:
        raise DeviationReportIncomplete(f"{name} must not be empty")
    return text


@dataclass(frozen=True)
class Signer:
    """A manager who signs a joint summary, as they give their name and title."""

    role: Role
    hsa_id: str
    org_id: str
    name: str
    title: str


@dataclass(frozen=True)
class Signature:
    """Who signed a joint summary (D-2 step 2): a manager of one side."""

    hsa_id: str
    org_id: str
    name: Personal
    title: Personal
    signed_at: datetime

    @classmethod
    def of(cls, signer: Signer, owner: str, at: datetime) -> Signature:
        return cls(
            hsa_id=signer.hsa_id,
            org_id=signer.org_id,
            name=Personal(owner, required_text("signer_name", signer.name)),
            title=Personal(owner, required_text("signer_title", signer.title)),
            signed_at=at,
        )

    def stored(self) -> dict[str, Any]:
        """As the events carry it (not `asdict`, which would turn the names into plain,
        unsealed dicts)."""
        return {
            "hsa_id": self.hsa_id,
            "org_id": self.org_id,
            "name": self.name,
            "title": self.title,
            "signed_at": self.signed_at,
        }
