"""Escalation's domain events in their public form (contracts).

Left out on purpose: what was said (meeting notes, reasons, written
summaries, minutes, questions) and the name and age on a case registration —
free text and personal data stay in the escalation service. Not published at
all: the consent view's bookkeeping, a basis replaced without a hold (nothing
changes for the parties; it is kept for audit), monthly-meeting planning,
attendance and minutes, acute matters and the transfers noted for the inventory.
"""

from __future__ import annotations

from functools import singledispatch
from typing import Any

from contracts import (
    CaseRegisteredForMeeting,
    ConsultationHeld,
    ConsultationOutcome,
    CoordinatorAssigned,
    EscalationLevel,
    EscalationRaised,
    EscalationResolution,
    EscalationResolved,
    EscalationTrack,
    FollowUpBooked,
    FollowUpEvaluated,
    FollowUpResult,
    HoldReason,
    IntegrationEvent,
    LegalBasis,
    MeasureTried,
    MeetingAbsenceRecorded,
    MeetingHeld,
    MeetingOutcome,
    MeetingPutOnHold,
    MeetingResumed,
    MeetingScheduled,
    MeetingStage,
    MonthlyMeetingKind,
    OrgType,
    RedThreadClosed,
    RedThreadFollowUpOverdue,
    RedThreadMeetingOverdue,
    RedThreadPulled,
)
from services.escalation.domain import (
    ABSENCE_CATEGORY,
    Consultation,
    Escalation,
    MonthlyMeeting,
    RedThread,
)


@singledispatch
def to_integration_event(domain_event: Any) -> IntegrationEvent | None:
    """Domain events without a public form are not published."""
    return None


# --- the red thread ----------------------------------------------------------------------


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
def _coordinator(e: RedThread.CoordinatorAssigned) -> IntegrationEvent:
    return CoordinatorAssigned(
        red_thread_id=e.originator_id,
        subject_id=e.subject_id,
        coordinator=e.coordinator,
        assigned_by=e.assigned_by,
        assigned_at=e.assigned_at,
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


@to_integration_event.register
def _on_hold(e: RedThread.PutOnHold) -> IntegrationEvent:
    return MeetingPutOnHold(
        red_thread_id=e.originator_id,
        subject_id=e.subject_id,
        stage=MeetingStage(e.stage),
        meeting_at=e.meeting_at,
        reason=HoldReason(e.reason),
        basis_id=e.basis_id,
        held_since=e.held_since,
    )


@to_integration_event.register
def _resumed(e: RedThread.Resumed) -> IntegrationEvent:
    return MeetingResumed(
        red_thread_id=e.originator_id,
        subject_id=e.subject_id,
        stage=MeetingStage(e.stage),
        meeting_at=e.meeting_at,
        legal_basis=LegalBasis(e.legal_basis),
        basis_id=e.basis_id,
        resumed_at=e.resumed_at,
    )


@to_integration_event.register
def _held(e: RedThread.MeetingHeld) -> IntegrationEvent:
    return MeetingHeld(
        red_thread_id=e.originator_id,
        subject_id=e.subject_id,
        meeting_at=e.meeting_at,
        attended_orgs=tuple(e.attended_orgs),
        absent_orgs=tuple(e.absent_orgs),
        outcome=MeetingOutcome(e.outcome),
        legal_basis=LegalBasis(e.legal_basis),
        basis_id=e.basis_id,
        recorded_by=e.recorded_by,
    )


@to_integration_event.register
def _absence(e: RedThread.AbsenceRecorded) -> IntegrationEvent:
    return MeetingAbsenceRecorded(
        red_thread_id=e.originator_id,
        subject_id=e.subject_id,
        stage=MeetingStage(e.stage),
        meeting_at=e.meeting_at,
        absent_org=e.absent_org,
        category=ABSENCE_CATEGORY,
        recorded_by=e.recorded_by,
    )


@to_integration_event.register
def _follow_up_booked(e: RedThread.FollowUpBooked) -> IntegrationEvent:
    return FollowUpBooked(
        red_thread_id=e.originator_id,
        subject_id=e.subject_id,
        follow_up_at=e.follow_up_at,
        invited_orgs=tuple(e.invited_orgs),
        legal_basis=LegalBasis(e.legal_basis),
        basis_id=e.basis_id,
        booked_by=e.booked_by,
    )


@to_integration_event.register
def _follow_up_evaluated(e: RedThread.FollowUpEvaluated) -> IntegrationEvent:
    return FollowUpEvaluated(
        red_thread_id=e.originator_id,
        subject_id=e.subject_id,
        follow_up_at=e.follow_up_at,
        attended_orgs=tuple(e.attended_orgs),
        absent_orgs=tuple(e.absent_orgs),
        result=FollowUpResult(e.result),
        recorded_by=e.recorded_by,
    )


@to_integration_event.register
def _closed(e: RedThread.Closed) -> IntegrationEvent:
    return RedThreadClosed(
        red_thread_id=e.originator_id,
        subject_id=e.subject_id,
        closed_at=e.closed_at,
        closed_by=e.closed_by,
    )


@to_integration_event.register
def _meeting_overdue(e: RedThread.MeetingOverdue) -> IntegrationEvent:
    return RedThreadMeetingOverdue(
        red_thread_id=e.originator_id,
        subject_id=e.subject_id,
        meeting_deadline=e.meeting_deadline,
        overdue_at=e.overdue_at,
        concerned_orgs=tuple(e.concerned_orgs),
    )


@to_integration_event.register
def _follow_up_overdue(e: RedThread.FollowUpOverdue) -> IntegrationEvent:
    return RedThreadFollowUpOverdue(
        red_thread_id=e.originator_id,
        subject_id=e.subject_id,
        follow_up_at=e.follow_up_at,
        overdue_at=e.overdue_at,
        concerned_orgs=tuple(e.concerned_orgs),
    )


# --- the ladder --------------------------------------------------------------------------


@to_integration_event.register
def _raised(e: Escalation.Raised) -> IntegrationEvent:
    return EscalationRaised(
        escalation_id=e.originator_id,
        subject_id=e.subject_id,
        track=EscalationTrack(e.track),
        level=EscalationLevel(e.level),
        previous_level=None,
        step=1,
        cost_question=e.cost_question,
        raised_by=e.raised_by,
        raised_by_org=e.raised_by_org,
        responsible_org=e.responsible_org,
        counterpart_orgs=tuple(e.counterpart_orgs),
        raised_at=e.raised_at,
    )


@to_integration_event.register
def _escalated(e: Escalation.Escalated) -> IntegrationEvent:
    return EscalationRaised(
        escalation_id=e.originator_id,
        subject_id=e.subject_id,
        track=EscalationTrack(e.track),
        level=EscalationLevel(e.level),
        previous_level=EscalationLevel(e.previous_level),
        step=e.step,
        cost_question=e.cost_question,
        raised_by=e.escalated_by,
        raised_by_org=e.escalated_by_org,
        responsible_org=e.responsible_org,
        counterpart_orgs=tuple(e.counterpart_orgs),
        raised_at=e.escalated_at,
    )


@to_integration_event.register
def _resolved(e: Escalation.Resolved) -> IntegrationEvent:
    return EscalationResolved(
        escalation_id=e.originator_id,
        subject_id=e.subject_id,
        track=EscalationTrack(e.track),
        level=EscalationLevel(e.level),
        resolution=EscalationResolution(e.resolution),
        resolved_by=e.resolved_by,
        resolved_at=e.resolved_at,
    )


# --- monthly meetings and consultations ----------------------------------------------------


@to_integration_event.register
def _registered(e: MonthlyMeeting.CaseRegistered) -> IntegrationEvent:
    return CaseRegisteredForMeeting(
        registration_id=e.registration_id,
        subject_id=e.subject_id,
        meeting_id=e.originator_id,
        meeting_kind=MonthlyMeetingKind(e.meeting_kind),
        meeting_at=e.meeting_at,
        registering_org=e.registering_org,
        registered_by=e.registered_by,
        summoned_orgs=tuple(e.summoned_orgs),
        registered_at=e.registered_at,
    )


@to_integration_event.register
def _consultation(e: Consultation.Held) -> IntegrationEvent:
    return ConsultationHeld(
        consultation_id=e.originator_id,
        subject_id=e.subject_id,
        consulting_org=e.consulting_org,
        consulted_orgs=tuple(e.consulted_orgs),
        meeting_id=e.meeting_id,
        outcome=ConsultationOutcome(e.outcome),
        held_at=e.held_at,
        recorded_by=e.recorded_by,
    )
