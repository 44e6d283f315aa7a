"""The escalation service's domain (E-1..E-9): the red thread, the ladder, the monthly
meetings, acute matters and consultations, and escalation's own view of consent.

Events stored before this package was split name their classes
`services.escalation.domain:RedThread...`; they stay readable because the
classes are importable from here.
"""

from services.escalation.domain.authorisations import (
    Basis,
    SubjectAuthorisations,
    authorisations_id,
)
from services.escalation.domain.calendar_feeds import CalendarFeed, calendar_feed_id
from services.escalation.domain.case_meetings import CaseMeeting, case_meeting_id
from services.escalation.domain.consultations import AcuteMatter, Consultation
from services.escalation.domain.errors import (
    ActionsInvalid,
    AcuteMatterAlreadyAcknowledged,
    AcuteMatterInvalid,
    AcuteMatterNotYours,
    AttendanceInvalid,
    ClosedBeforeFollowUp,
    ConsultationInvalid,
    EscalationAlreadyResolved,
    EscalationNotAgreed,
    EscalationNotYours,
    EscalationStepInvalid,
    FollowUpAlreadyBooked,
    FollowUpAlreadyEvaluated,
    FollowUpNotBooked,
    FollowUpNotPossibleYet,
    FollowUpTimeInvalid,
    MeasuresMustBeRecorded,
    MeetingAlreadyHeld,
    MeetingAlreadyScheduled,
    MeetingInThePast,
    MeetingNotYetStarted,
    MeetingOnHold,
    MeetingTooLate,
    MonthlyMeetingBegun,
    MonthlyMeetingCalledOff,
    MonthlyMeetingConflict,
    MonthlyMeetingInvalid,
    NoLegalBasisForMeeting,
    NoMeetingScheduled,
    NotAMember,
    NothingMoved,
    NotTheMinuteTaker,
    OnlyBlueLightMayPull,
    ReasonRequired,
    RedThreadAlreadyClosed,
    RegistrationClosed,
    RegistrationIncomplete,
)
from services.escalation.domain.ladder import (
    LADDERS,
    Escalation,
    Step,
    allowed_next_steps,
    may_act_at,
)
from services.escalation.domain.monthly_meetings import MeetingSeries, MonthlyMeeting
from services.escalation.domain.offices import CoordinationOffices
from services.escalation.domain.owners import minutes_owner, record_owner, registration_owner
from services.escalation.domain.red_thread import RedThread, may_pull_red_thread
from services.escalation.domain.red_thread_actions import (
    MAX_ACTIONS,
    Action,
    ActionEvaluation,
    AgreedAction,
    action_id,
)
from services.escalation.domain.red_thread_deadlines import (
    day_is_over,
    follow_up_overdue_at,
    meeting_deadline,
    meeting_overdue_at,
)
from services.escalation.domain.red_thread_meetings import ABSENCE_CATEGORY
from services.escalation.domain.red_thread_state import Hold, Pending
from services.escalation.domain.registrations import Registration, registration_cutoff
from services.escalation.domain.terms import PlannedMeeting, alternate, term_of
from services.escalation.domain.transfers import (
    Transfer,
    UpcomingTransfers,
    inventory_terms,
    transfers_id,
    upcoming,
)

__all__ = [
    "ABSENCE_CATEGORY",
    "LADDERS",
    "MAX_ACTIONS",
    "Action",
    "ActionEvaluation",
    "ActionsInvalid",
    "AcuteMatter",
    "AcuteMatterAlreadyAcknowledged",
    "AcuteMatterInvalid",
    "AcuteMatterNotYours",
    "AgreedAction",
    "AttendanceInvalid",
    "Basis",
    "CalendarFeed",
    "CaseMeeting",
    "ClosedBeforeFollowUp",
    "Consultation",
    "ConsultationInvalid",
    "CoordinationOffices",
    "Escalation",
    "EscalationAlreadyResolved",
    "EscalationNotAgreed",
    "EscalationNotYours",
    "EscalationStepInvalid",
    "FollowUpAlreadyBooked",
    "FollowUpAlreadyEvaluated",
    "FollowUpNotBooked",
    "FollowUpNotPossibleYet",
    "FollowUpTimeInvalid",
    "Hold",
    "MeasuresMustBeRecorded",
    "MeetingAlreadyHeld",
    "MeetingAlreadyScheduled",
    "MeetingInThePast",
    "MeetingNotYetStarted",
    "MeetingOnHold",
    "MeetingSeries",
    "MeetingTooLate",
    "MonthlyMeeting",
    "MonthlyMeetingBegun",
    "MonthlyMeetingCalledOff",
    "MonthlyMeetingConflict",
    "MonthlyMeetingInvalid",
    "NoLegalBasisForMeeting",
    "NoMeetingScheduled",
    "NotAMember",
    "NotTheMinuteTaker",
    "NothingMoved",
    "OnlyBlueLightMayPull",
    "Pending",
    "PlannedMeeting",
    "ReasonRequired",
    "RedThread",
    "RedThreadAlreadyClosed",
    "Registration",
    "RegistrationClosed",
    "RegistrationIncomplete",
    "Step",
    "SubjectAuthorisations",
    "Transfer",
    "UpcomingTransfers",
    "action_id",
    "allowed_next_steps",
    "alternate",
    "authorisations_id",
    "calendar_feed_id",
    "case_meeting_id",
    "day_is_over",
    "follow_up_overdue_at",
    "inventory_terms",
    "may_act_at",
    "may_pull_red_thread",
    "meeting_deadline",
    "meeting_overdue_at",
    "minutes_owner",
    "record_owner",
    "registration_cutoff",
    "registration_owner",
    "term_of",
    "transfers_id",
    "upcoming",
]
