"""The escalation rules a command can break, each named by its rule ID (DOMAIN.md E-1..E-9)."""

from __future__ import annotations

from services.runtime.kernel.rules import RuleViolation

# --- the red thread (seed 000) -------------------------------------------------------------


class OnlyBlueLightMayPull(RuleViolation):
    rule = "E-1"
    status = 403


class MeasuresMustBeRecorded(RuleViolation):
    rule = "E-2"
    status = 422


class MeetingTooLate(RuleViolation):
    rule = "E-3"
    status = 422


class MeetingInThePast(RuleViolation):
    rule = "E-3"
    status = 422


class MeetingAlreadyScheduled(RuleViolation):
    rule = "E-3"
    status = 409


class NoMeetingScheduled(RuleViolation):
    rule = "E-3"
    status = 409


class MeetingNotYetStarted(RuleViolation):
    """Attendance is recorded at or after the meeting, not before it."""

    rule = "E-3"
    status = 422


class AttendanceInvalid(RuleViolation):
    """Attendance is recorded for the summoned organisations, and only for them."""

    rule = "E-3"
    status = 422


class MeetingAlreadyHeld(RuleViolation):
    rule = "E-3"
    status = 409


class NoLegalBasisForMeeting(RuleViolation):
    rule = "E-4"
    status = 409


class MeetingOnHold(RuleViolation):
    """E-4: the meeting lost its legal basis; it goes ahead only when one is back."""

    rule = "E-4"
    status = 409


class FollowUpNotPossibleYet(RuleViolation):
    """E-5: the follow-up is booked after the meeting was held."""

    rule = "E-5"
    status = 409


class FollowUpTimeInvalid(RuleViolation):
    rule = "E-5"
    status = 422


class FollowUpAlreadyBooked(RuleViolation):
    rule = "E-5"
    status = 409


class FollowUpNotBooked(RuleViolation):
    rule = "E-5"
    status = 409


class FollowUpAlreadyEvaluated(RuleViolation):
    rule = "E-5"
    status = 409


class ClosedBeforeFollowUp(RuleViolation):
    """E-5: a red thread is closed only after its follow-up was evaluated."""

    rule = "E-5"
    status = 409


class RedThreadAlreadyClosed(RuleViolation):
    rule = "E-5"
    status = 409


# --- the ladder (seeds 003, 004) -----------------------------------------------------------


class EscalationStepInvalid(RuleViolation):
    """E-6: a step was skipped, or the ladder has no such step."""

    rule = "E-6"
    status = 422


class EscalationNotAgreed(RuleViolation):
    """E-6: to the unit managers in writing, and everyone agrees it is escalated."""

    rule = "E-6"
    status = 422


class EscalationNotYours(RuleViolation):
    """E-6: only someone at the current step (or a party to it) acts on it."""

    rule = "E-6"
    status = 403


class EscalationAlreadyResolved(RuleViolation):
    rule = "E-6"
    status = 409


# --- monthly meetings (seed 003) -----------------------------------------------------------


class MonthlyMeetingInvalid(RuleViolation):
    rule = "E-7"
    status = 422


class MonthlyMeetingConflict(RuleViolation):
    rule = "E-7"
    status = 409


class RegistrationClosed(RuleViolation):
    """E-7: cases are registered by 12:00 (Europe/Stockholm) the day before the meeting."""

    rule = "E-7"
    status = 422


class RegistrationIncomplete(RuleViolation):
    rule = "E-7"
    status = 422


class NotAMember(RuleViolation):
    rule = "E-7"
    status = 403


class NotTheMinuteTaker(RuleViolation):
    """E-7: the minute-taker rotates; this meeting's minutes are another unit's to keep."""

    rule = "E-7"
    status = 403


# --- acute matters and consultations (seed 003) --------------------------------------------


class AcuteMatterInvalid(RuleViolation):
    rule = "E-8"
    status = 422


class AcuteMatterNotYours(RuleViolation):
    """E-8: the other unit's deputy unit manager takes the acute matter."""

    rule = "E-8"
    status = 403


class AcuteMatterAlreadyAcknowledged(RuleViolation):
    rule = "E-8"
    status = 409


class ConsultationInvalid(RuleViolation):
    rule = "E-9"
    status = 422


# --- who runs a red thread (E-3) -----------------------------------------------------------


class NotTheirsToRun(RuleViolation):
    """E-3: the red thread is not the caller's to run; each subclass says why."""

    rule = "E-3"
    status = 403
    title = "Forbidden"


class OfficeDoesNotServe(NotTheirsToRun):
    """E-3: a coordinator acts only for the red threads pulled in a municipality their
    coordination office serves."""


class RedThreadTakenByAnother(NotTheirsToRun):
    """E-3: another coordinator (or another serving office) has taken the red thread; only
    they run it, and an office keeps what it holds."""


class HandedOnOutsideTheOffice(NotTheirsToRun):
    """E-3: a red thread is handed on only within the caller's own coordination office."""


class NewCoordinatorInvalid(RuleViolation):
    """E-3: a colleague is named with the office they work at, by an HSA-id of its
    organisation; the request field at fault is named."""

    rule = "E-3"
    status = 422
    title = "Invalid request"


class NotScheduled(RuleViolation):
    """No meeting (E-3) or follow-up (E-5) to export: the rule is given per instance."""

    rule = "E-3"
    status = 404
    title = "Not Found"


# --- what a command names that is not there ------------------------------------------------


class UnknownRedThread(RuleViolation):
    rule = "E-1"
    status = 404


class UnknownEscalation(RuleViolation):
    rule = "E-6"
    status = 404


class UnknownMonthlyMeeting(RuleViolation):
    rule = "E-7"
    status = 404


class UnknownAcuteMatter(RuleViolation):
    rule = "E-8"
    status = 404


class UnknownConsultation(RuleViolation):
    rule = "E-9"
    status = 404
