"""Events the reporting service publishes: deviations (codes only; the text stays home)
and the published annual report (disclosure-controlled counts only)."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from contracts.base import (
    Distinct,
    HsaId,
    IntegrationEvent,
    OrgIds,
    SubjectId,
)
from contracts.vocabulary import DeviationCategory, OrgType, ProblemArea


class _DeviationEvent(IntegrationEvent):
    """Keyed by the subject when the deviation concerns one, else by the deviation."""

    service: ClassVar[str] = "reporting"
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

    version: ClassVar[int] = 1

    category: DeviationCategory
    reported_at: AwareDatetime
    reporting_org: HsaId
    reporting_org_type: OrgType
    affected_orgs: OrgIds
    problem_areas: Annotated[
        tuple[ProblemArea, ...], Field(json_schema_extra={"uniqueItems": True}), Distinct
    ] = ()
    """The areas the failure concerns (D-5): mental illness, disability, harmful use,
    addiction; empty when the reporter did not say (reports before 2026-12 never do)."""
    user_involvement: bool | None = None
    """Whether the individual or their representative took part (brukarmedverkan, D-9);
    None when not recorded."""


class DeviationDetected(_DeviationEvent):
    """A missed deadline became a deviation on its own (D-7): "routines not followed".

    `source_type` is the `ce_type` of the overdue event and `source_event_id`
    the `ce_id` of the message that carried it (stable across redeliveries
    and republishes), so the deviation links back to the fact it came from
    and the same fact never makes two deviations. Deviations detected before
    2026-11 carry an id derived from the overdue event's content instead.
    """

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

    version: ClassVar[int] = 1

    category: DeviationCategory
    reported_at: AwareDatetime
    summarised_at: AwareDatetime
    signed_by_orgs: Annotated[tuple[HsaId, ...], Field(min_length=2, max_length=2), Distinct]
    """The two organisation units whose managers signed, proposer first."""


class DeviationFeedbackSent(_DeviationEvent):
    """Feedback on a summarised deviation to one affected party (D-3): one event per party."""

    version: ClassVar[int] = 1

    party: HsaId
    sent_at: AwareDatetime


class DeviationFeedbackOverdue(_DeviationEvent):
    """D-3: a deviation's joint summary was not signed, so no feedback went to its parties,
    by the deadline the reporting service sets for "skyndsamt" (working days after it was
    reported or detected). Raised once; a missed routine itself (D-7)."""

    version: ClassVar[int] = 1

    category: DeviationCategory
    rule: str | None = Field(None, pattern=r"^[A-Z]-[0-9]+$", examples=["E-3"])
    """The rule of a detected deviation (D-7); None for a reported one."""
    concerned_orgs: Annotated[
        tuple[HsaId, ...], Field(json_schema_extra={"uniqueItems": True}), Distinct
    ] = ()
    """The deviation's parties, who owed each other the feedback; may be none (a SIP
    follow-up missed before its units were published)."""
    feedback_due: AwareDatetime
    """The first instant the feedback was late."""
    overdue_at: AwareDatetime


class DeviationClosed(_DeviationEvent):
    """A deviation closed early (W-2), before its joint summary was countersigned (D-2 step
    2): nothing more waits for its parties. It still happened and counts as reported or
    detected (D-5). Why it was closed is free text and stays in the reporting service."""

    version: ClassVar[int] = 1

    category: DeviationCategory
    closed_by_org: HsaId
    """The party (reporting unit or affected organisation) whose manager closed it."""
    closed_at: AwareDatetime


AREA_PATTERN = r"^(all|SE[0-9A-Z]{2,10}(-[0-9A-Za-z]{0,20})?)$"
"""A collaboration area: ``all``, or the HSA-id prefix its organisation units share."""

PublishedCount = Annotated[int, Field(ge=0)] | None
"""A count as published under disclosure control (D-5): None when it is suppressed."""


class CategoryCount(BaseModel):
    """The year's deviations of one category (D-1)."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    category: DeviationCategory
    count: PublishedCount


class ProblemAreaCount(BaseModel):
    """The year's deviations naming one problem area (D-5); ``unspecified``: naming none.
    A deviation counts under each area it names."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    problem_area: ProblemArea | Literal["unspecified"]
    count: PublishedCount


class InvolvementCount(BaseModel):
    """User involvement (brukarmedverkan) as an indicator (D-9): the year's deviations, or
    the approved action plan's actions, with or without it."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    of: Literal["deviations", "actions"]
    involvement: Literal["involved", "not_involved", "not_recorded"]
    count: PublishedCount


class IndicatorCount(BaseModel):
    """One published value of a follow-up indicator table (D-6) for the year.

    `row` is a target group (or an instrument, for screenings), `column` an
    outcome or a month; either may be ``total`` (the table's margins).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    indicator: Literal["coordination", "accessibility", "quality", "prevention"]
    measure: str = Field(pattern=r"^[a-z][a-z_]{0,80}$", examples=["target_groups_reached"])
    row: str = Field(pattern=r"^[A-Za-z0-9_-]{1,40}$", examples=["co_morbidity"])
    column: str = Field(pattern=r"^[A-Za-z0-9_-]{1,40}$", examples=["considered"])
    count: PublishedCount


class AnnualReportPublished(IntegrationEvent):
    """The year's de-identified report for a collaboration area was published (D-5).

    A manager publishes it to the local collaboration body: the counts only, each
    as published under disclosure control (None when suppressed), never a
    subject, a name or free text.

    Publishing the same year and area again makes a new `revision` of the same
    publication (late events can change a year's counts); the publication id keys
    the message, so revisions stay in order. Not about any one individual, so no
    `subject_id`.
    """

    service: ClassVar[str] = "reporting"
    version: ClassVar[int] = 1

    publication_id: UUID
    year: int = Field(ge=2000, le=2100)
    area: str = Field(pattern=AREA_PATTERN, examples=["SE2321000016", "all"])
    revision: int = Field(ge=1)
    """1 for the first publication of the year and area, then 2, 3, ..."""
    published_by_org: HsaId
    """The publishing manager's organisation unit."""
    disclosure_method: Literal["suppression", "cell_key"]
    deviations: PublishedCount
    """All deviations of the year in the area, reported or detected (D-7)."""
    deviations_by_category: tuple[CategoryCount, ...]
    indicators: tuple[IndicatorCount, ...]
    """The four indicator groups of seed 004 by target group (D-6), with their margins."""
    published_at: AwareDatetime
    deviations_by_problem_area: tuple[ProblemAreaCount, ...] = ()
    """D-5: mental illness, disability, harmful use, addiction (publications before 2026-12
    have none)."""
    user_involvement: tuple[InvolvementCount, ...] = ()
    """D-9: deviations and the action plan's actions with user involvement or not."""

    def subject(self) -> None:
        return None

    def partition_key(self) -> str:
        return str(self.publication_id)


__all__ = [
    "AnnualReportPublished",
    "CategoryCount",
    "DeviationClosed",
    "DeviationDetected",
    "DeviationFeedbackOverdue",
    "DeviationFeedbackSent",
    "DeviationReported",
    "DeviationSummarised",
    "IndicatorCount",
    "InvolvementCount",
    "ProblemAreaCount",
]
