"""Cases' domain events in their public form (contracts).

Needs, handover texts, plan texts, the routing facts (age on arrival) and why a
handover was declined or withdrawn, a plan closed or a meeting moved or cancelled
(W-2) stay in the cases service, as do a meeting's minutes (K-8, K-9) and the new plan
of a handover's joint officials' meeting (K-12): the public
events carry ids, codes, dates and unit HSA-ids.
A screening's score stays too (sealed), and of the violence question (K-16) only the
answers' categories leave. The consent view's events and the subject
index are internal.

One stored domain event becomes at most one public event: the relay gives each
message its stored event's position (``ce_sequence``) and consumers skip a
position they have seen, so a fact that is published twice over (a decision
for statistics, and for the units it affects) is stored as two events.

A table (services.runtime.messaging.translation): each row names only the
fields that differ from the domain event's; the rest are copied by name and
coerced (str to enum, list to tuple) by the contract's validation. What is
left out above is left out because no contract names it.
"""

from __future__ import annotations

from typing import Any, Literal

from contracts import (
    AgeTransitionAnnounced,
    AgeTransitionDue,
    AgeTransitionOverdue,
    CaseArrivalCorrected,
    CaseClosed,
    CaseDecisionNotified,
    CaseDecisionRecorded,
    CaseDecisionTold,
    CaseMeetingCancelled,
    CaseMeetingHeld,
    CaseMeetingMoved,
    CaseMeetingOverdue,
    CaseMeetingScheduled,
    CaseOpened,
    CaseRouted,
    CaseTargetGroupsChanged,
    ChildWelfareReportAcknowledged,
    ChildWelfareReportMade,
    ClientInformedOfCaseCourse,
    FollowThroughMeetingHeld,
    FollowThroughMeetingScheduled,
    HandoverAcknowledged,
    HandoverAcknowledgementOverdue,
    HandoverDeclined,
    HandoverRequested,
    HandoverWithdrawn,
    IntegrationEvent,
    MeetingKind,
    OtherPrincipalContactEstablished,
    OtherPrincipalContactOverdue,
    OtherPrincipalContactRequested,
    ParallelInvestigationOpened,
    PregnancyReferralAcknowledged,
    PregnancyReferralMade,
    PreMeetingHeld,
    ResponsibilityTransferred,
    ScreeningAdviceRecorded,
    ScreeningRecorded,
    SipClosed,
    SipEstablished,
    SipEstablishmentOverdue,
    SipFollowUpOverdue,
    SipFollowUpRecorded,
    SipPlanPublished,
    SipProposed,
    SipRevised,
    ThreePartyMeetingRequested,
    ViolenceQuestionRecorded,
)
from services.cases.domain import (
    Case,
    ChildWelfareReport,
    Meeting,
    PregnancyReferral,
    Screening,
    Sip,
    ViolenceQuestion,
)
from services.cases.domain.follow_through import FollowThrough
from services.cases.domain.principal_contact import PrincipalContact
from services.runtime.messaging.translation import TranslationTable, const, from_, row

CASE_ID = from_("originator_id")
SIP_ID = from_("originator_id")
MEETING_ID = from_("originator_id")
FOLLOW_THROUGH_ID = from_("originator_id")
CONTACT_ID = from_("originator_id")


def _plan_document(e: Sip.PlanPublished) -> str:
    """K-13: where the person's plan is read, as the cases API serves it."""
    return f"/v1/sips/{e.originator_id}/document"


def _routing_rule(e: Case.Routed) -> Literal["K-1", "K-2"]:
    """Not copied: the contract's Literal would reject any other stored value, which
    the public event has always reported as K-1."""
    return "K-2" if e.rule == "K-2" else "K-1"


def _overall_responsibility(e: Sip.Established | Sip.Revised) -> Any:
    """The one part of the plan that is public: who holds the overall responsibility."""
    return e.plan["overall_responsibility"]


_DECISION_RECORDED = row(Case.DecisionRecorded, CaseDecisionRecorded, case_id=CASE_ID)
_DECISION_NOTIFIED_V1 = row(Case.DecisionRecorded, CaseDecisionNotified, case_id=CASE_ID)
_THREE_PARTY_REQUESTED = row(Meeting.Requested, ThreePartyMeetingRequested, meeting_id=MEETING_ID)


def _decision(e: Case.DecisionRecorded) -> IntegrationEvent | None:
    if e.child_perspective_considered is None:
        # Recorded before D-6 (class version 1): the notice was part of the decision
        # then, and there is no child-perspective answer to count.
        return _decision_notified_v1(e)
    return _DECISION_RECORDED.translate(e)


def _decision_notified_v1(e: Case.DecisionRecorded) -> IntegrationEvent | None:
    """K-3, from an old-style decision event (new ones store `Case.DecisionNotified`)."""
    if not e.notified_units:
        return None  # nobody else's planning to affect (K-3)
    return _DECISION_NOTIFIED_V1.translate(e)


_ANNOUNCED = row(Case.AgeTransitionAnnounced, AgeTransitionAnnounced, case_id=CASE_ID)


def _announced(e: Case.AgeTransitionAnnounced) -> IntegrationEvent | None:
    """K-4, E-7: an announcement stored before it named its units and birthday (version
    1) was never public and stays so."""
    if e.from_unit is None or e.transition_on is None or e.municipality_code is None:
        return None
    return _ANNOUNCED.translate(e)


_REPORT_ACKNOWLEDGED = row(
    ChildWelfareReport.Acknowledged,
    ChildWelfareReportAcknowledged,
    report_id=from_("originator_id"),
)


def _report_acknowledged(e: ChildWelfareReport.Acknowledged) -> IntegrationEvent | None:
    """K-10: an acknowledgement stored before it named its municipality (version 1) was
    never public and stays so."""
    if e.municipality_code is None:
        return None
    return _REPORT_ACKNOWLEDGED.translate(e)


_ARRIVAL_CORRECTED = row(Case.FactsCorrected, CaseArrivalCorrected, case_id=CASE_ID)


def _facts_corrected(e: Case.FactsCorrected) -> IntegrationEvent | None:
    """W-2: only a corrected arrival is public (`CaseRouted` carries it); needs are not."""
    if e.received_at == e.previous_received_at:
        return None
    return _ARRIVAL_CORRECTED.translate(e)


def _three_party_requested(e: Meeting.Requested) -> IntegrationEvent | None:
    if e.kind != MeetingKind.THREE_PARTY.value:
        return None  # a care-planning meeting is public once scheduled
    return _THREE_PARTY_REQUESTED.translate(e)


_SCREENING_ADVICE = row(
    Screening.AdviceRecorded, ScreeningAdviceRecorded, screening_id=from_("originator_id")
)


def _screening_advice(e: Screening.AdviceRecorded) -> IntegrationEvent | None:
    """K-15: published for a screening at risk, where both answers are given; advice noted
    after a screening below the threshold stays in the service."""
    if not e.at_risk:
        return None
    return _SCREENING_ADVICE.translate(e)


to_integration_event = TranslationTable(
    row(Case.Opened, CaseOpened, case_id=CASE_ID),
    row(Case.Routed, CaseRouted, case_id=CASE_ID, rule=_routing_rule),
    row(Case.OpenedInParallel, ParallelInvestigationOpened, case_id=CASE_ID),
    row(Case.FactsCorrected, _facts_corrected),
    row(Case.TargetGroupsChanged, CaseTargetGroupsChanged, case_id=CASE_ID),
    row(Case.DecisionRecorded, _decision),
    row(Case.DecisionNotified, CaseDecisionNotified, case_id=CASE_ID),
    row(Case.DecisionTold, CaseDecisionTold, case_id=CASE_ID),
    row(Screening.Recorded, ScreeningRecorded, screening_id=from_("originator_id")),
    row(Screening.AdviceRecorded, _screening_advice),
    row(
        ViolenceQuestion.Recorded,
        ViolenceQuestionRecorded,
        question_id=from_("originator_id"),
    ),
    row(Case.Closed, CaseClosed, case_id=CASE_ID),
    row(Case.AgeTransitionAnnounced, _announced),
    row(Case.AgeTransitionDueRaised, AgeTransitionDue, case_id=CASE_ID),
    row(Case.AgeTransitionOverdueRaised, AgeTransitionOverdue, case_id=CASE_ID),
    row(Case.HandoverRequested, HandoverRequested, case_id=CASE_ID),
    row(Case.HandoverAcknowledged, HandoverAcknowledged, case_id=CASE_ID),
    row(
        Case.HandoverAcknowledgementOverdueRaised,
        HandoverAcknowledgementOverdue,
        case_id=CASE_ID,
    ),
    row(Case.ResponsibilityTransferred, ResponsibilityTransferred, case_id=CASE_ID),
    row(Case.HandoverDeclined, HandoverDeclined, case_id=CASE_ID),
    row(Case.HandoverWithdrawn, HandoverWithdrawn, case_id=CASE_ID),
    row(Sip.Proposed, SipProposed, sip_id=SIP_ID),
    row(
        Sip.Established,
        SipEstablished,
        sip_id=SIP_ID,
        plan_version=const(1),
        overall_responsibility=_overall_responsibility,
    ),
    row(Sip.FollowUpRecorded, SipFollowUpRecorded, sip_id=SIP_ID),
    row(Sip.Revised, SipRevised, sip_id=SIP_ID, overall_responsibility=_overall_responsibility),
    row(Sip.FollowUpOverdueRaised, SipFollowUpOverdue, sip_id=SIP_ID),
    row(Sip.EstablishmentOverdueRaised, SipEstablishmentOverdue, sip_id=SIP_ID),
    row(Sip.PlanPublished, SipPlanPublished, sip_id=SIP_ID, document=_plan_document),
    row(PrincipalContact.Requested, OtherPrincipalContactRequested, contact_id=CONTACT_ID),
    row(PrincipalContact.Established, OtherPrincipalContactEstablished, contact_id=CONTACT_ID),
    row(PrincipalContact.OverdueRaised, OtherPrincipalContactOverdue, contact_id=CONTACT_ID),
    row(Sip.Closed, SipClosed, sip_id=SIP_ID),
    row(Meeting.Requested, _three_party_requested),
    row(Meeting.PreMeetingHeld, PreMeetingHeld, meeting_id=MEETING_ID),
    row(Meeting.Scheduled, CaseMeetingScheduled, meeting_id=MEETING_ID),
    row(Meeting.Moved, CaseMeetingMoved, meeting_id=MEETING_ID),
    row(Meeting.Cancelled, CaseMeetingCancelled, meeting_id=MEETING_ID),
    row(Meeting.Held, CaseMeetingHeld, meeting_id=MEETING_ID),
    row(Meeting.OverdueRaised, CaseMeetingOverdue, meeting_id=MEETING_ID),
    row(
        FollowThrough.Scheduled,
        FollowThroughMeetingScheduled,
        follow_through_id=FOLLOW_THROUGH_ID,
    ),
    row(FollowThrough.Held, FollowThroughMeetingHeld, follow_through_id=FOLLOW_THROUGH_ID),
    row(
        FollowThrough.ClientInformed,
        ClientInformedOfCaseCourse,
        follow_through_id=FOLLOW_THROUGH_ID,
    ),
    row(ChildWelfareReport.Made, ChildWelfareReportMade, report_id=from_("originator_id")),
    row(ChildWelfareReport.Acknowledged, _report_acknowledged),
    row(PregnancyReferral.Made, PregnancyReferralMade, referral_id=from_("originator_id")),
    row(
        PregnancyReferral.Acknowledged,
        PregnancyReferralAcknowledged,
        referral_id=from_("originator_id"),
    ),
)
"""Domain events without a row have no public form and are not published."""
