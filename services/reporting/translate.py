"""Reporting's domain events in their public form (contracts).

What happened, how it was perceived, the improvement proposal and the
reporter's name and title are free text: they stay in this service's store
and are deliberately left out of `DeviationReported`.
"""

from __future__ import annotations

from functools import singledispatch
from typing import Any

from contracts import DeviationCategory, DeviationReported, IntegrationEvent, OrgType
from services.reporting.domain import Deviation


@singledispatch
def to_integration_event(domain_event: Any) -> IntegrationEvent | None:
    """Domain events without a public form are not published."""
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
