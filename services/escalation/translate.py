"""Escalation's domain events in their public form (contracts).

Left out on purpose: what was said (meeting notes, the routine review's minutes and
revisions (E-13), what an agreed action is (E-10),
reasons, among them why a meeting was moved or cancelled or a red thread closed early
(W-2), written summaries, minutes, questions) and the name and age on a case registration —
free text and personal data stay in the escalation service. Not published at
all: the consent view's bookkeeping, monthly-meeting minutes, attendance where
nobody was absent, and the transfers noted for the inventory. A basis replaced
without a hold is published (C-9: which basis a meeting relies on, from when),
and so is every monthly-meeting absence (E-7, a D-7 deviation). Everything that asks
someone to act is published, naming the unit that must (W-1): a thread pulled
(its municipality), a meeting or follow-up (the invited), an agreed action (its
responsible organisation), an acute matter (the
receiving unit), a ladder step (the parties), a monthly meeting and the yearly routine
review (their members).

A table (services.runtime.messaging.translation): each row names only the
fields that differ from the domain event's; the rest are copied by name and
coerced (str to enum, list to tuple, list of str to tuple of enums) by the
contract's validation. What is left out above is left out because no contract
names it; what is not published has no row.
"""

from __future__ import annotations

from contracts import (
    AcuteMatterRaised,
    AcuteMatterTaken,
    CaseRegisteredForMeeting,
    ConsultationHeld,
    CoordinatorAssigned,
    EscalationCostSettled,
    EscalationRaised,
    EscalationResolved,
    FollowUpBooked,
    FollowUpEvaluated,
    MeetingAbsenceRecorded,
    MeetingBasisReplaced,
    MeetingHeld,
    MeetingPutOnHold,
    MeetingResumed,
    MeetingScheduled,
    MeetingStage,
    MonthlyMeetingAbsenceRecorded,
    MonthlyMeetingCancelled,
    MonthlyMeetingMoved,
    MonthlyMeetingPlanned,
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
    RoutineReviewHeld,
    RoutineReviewScheduled,
)
from services.escalation.domain import (
    ABSENCE_CATEGORY,
    AcuteMatter,
    Consultation,
    Escalation,
    MonthlyMeeting,
    RedThread,
    RoutineReview,
    registration_cutoff,
)
from services.runtime.messaging.translation import TranslationTable, const, from_, row

RED_THREAD_ID = from_("originator_id")


def monthly_absence(e: MonthlyMeeting.AttendanceRecorded) -> MonthlyMeetingAbsenceRecorded | None:
    """E-7: summoned units that stayed away, a D-7 deviation; nothing when all came."""
    if not e.absent_orgs:
        return None
    return MonthlyMeetingAbsenceRecorded(
        meeting_id=e.originator_id,
        absent_orgs=tuple(e.absent_orgs),
        present_orgs=tuple(e.present_orgs),
        category=ABSENCE_CATEGORY,
        recorded_by=e.recorded_by,
        recorded_at=e.recorded_at,
    )


ESCALATION_ID = from_("originator_id")

RED_THREAD_EVENTS = (
    (RedThread.Pulled, RedThreadPulled),
    (RedThread.CoordinatorAssigned, CoordinatorAssigned),
    (RedThread.MeetingScheduled, MeetingScheduled),
    (RedThread.PutOnHold, MeetingPutOnHold),
    (RedThread.Resumed, MeetingResumed),
    (RedThread.BasisReplaced, MeetingBasisReplaced),  # C-9: which basis, from when
    (RedThread.MeetingHeld, MeetingHeld),
    (RedThread.FollowUpBooked, FollowUpBooked),
    (RedThread.FollowUpEvaluated, FollowUpEvaluated),
    (RedThread.ActionAgreed, RedThreadActionAgreed),
    (RedThread.ActionEvaluated, RedThreadActionEvaluated),
    (RedThread.Closed, RedThreadClosed),
    (RedThread.ClosedEarly, RedThreadClosedEarly),
    (RedThread.MeetingOverdue, RedThreadMeetingOverdue),
    (RedThread.FollowUpOverdue, RedThreadFollowUpOverdue),
    (RedThread.MeetingNotRecorded, RedThreadMeetingNotRecorded),  # E-11
    (RedThread.FollowUpNotBooked, RedThreadFollowUpNotBooked),
    (RedThread.ActionOverdue, RedThreadActionOverdue),
)
"""The red thread's events that are published as they are, named by their thread."""

to_integration_event = TranslationTable(
    # --- the red thread; an absence is also a deviation of its category (D-7) -------------
    *(row(domain, public, red_thread_id=RED_THREAD_ID) for domain, public in RED_THREAD_EVENTS),
    # --- plans that change (W-2): the meeting and the follow-up alike, told by `stage` -----
    row(
        RedThread.MeetingMoved,
        RedThreadMeetingMoved,
        red_thread_id=RED_THREAD_ID,
        stage=const(MeetingStage.MEETING),
    ),
    row(
        RedThread.FollowUpMoved,
        RedThreadMeetingMoved,
        red_thread_id=RED_THREAD_ID,
        stage=const(MeetingStage.FOLLOW_UP),
        meeting_at=from_("follow_up_at"),
        previous_meeting_at=from_("previous_follow_up_at"),
    ),
    row(
        RedThread.MeetingCancelled,
        RedThreadMeetingCancelled,
        red_thread_id=RED_THREAD_ID,
        stage=const(MeetingStage.MEETING),
    ),
    row(
        RedThread.FollowUpCancelled,
        RedThreadMeetingCancelled,
        red_thread_id=RED_THREAD_ID,
        stage=const(MeetingStage.FOLLOW_UP),
        meeting_at=from_("follow_up_at"),
    ),
    row(
        RedThread.AbsenceRecorded,
        MeetingAbsenceRecorded,
        red_thread_id=RED_THREAD_ID,
        category=const(ABSENCE_CATEGORY),
    ),
    # --- the ladder: the first rung and every later one are both "raised" ------------------
    row(
        Escalation.Raised,
        EscalationRaised,
        escalation_id=ESCALATION_ID,
        previous_level=const(None),
        step=const(1),
    ),
    row(
        Escalation.Escalated,
        EscalationRaised,
        escalation_id=ESCALATION_ID,
        raised_by=from_("escalated_by"),
        raised_by_org=from_("escalated_by_org"),
        raised_at=from_("escalated_at"),
    ),
    row(Escalation.Resolved, EscalationResolved, escalation_id=ESCALATION_ID),
    row(Escalation.CostSettled, EscalationCostSettled, escalation_id=ESCALATION_ID),  # E-12
    # --- monthly meetings and consultations ------------------------------------------------
    row(
        MonthlyMeeting.Planned,
        MonthlyMeetingPlanned,
        meeting_id=from_("originator_id"),
        meeting_kind=from_("kind"),
        registration_cutoff=lambda e: registration_cutoff(e.starts_at),
    ),
    row(
        MonthlyMeeting.Moved,
        MonthlyMeetingMoved,
        meeting_id=from_("originator_id"),
        registration_cutoff=lambda e: registration_cutoff(e.starts_at),
    ),
    row(MonthlyMeeting.Cancelled, MonthlyMeetingCancelled, meeting_id=from_("originator_id")),
    row(MonthlyMeeting.CaseRegistered, CaseRegisteredForMeeting, meeting_id=from_("originator_id")),
    row(MonthlyMeeting.AttendanceRecorded, monthly_absence),  # E-7, D-7: only when absent
    row(Consultation.Held, ConsultationHeld, consultation_id=from_("originator_id")),
    # --- the yearly routine review (E-13): the minutes' text stays here, their count goes --
    row(RoutineReview.Scheduled, RoutineReviewScheduled, review_id=from_("originator_id")),
    row(
        RoutineReview.Held,
        RoutineReviewHeld,
        review_id=from_("originator_id"),
        revisions=lambda e: len(e.revisions),
    ),
    # --- acute matters: the receiving unit must act now (E-8) ------------------------------
    row(AcuteMatter.Raised, AcuteMatterRaised, acute_matter_id=from_("originator_id")),
    row(AcuteMatter.Taken, AcuteMatterTaken, acute_matter_id=from_("originator_id")),
)
"""Domain events without a row have no public form and are not published."""
