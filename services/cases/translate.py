"""Cases' domain events in their public form (contracts).

Needs, handover texts, plan texts and the routing facts (age on arrival)
stay in the cases service: the public events carry ids, codes, dates and unit HSA-ids.
A screening's score stays too (sealed). The consent view's events and the subject
index are internal.

One stored domain event becomes at most one public event: the relay gives each
message its stored event's position (``ce_sequence``) and consumers skip a
position they have seen, so a fact that is published twice over (a decision
for statistics, and for the units it affects) is stored as two events.
"""

from __future__ import annotations

from functools import singledispatch
from typing import Any

from contracts import IntegrationEvent, OrgType
from contracts.cases import (
    AgeTransitionDue,
    AgeTransitionOverdue,
    CaseClosed,
    CaseDecision,
    CaseDecisionNotified,
    CaseDecisionRecorded,
    CaseMeetingScheduled,
    CaseOpened,
    CaseRouted,
    CaseTargetGroupsChanged,
    ChildWelfareReportMade,
    ClosingReason,
    HandoverAcknowledged,
    HandoverAcknowledgementOverdue,
    HandoverRequested,
    MeetingKind,
    ParallelInvestigationOpened,
    PreMeetingHeld,
    ResponsibilityTransferred,
    RoutingReason,
    ScreeningRecorded,
    SipEstablished,
    SipFollowUpOverdue,
    SipFollowUpRecorded,
    SipProposed,
    SipProposer,
    SipRevised,
    ThreePartyMeetingRequested,
    UnitKind,
)
from contracts.vocabulary import (
    ScreeningInstrument,
    ScreeningOccasion,
    ScreeningOutcome,
    TargetGroup,
)
from services.cases.domain import Case, ChildWelfareReport, Meeting, Screening, Sip


@singledispatch
def to_integration_event(domain_event: Any) -> IntegrationEvent | None:
    """Domain events without a public form are not published."""
    return None


@to_integration_event.register
def _opened(e: Case.Opened) -> IntegrationEvent:
    return CaseOpened(
        subject_id=e.subject_id,
        case_id=e.originator_id,
        unit=e.unit,
        unit_kind=UnitKind(e.unit_kind),
        child_and_youth=e.child_and_youth,
        opened_at=e.opened_at,
    )


@to_integration_event.register
def _routed(e: Case.Routed) -> IntegrationEvent:
    return CaseRouted(
        subject_id=e.subject_id,
        case_id=e.originator_id,
        unit_kind=UnitKind(e.unit_kind),
        rule="K-2" if e.rule == "K-2" else "K-1",
        reason=RoutingReason(e.reason),
        received_at=e.received_at,
    )


@to_integration_event.register
def _parallel(e: Case.OpenedInParallel) -> IntegrationEvent:
    return ParallelInvestigationOpened(
        subject_id=e.subject_id,
        case_id=e.originator_id,
        parallel_to=e.parallel_to,
        unit=e.unit,
        unit_kind=UnitKind(e.unit_kind),
        opened_at=e.opened_at,
    )


def _target_groups(groups: list[str]) -> tuple[TargetGroup, ...]:
    return tuple(TargetGroup(group) for group in groups)


@to_integration_event.register
def _target_groups_changed(e: Case.TargetGroupsChanged) -> IntegrationEvent:
    return CaseTargetGroupsChanged(
        subject_id=e.subject_id,
        case_id=e.originator_id,
        unit=e.unit,
        municipality_code=e.municipality_code,
        target_groups=_target_groups(e.target_groups),
        changed_at=e.changed_at,
    )


@to_integration_event.register
def _decision(e: Case.DecisionRecorded) -> IntegrationEvent | None:
    if e.child_perspective_considered is None:
        # Recorded before D-6 (class version 1): the notice was part of the decision
        # then, and there is no child-perspective answer to count.
        return _decision_notified_v1(e)
    return CaseDecisionRecorded(
        subject_id=e.subject_id,
        case_id=e.originator_id,
        unit=e.unit,
        decision=CaseDecision(e.decision),
        decided_at=e.decided_at,
        child_perspective_considered=e.child_perspective_considered,
        children_in_household=e.children_in_household,
        target_groups=_target_groups(e.target_groups),
    )


def _decision_notified_v1(e: Case.DecisionRecorded) -> IntegrationEvent | None:
    if not e.notified_units:
        return None  # nobody else's planning to affect (K-3)
    return _notification(e)


@to_integration_event.register
def _decision_notified(e: Case.DecisionNotified) -> IntegrationEvent:
    return _notification(e)


def _notification(e: Case.DecisionRecorded | Case.DecisionNotified) -> CaseDecisionNotified:
    """K-3, from an old-style decision event or from its own notification event."""
    return CaseDecisionNotified(
        subject_id=e.subject_id,
        case_id=e.originator_id,
        unit=e.unit,
        decision=CaseDecision(e.decision),
        decided_at=e.decided_at,
        notified_units=tuple(e.notified_units),
    )


@to_integration_event.register
def _screening(e: Screening.Recorded) -> IntegrationEvent:
    return ScreeningRecorded(
        subject_id=e.subject_id,
        screening_id=e.originator_id,
        instrument=ScreeningInstrument(e.instrument),
        occasion=ScreeningOccasion(e.occasion),
        outcome=ScreeningOutcome(e.outcome),
        screened_on=e.screened_on,
        org_type=OrgType(e.org_type),
        follows_up=e.follows_up,
        target_groups=_target_groups(e.target_groups),
        recorded_at=e.recorded_at,
    )


@to_integration_event.register
def _closed(e: Case.Closed) -> IntegrationEvent:
    return CaseClosed(
        subject_id=e.subject_id,
        case_id=e.originator_id,
        unit=e.unit,
        reason=ClosingReason(e.reason),
        closed_at=e.closed_at,
        notified_units=tuple(e.notified_units),
    )


@to_integration_event.register
def _age_due(e: Case.AgeTransitionDueRaised) -> IntegrationEvent:
    return AgeTransitionDue(
        subject_id=e.subject_id,
        case_id=e.originator_id,
        unit=e.unit,
        transition_on=e.transition_on,
        announce_by=e.announce_by,
        due_at=e.due_at,
    )


@to_integration_event.register
def _age_overdue(e: Case.AgeTransitionOverdueRaised) -> IntegrationEvent:
    return AgeTransitionOverdue(
        subject_id=e.subject_id,
        case_id=e.originator_id,
        unit=e.unit,
        transition_on=e.transition_on,
        announce_by=e.announce_by,
        overdue_at=e.overdue_at,
    )


@to_integration_event.register
def _handover_requested(e: Case.HandoverRequested) -> IntegrationEvent:
    return HandoverRequested(
        subject_id=e.subject_id,
        case_id=e.originator_id,
        handover_id=e.handover_id,
        from_unit=e.from_unit,
        to_unit=e.to_unit,
        consent_id=e.consent_id,
        requested_at=e.requested_at,
        acknowledge_by=e.acknowledge_by,
    )


@to_integration_event.register
def _handover_acknowledged(e: Case.HandoverAcknowledged) -> IntegrationEvent:
    return HandoverAcknowledged(
        subject_id=e.subject_id,
        case_id=e.originator_id,
        handover_id=e.handover_id,
        to_unit=e.to_unit,
        receiving_caseworker=e.receiving_caseworker,
        acknowledged_at=e.acknowledged_at,
    )


@to_integration_event.register
def _acknowledgement_overdue(e: Case.HandoverAcknowledgementOverdueRaised) -> IntegrationEvent:
    return HandoverAcknowledgementOverdue(
        subject_id=e.subject_id,
        case_id=e.originator_id,
        handover_id=e.handover_id,
        from_unit=e.from_unit,
        to_unit=e.to_unit,
        acknowledge_by=e.acknowledge_by,
        overdue_at=e.overdue_at,
    )


@to_integration_event.register
def _transferred(e: Case.ResponsibilityTransferred) -> IntegrationEvent:
    return ResponsibilityTransferred(
        subject_id=e.subject_id,
        case_id=e.originator_id,
        handover_id=e.handover_id,
        from_unit=e.from_unit,
        to_unit=e.to_unit,
        transferred_at=e.transferred_at,
    )


@to_integration_event.register
def _sip_proposed(e: Sip.Proposed) -> IntegrationEvent:
    return SipProposed(
        subject_id=e.subject_id,
        sip_id=e.originator_id,
        proposed_by=SipProposer(e.proposed_by),
        units=tuple(e.units),
        consent_id=e.consent_id,
        proposed_at=e.proposed_at,
    )


@to_integration_event.register
def _sip_established(e: Sip.Established) -> IntegrationEvent:
    return SipEstablished(
        subject_id=e.subject_id,
        sip_id=e.originator_id,
        plan_version=1,
        overall_responsibility=e.plan["overall_responsibility"],
        coordinator=e.coordinator,
        follow_up_every_days=e.follow_up_every_days,
        next_follow_up_on=e.next_follow_up_on,
        established_at=e.established_at,
    )


@to_integration_event.register
def _sip_follow_up(e: Sip.FollowUpRecorded) -> IntegrationEvent:
    return SipFollowUpRecorded(
        subject_id=e.subject_id,
        sip_id=e.originator_id,
        held_on=e.held_on,
        next_follow_up_on=e.next_follow_up_on,
        recorded_at=e.recorded_at,
    )


@to_integration_event.register
def _sip_revised(e: Sip.Revised) -> IntegrationEvent:
    return SipRevised(
        subject_id=e.subject_id,
        sip_id=e.originator_id,
        plan_version=e.plan_version,
        overall_responsibility=e.plan["overall_responsibility"],
        revised_at=e.revised_at,
    )


@to_integration_event.register
def _sip_follow_up_overdue(e: Sip.FollowUpOverdueRaised) -> IntegrationEvent:
    return SipFollowUpOverdue(
        subject_id=e.subject_id,
        sip_id=e.originator_id,
        follow_up_on=e.follow_up_on,
        overdue_at=e.overdue_at,
    )


@to_integration_event.register
def _three_party_requested(e: Meeting.Requested) -> IntegrationEvent | None:
    if e.kind != MeetingKind.THREE_PARTY.value:
        return None  # a care-planning meeting is public once scheduled
    return ThreePartyMeetingRequested(
        subject_id=e.subject_id,
        meeting_id=e.originator_id,
        case_id=e.case_id,
        from_unit=e.from_unit,
        to_unit=e.to_unit,
        requested_at=e.requested_at,
    )


@to_integration_event.register
def _pre_meeting_held(e: Meeting.PreMeetingHeld) -> IntegrationEvent:
    return PreMeetingHeld(
        subject_id=e.subject_id,
        meeting_id=e.originator_id,
        case_id=e.case_id,
        held_at=e.held_at,
    )


@to_integration_event.register
def _meeting_scheduled(e: Meeting.Scheduled) -> IntegrationEvent:
    return CaseMeetingScheduled(
        subject_id=e.subject_id,
        meeting_id=e.originator_id,
        case_id=e.case_id,
        kind=MeetingKind(e.kind),
        units=tuple(e.units),
        starts_at=e.starts_at,
        ends_at=e.ends_at,
        scheduled_at=e.scheduled_at,
    )


@to_integration_event.register
def _child_welfare_report(e: ChildWelfareReport.Made) -> IntegrationEvent:
    return ChildWelfareReportMade(
        report_id=e.originator_id,
        subject_id=e.subject_id,
        municipality_code=e.municipality_code,
        reporter_org_type=OrgType(e.reporter_org_type),
        reported_at=e.reported_at,
    )
