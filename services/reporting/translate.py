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
from services.reporting.domain import Deviation


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
