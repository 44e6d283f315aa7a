"""Who may do what in the cases service: the table every cases route names its action in.

Cases live at the municipality's social-services units (IOF, AOF), so
registering a report, deciding, closing, announcing an age transition and
handing a case over are social services' (K-1, K-3, K-4, K-5); which role may take
which decision is the delegation order's (K-11), and the joint officials' meeting after a
handover the receiving unit's deputy unit manager's (K-12). A SIP is
the region's and the municipality's, with the school (K-6); the blue-light
services take no part in one. A child-welfare report is made by anyone who
works with children (K-10). Target groups are set by the holding unit's
caseworkers, and screenings recorded by the organisations that screen (D-6).
Which case, plan or meeting the caller's unit takes
part in is checked where it is loaded.
"""

from __future__ import annotations

from typing import Any

from contracts import OrgType, Role
from services.cases.domain import CASE_STAFF, SCREENING_ORG_TYPES
from services.runtime.http.permissions import ALL_ORG_TYPES, Permission, Policy, permit

SOCIAL_SERVICES = {OrgType.SOCIAL_SERVICES}
SIP_PRINCIPALS = ALL_ORG_TYPES - {OrgType.AMBULANCE, OrgType.RESCUE, OrgType.POLICE}
"""K-6 (seed 004, 001): the municipality, the region and the school, and the care providers
and coordination office that act for them."""


def _social(refusal: str, rule: str) -> Permission:
    return permit(refusal, org_types=SOCIAL_SERVICES, rule=rule)


def _sip_principals(refusal: str, rule: str) -> Permission:
    return permit(refusal, org_types=SIP_PRINCIPALS, rule=rule)


def _receiving_deputy(doing: str) -> Permission:
    return permit(
        f"only the receiving unit's deputy unit manager {doing}",
        org_types=SOCIAL_SERVICES,
        roles={Role.DEPUTY_UNIT_MANAGER},
        rule="K-12",
    )


def _screening_staff(refusal: str, rule: str = "D-6") -> Permission:
    return permit(refusal, org_types=SCREENING_ORG_TYPES, roles=CASE_STAFF, rule=rule)


POLICY = Policy(
    "cases",
    {
        "case.register": _social(
            "reports and applications are registered by social services", "K-1"
        ),
        "case.lookup": permit("only staff look up an individual's cases", rule="K-3"),
        "case.read": permit("only staff read a case", rule="K-3"),
        "case.decide": _social("only social services record a decision on a case", "K-3"),
        "case.tell_decision": _social(
            "only social services tell the individual of a decision", "K-11"
        ),
        "case.close": _social("only social services close a case", "K-3"),
        "case.correct": _social("only social services correct a case's facts", "W-2"),
        "case.record_placement": _social("only social services record a placement", "K-4"),
        "case.announce_transition": _social(
            "only social services announce an age transition", "K-4"
        ),
        "unit.read_transitions": _social(
            "only the municipality's own units see its transitions", "K-4"
        ),
        "unit.read_notices": _social("only social-services units have case notices", "K-3"),
        "handover.request": _social("only social services hand a case over", "K-5"),
        "handover.read": _social("only social services read a handover", "K-5"),
        "handover.acknowledge": _social("only social services acknowledge a handover", "K-5"),
        "handover.transfer": _social("only social services transfer responsibility", "K-5"),
        "handover.decline": _social("only social services decline a handover", "K-5"),
        "handover.withdraw": _social("only social services withdraw a handover", "K-5"),
        "follow_through.schedule": _receiving_deputy("books the joint officials' meeting"),
        "follow_through.record_held": _receiving_deputy("records the meeting as held"),
        "follow_through.record_informed": _receiving_deputy("records the client told"),
        "follow_through.read": permit(
            "only staff read a follow-through (the units invited to it)", rule="K-12"
        ),
        "sip.propose": _sip_principals(
            "a SIP is proposed by the region, the municipality or the school", "K-6"
        ),
        "sip.read": _sip_principals(
            "only the region, the municipality and the school take part in a SIP", "K-6"
        ),
        "sip.establish": _sip_principals(
            "only the region, the municipality and the school establish a SIP", "K-6"
        ),
        "sip.follow_up": _sip_principals("only the plan's units follow a SIP up", "K-7"),
        "sip.revise": _sip_principals("only the plan's units revise a SIP", "K-7"),
        "sip.close": _sip_principals("only the plan's units close a SIP", "W-2"),
        "principal_contact.request": _social(
            "contact with the other principal is asked for by the unit holding the case", "K-17"
        ),
        "principal_contact.read": _sip_principals(
            "only the region's and the municipality's units take part in the contact", "K-17"
        ),
        "principal_contact.acknowledge": _sip_principals(
            "only the other principal's unit acknowledges the contact", "K-17"
        ),
        "meeting.request_three_party": _social(
            "three-party meetings are between social-services units", "K-8"
        ),
        "meeting.assign": permit(
            "only the other unit's deputy unit manager assigns a caseworker",
            org_types=SOCIAL_SERVICES,
            roles={Role.DEPUTY_UNIT_MANAGER},
            rule="K-8",
        ),
        "meeting.record_pre_meeting": _social("only the meeting's units record it", "K-8"),
        "meeting.schedule": _social("only the meeting's units book it", "K-8"),
        "meeting.plan_care_planning": _sip_principals(
            "only the region, the municipality and the school plan a care-planning meeting", "K-9"
        ),
        "meeting.move": _sip_principals("only the meeting's units move it", "W-2"),
        "meeting.cancel": _sip_principals("only the meeting's units cancel it", "W-2"),
        "meeting.record_held": _sip_principals("only the meeting's units record it as held", "K-8"),
        "meeting.read": permit("only staff read a meeting", rule="K-8"),
        "case.set_target_groups": permit(
            "target groups are set by social services' caseworkers or their managers",
            org_types=SOCIAL_SERVICES,
            roles=CASE_STAFF,
            rule="D-6",
        ),
        "screening.record": _screening_staff(
            "screenings are recorded by caseworkers (or their managers) in health care, "
            "psychiatry, social services or private care"
        ),
        "screening.read": _screening_staff(
            "a screening is read by the organisation that recorded it"
        ),
        "violence_question.record": _screening_staff(
            "the violence question is recorded by caseworkers (or their managers) in health "
            "care, psychiatry, social services or private care",
            "K-16",
        ),
        "violence_question.read": _screening_staff(
            "the violence question's record is read by the organisation that recorded it",
            "K-16",
        ),
        "child_welfare.report": permit("only staff record a child-welfare report", rule="K-10"),
        "child_welfare.read": permit("only staff read a child-welfare report", rule="K-10"),
        "child_welfare.acknowledge": _social(
            "only social services acknowledge a child-welfare report", "K-10"
        ),
        "pregnancy_referral.make": permit(
            "only staff refer a pregnant woman with misuse", rule="K-14"
        ),
        "pregnancy_referral.read": permit("only staff read a pregnancy referral", rule="K-14"),
        "pregnancy_referral.acknowledge": permit(
            "only staff acknowledge a pregnancy referral", rule="K-14"
        ),
        "consent_view.lookup": permit("only staff look up the consents cases knows of", rule="C-8"),
    },
)


def may(action: str) -> Any:
    """The dependency for ``action``: ``caller: Annotated[Caller, may("case.register")]``."""
    return POLICY.may(action)
