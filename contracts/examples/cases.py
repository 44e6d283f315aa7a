"""One example of every event the cases service publishes."""

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from contracts import (
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
    CaseRouted,
    CaseTargetGroupsChanged,
    ChildWelfareReportAcknowledged,
    ChildWelfareReportMade,
    ClientInformedOfCaseCourse,
    ClosingReason,
    FollowThroughMeetingHeld,
    FollowThroughMeetingScheduled,
    HandoverAcknowledged,
    HandoverAcknowledgementOverdue,
    HandoverDeclined,
    HandoverRequested,
    HandoverWithdrawn,
    InformedManner,
    IntegrationEvent,
    LegalBasis,
    MeetingKind,
    OrgType,
    OtherPrincipalContactEstablished,
    OtherPrincipalContactOverdue,
    OtherPrincipalContactRequested,
    ParallelInvestigationOpened,
    PregnancyReferralAcknowledged,
    PregnancyReferralMade,
    PreMeetingHeld,
    ResponsibilityTransferred,
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
    ThreePartyMeetingRequested,
    UnitKind,
    ViolenceQuestionRecorded,
)
from contracts.examples.consent import CONSENT_GIVEN
from contracts.examples.ids import AT, CASEWORKER, PSYCHIATRY, SOCIAL_SERVICES, SUBJECT
from contracts.vocabulary import (
    ScreeningInstrument,
    ScreeningOccasion,
    ScreeningOutcome,
    TargetGroup,
    ViolenceExposure,
)

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


CASES_EXAMPLES: dict[type[IntegrationEvent], IntegrationEvent] = {
    AgeTransitionDue: AgeTransitionDue(
        subject_id=SUBJECT,
        case_id=UUID("1c9a8b7d-2e3f-4a5b-8c6d-7e8f9a0b1c2d"),
        unit=SOCIAL_SERVICES,
        transition_on=date(2026, 9, 1),
        announce_by=date(2026, 3, 1),
        due_at=datetime(2026, 2, 28, 23, 0, tzinfo=UTC),
    ),
}
CASES_EXAMPLES.update(
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
        PregnancyReferralMade: PregnancyReferralMade(
            subject_id=SUBJECT,
            referral_id=UUID("7c5e4b3d-8e9f-4a0b-9c1d-3e4f5a6b7c8d"),
            municipality_code="0180",
            social_services_unit=SOCIAL_SERVICES,
            maternity_unit=ADULT_UNIT,
            discovered_by_unit=ADULT_UNIT,
            discoverer_org_type=OrgType.HEALTH_CARE,
            in_consultation_with_woman=True,
            basis=LegalBasis.CONSENT,
            referred_at=AT,
        ),
        PregnancyReferralAcknowledged: PregnancyReferralAcknowledged(
            subject_id=SUBJECT,
            referral_id=UUID("7c5e4b3d-8e9f-4a0b-9c1d-3e4f5a6b7c8d"),
            unit=SOCIAL_SERVICES,
            acknowledged_at=AT,
        ),
        ChildWelfareReportAcknowledged: ChildWelfareReportAcknowledged(
            report_id=UUID("6b4f3a2c-7d8e-4f9a-8b0c-2d3e4f5a6b7c"),
            subject_id=SUBJECT,
            municipality_code="0180",
            unit=SOCIAL_SERVICES,
            case_id=CASE_ID,
            acknowledged_at=AT,
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
CASES_EXAMPLES.update(
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
