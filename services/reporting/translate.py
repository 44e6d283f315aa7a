"""Reporting's domain events in their public form (contracts).

What happened, how it was perceived, the improvement proposal, the solution,
the remaining problems and every name and title are free text: they stay in
this service's store and are deliberately left out of the public events.

A table (services.runtime.messaging.translation): each row names only the
fields that differ from the domain event's; the rest are copied by name and
coerced (str to enum, list to tuple, str to UUID) by the contract's validation.
The free text (a deviation's reason for closing early among it) is left out because no
contract names it.
"""

from __future__ import annotations

from contracts import (
    DeviationCategory,
    DeviationClosed,
    DeviationDetected,
    DeviationFeedbackOverdue,
    DeviationFeedbackSent,
    DeviationReported,
    DeviationSummarised,
)
from contracts.reporting import (
    AnnualReportPublished,
    CategoryCount,
    IndicatorCount,
    InvolvementCount,
    ProblemAreaCount,
)
from services.reporting.domain import AnnualReportPublication, Deviation
from services.runtime.messaging.translation import TranslationTable, from_, row

DEVIATION_ID = from_("originator_id")


def _publication(
    e: AnnualReportPublication.Published | AnnualReportPublication.Revised,
) -> AnnualReportPublished:
    """D-5: the counts as published, the revision being the aggregate's version."""
    counts = e.counts
    return AnnualReportPublished(
        publication_id=e.originator_id,
        year=e.year,
        area=e.area,
        revision=e.originator_version,
        published_by_org=e.published_by_org,
        disclosure_method=counts["disclosure_method"],
        deviations=counts["deviations"],
        deviations_by_category=tuple(
            CategoryCount(category=DeviationCategory(category), count=count)
            for category, count in counts["deviations_by_category"]
        ),
        indicators=tuple(
            IndicatorCount(indicator=indicator, measure=measure, row=at_row, column=column, count=n)
            for indicator, measure, at_row, column, n in counts["indicators"]
        ),
        published_at=e.published_at,
        # Publications before 2026-12 carry neither (D-5, D-9).
        deviations_by_problem_area=tuple(
            ProblemAreaCount(problem_area=area, count=count)
            for area, count in counts.get("deviations_by_problem_area", [])
        ),
        user_involvement=tuple(
            InvolvementCount(of=of, involvement=involvement, count=count)
            for of, involvement, count in counts.get("user_involvement", [])
        ),
    )


to_integration_event = TranslationTable(
    row(Deviation.Reported, DeviationReported, deviation_id=DEVIATION_ID),
    row(Deviation.Detected, DeviationDetected, deviation_id=DEVIATION_ID),
    row(Deviation.Summarised, DeviationSummarised, deviation_id=DEVIATION_ID),
    row(Deviation.FeedbackSent, DeviationFeedbackSent, deviation_id=DEVIATION_ID),
    row(Deviation.Closed, DeviationClosed, deviation_id=DEVIATION_ID),
    row(Deviation.FeedbackOverdue, DeviationFeedbackOverdue, deviation_id=DEVIATION_ID),
    row(AnnualReportPublication.Published, _publication),
    row(AnnualReportPublication.Revised, _publication),
)
"""Domain events without a row (a proposed, unsigned summary) are not published."""
