"""Consent's domain events in their public form (contracts).

The emergency disclosure's justification is free text about the individual,
so it is deliberately left out of `EmergencyDisclosureRecorded`.
"""

from __future__ import annotations

from functools import singledispatch
from typing import Any

from contracts import (
    ConsentExpired,
    ConsentForm,
    ConsentGiven,
    ConsentRefused,
    ConsentScopeChanged,
    ConsentWithdrawn,
    EmergencyDisclosureExpired,
    EmergencyDisclosureRecorded,
    ErasureReason,
    IntegrationEvent,
    Purpose,
    SubjectErasedV2,
    UnbornChildDisclosureRecorded,
)
from services.consent.domain import (
    Consent,
    ConsentRefusal,
    EmergencyDisclosure,
    SubjectErasure,
    UnbornChildDisclosure,
)


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


@to_integration_event.register
def _refused(e: ConsentRefusal.Refused) -> IntegrationEvent:
    return ConsentRefused(
        refusal_id=e.originator_id,
        subject_id=e.subject_id,
        purpose=Purpose(e.purpose),
        parties=tuple(e.parties),
        refused_at=e.refused_at,
        recorded_by=e.recorded_by,
    )


@to_integration_event.register
def _scope_changed(e: Consent.ScopeChanged) -> IntegrationEvent:
    return ConsentScopeChanged(
        consent_id=e.originator_id,
        subject_id=e.subject_id,
        parties=tuple(e.parties),
        added=tuple(e.added),
        removed=tuple(e.removed),
        changed_at=e.changed_at,
        recorded_by=e.recorded_by,
    )


@to_integration_event.register
def _consent_expired(e: Consent.Expired) -> IntegrationEvent:
    return ConsentExpired(
        consent_id=e.originator_id, subject_id=e.subject_id, expired_at=e.expired_at
    )


@to_integration_event.register
def _disclosure_expired(e: EmergencyDisclosure.Expired) -> IntegrationEvent:
    return EmergencyDisclosureExpired(
        disclosure_id=e.originator_id, subject_id=e.subject_id, expired_at=e.expired_at
    )


@to_integration_event.register
def _unborn_child(e: UnbornChildDisclosure.Decided) -> IntegrationEvent:
    return UnbornChildDisclosureRecorded(
        disclosure_id=e.originator_id,
        subject_id=e.subject_id,
        parties=tuple(e.parties),
        decided_by=e.decided_by,
        decided_at=e.decided_at,
        valid_until=e.valid_until,
        consent_sought=e.consent_sought,
    )


@to_integration_event.register
def _erased(e: SubjectErasure.Erased) -> IntegrationEvent:
    """Version 2 for every erasure: partners need the reason (see `SubjectErasedV2`)."""
    return SubjectErasedV2(
        erasure_id=e.originator_id,
        subject_id=e.subject_id,
        erased_at=e.erased_at,
        reason=ErasureReason(e.reason),
        erased_by=e.erased_by,
    )
