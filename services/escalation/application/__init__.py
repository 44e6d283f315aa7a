"""Escalation use cases, one method each, and the policies that react to upstream events.

One mixin per concept, each on the shared base (sealing, loading, retrying:
`base`): the red thread and deadlines (`red_threads`), the ladder (`ladder`),
the monthly forums (`forums`), the yearly routine review (`routines`), acute matters
and consultations (`matters`), upstream events (`upstream`), the work list and records
by individual (`work`), the units' calendar feeds (`calendars`). `EscalationApplication`
is all of them on one store. Every use case takes the acting member of staff first: the record names
them and their unit from it, and whether their unit may see or act on *this*
object is decided where the use case loads it.
"""

from services.escalation.application.calendars import Calendars
from services.escalation.application.forums import (
    CreateMeetingSeries,
    Forums,
    RecordMinutes,
    RegisterCase,
)
from services.escalation.application.ladder import (
    Escalate,
    Ladder,
    RaiseEscalation,
    ResolveEscalation,
    SettleCost,
)
from services.escalation.application.matters import HoldConsultation, Matters, RaiseAcuteMatter
from services.escalation.application.red_threads import (
    AssignCoordinator,
    EvaluateFollowUp,
    MoveMeeting,
    PullRedThread,
    RecordMeetingHeld,
    RedThreads,
    ScheduleMeeting,
)
from services.escalation.application.routines import (
    HoldRoutineReview,
    RoutineReviews,
    ScheduleRoutineReview,
)
from services.escalation.application.upstream import StillContended, Upstream
from services.escalation.application.work import Work
from services.escalation.domain.errors import (
    UnknownAcuteMatter,
    UnknownConsultation,
    UnknownEscalation,
    UnknownMonthlyMeeting,
    UnknownRedThread,
)
from services.escalation.domain.owners import minutes_owner, record_owner, registration_owner
from services.runtime.store.changes import CONFLICT_ATTEMPTS
from services.runtime.store.sealing import DEVELOPMENT_ONLY_MASTER_KEY


class EscalationApplication(
    RedThreads, Ladder, Forums, RoutineReviews, Matters, Upstream, Work, Calendars
):
    """Red threads, the ladder, monthly meetings, the yearly routine review; a consent view
    fed by the consent topic."""

    name = "escalation"


__all__ = [
    "CONFLICT_ATTEMPTS",
    "DEVELOPMENT_ONLY_MASTER_KEY",
    "AssignCoordinator",
    "CreateMeetingSeries",
    "Escalate",
    "EscalationApplication",
    "EvaluateFollowUp",
    "HoldConsultation",
    "HoldRoutineReview",
    "MoveMeeting",
    "PullRedThread",
    "RaiseAcuteMatter",
    "RaiseEscalation",
    "RecordMeetingHeld",
    "RecordMinutes",
    "RegisterCase",
    "ResolveEscalation",
    "ScheduleMeeting",
    "ScheduleRoutineReview",
    "SettleCost",
    "StillContended",
    "UnknownAcuteMatter",
    "UnknownConsultation",
    "UnknownEscalation",
    "UnknownMonthlyMeeting",
    "UnknownRedThread",
    "minutes_owner",
    "record_owner",
    "registration_owner",
]
