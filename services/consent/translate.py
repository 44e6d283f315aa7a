"""Consent's domain events in their public form (contracts).

The emergency disclosure's justification is free text about the individual,
so it is deliberately left out of `EmergencyDisclosureRecorded`.
"""

from __future__ import annotations

from functools import singledispatch
from typing import Any

from contracts import (
    ConsentForm,
    ConsentGiven,
    ConsentWithdrawn,
    EmergencyDisclosureRecorded,
    IntegrationEvent,
    Purpose,
)
from services.consent.domain import Consent, EmergencyDisclosure


@singledispatch
def to_integration_event(domain_event: Any) -> IntegrationEvent | None:
    """Domain events without a public form are not published."""
    return None


@to_integration_event.register
def _given(e: Consent.Given) -> IntegrationEvent:
    return ConsentGiven(
        consent_id=e.originator_id,
        subject_id=e.subject_id,
        purpose=Purpose(e.purpose),
        parties=tuple(e.parties),
        form=ConsentForm(e.form),
        recorded_by=e.recorded_by,
        informed=e.informed,
        given_at=e.given_at,
        valid_until=e.valid_until,
    )


@to_integration_event.register
def _withdrawn(e: Consent.Withdrawn) -> IntegrationEvent:
    return ConsentWithdrawn(
        consent_id=e.originator_id,
        subject_id=e.subject_id,
        withdrawn_at=e.withdrawn_at,
        recorded_by=e.recorded_by,
    )


@to_integration_event.register
def _disclosure(e: EmergencyDisclosure.Decided) -> IntegrationEvent:
    return EmergencyDisclosureRecorded(
        disclosure_id=e.originator_id,
        subject_id=e.subject_id,
        parties=tuple(e.parties),
        decided_by=e.decided_by,
        decided_at=e.decided_at,
        valid_until=e.valid_until,
    )
