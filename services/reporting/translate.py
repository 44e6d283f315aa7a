"""Reporting's domain events in their public form (contracts).

What happened, how it was perceived, the improvement proposal, the solution,
the remaining problems and every name and title are free text: they stay in
this service's store and are deliberately left out of the public events.
"""

from __future__ import annotations

from functools import singledispatch
from typing import Any
from uuid import UUID

from contracts import (
    DeviationCategory,
    DeviationDetected,
    DeviationFeedbackSent,
    DeviationReported,
    DeviationSummarised,
    IntegrationEvent,
    OrgType,
)
from contracts.reporting import AnnualReportPublished, CategoryCount, IndicatorCount
from services.reporting.domain import Deviation
from services.reporting.publication import AnnualReportPublication


@singledispatch
def to_integration_event(domain_event: Any) -> IntegrationEvent | None:
    """Domain events without a public form (a proposed, unsigned summary) are not published."""
    return None


@to_integration_event.register
def _reported(e: Deviation.Reported) -> IntegrationEvent:
    return DeviationReported(
        deviation_id=e.originator_id,
        subject_id=e.subject_id,
        category=DeviationCategory(e.category),
        reported_at=e.reported_at,
        reporting_org=e.reporting_org,
        reporting_org_type=OrgType(e.reporting_org_type),
        affected_orgs=tuple(e.affected_orgs),
    )


@to_integration_event.register
def _detected(e: Deviation.Detected) -> IntegrationEvent:
    return DeviationDetected(
        deviation_id=e.originator_id,
        subject_id=e.subject_id,
        category=DeviationCategory(e.category),
        detected_at=e.detected_at,
        rule=e.rule,
        source_type=e.source_type,
        source_event_id=UUID(e.source_event_id),
        affected_orgs=tuple(e.affected_orgs),
    )


@to_integration_event.register
def _summarised(e: Deviation.Summarised) -> IntegrationEvent:
    return DeviationSummarised(
        deviation_id=e.originator_id,
        subject_id=e.subject_id,
        category=DeviationCategory(e.category),
        reported_at=e.reported_at,
        summarised_at=e.summarised_at,
        signed_by_orgs=tuple(e.signed_by_orgs),
    )


@to_integration_event.register
def _feedback(e: Deviation.FeedbackSent) -> IntegrationEvent:
    return DeviationFeedbackSent(
        deviation_id=e.originator_id, subject_id=e.subject_id, party=e.party, sent_at=e.sent_at
    )


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
            IndicatorCount(indicator=indicator, measure=measure, row=row, column=column, count=n)
            for indicator, measure, row, column, n in counts["indicators"]
        ),
        published_at=e.published_at,
    )


@to_integration_event.register
def _published(e: AnnualReportPublication.Published) -> IntegrationEvent:
    return _publication(e)


@to_integration_event.register
def _revised(e: AnnualReportPublication.Revised) -> IntegrationEvent:
    return _publication(e)
