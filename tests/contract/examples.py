"""One valid example of every public event, shared by the contract tests.

Ids are made up; the subject id is an arbitrary 64-hex string, not derived
from any identity number.
"""

from datetime import UTC, date, datetime
from uuid import UUID

from contracts import (
    AgeTransitionDue,
    ConsentExpired,
    ConsentForm,
    ConsentGiven,
    ConsentRefused,
    ConsentScopeChanged,
    ConsentWithdrawn,
    DeviationCategory,
    DeviationReported,
    EmergencyDisclosureExpired,
    EmergencyDisclosureRecorded,
    IntegrationEvent,
    LegalBasis,
    MeasureTried,
    MeetingScheduled,
    OrgType,
    Purpose,
    RedThreadPulled,
    SubjectErased,
    UnbornChildDisclosureRecorded,
)

SUBJECT = "3f" * 32
SOCIAL_SERVICES = "SE2321000016-15CQ"
PSYCHIATRY = "SE2321000016-7R2K"
POLICE = "SE2021000076-PL01"
CASEWORKER = "SE2321000016-H9X1"
AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

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

EXAMPLES: dict[type[IntegrationEvent], IntegrationEvent] = {
    AgeTransitionDue: AgeTransitionDue(
        subject_id=SUBJECT,
        case_id=UUID("1c9a8b7d-2e3f-4a5b-8c6d-7e8f9a0b1c2d"),
        unit=SOCIAL_SERVICES,
        transition_on=date(2026, 9, 1),
        announce_by=date(2026, 3, 1),
        due_at=datetime(2026, 2, 28, 23, 0, tzinfo=UTC),
    ),
    ConsentGiven: CONSENT_GIVEN,
    ConsentWithdrawn: ConsentWithdrawn(
        subject_id=SUBJECT,
        consent_id=CONSENT_GIVEN.consent_id,
        withdrawn_at=AT,
        recorded_by=CASEWORKER,
    ),
    SubjectErased: SubjectErased(
        subject_id=SUBJECT,
        erasure_id=UUID("2b4c6d8e-0f1a-4b3c-9d5e-7f8a9b0c1d2e"),
        erased_at=AT,
        erased_by=CASEWORKER,
    ),
    ConsentRefused: ConsentRefused(
        subject_id=SUBJECT,
        refusal_id=UUID("7a0c4a44-2f0e-4f57-8d0c-6c2b8c9e1f01"),
        purpose=Purpose.SIP,
        parties=(SOCIAL_SERVICES, PSYCHIATRY),
        refused_at=AT,
        recorded_by=CASEWORKER,
    ),
    ConsentScopeChanged: ConsentScopeChanged(
        subject_id=SUBJECT,
        consent_id=CONSENT_GIVEN.consent_id,
        parties=(SOCIAL_SERVICES, POLICE),
        added=(POLICE,),
        removed=(PSYCHIATRY,),
        changed_at=AT,
        recorded_by=CASEWORKER,
    ),
    ConsentExpired: ConsentExpired(
        subject_id=SUBJECT,
        consent_id=CONSENT_GIVEN.consent_id,
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
    RedThreadPulled: RedThreadPulled(
        subject_id=SUBJECT,
        red_thread_id=UUID("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"),
        pulled_at=AT,
        pulled_by="SE2021000076-PL0042",
        pulled_by_org_type=OrgType.POLICE,
        measures_tried=(MeasureTried.SIP, MeasureTried.THREE_PARTY_MEETING),
        burdened_orgs=(POLICE, SOCIAL_SERVICES),
        municipality_code="0180",
    ),
    MeetingScheduled: MeetingScheduled(
        subject_id=SUBJECT,
        red_thread_id=UUID("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"),
        meeting_at=datetime(2026, 3, 10, 13, 0, tzinfo=UTC),
        invited_orgs=(POLICE, SOCIAL_SERVICES, PSYCHIATRY),
        legal_basis=LegalBasis.CONSENT,
        basis_id=CONSENT_GIVEN.consent_id,
        scheduled_by="SE2321000016-K00R",
    ),
    DeviationReported: DeviationReported(
        deviation_id=UUID("c0ffee00-1234-4abc-8def-0123456789ab"),
        subject_id=SUBJECT,
        category=DeviationCategory.NO_SIP,
        reported_at=AT,
        reporting_org=SOCIAL_SERVICES,
        reporting_org_type=OrgType.SOCIAL_SERVICES,
        affected_orgs=(PSYCHIATRY,),
    ),
}
