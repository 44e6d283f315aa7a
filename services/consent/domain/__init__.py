"""The consent service's domain: consents, refusals, disclosures and decisions (C-1..C-9)."""

from services.consent.domain.consent import (
    AGE_OF_MAJORITY,
    Consent,
    ConsentRefusal,
    GivenBy,
    age_on,
    end_of_day,
    may_give_consent,
)
from services.consent.domain.decisions import NO, Authorisation, Decision, decide
from services.consent.domain.disclosures import EmergencyDisclosure, UnbornChildDisclosure
from services.consent.domain.erasure import (
    SubjectErasure,
    culling_day,
    idle_cutoff,
    is_due_for_culling,
)
from services.consent.domain.errors import (
    ConsentAlreadyWithdrawn,
    ConsentNoLongerActive,
    ConsentNotDocumented,
    ConsentRuleViolation,
    ConsentScopeInvalid,
    DecisionQuestionInvalid,
    EmergencyDisclosureInvalid,
    IndividualNotInformed,
    UnbornChildDisclosureInvalid,
    distinct_parties,
    written_justification,
)

__all__ = [
    "AGE_OF_MAJORITY",
    "NO",
    "Authorisation",
    "Consent",
    "ConsentAlreadyWithdrawn",
    "ConsentNoLongerActive",
    "ConsentNotDocumented",
    "ConsentRefusal",
    "ConsentRuleViolation",
    "ConsentScopeInvalid",
    "Decision",
    "DecisionQuestionInvalid",
    "EmergencyDisclosure",
    "EmergencyDisclosureInvalid",
    "GivenBy",
    "IndividualNotInformed",
    "SubjectErasure",
    "UnbornChildDisclosure",
    "UnbornChildDisclosureInvalid",
    "age_on",
    "culling_day",
    "decide",
    "distinct_parties",
    "end_of_day",
    "idle_cutoff",
    "is_due_for_culling",
    "may_give_consent",
    "written_justification",
]
