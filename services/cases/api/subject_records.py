"""The cases service's records by individual (W-3): the routes every service shares
(services.runtime.http.subject_records), over the cases service's own index
(services.cases.views.subject_records).

A kind is listed only to a caller whose organisation type and role the route its href
points at admits (a screening to the roles that screen, D-6; a handover to social
services, K-5); which records of it, the index decides by unit."""

from services.cases.application import CasesApplication
from services.cases.policy import POLICY
from services.cases.views.subject_records import (
    CARE_PLANNING_MEETING,
    CASE,
    CHILD_WELFARE_REPORT,
    FOLLOW_THROUGH,
    HANDOVER,
    RECORD_KINDS,
    SCREENING,
    SIP,
    THREE_PARTY_MEETING,
)
from services.runtime.http.subject_records import subject_records_router

READS = {
    CASE: "case.read",
    HANDOVER: "handover.read",
    SIP: "sip.read",
    THREE_PARTY_MEETING: "meeting.read",
    CARE_PLANNING_MEETING: "meeting.read",
    SCREENING: "screening.read",
    CHILD_WELFARE_REPORT: "child_welfare.read",
    FOLLOW_THROUGH: "follow_through.read",
}
"""Each kind's read route's action (GET of its href)."""

router = subject_records_router(
    CasesApplication,
    RECORD_KINDS,
    {kind: POLICY.permissions[action] for kind, action in READS.items()},
)

__all__ = ["router"]
