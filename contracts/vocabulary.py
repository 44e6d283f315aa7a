"""Shared vocabulary of the public contract.

These enumerations appear in event payloads and in tokens, so partners and all
four services must agree on them; they are part of the versioned contract.
"""

from enum import StrEnum


class OrgType(StrEnum):
    """The kind of organisation an actor works for (verksamhetstyp)."""

    AMBULANCE = "ambulance"
    RESCUE = "rescue"
    POLICE = "police"
    SOCIAL_SERVICES = "social_services"
    HEALTH_CARE = "health_care"
    PSYCHIATRY = "psychiatry"
    SCHOOL = "school"
    PRIVATE_CARE = "private_care"
    COORDINATION_OFFICE = "coordination_office"


class Role(StrEnum):
    """Staff roles that authorisation rules depend on (DOMAIN.md glossary)."""

    CASEWORKER = "caseworker"
    DEPUTY_UNIT_MANAGER = "deputy_unit_manager"
    UNIT_MANAGER = "unit_manager"
    DEPARTMENT_HEAD = "department_head"
    COORDINATOR = "coordinator"
    FIRST_RESPONDER = "first_responder"
    ADMIN = "admin"
    CONTROLLER = "controller"
    """Verksamhetscontroller IoF: keeps every filled-in deviation report of its
    municipality (D-8, seed 003); works with reports, not with individuals."""


class Purpose(StrEnum):
    """What a consent or disclosure is for (C-3)."""

    SIP = "sip"
    RED_THREAD_MEETING = "red_thread_meeting"
    CASE_HANDOVER = "case_handover"
    THREE_PARTY_MEETING = "three_party_meeting"
    INFORMATION_SHARING = "information_sharing"


class ConsentForm(StrEnum):
    """Consent may be oral or written (C-1)."""

    ORAL = "oral"
    WRITTEN = "written"


class DeviationCategory(StrEnum):
    """Categories of collaboration failure (D-1, seed 002)."""

    NO_SIP = "no_sip"
    MINA_PLANER_NOT_USED = "mina_planer_not_used"
    TREATMENT_ENGAGEMENT = "treatment_engagement"
    HOLISTIC_VIEW = "holistic_view"
    COMMUNICATION = "communication"
    COMPETENCE = "competence"
    ROUTINES = "routines"


class ProblemArea(StrEnum):
    """The areas the annual report breaks collaboration failures down by (D-5, seed 002):
    "systembrister inom psykisk ohälsa, funktionsnedsättning, skadligt bruk och beroende"."""

    MENTAL_ILLNESS = "mental_illness"
    """Psykisk ohälsa."""
    DISABILITY = "disability"
    """Funktionsnedsättning."""
    HARMFUL_USE = "harmful_use"
    """Skadligt bruk."""
    ADDICTION = "addiction"
    """Beroende."""


class LegalBasis(StrEnum):
    """Why information may be shared (C-9): the kind of authority relied on."""

    CONSENT = "consent"
    EMERGENCY_DISCLOSURE = "emergency_disclosure"
    OSL_26_9 = "osl_26_9"


class TargetGroup(StrEnum):
    """Groups the follow-up indicators break down by (D-6; seed 004, seed 003).

    A case carries any number of them; the set changes over time.
    """

    CHILDREN_AND_YOUTH = "children_and_youth"
    """Barn och unga: derived from age (under 19 on arrival, K-1) where it can be."""
    EXPOSED_TO_VIOLENCE = "exposed_to_violence"
    """Personer utsatta för våld."""
    PREGNANT_WITH_RISKY_USE = "pregnant_with_risky_use"
    """Gravida kvinnor med riskbruk eller missbruk."""
    CO_MORBIDITY = "co_morbidity"
    """Samsjuklighet: misuse plus psychiatric or somatic illness or a neuropsychiatric
    disability."""
    OPIOID_DEPENDENCE = "opioid_dependence"
    """Opiatberoende, e.g. in medication-assisted treatment (seed 004)."""
    OVER_65_IN_HOMELESSNESS = "over_65_in_homelessness"
    """Personer över 65 år i hemlöshet (seed 003)."""


class ScreeningInstrument(StrEnum):
    """Screening instruments for alcohol and drug use (D-6 prevention)."""

    AUDIT = "AUDIT"
    """Alcohol Use Disorders Identification Test."""
    DUDIT = "DUDIT"
    """Drug Use Disorders Identification Test."""


class ScreeningOccasion(StrEnum):
    """When a screening was offered: at a new visit, or as the follow-up of one."""

    NEW_VISIT = "new_visit"
    FOLLOW_UP = "follow_up"


class ScreeningOutcome(StrEnum):
    """Whether the offered screening was done. Never the answers or the score."""

    DONE = "done"
    DECLINED = "declined"


class ViolenceExposure(StrEnum):
    """The answer to the violence question (K-16), as a category only: never what happened.

    Asked about the adult's own exposure and about children's (seed 004: "både
    vuxnas och barns våldutsatthet")."""

    NOT_EXPOSED = "not_exposed"
    EXPOSED = "exposed"
    """Exposed to violence now or recently, by the person's answer."""
    DECLINED_TO_ANSWER = "declined_to_answer"
    NO_CHILDREN = "no_children"
    """Only for the children's part: there are no children in the person's life to ask about."""
