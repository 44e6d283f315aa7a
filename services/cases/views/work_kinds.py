"""What the cases service puts on work lists (W-1): each kind of item, and the rule it comes
from (the items themselves: `work_items`)."""

from __future__ import annotations

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
