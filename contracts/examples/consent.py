"""One example of every event the consent service publishes."""

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

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
    SubjectErased,
    SubjectErasedV2,
    UnbornChildDisclosureRecorded,
)
from contracts.examples.ids import AT, CASEWORKER, POLICE, PSYCHIATRY, SOCIAL_SERVICES, SUBJECT

CONSENT_GIVEN = ConsentGiven(
    subject_id=SUBJECT,
    consent_id=UUID("0b8e7a55-61f6-4d7e-9a57-0b5b1c4f3a10"),
    purpose=Purpose.RED_THREAD_MEETING,
    parties=(SOCIAL_SERVICES, PSYCHIATRY),
    form=ConsentForm.WRITTEN,
    recorded_by=CASEWORKER,
    informed=True,
    given_at=AT,
    valid_until=date(2026, 6, 30),
)

# What the events about one consent, one red thread or one escalation all carry.
ABOUT_THE_CONSENT: dict[str, Any] = {"subject_id": SUBJECT, "consent_id": CONSENT_GIVEN.consent_id}

CONSENT_EXAMPLES: dict[type[IntegrationEvent], IntegrationEvent] = {
    ConsentGiven: CONSENT_GIVEN,
    ConsentWithdrawn: ConsentWithdrawn(
        **ABOUT_THE_CONSENT,
        withdrawn_at=AT,
        recorded_by=CASEWORKER,
    ),
    SubjectErased: SubjectErased(
        subject_id=SUBJECT,
        erasure_id=UUID("2b4c6d8e-0f1a-4b3c-9d5e-7f8a9b0c1d2e"),
        erased_at=AT,
        erased_by=CASEWORKER,
    ),
    SubjectErasedV2: SubjectErasedV2(
        subject_id=SUBJECT,
        erasure_id=UUID("3c5d7e9f-1a2b-4c3d-8e5f-6a7b8c9d0e1f"),
        erased_at=AT,
        reason=ErasureReason.CULLING,
    ),
    ConsentRefused: ConsentRefused(
        subject_id=SUBJECT,
        refusal_id=UUID("7a0c4a44-2f0e-4f57-8d0c-6c2b8c9e1f01"),
        purpose=Purpose.SIP,
        parties=(SOCIAL_SERVICES, PSYCHIATRY),
        refused_at=AT,
        recorded_by=CASEWORKER,
        recording_unit=SOCIAL_SERVICES,
        ask_again_on=date(2026, 3, 16),
    ),
    ConsentScopeChanged: ConsentScopeChanged(
        **ABOUT_THE_CONSENT,
        parties=(SOCIAL_SERVICES, POLICE),
        added=(POLICE,),
        removed=(PSYCHIATRY,),
        changed_at=AT,
        recorded_by=CASEWORKER,
    ),
    ConsentExpired: ConsentExpired(
        **ABOUT_THE_CONSENT,
        expired_at=datetime(2026, 6, 30, 22, 0, tzinfo=UTC),
    ),
    EmergencyDisclosureExpired: EmergencyDisclosureExpired(
        subject_id=SUBJECT,
        disclosure_id=UUID("5d1c2a3b-8e4f-4a6b-9c7d-1e2f3a4b5c6d"),
        expired_at=datetime(2026, 3, 3, 9, 30, tzinfo=UTC),
    ),
    UnbornChildDisclosureRecorded: UnbornChildDisclosureRecorded(
        subject_id=SUBJECT,
        disclosure_id=UUID("9e3b1f2a-4c5d-4e6f-8a7b-0c1d2e3f4a5b"),
        parties=(SOCIAL_SERVICES, PSYCHIATRY),
        decided_by=CASEWORKER,
        decided_at=AT,
        valid_until=datetime(2026, 12, 1, 9, 30, tzinfo=UTC),
        consent_sought=True,
    ),
    EmergencyDisclosureRecorded: EmergencyDisclosureRecorded(
        subject_id=SUBJECT,
        disclosure_id=UUID("5d1c2a3b-8e4f-4a6b-9c7d-1e2f3a4b5c6d"),
        parties=(POLICE, SOCIAL_SERVICES, PSYCHIATRY),
        decided_by=CASEWORKER,
        decided_at=AT,
        valid_until=datetime(2026, 3, 3, 9, 30, tzinfo=UTC),
    ),
}
