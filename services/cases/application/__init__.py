"""Cases use cases, one method each, and the policies that react to upstream events.

One mixin per concept, each on the shared base (the store, loading, the consent
view, sealing: `base`): the case with its decisions, target groups, age
transitions, lists and deadlines (`cases`), handovers (`handovers`) and their
follow-through (`follow_through`), plans (`sips`), contact with the other principal
(`contacts`), meetings (`meetings`), screenings (`screenings`), child-welfare
reports (`child_welfare`), consent and erasure from upstream (`upstream`), and the
work list (`work`).
`CasesApplication` is all of them on one store. Every use case takes the acting
member of staff first: the record names them and their unit from it, and whether
their unit may see or change *this* object is decided where the use case loads it.
"""

from services.cases.application.cases import (
    AnnounceAgeTransition,
    Cases,
    CorrectFacts,
    RecordDecision,
)
from services.cases.application.child_welfare import ChildWelfare, RecordChildWelfareReport
from services.cases.application.contacts import PrincipalContacts
from services.cases.application.follow_through import (
    FollowThroughs,
    RecordFollowThroughHeld,
    ScheduleFollowThrough,
)
from services.cases.application.handovers import Handovers, RequestHandover
from services.cases.application.meetings import (
    Meetings,
    MoveMeeting,
    PlanCarePlanningMeeting,
    RecordMeetingHeld,
    ScheduleThreePartyMeeting,
)
from services.cases.application.referrals import MakePregnancyReferral, Referrals
from services.cases.application.reports import Registered, RegisterReport
from services.cases.application.screenings import (
    RecordScreening,
    RecordViolenceQuestion,
    Screenings,
)
from services.cases.application.sips import EstablishSip, ProposeSip, RecordSipFollowUp, Sips
from services.cases.application.upstream import Upstream
from services.cases.application.work import Work
from services.cases.domain import UnknownCase
from services.runtime.store.sealing import DEVELOPMENT_ONLY_MASTER_KEY


class CasesApplication(
    Cases,
    Handovers,
    FollowThroughs,
    Sips,
    PrincipalContacts,
    Meetings,
    Screenings,
    ChildWelfare,
    Referrals,
    Upstream,
    Work,
):
    """Cases at the municipality's units, and what cases knows of consent."""

    name = "cases"


__all__ = [
    "DEVELOPMENT_ONLY_MASTER_KEY",
    "AnnounceAgeTransition",
    "CasesApplication",
    "CorrectFacts",
    "EstablishSip",
    "MakePregnancyReferral",
    "MoveMeeting",
    "PlanCarePlanningMeeting",
    "ProposeSip",
    "RecordChildWelfareReport",
    "RecordDecision",
    "RecordFollowThroughHeld",
    "RecordMeetingHeld",
    "RecordScreening",
    "RecordSipFollowUp",
    "RecordViolenceQuestion",
    "RegisterReport",
    "Registered",
    "RequestHandover",
    "ScheduleFollowThrough",
    "ScheduleThreePartyMeeting",
    "UnknownCase",
]
