"""Events the reporting service publishes: deviations (codes only; the text stays home)."""

from __future__ import annotations

from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import AwareDatetime, Field

from contracts.base import (
    Distinct,
    HsaId,
    IntegrationEvent,
    OrgIds,
    SubjectId,
)
from contracts.vocabulary import DeviationCategory, OrgType


class _DeviationEvent(IntegrationEvent):
    """Keyed by the subject when the deviation concerns one, else by the deviation."""

    deviation_id: UUID
    subject_id: SubjectId | None = None
    """Pseudonymous id of the individual, when the deviation concerns one."""

    def subject(self) -> str | None:
        return self.subject_id

    def partition_key(self) -> str:
        """The subject id when there is one (ordered with that individual's events)."""
        return self.subject_id if self.subject_id is not None else str(self.deviation_id)


class DeviationReported(_DeviationEvent):
    """A collaboration failure was reported (D-1, D-2 step 1): codes only.

    What happened and the improvement proposal are free text and stay in the
    reporting service. A deviation may concern a routine rather than one
    individual, so `subject_id` is optional; without it the deviation id keys
    the message.
    """

    service: ClassVar[str] = "reporting"
    version: ClassVar[int] = 1

    category: DeviationCategory
    reported_at: AwareDatetime
    reporting_org: HsaId
    reporting_org_type: OrgType
    affected_orgs: OrgIds


class DeviationDetected(_DeviationEvent):
    """A missed deadline became a deviation on its own (D-7): "routines not followed".

    `source_type` is the `ce_type` of the overdue event and `source_event_id`
    a stable id derived from its content, so the deviation links back to the
    fact it came from and the same fact never makes two deviations.
    """

    service: ClassVar[str] = "reporting"
    version: ClassVar[int] = 1

    category: DeviationCategory
    detected_at: AwareDatetime
    rule: str = Field(pattern=r"^[A-Z]-[0-9]+$", examples=["E-3"])
    """The routine's rule whose deadline was missed (E-3, E-5, K-4, K-5, K-7)."""
    source_type: str = Field(pattern=r"^se\.samverkan\.[a-z]+\.[A-Z][A-Za-z0-9]*\.v[0-9]+$")
    source_event_id: UUID
    affected_orgs: Annotated[
        tuple[HsaId, ...], Field(json_schema_extra={"uniqueItems": True}), Distinct
    ] = ()
    """The organisations the missed deadline concerns; may be none (a SIP follow-up)."""


class DeviationSummarised(_DeviationEvent):
    """Step 2 of a deviation (D-2): the joint summary is signed by both sides.

    The solution and the remaining problems are free text and stay home;
    `reported_at` is repeated so the resolution time can be followed (D-6)
    without remembering the first event.
    """

    service: ClassVar[str] = "reporting"
    version: ClassVar[int] = 1

    category: DeviationCategory
    reported_at: AwareDatetime
    summarised_at: AwareDatetime
    signed_by_orgs: Annotated[tuple[HsaId, ...], Field(min_length=2, max_length=2), Distinct]
    """The two organisation units whose managers signed, proposer first."""


class DeviationFeedbackSent(_DeviationEvent):
    """Feedback on a summarised deviation to one affected party (D-3): one event per party."""

    service: ClassVar[str] = "reporting"
    version: ClassVar[int] = 1

    party: HsaId
    sent_at: AwareDatetime


__all__ = [
    "DeviationDetected",
    "DeviationFeedbackSent",
    "DeviationReported",
    "DeviationSummarised",
]
