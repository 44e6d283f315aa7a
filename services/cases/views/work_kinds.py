"""What the cases service puts on work lists (W-1): each kind of item, and the rule it comes
from; where an item is addressed and what its link reads (the items themselves:
`work_items`)."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from contracts import MeetingKind, UnitKind
from services.runtime.http.work_list import WorkKind

HANDOVER = "handover_acknowledgement"
TRANSFER = "handover_transfer"
CHILD_WELFARE_REPORT = "child_welfare_report"
THREE_PARTY_REQUEST = "three_party_request"
THREE_PARTY_PREPARATION = "three_party_preparation"
MEETING = "meeting"
MEETING_FOLLOW_UP = "meeting_follow_up"
SIP_ESTABLISHMENT = "sip_establishment"
SIP_FOLLOW_UP = "sip_follow_up"
AGE_TRANSITION = "age_transition_announcement"
DECISION_TO_TELL = "decision_to_tell"
FOLLOW_THROUGH = "handover_follow_through"
OTHER_PRINCIPAL_CONTACT = "other_principal_contact"
AGE_TRANSITION_TAKEOVER = "age_transition_takeover"
REFERRAL_SOCIAL_SERVICES = "pregnancy_referral_social_services"
REFERRAL_MATERNITY_CARE = "pregnancy_referral_maternity_care"

WORK_KINDS = {
    HANDOVER: WorkKind("Acknowledge the handover and name the receiving caseworker", "K-5"),
    TRANSFER: WorkKind("Record the transfer of responsibility for the handed-over case", "K-5"),
    CHILD_WELFARE_REPORT: WorkKind(
        "Acknowledge the child-welfare report about a child here", "K-10"
    ),
    THREE_PARTY_REQUEST: WorkKind(
        "Assign a caseworker to the three-party meeting asked for", "K-8"
    ),
    THREE_PARTY_PREPARATION: WorkKind(
        "Hold the pre-meeting, then book the three-party meeting", "K-8"
    ),
    MEETING: WorkKind(
        "Attend the booked meeting, then record it as held by the next working day",
        "K-8, K-9, E-11",
    ),
    MEETING_FOLLOW_UP: WorkKind(
        "Attend the care-planning follow-up, then record it as held by the next working day",
        "K-9, E-11",
    ),
    SIP_ESTABLISHMENT: WorkKind("Establish the proposed SIP without delay", "K-6, K-13"),
    SIP_FOLLOW_UP: WorkKind("Follow the SIP up by its planned date", "K-7"),
    AGE_TRANSITION: WorkKind("Announce the case's age transition to the unit taking over", "K-4"),
    DECISION_TO_TELL: WorkKind("Tell the person of the decision, and record when and how", "K-11"),
    FOLLOW_THROUGH: WorkKind(
        "Hold the joint officials' meeting on the handed-over case, then have the client told",
        "K-12",
    ),
    OTHER_PRINCIPAL_CONTACT: WorkKind("Establish contact for your principal, toward a SIP", "K-17"),
    AGE_TRANSITION_TAKEOVER: WorkKind(
        "Take over the case announced to you: you decide in it from the birthday", "K-4"
    ),
    REFERRAL_SOCIAL_SERVICES: WorkKind(
        "Acknowledge the referral of a pregnant woman with misuse (social services)", "K-14"
    ),
    REFERRAL_MATERNITY_CARE: WorkKind(
        "Acknowledge the referral of a pregnant woman with misuse (specialist maternity care)",
        "K-14",
    ),
}
"""What cases puts on work lists, and the rule each comes from."""


def child_and_youth_unit(municipality_code: str) -> str:
    """The addressee of what waits for the municipality's IOF unit, whichever unit the
    directory names for it when the list is read (K-10)."""
    return f"municipality:{municipality_code}:{UnitKind.IOF.value}"


def case_href(case_id: UUID) -> str:
    return f"/v1/cases/{case_id}"


def decision_item_id(case_id: UUID, number: int) -> UUID:
    """The item "tell the person" of the case's `number`th decision (K-11)."""
    return uuid5(NAMESPACE_URL, f"samverkan:cases:decision-to-tell:{case_id}:{number}")


def follow_through_href(case_id: UUID, handover_id: UUID) -> str:
    return f"{case_href(case_id)}/handovers/{handover_id}/follow-through"


def meeting_href(meeting_id: UUID) -> str:
    return f"/v1/meetings/{meeting_id}"


def occasion_kind(kind: str) -> str:
    """A care-planning follow-up waits on the lists apart from its meeting (K-9)."""
    return MEETING_FOLLOW_UP if kind == MeetingKind.CARE_PLANNING_FOLLOW_UP.value else MEETING


def sip_href(sip_id: UUID) -> str:
    return f"/v1/sips/{sip_id}"


REFERRAL_KIND = {
    "social_services": REFERRAL_SOCIAL_SERVICES,
    "maternity_care": REFERRAL_MATERNITY_CARE,
}
"""K-14: a referral's item, by the recipient that acknowledges it."""
