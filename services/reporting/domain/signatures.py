"""Who signs a deviation's joint summary (D-2 step 2), and the text rule every part meets.

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
