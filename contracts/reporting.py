"""Events the reporting service publishes: deviations (codes only; the text stays home)."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from pydantic import AwareDatetime

from contracts.base import (
    HsaId,
    IntegrationEvent,
    OrgIds,
    SubjectId,
)
from contracts.vocabulary import DeviationCategory, OrgType


class DeviationReported(IntegrationEvent):
    """A collaboration failure was reported (D-1, D-2 step 1): codes only.

    What happened and the improvement proposal are free text and stay in the
    reporting service. A deviation may concern a routine rather than one
    individual, so `subject_id` is optional; without it the deviation id keys
    the message.
    """

    service: ClassVar[str] = "reporting"
    version: ClassVar[int] = 1

    deviation_id: UUID
    subject_id: SubjectId | None = None
    """Pseudonymous id of the individual, when the deviation concerns one."""
    category: DeviationCategory
    reported_at: AwareDatetime
    reporting_org: HsaId
    reporting_org_type: OrgType
    affected_orgs: OrgIds

    def subject(self) -> str | None:
        return self.subject_id

    def partition_key(self) -> str:
        """The subject id when there is one (ordered with that individual's events)."""
        return self.subject_id if self.subject_id is not None else str(self.deviation_id)


__all__ = [
    "DeviationReported",
]
