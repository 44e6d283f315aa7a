"""What a case handover carries and where it stands (K-5, C-8, seed 003): requested,
acknowledged, transferred, or ended without a transfer: declined by the receiving unit,
withdrawn by the sending one (W-2), or with the case closed.

The rules that tie a handover to its case (who may send, receive, transfer;
no interventions by the receiver before the transfer) are `Case`'s, in
`case_handovers` and `case_decisions`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any
from uuid import UUID

from services.cases.domain.errors import CaseNotFound
from services.runtime.kernel.personal import Personal


class HandoverNotFound(CaseNotFound):
    rule = "K-5"


@dataclass(frozen=True)
class HandoverContent:
    """What a handover carries (K-5, seed 003 "Ärendeöverlämning").

    `guardian` is "ev. förmyndare": None when the individual has none, but the
    sender must say so; every other part is mandatory.
    """

    background_and_family: str
    guardian: str | None
    current_situation: str
    problems_and_earlier_investigations: str
    ongoing_interventions_and_planning: str

    MANDATORY = (
        "background_and_family",
        "current_situation",
        "problems_and_earlier_investigations",
        "ongoing_interventions_and_planning",
    )

    def missing(self) -> list[str]:
        """K-5: the mandatory parts left blank."""
        return [part for part in self.MANDATORY if not getattr(self, part).strip()]

    def as_record(self, owner: str) -> dict[str, Any]:
        """As the event carries it: every text the individual's personal data."""
        record: dict[str, Any] = {}
        for part in fields(self):
            value = getattr(self, part.name)
            record[part.name] = Personal(owner, value.strip()) if isinstance(value, str) else value
        return record


@dataclass
class Handover:
    """One handover of the case from its responsible unit to another (K-5)."""

    id: UUID
    from_unit: str
    to_unit: str
    to_unit_kind: str
    consent_id: UUID
    content: dict[str, Any]
    requested_at: datetime
    requested_by: str
    acknowledge_by: date
    overdue_at: datetime
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    receiving_caseworker: str | None = None
    transferred_at: datetime | None = None
    overdue_raised: bool = False
    ended_with_case: bool = False
    declined_at: datetime | None = None
    """W-2: the receiving unit declined it before acknowledging."""
    withdrawn_at: datetime | None = None
    """W-2: the sending unit withdrew it before the transfer."""
    reason: Personal | None = None
    """Why it was declined or withdrawn (W-2): the individual's, sealed."""

    @property
    def status(self) -> str:
        if self.transferred_at is not None:
            return "transferred"
        if self.declined_at is not None:
            return "declined"
        if self.withdrawn_at is not None:
            return "withdrawn"
        if self.ended_with_case:
            return "ended"
        if self.acknowledged_at is not None:
            return "acknowledged"
        return "requested"

    @property
    def open(self) -> bool:
        return self.status in ("requested", "acknowledged")
