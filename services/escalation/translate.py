"""Escalation's domain events in their public form (contracts)."""

from __future__ import annotations

from functools import singledispatch
from typing import Any

from contracts import (
    IntegrationEvent,
    LegalBasis,
    MeasureTried,
    MeetingScheduled,
    OrgType,
    RedThreadPulled,
)
from services.escalation.domain import RedThread


@singledispatch
def to_integration_event(domain_event: Any) -> IntegrationEvent | None:
    """The consent view's events are escalation's own bookkeeping: not published."""
    return None


@to_integration_event.register
def _pulled(e: RedThread.Pulled) -> IntegrationEvent:
    return RedThreadPulled(
        red_thread_id=e.originator_id,
        subject_id=e.subject_id,
        pulled_at=e.pulled_at,
        pulled_by=e.pulled_by,
        pulled_by_org_type=OrgType(e.pulled_by_org_type),
        measures_tried=tuple(MeasureTried(m) for m in e.measures_tried),
        burdened_orgs=tuple(e.burdened_orgs),
        municipality_code=e.municipality_code,
    )


@to_integration_event.register
def _scheduled(e: RedThread.MeetingScheduled) -> IntegrationEvent:
    return MeetingScheduled(
        red_thread_id=e.originator_id,
        subject_id=e.subject_id,
        meeting_at=e.meeting_at,
        invited_orgs=tuple(e.invited_orgs),
        legal_basis=LegalBasis(e.legal_basis),
        basis_id=e.basis_id,
        scheduled_by=e.scheduled_by,
    )
