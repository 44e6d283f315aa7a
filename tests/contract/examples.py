"""One valid example of every public event, shared by the contract tests.

Ids are made up; the subject id is an arbitrary 64-hex string, not derived
from any identity number.
"""

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from contracts import (
    ActionStatus,
    AcuteMatterRaised,
    AcuteMatterTaken,
    AgeTransitionAnnounced,
    AgeTransitionDue,
    AgeTransitionOverdue,
    CaseArrivalCorrected,
    CaseClosed,
    CaseDecision,
    CaseDecisionNotified,
    CaseDecisionRecorded,
    CaseDecisionTold,
    CaseMeetingCancelled,
    CaseMeetingHeld,
    CaseMeetingMoved,
    CaseMeetingOutcome,
    CaseMeetingOverdue,
    CaseMeetingScheduled,
    CaseOpened,
    CaseRegisteredForMeeting,
    CaseRouted,
    CaseTargetGroupsChanged,
    ChildWelfareReportMade,
    ClientInformedOfCaseCourse,
    ClosingReason,
    ConsentExpired,
    ConsentForm,
    ConsentGiven,
    ConsentRefused,
    ConsentScopeChanged,
    ConsentWithdrawn,
    ConsultationHeld,
    ConsultationOutcome,
    CoordinatorAssigned,
    CostBasis,
    DeviationCategory,
    DeviationClosed,
    DeviationDetected,
    DeviationFeedbackOverdue,
    DeviationFeedbackSent,
    DeviationReported,
    DeviationSummarised,
    EmergencyDisclosureExpired,
    EmergencyDisclosureRecorded,
    ErasureReason,
    EscalationCostSettled,
    EscalationLevel,
    EscalationRaised,
    EscalationResolution,
    EscalationResolved,
    EscalationTrack,
    FollowThroughMeetingHeld,
    FollowThroughMeetingScheduled,
    FollowUpBooked,
    FollowUpEvaluated,
    FollowUpResult,
    HandoverAcknowledged,
    HandoverAcknowledgementOverdue,
    HandoverDeclined,
    HandoverRequested,
    HandoverWithdrawn,
    HoldReason,
    InformedManner,
    IntegrationEvent,
    LegalBasis,
    MeasureTried,
    MeetingAbsenceRecorded,
    MeetingBasisReplaced,
    MeetingHeld,
    MeetingKind,
    MeetingOutcome,
    MeetingPutOnHold,
    MeetingResumed,
    MeetingScheduled,
    MeetingStage,
    MonthlyMeetingAbsenceRecorded,
    MonthlyMeetingCancelled,
    MonthlyMeetingKind,
    MonthlyMeetingMoved,
    MonthlyMeetingPlanned,
    OrgType,
    OtherPrincipalContactEstablished,
    OtherPrincipalContactOverdue,
    OtherPrincipalContactRequested,
    ParallelInvestigationOpened,
    PreMeetingHeld,
    Purpose,
    RedThreadActionAgreed,
    RedThreadActionEvaluated,
    RedThreadActionOverdue,
    RedThreadClosed,
    RedThreadClosedEarly,
    RedThreadFollowUpNotBooked,
    RedThreadFollowUpOverdue,
    RedThreadMeetingCancelled,
    RedThreadMeetingMoved,
    RedThreadMeetingNotRecorded,
    RedThreadMeetingOverdue,
    RedThreadPulled,
    ResponsibilityTransferred,
    RoutineReviewHeld,
    RoutineReviewScheduled,
    RoutingReason,
    ScreeningAdviceRecorded,
    ScreeningRecorded,
    SipClosed,
    SipEstablished,
    SipEstablishmentOverdue,
    SipFollowUpOverdue,
    SipFollowUpRecorded,
    SipPlanPublished,
    SipProposed,
    SipProposer,
    SipRevised,
    SubjectErased,
    SubjectErasedV2,
    ThreePartyMeetingRequested,
    UnbornChildDisclosureRecorded,
    UnitKind,
    ViolenceQuestionRecorded,
)
from contracts.reporting import (
    AnnualReportPublished,
    CategoryCount,
    IndicatorCount,
    InvolvementCount,
    ProblemAreaCount,
)
from contracts.vocabulary import (
    ProblemArea,
    ScreeningInstrument,
    ScreeningOccasion,
    ScreeningOutcome,
    TargetGroup,
    ViolenceExposure,
)

SUBJECT = "3f" * 32
SOCIAL_SERVICES = "SE2321000016-15CQ"
PSYCHIATRY = "SE2321000016-7R2K"
POLICE = "SE2021000076-PL01"
CASEWORKER = "SE2321000016-H9X1"
AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
RED_THREAD = UUID("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d")
COORDINATOR = "SE2321000016-K00R"
MEETING_AT = datetime(2026, 3, 10, 13, 0, tzinfo=UTC)
FOLLOW_UP_AT = datetime(2026, 4, 14, 13, 0, tzinfo=UTC)
ESCALATION = UUID("e5ca1a7e-0000-4000-8000-00000000e006")
MONTHLY_MEETING = UUID("3ee71ae0-0000-4000-8000-00000000e007")
ACUTE_MATTER = UUID("ac07e000-0000-4000-8000-00000000e008")
ROUTINE_REVIEW = UUID("7e71e700-0000-4000-8000-00000000e013")
ADULT_CARE = "SE2321000016-15CA"

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
ABOUT_THE_THREAD: dict[str, Any] = {"subject_id": SUBJECT, "red_thread_id": RED_THREAD}
ABOUT_THE_ESCALATION: dict[str, Any] = {"subject_id": SUBJECT, "escalation_id": ESCALATION}

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
    RedThreadPulled: RedThreadPulled(
        **ABOUT_THE_THREAD,
        pulled_at=AT,
        pulled_by="SE2021000076-PL0042",
        pulled_by_org_type=OrgType.POLICE,
        measures_tried=(MeasureTried.SIP, MeasureTried.THREE_PARTY_MEETING),
        burdened_orgs=(POLICE, SOCIAL_SERVICES),
        municipality_code="0180",
    ),
    MeetingScheduled: MeetingScheduled(
        **ABOUT_THE_THREAD,
        meeting_at=datetime(2026, 3, 10, 13, 0, tzinfo=UTC),
        invited_orgs=(POLICE, SOCIAL_SERVICES, PSYCHIATRY),
        legal_basis=LegalBasis.CONSENT,
        basis_id=CONSENT_GIVEN.consent_id,
        scheduled_by=COORDINATOR,
    ),
    CoordinatorAssigned: CoordinatorAssigned(
        **ABOUT_THE_THREAD,
        coordinator=COORDINATOR,
        assigned_by=COORDINATOR,
        assigned_at=AT,
    ),
    MeetingPutOnHold: MeetingPutOnHold(
        **ABOUT_THE_THREAD,
        stage=MeetingStage.FOLLOW_UP,
        meeting_at=FOLLOW_UP_AT,
        reason=HoldReason.CONSENT_WITHDRAWN,
        basis_id=CONSENT_GIVEN.consent_id,
        held_since=datetime(2026, 3, 20, 8, 0, tzinfo=UTC),
    ),
    MeetingResumed: MeetingResumed(
        **ABOUT_THE_THREAD,
        stage=MeetingStage.FOLLOW_UP,
        meeting_at=FOLLOW_UP_AT,
        legal_basis=LegalBasis.EMERGENCY_DISCLOSURE,
        basis_id=UUID("5d1c2a3b-8e4f-4a6b-9c7d-1e2f3a4b5c6d"),
        resumed_at=datetime(2026, 4, 13, 8, 0, tzinfo=UTC),
    ),
    MeetingBasisReplaced: MeetingBasisReplaced(
        **ABOUT_THE_THREAD,
        stage=MeetingStage.MEETING,
        legal_basis=LegalBasis.EMERGENCY_DISCLOSURE,
        basis_id=UUID("5d1c2a3b-8e4f-4a6b-9c7d-1e2f3a4b5c6d"),
        replaced_basis_id=UUID("6e2d3b4c-9f50-4b7c-8d8e-2f3a4b5c6d7e"),
        replaced_at=datetime(2026, 4, 2, 10, 0, tzinfo=UTC),
    ),
    MeetingHeld: MeetingHeld(
        **ABOUT_THE_THREAD,
        meeting_at=MEETING_AT,
        attended_orgs=(POLICE, SOCIAL_SERVICES),
        absent_orgs=(PSYCHIATRY,),
        outcome=MeetingOutcome.SOLUTIONS_AGREED,
        legal_basis=LegalBasis.CONSENT,
        basis_id=CONSENT_GIVEN.consent_id,
        recorded_by=COORDINATOR,
    ),
    MeetingAbsenceRecorded: MeetingAbsenceRecorded(
        **ABOUT_THE_THREAD,
        stage=MeetingStage.MEETING,
        meeting_at=MEETING_AT,
        absent_org=PSYCHIATRY,
        category=DeviationCategory.ROUTINES,
        recorded_by=COORDINATOR,
    ),
    FollowUpBooked: FollowUpBooked(
        **ABOUT_THE_THREAD,
        follow_up_at=FOLLOW_UP_AT,
        invited_orgs=(POLICE, SOCIAL_SERVICES, PSYCHIATRY),
        legal_basis=LegalBasis.CONSENT,
        basis_id=CONSENT_GIVEN.consent_id,
        booked_by=COORDINATOR,
    ),
    FollowUpEvaluated: FollowUpEvaluated(
        **ABOUT_THE_THREAD,
        follow_up_at=FOLLOW_UP_AT,
        attended_orgs=(POLICE, SOCIAL_SERVICES, PSYCHIATRY),
        absent_orgs=(),
        result=FollowUpResult.IMPROVED,
        recorded_by=COORDINATOR,
    ),
    RedThreadActionAgreed: RedThreadActionAgreed(
        **ABOUT_THE_THREAD,
        action_id=UUID("7d1c4a52-90f4-5e1b-8f36-0f5c2a9e4b11"),
        responsible_org=SOCIAL_SERVICES,
        due_on=date(2026, 3, 24),
        meeting_at=MEETING_AT,
        recorded_by=COORDINATOR,
    ),
    RedThreadActionEvaluated: RedThreadActionEvaluated(
        **ABOUT_THE_THREAD,
        action_id=UUID("7d1c4a52-90f4-5e1b-8f36-0f5c2a9e4b11"),
        responsible_org=SOCIAL_SERVICES,
        due_on=date(2026, 3, 24),
        status=ActionStatus.PARTLY_DONE,
        recorded_by=COORDINATOR,
        recorded_at=datetime(2026, 4, 14, 15, 0, tzinfo=UTC),
    ),
    RedThreadClosed: RedThreadClosed(
        **ABOUT_THE_THREAD,
        closed_at=datetime(2026, 4, 14, 15, 0, tzinfo=UTC),
        closed_by=COORDINATOR,
    ),
    RedThreadMeetingMoved: RedThreadMeetingMoved(
        **ABOUT_THE_THREAD,
        stage=MeetingStage.MEETING,
        meeting_at=datetime(2026, 3, 12, 13, 0, tzinfo=UTC),
        previous_meeting_at=MEETING_AT,
        invited_orgs=(POLICE, SOCIAL_SERVICES, PSYCHIATRY),
        legal_basis=LegalBasis.CONSENT,
        basis_id=CONSENT_GIVEN.consent_id,
        moved_by=COORDINATOR,
        moved_at=datetime(2026, 3, 5, 10, 0, tzinfo=UTC),
    ),
    RedThreadMeetingCancelled: RedThreadMeetingCancelled(
        **ABOUT_THE_THREAD,
        stage=MeetingStage.FOLLOW_UP,
        meeting_at=FOLLOW_UP_AT,
        invited_orgs=(POLICE, SOCIAL_SERVICES, PSYCHIATRY),
        cancelled_by=COORDINATOR,
        cancelled_at=datetime(2026, 4, 1, 8, 0, tzinfo=UTC),
    ),
    RedThreadClosedEarly: RedThreadClosedEarly(
        **ABOUT_THE_THREAD,
        closed_at=datetime(2026, 4, 2, 15, 0, tzinfo=UTC),
        closed_by=COORDINATOR,
        meeting_held=True,
    ),
    RedThreadMeetingOverdue: RedThreadMeetingOverdue(
        **ABOUT_THE_THREAD,
        meeting_deadline=date(2026, 3, 16),
        overdue_at=datetime(2026, 3, 16, 23, 0, tzinfo=UTC),
        concerned_orgs=(POLICE, SOCIAL_SERVICES),
    ),
    RedThreadFollowUpOverdue: RedThreadFollowUpOverdue(
        **ABOUT_THE_THREAD,
        follow_up_at=FOLLOW_UP_AT,
        overdue_at=datetime(2026, 4, 14, 22, 0, tzinfo=UTC),
        concerned_orgs=(POLICE, SOCIAL_SERVICES, PSYCHIATRY),
    ),
    RedThreadMeetingNotRecorded: RedThreadMeetingNotRecorded(
        **ABOUT_THE_THREAD,
        meeting_at=MEETING_AT,
        overdue_at=datetime(2026, 3, 11, 23, 0, tzinfo=UTC),
        concerned_orgs=(POLICE, SOCIAL_SERVICES, PSYCHIATRY),
    ),
    RedThreadFollowUpNotBooked: RedThreadFollowUpNotBooked(
        **ABOUT_THE_THREAD,
        meeting_at=MEETING_AT,
        within_days=14,
        overdue_at=datetime(2026, 3, 24, 23, 0, tzinfo=UTC),
        concerned_orgs=(POLICE, SOCIAL_SERVICES, PSYCHIATRY),
    ),
    RedThreadActionOverdue: RedThreadActionOverdue(
        **ABOUT_THE_THREAD,
        action_id=UUID("7d1c4a52-90f4-5e1b-8f36-0f5c2a9e4b11"),
        responsible_org=SOCIAL_SERVICES,
        due_on=date(2026, 3, 24),
        overdue_at=datetime(2026, 3, 24, 23, 0, tzinfo=UTC),
    ),
    EscalationRaised: EscalationRaised(
        **ABOUT_THE_ESCALATION,
        track=EscalationTrack.NEEDS,
        level=EscalationLevel.UNIT_MANAGER,
        previous_level=EscalationLevel.DEPUTY_UNIT_MANAGER,
        step=2,
        cost_question=False,
        raised_by=CASEWORKER,
        raised_by_org=SOCIAL_SERVICES,
        responsible_org=SOCIAL_SERVICES,
        counterpart_orgs=(PSYCHIATRY,),
        raised_at=AT,
    ),
    EscalationResolved: EscalationResolved(
        **ABOUT_THE_ESCALATION,
        track=EscalationTrack.NEEDS,
        level=EscalationLevel.UNIT_MANAGER,
        resolution=EscalationResolution.AGREED,
        resolved_by=CASEWORKER,
        resolved_at=AT,
    ),
    EscalationCostSettled: EscalationCostSettled(
        **ABOUT_THE_ESCALATION,
        basis=CostBasis.SHARED_HOUSING,
        payers=(UnitKind.IOF, UnitKind.AOF),
        settled_by="SE2321000016-A0H1",
        settled_by_org=SOCIAL_SERVICES,
        settled_at=AT,
    ),
    RoutineReviewScheduled: RoutineReviewScheduled(
        review_id=ROUTINE_REVIEW,
        municipality_code="0180",
        year=2026,
        starts_at=datetime(2026, 9, 14, 8, 0, tzinfo=UTC),
        members=(SOCIAL_SERVICES, ADULT_CARE),
        scheduled_by="SE2321000016-A0H1",
        scheduled_at=AT,
    ),
    RoutineReviewHeld: RoutineReviewHeld(
        review_id=ROUTINE_REVIEW,
        municipality_code="0180",
        year=2026,
        present_orgs=(SOCIAL_SERVICES,),
        absent_orgs=(ADULT_CARE,),
        revisions=2,
        recorded_by="SE2321000016-A0H1",
        held_at=datetime(2026, 9, 14, 10, 0, tzinfo=UTC),
    ),
    CaseRegisteredForMeeting: CaseRegisteredForMeeting(
        subject_id=SUBJECT,
        registration_id=UUID("2e6157e0-0000-4000-8000-00000000e007"),
        meeting_id=MONTHLY_MEETING,
        meeting_kind=MonthlyMeetingKind.COLLABORATION,
        meeting_at=datetime(2026, 3, 30, 7, 0, tzinfo=UTC),
        registering_org=SOCIAL_SERVICES,
        registered_by=CASEWORKER,
        summoned_orgs=(PSYCHIATRY,),
        registered_at=datetime(2026, 3, 29, 9, 59, tzinfo=UTC),
    ),
    AcuteMatterRaised: AcuteMatterRaised(
        subject_id=SUBJECT,
        acute_matter_id=ACUTE_MATTER,
        from_org=SOCIAL_SERVICES,
        to_org=PSYCHIATRY,
        raised_by=CASEWORKER,
        raised_at=AT,
    ),
    AcuteMatterTaken: AcuteMatterTaken(
        subject_id=SUBJECT, acute_matter_id=ACUTE_MATTER, taken_by="SE2321000016-D0P1", taken_at=AT
    ),
    MonthlyMeetingPlanned: MonthlyMeetingPlanned(
        meeting_id=MONTHLY_MEETING,
        series_id=UUID("5e71e500-0000-4000-8000-00000000e007"),
        meeting_kind=MonthlyMeetingKind.COLLABORATION,
        starts_at=datetime(2026, 3, 30, 8, 0, tzinfo=UTC),
        registration_cutoff=datetime(2026, 3, 29, 10, 0, tzinfo=UTC),
        members=(SOCIAL_SERVICES, PSYCHIATRY),
        inventory=False,
    ),
    MonthlyMeetingMoved: MonthlyMeetingMoved(
        meeting_id=MONTHLY_MEETING,
        starts_at=datetime(2026, 3, 24, 8, 0, tzinfo=UTC),
        previous_starts_at=datetime(2026, 3, 30, 8, 0, tzinfo=UTC),
        registration_cutoff=datetime(2026, 3, 23, 11, 0, tzinfo=UTC),
        members=(SOCIAL_SERVICES, PSYCHIATRY),
        moved_by="SE2321000016-D0P1",
        moved_at=datetime(2026, 3, 10, 9, 0, tzinfo=UTC),
    ),
    MonthlyMeetingCancelled: MonthlyMeetingCancelled(
        meeting_id=MONTHLY_MEETING,
        starts_at=datetime(2026, 3, 24, 8, 0, tzinfo=UTC),
        members=(SOCIAL_SERVICES, PSYCHIATRY),
        cancelled_by="SE2321000016-D0P1",
        cancelled_at=datetime(2026, 3, 20, 9, 0, tzinfo=UTC),
    ),
    MonthlyMeetingAbsenceRecorded: MonthlyMeetingAbsenceRecorded(
        meeting_id=MONTHLY_MEETING,
        absent_orgs=(PSYCHIATRY,),
        present_orgs=(SOCIAL_SERVICES,),
        category=DeviationCategory.ROUTINES,
        recorded_by="SE2321000016-D0P1",
        recorded_at=datetime(2026, 3, 24, 10, 0, tzinfo=UTC),
    ),
    ConsultationHeld: ConsultationHeld(
        subject_id=SUBJECT,
        consultation_id=UUID("c0a5a170-0000-4000-8000-00000000e009"),
        consulting_org=SOCIAL_SERVICES,
        consulted_orgs=(PSYCHIATRY,),
        meeting_id=MONTHLY_MEETING,
        outcome=ConsultationOutcome.PARALLEL_INVESTIGATION,
        held_at=datetime(2026, 3, 30, 8, 0, tzinfo=UTC),
        recorded_by=CASEWORKER,
    ),
    DeviationReported: DeviationReported(
        deviation_id=UUID("c0ffee00-1234-4abc-8def-0123456789ab"),
        subject_id=SUBJECT,
        category=DeviationCategory.NO_SIP,
        reported_at=AT,
        reporting_org=SOCIAL_SERVICES,
        reporting_org_type=OrgType.SOCIAL_SERVICES,
        affected_orgs=(PSYCHIATRY,),
        problem_areas=(ProblemArea.MENTAL_ILLNESS, ProblemArea.HARMFUL_USE),
        user_involvement=True,
    ),
    DeviationDetected: DeviationDetected(
        deviation_id=UUID("c0ffee00-1234-4abc-8def-0123456789ac"),
        subject_id=SUBJECT,
        category=DeviationCategory.ROUTINES,
        detected_at=AT,
        rule="E-3",
        source_type="se.samverkan.escalation.RedThreadMeetingOverdue.v1",
        source_event_id=UUID("5d1c9e2a-3b4f-5a6b-8c7d-9e0f1a2b3c4d"),
        affected_orgs=(SOCIAL_SERVICES, PSYCHIATRY),
    ),
    DeviationSummarised: DeviationSummarised(
        deviation_id=UUID("c0ffee00-1234-4abc-8def-0123456789ab"),
        subject_id=SUBJECT,
        category=DeviationCategory.NO_SIP,
        reported_at=AT,
        summarised_at=datetime(2026, 3, 20, 10, 0, tzinfo=UTC),
        signed_by_orgs=(SOCIAL_SERVICES, PSYCHIATRY),
    ),
    DeviationClosed: DeviationClosed(
        deviation_id=UUID("c0ffee00-1234-4abc-8def-0123456789ab"),
        subject_id=SUBJECT,
        category=DeviationCategory.NO_SIP,
        closed_by_org=SOCIAL_SERVICES,
        closed_at=datetime(2026, 3, 18, 10, 0, tzinfo=UTC),
    ),
    DeviationFeedbackSent: DeviationFeedbackSent(
        deviation_id=UUID("c0ffee00-1234-4abc-8def-0123456789ab"),
        subject_id=SUBJECT,
        party=PSYCHIATRY,
        sent_at=datetime(2026, 3, 20, 10, 0, tzinfo=UTC),
    ),
    DeviationFeedbackOverdue: DeviationFeedbackOverdue(
        deviation_id=UUID("c0ffee00-1234-4abc-8def-0123456789ab"),
        subject_id=SUBJECT,
        category=DeviationCategory.NO_SIP,
        concerned_orgs=(SOCIAL_SERVICES, PSYCHIATRY),
        # Ten Swedish working days after Monday 2 March 2026: the end of 16 March.
        feedback_due=datetime(2026, 3, 16, 23, 0, tzinfo=UTC),
        overdue_at=datetime(2026, 3, 16, 23, 0, tzinfo=UTC),
    ),
}

# --- cases (K-1..K-5) ----------------------------------------------------------------------

CASE_ID = UUID("1c9a8b7d-2e3f-4a5b-8c6d-7e8f9a0b1c2d")
SIP_ID = UUID("4f2d1e0a-5b6c-4d7e-9f8a-0b1c2d3e4f5a")
MEETING_ID = UUID("5a3e2f1b-6c7d-4e8f-8a9b-1c2d3e4f5a6b")
HANDOVER_ID = UUID("2d0b9c8e-3f4a-4b5c-9d7e-8f9a0b1c2d3e")
ADULT_UNIT = "SE2321000016-15CR"
# What the events about the one case, its SIP and its meeting all carry.
ABOUT_THE_CASE: dict[str, Any] = {"subject_id": SUBJECT, "case_id": CASE_ID}
ABOUT_THE_SIP: dict[str, Any] = {"subject_id": SUBJECT, "sip_id": SIP_ID}
ABOUT_THE_MEETING: dict[str, Any] = {**ABOUT_THE_CASE, "meeting_id": MEETING_ID}
ABOUT_THE_CONTACT: dict[str, Any] = {
    **ABOUT_THE_CASE,
    "contact_id": UUID("6b4f3a2c-7d8e-4f9a-8b0c-2d3e4f5a6b7c"),
    "from_unit": SOCIAL_SERVICES,
    "to_unit": PSYCHIATRY,
}
# ...and what those about it at its unit (social services), or its handover to adult care, carry.
ABOUT_THE_CASE_AT_ITS_UNIT: dict[str, Any] = {**ABOUT_THE_CASE, "unit": SOCIAL_SERVICES}
ABOUT_THE_HANDOVER: dict[str, Any] = {
    **ABOUT_THE_CASE,
    "handover_id": HANDOVER_ID,
    "to_unit": ADULT_UNIT,
}

EXAMPLES.update(
    {
        CaseOpened: CaseOpened(
            **ABOUT_THE_CASE_AT_ITS_UNIT,
            unit_kind=UnitKind.IOF,
            child_and_youth=True,
            opened_at=AT,
        ),
        CaseRouted: CaseRouted(
            **ABOUT_THE_CASE,
            unit_kind=UnitKind.IOF,
            rule="K-1",
            reason=RoutingReason.ADULT_IOF_NEED,
            received_at=AT,
        ),
        CaseArrivalCorrected: CaseArrivalCorrected(
            **ABOUT_THE_CASE_AT_ITS_UNIT,
            received_at=datetime(2026, 2, 27, 15, 0, tzinfo=UTC),
            previous_received_at=AT,
            corrected_at=datetime(2026, 3, 3, 8, 0, tzinfo=UTC),
            corrected_by=CASEWORKER,
        ),
        ParallelInvestigationOpened: ParallelInvestigationOpened(
            subject_id=SUBJECT,
            case_id=UUID("3e1c0d9f-4a5b-4c6d-8e8f-9a0b1c2d3e4f"),
            parallel_to=CASE_ID,
            unit=ADULT_UNIT,
            unit_kind=UnitKind.AOF,
            opened_at=AT,
        ),
        CaseDecisionNotified: CaseDecisionNotified(
            **ABOUT_THE_CASE_AT_ITS_UNIT,
            decision=CaseDecision.INTERVENTION_GRANTED,
            decided_at=AT,
            notified_units=(ADULT_UNIT,),
        ),
        CaseDecisionRecorded: CaseDecisionRecorded(
            **ABOUT_THE_CASE_AT_ITS_UNIT,
            decision=CaseDecision.INTERVENTION_GRANTED,
            decided_at=AT,
            child_perspective_considered=True,
            children_in_household=True,
            target_groups=(TargetGroup.CO_MORBIDITY, TargetGroup.EXPOSED_TO_VIOLENCE),
        ),
        CaseTargetGroupsChanged: CaseTargetGroupsChanged(
            **ABOUT_THE_CASE_AT_ITS_UNIT,
            municipality_code="0180",
            target_groups=(TargetGroup.CHILDREN_AND_YOUTH,),
            changed_at=AT,
        ),
        ScreeningRecorded: ScreeningRecorded(
            subject_id=SUBJECT,
            screening_id=UUID("6b4f3a2c-7d8e-4f9a-8b0c-2d3e4f5a6b7c"),
            instrument=ScreeningInstrument.AUDIT,
            occasion=ScreeningOccasion.NEW_VISIT,
            outcome=ScreeningOutcome.DONE,
            screened_on=date(2026, 3, 2),
            org_type=OrgType.HEALTH_CARE,
            follows_up=None,
            target_groups=(TargetGroup.PREGNANT_WITH_RISKY_USE,),
            recorded_at=AT,
        ),
        CaseClosed: CaseClosed(
            **ABOUT_THE_CASE_AT_ITS_UNIT,
            reason=ClosingReason.NEEDS_MET,
            closed_at=AT,
            notified_units=(ADULT_UNIT,),
        ),
        AgeTransitionAnnounced: AgeTransitionAnnounced(
            **ABOUT_THE_CASE,
            from_unit=SOCIAL_SERVICES,
            to_unit=ADULT_UNIT,
            municipality_code="0180",
            transition_on=date(2026, 9, 1),
            continued_support_needed=True,
            announced_at=AT,
        ),
        AgeTransitionOverdue: AgeTransitionOverdue(
            **ABOUT_THE_CASE_AT_ITS_UNIT,
            transition_on=date(2026, 9, 1),
            announce_by=date(2026, 3, 1),
            overdue_at=datetime(2026, 3, 1, 23, 0, tzinfo=UTC),
        ),
        HandoverRequested: HandoverRequested(
            **ABOUT_THE_HANDOVER,
            from_unit=SOCIAL_SERVICES,
            consent_id=CONSENT_GIVEN.consent_id,
            requested_at=AT,
            acknowledge_by=date(2026, 3, 5),
        ),
        HandoverAcknowledged: HandoverAcknowledged(
            **ABOUT_THE_HANDOVER,
            receiving_caseworker=CASEWORKER,
            acknowledged_at=AT,
        ),
        ResponsibilityTransferred: ResponsibilityTransferred(
            **ABOUT_THE_HANDOVER,
            from_unit=SOCIAL_SERVICES,
            transferred_at=AT,
        ),
        HandoverAcknowledgementOverdue: HandoverAcknowledgementOverdue(
            **ABOUT_THE_HANDOVER,
            from_unit=SOCIAL_SERVICES,
            acknowledge_by=date(2026, 3, 5),
            overdue_at=datetime(2026, 3, 5, 23, 0, tzinfo=UTC),
        ),
        HandoverDeclined: HandoverDeclined(
            **ABOUT_THE_HANDOVER,
            from_unit=SOCIAL_SERVICES,
            declined_at=datetime(2026, 3, 3, 10, 0, tzinfo=UTC),
            declined_by=CASEWORKER,
        ),
        HandoverWithdrawn: HandoverWithdrawn(
            **ABOUT_THE_HANDOVER,
            from_unit=SOCIAL_SERVICES,
            withdrawn_at=datetime(2026, 3, 3, 10, 0, tzinfo=UTC),
            withdrawn_by=CASEWORKER,
        ),
        SipProposed: SipProposed(
            **ABOUT_THE_SIP,
            proposed_by=SipProposer.SCHOOL,
            units=(SOCIAL_SERVICES, PSYCHIATRY),
            consent_id=CONSENT_GIVEN.consent_id,
            proposed_at=AT,
        ),
        SipEstablished: SipEstablished(
            **ABOUT_THE_SIP,
            plan_version=1,
            overall_responsibility=PSYCHIATRY,
            coordinator=CASEWORKER,
            follow_up_every_days=90,
            next_follow_up_on=date(2026, 6, 1),
            established_at=AT,
        ),
        SipFollowUpRecorded: SipFollowUpRecorded(
            **ABOUT_THE_SIP,
            held_on=date(2026, 6, 1),
            next_follow_up_on=date(2026, 8, 30),
            recorded_at=datetime(2026, 6, 1, 13, 0, tzinfo=UTC),
        ),
        SipRevised: SipRevised(
            **ABOUT_THE_SIP,
            plan_version=2,
            overall_responsibility=PSYCHIATRY,
            revised_at=datetime(2026, 6, 1, 14, 0, tzinfo=UTC),
        ),
        SipFollowUpOverdue: SipFollowUpOverdue(
            **ABOUT_THE_SIP,
            follow_up_on=date(2026, 8, 30),
            overdue_at=datetime(2026, 8, 30, 22, 0, tzinfo=UTC),
            units=(SOCIAL_SERVICES, PSYCHIATRY),
        ),
        SipEstablishmentOverdue: SipEstablishmentOverdue(
            **ABOUT_THE_SIP,
            units=(SOCIAL_SERVICES, PSYCHIATRY),
            establish_by=date(2026, 3, 16),
            overdue_at=datetime(2026, 3, 16, 22, 59, 59, tzinfo=UTC),
        ),
        SipPlanPublished: SipPlanPublished(
            **ABOUT_THE_SIP,
            plan_version=1,
            units=(SOCIAL_SERVICES, PSYCHIATRY),
            overall_responsibility=PSYCHIATRY,
            coordinator=CASEWORKER,
            next_follow_up_on=date(2026, 6, 1),
            document=f"/v1/sips/{SIP_ID}/document",
            published_at=AT,
        ),
        OtherPrincipalContactRequested: OtherPrincipalContactRequested(
            **ABOUT_THE_CONTACT,
            contact_by=date(2026, 3, 16),
            requested_at=AT,
        ),
        OtherPrincipalContactEstablished: OtherPrincipalContactEstablished(
            **ABOUT_THE_CONTACT,
            how="sip_proposed",
            sip_id=SIP_ID,
            established_at=datetime(2026, 3, 5, 10, 0, tzinfo=UTC),
        ),
        OtherPrincipalContactOverdue: OtherPrincipalContactOverdue(
            **ABOUT_THE_CONTACT,
            contact_by=date(2026, 3, 16),
            overdue_at=datetime(2026, 3, 16, 22, 59, 59, tzinfo=UTC),
        ),
        SipClosed: SipClosed(
            **ABOUT_THE_SIP,
            units=(SOCIAL_SERVICES, PSYCHIATRY),
            established=True,
            closed_at=datetime(2026, 7, 1, 9, 0, tzinfo=UTC),
            closed_by=CASEWORKER,
        ),
        ThreePartyMeetingRequested: ThreePartyMeetingRequested(
            **ABOUT_THE_MEETING,
            from_unit=SOCIAL_SERVICES,
            to_unit=ADULT_UNIT,
            requested_at=AT,
        ),
        PreMeetingHeld: PreMeetingHeld(
            **ABOUT_THE_MEETING,
            held_at=datetime(2026, 3, 4, 13, 0, tzinfo=UTC),
        ),
        CaseMeetingScheduled: CaseMeetingScheduled(
            **ABOUT_THE_MEETING,
            kind=MeetingKind.THREE_PARTY,
            units=(SOCIAL_SERVICES, ADULT_UNIT),
            starts_at=datetime(2026, 3, 11, 9, 0, tzinfo=UTC),
            ends_at=datetime(2026, 3, 11, 10, 0, tzinfo=UTC),
            scheduled_at=datetime(2026, 3, 4, 14, 0, tzinfo=UTC),
        ),
        CaseMeetingMoved: CaseMeetingMoved(
            **ABOUT_THE_MEETING,
            kind=MeetingKind.THREE_PARTY,
            units=(SOCIAL_SERVICES, ADULT_UNIT),
            starts_at=datetime(2026, 3, 13, 9, 0, tzinfo=UTC),
            ends_at=datetime(2026, 3, 13, 10, 0, tzinfo=UTC),
            previous_starts_at=datetime(2026, 3, 11, 9, 0, tzinfo=UTC),
            moved_at=datetime(2026, 3, 9, 8, 0, tzinfo=UTC),
        ),
        CaseMeetingCancelled: CaseMeetingCancelled(
            **ABOUT_THE_MEETING,
            kind=MeetingKind.CARE_PLANNING_FOLLOW_UP,
            units=(SOCIAL_SERVICES, ADULT_UNIT),
            starts_at=datetime(2026, 3, 18, 9, 0, tzinfo=UTC),
            cancelled_at=datetime(2026, 3, 9, 8, 0, tzinfo=UTC),
        ),
        CaseMeetingHeld: CaseMeetingHeld(
            **ABOUT_THE_MEETING,
            kind=MeetingKind.THREE_PARTY,
            units=(SOCIAL_SERVICES, ADULT_UNIT),
            outcome=CaseMeetingOutcome.APPLICATION_MADE,
            attended_units=(SOCIAL_SERVICES,),
            starts_at=datetime(2026, 3, 13, 9, 0, tzinfo=UTC),
            recorded_at=datetime(2026, 3, 13, 11, 0, tzinfo=UTC),
        ),
        CaseMeetingOverdue: CaseMeetingOverdue(
            **ABOUT_THE_MEETING,
            kind=MeetingKind.THREE_PARTY,
            units=(SOCIAL_SERVICES, ADULT_UNIT),
            starts_at=datetime(2026, 3, 13, 9, 0, tzinfo=UTC),
            overdue_at=datetime(2026, 3, 16, 23, 0, tzinfo=UTC),
        ),
        ChildWelfareReportMade: ChildWelfareReportMade(
            report_id=UUID("6b4f3a2c-7d8e-4f9a-8b0c-2d3e4f5a6b7c"),
            subject_id=SUBJECT,
            municipality_code="0180",
            reporter_org_type=OrgType.SCHOOL,
            reported_at=AT,
        ),
        ScreeningAdviceRecorded: ScreeningAdviceRecorded(
            subject_id=SUBJECT,
            screening_id=UUID("6b4f3a2c-7d8e-4f9a-8b0c-2d3e4f5a6b7c"),
            instrument=ScreeningInstrument.AUDIT,
            screened_on=date(2026, 3, 2),
            advice_offered=True,
            referred=True,
            org_type=OrgType.HEALTH_CARE,
            target_groups=(TargetGroup.PREGNANT_WITH_RISKY_USE,),
            recorded_at=AT,
        ),
        ViolenceQuestionRecorded: ViolenceQuestionRecorded(
            subject_id=SUBJECT,
            question_id=UUID("70e1e4c0-0000-4000-8000-00000000a016"),
            contact_on=date(2026, 3, 2),
            asked=True,
            adult_exposure=ViolenceExposure.EXPOSED,
            children_exposure=ViolenceExposure.NOT_EXPOSED,
            support_offered=True,
            org_type=OrgType.SOCIAL_SERVICES,
            target_groups=(TargetGroup.EXPOSED_TO_VIOLENCE,),
            recorded_at=AT,
        ),
    }
)

# --- cases: decisions told (K-11) and a handover followed through (K-12) ------------------

ABOUT_THE_FOLLOW_THROUGH: dict[str, Any] = {
    **ABOUT_THE_CASE,
    "follow_through_id": UUID("4f1a2b3c-4d5e-5f60-8a7b-9c0d1e2f3a4b"),
    "handover_id": HANDOVER_ID,
    "unit": ADULT_UNIT,
}
EXAMPLES.update(
    {
        CaseDecisionTold: CaseDecisionTold(
            **ABOUT_THE_CASE_AT_ITS_UNIT,
            number=1,
            decision=CaseDecision.INTERVENTION_GRANTED,
            decided_at=AT,
            told_at=datetime(2026, 3, 3, 10, 0, tzinfo=UTC),
            manner=InformedManner.LETTER,
        ),
        FollowThroughMeetingScheduled: FollowThroughMeetingScheduled(
            **ABOUT_THE_FOLLOW_THROUGH,
            units=(ADULT_UNIT, SOCIAL_SERVICES),
            trustee_invited=True,
            legal_basis=LegalBasis.CONSENT,
            basis_id=CONSENT_GIVEN.consent_id,
            starts_at=datetime(2026, 3, 10, 9, 0, tzinfo=UTC),
            ends_at=datetime(2026, 3, 10, 10, 0, tzinfo=UTC),
        ),
        FollowThroughMeetingHeld: FollowThroughMeetingHeld(
            **ABOUT_THE_FOLLOW_THROUGH,
            attended_units=(ADULT_UNIT, SOCIAL_SERVICES),
            trustee_attended=True,
            held_at=datetime(2026, 3, 10, 9, 0, tzinfo=UTC),
        ),
        ClientInformedOfCaseCourse: ClientInformedOfCaseCourse(
            **ABOUT_THE_FOLLOW_THROUGH,
            informed_at=datetime(2026, 3, 11, 9, 0, tzinfo=UTC),
            manner=InformedManner.IN_PERSON,
        ),
    }
)

# --- reporting: the published annual report (D-5, D-6) ------------------------------------

EXAMPLES[AnnualReportPublished] = AnnualReportPublished(
    publication_id=UUID("a22ea1e0-2026-5000-8000-0000000000d5"),
    year=2026,
    area="SE2321000016",
    revision=1,
    published_by_org=SOCIAL_SERVICES,
    disclosure_method="suppression",
    deviations=23,
    deviations_by_category=(
        CategoryCount(category=DeviationCategory.NO_SIP, count=14),
        CategoryCount(category=DeviationCategory.ROUTINES, count=None),
        CategoryCount(category=DeviationCategory.COMMUNICATION, count=None),
    ),
    indicators=(
        IndicatorCount(
            indicator="quality",
            measure="decisions_child_perspective_by_target_group",
            row=TargetGroup.CO_MORBIDITY.value,
            column="considered",
            count=9,
        ),
        IndicatorCount(
            indicator="quality",
            measure="decisions_child_perspective_by_target_group",
            row=TargetGroup.CO_MORBIDITY.value,
            column="not_considered",
            count=None,
        ),
    ),
    published_at=datetime(2027, 2, 1, 9, 0, tzinfo=UTC),
    deviations_by_problem_area=(
        ProblemAreaCount(problem_area=ProblemArea.MENTAL_ILLNESS, count=12),
        ProblemAreaCount(problem_area=ProblemArea.ADDICTION, count=None),
        ProblemAreaCount(problem_area="unspecified", count=8),
    ),
    user_involvement=(
        InvolvementCount(of="deviations", involvement="involved", count=15),
        InvolvementCount(of="deviations", involvement="not_involved", count=8),
        InvolvementCount(of="actions", involvement="involved", count=None),
    ),
)

SUBJECTLESS: dict[type[IntegrationEvent], str] = {
    AnnualReportPublished: "publication_id",
    MonthlyMeetingPlanned: "meeting_id",
    MonthlyMeetingMoved: "meeting_id",
    MonthlyMeetingCancelled: "meeting_id",
    RoutineReviewScheduled: "review_id",
    RoutineReviewHeld: "review_id",
    MonthlyMeetingAbsenceRecorded: "meeting_id",
}
"""Events about no one individual, with the field of their own id: they carry no
`subject_id` and no ce_subject, and their own id keys the message."""


def expected_subject(event: IntegrationEvent) -> str | None:
    """The subject an example event is published with: SUBJECT, or None if it has none."""
    return None if type(event) in SUBJECTLESS else SUBJECT


def expected_key(event: IntegrationEvent) -> str:
    """The Kafka key of an example event: the subject, or the event's own id."""
    own_id = SUBJECTLESS.get(type(event))
    return SUBJECT if own_id is None else str(getattr(event, own_id))
