"""The escalation rules a command can break, each named by its rule ID (DOMAIN.md E-1..E-9)."""

from __future__ import annotations

from services.runtime.kernel.rules import (
    CommandInvalid,
    Forbidden,
    NotAllowed,
    RuleViolation,
    UnknownRecord,
)

# A rule not under one of CommandInvalid, NotAllowed or UnknownRecord is RuleViolation's
# 409 Conflict.


# --- the red thread (seed 000) -------------------------------------------------------------


class OnlyBlueLightMayPull(NotAllowed):
    rule = "E-1"


class MeasuresMustBeRecorded(CommandInvalid):
    rule = "E-2"
    field = "body.measures_tried"


class IndividualHarmMustBeStated(CommandInvalid):
    rule = "E-2"
    field = "body.individual_harmed"


class MeetingTooLate(CommandInvalid):
    rule = "E-3"


class MeetingInThePast(CommandInvalid):
    rule = "E-3"


class MeetingAlreadyScheduled(RuleViolation):
    rule = "E-3"


class NoMeetingScheduled(RuleViolation):
    rule = "E-3"


class MeetingNotYetStarted(CommandInvalid):
    """Attendance is recorded at or after the meeting, not before it."""

    rule = "E-3"


class AttendanceInvalid(CommandInvalid):
    """Attendance is recorded for the summoned organisations, and only for them."""

    rule = "E-3"


class MeetingAlreadyHeld(RuleViolation):
    rule = "E-3"


class NoLegalBasisForMeeting(RuleViolation):
    rule = "E-4"


class NoBasisForSharing(RuleViolation):
    """C-11: personal data goes to other units only on consent, an emergency disclosure or
    OSL 26:9 naming them."""

    rule = "C-11"


class MeetingOnHold(RuleViolation):
    """E-4: the meeting lost its legal basis; it goes ahead only when one is back."""

    rule = "E-4"


class FollowUpNotPossibleYet(RuleViolation):
    """E-5: the follow-up is booked after the meeting was held."""

    rule = "E-5"


class FollowUpTimeInvalid(CommandInvalid):
    rule = "E-5"


class FollowUpAlreadyBooked(RuleViolation):
    rule = "E-5"


class FollowUpNotBooked(RuleViolation):
    rule = "E-5"


class FollowUpAlreadyEvaluated(RuleViolation):
    rule = "E-5"


class ClosedBeforeFollowUp(RuleViolation):
    """E-5: a red thread is closed only after its follow-up was evaluated."""

    rule = "E-5"


class RedThreadAlreadyClosed(RuleViolation):
    rule = "E-5"


# --- plans change (W-2) ----------------------------------------------------------------------


class ReasonRequired(CommandInvalid):
    """W-2: a meeting moved or cancelled, or a red thread closed early, says why."""

    rule = "W-2"
    field = "body.reason"


class NothingMoved(CommandInvalid):
    """W-2: a move names a new time; the time it already stands at moves nothing."""

    rule = "W-2"


# --- the ladder (seeds 003, 004) -----------------------------------------------------------


class EscalationStepInvalid(CommandInvalid):
    """E-6: a step was skipped, or the ladder has no such step."""

    rule = "E-6"


class EscalationNotAgreed(CommandInvalid):
    """E-6: to the unit managers in writing, and everyone agrees it is escalated."""

    rule = "E-6"


class EscalationNotYours(NotAllowed):
    """E-6: only someone at the current step (or a party to it) acts on it."""

    rule = "E-6"


class EscalationAlreadyResolved(RuleViolation):
    rule = "E-6"


# --- cost responsibility (E-12) and the yearly routine review (E-13), seed 003 ---------------


class CostResponsibilityContradicted(CommandInvalid):
    """E-12: the payer recorded contradicts the rule (addiction treatment is IoF's; housing
    with interventions from both is a shared cost)."""

    rule = "E-12"


class CostNotForThisStep(RuleViolation):
    """E-12: a cost responsibility is settled on a cost question, by its department heads."""

    rule = "E-12"


class RoutineReviewInvalid(CommandInvalid):
    rule = "E-13"


class RoutineReviewAlreadyScheduled(RuleViolation):
    """E-13: "en gång per år": one review a municipality a year."""

    rule = "E-13"


class RoutineReviewAlreadyHeld(RuleViolation):
    rule = "E-13"


class NotAReviewMember(NotAllowed):
    rule = "E-13"


class UnknownRoutineReview(UnknownRecord):
    rule = "E-13"


# --- monthly meetings (seed 003) -----------------------------------------------------------


class MonthlyMeetingInvalid(CommandInvalid):
    rule = "E-7"


class MonthlyMeetingConflict(RuleViolation):
    rule = "E-7"


class RegistrationClosed(CommandInvalid):
    """E-7: cases are registered by 12:00 (Europe/Stockholm) the day before the meeting."""

    rule = "E-7"


class RegistrationIncomplete(CommandInvalid):
    rule = "E-7"


class MonthlyMeetingBegun(RuleViolation):
    """W-2: a meeting that has begun is not moved or cancelled; what happened is recorded."""

    rule = "W-2"


class MonthlyMeetingCalledOff(RuleViolation):
    """W-2: a cancelled monthly meeting takes nothing more and changes no more."""

    rule = "W-2"


class NotAMember(NotAllowed):
    rule = "E-7"


class NotTheMinuteTaker(NotAllowed):
    """E-7: the minute-taker rotates; this meeting's minutes are another unit's to keep."""

    rule = "E-7"


# --- acute matters and consultations (seed 003) --------------------------------------------


class AcuteMatterInvalid(CommandInvalid):
    rule = "E-8"


class AcuteMatterNotYours(NotAllowed):
    """E-8: the other unit's deputy unit manager takes the acute matter."""

    rule = "E-8"


class AcuteMatterAlreadyAcknowledged(RuleViolation):
    rule = "E-8"


class ConsultationInvalid(CommandInvalid):
    rule = "E-9"


# --- who runs a red thread (E-3) -----------------------------------------------------------


class NotTheirsToRun(Forbidden):
    """E-3: the red thread is not the caller's to run; each subclass says why."""

    rule = "E-3"


class OfficeDoesNotServe(NotTheirsToRun):
    """E-3: a coordinator acts only for the red threads pulled in a municipality their
    coordination office serves."""


class RedThreadTakenByAnother(NotTheirsToRun):
    """E-3: another coordinator (or another serving office) has taken the red thread; only
    they run it, and an office keeps what it holds."""


class HandedOnOutsideTheOffice(NotTheirsToRun):
    """E-3: a red thread is handed on only within the caller's own coordination office."""


class NewCoordinatorInvalid(CommandInvalid):
    """E-3: a colleague is named with the office they work at, by an HSA-id of its
    organisation; the request field at fault is named."""

    rule = "E-3"
    title = "Invalid request"


class NotScheduled(UnknownRecord):
    """No meeting (E-3) or follow-up (E-5) to export: the rule is given per instance."""

    rule = "E-3"
    title = "Not Found"


# --- what a command names that is not there ------------------------------------------------


class UnknownRedThread(UnknownRecord):
    rule = "E-1"


class UnknownEscalation(UnknownRecord):
    rule = "E-6"


class UnknownMonthlyMeeting(UnknownRecord):
    rule = "E-7"


class UnknownAcuteMatter(UnknownRecord):
    rule = "E-8"


class UnknownConsultation(UnknownRecord):
    rule = "E-9"


class UnknownCalendarFeed(UnknownRecord):
    """No feed opens with this unit and token: never issued, or replaced since (W-1). One
    answer for both, so a guess learns nothing."""

    rule = "W-1"


class ActionsInvalid(CommandInvalid):
    """The meeting's actions, or the follow-up's evaluation of them, break E-10."""

    rule = "E-10"
