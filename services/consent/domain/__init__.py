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
from services.consent.domain.disclosures import (
    Disclosure,
    EmergencyDisclosure,
    UnbornChildDisclosure,
)
from services.consent.domain.erasure import (
    SubjectErasure,
    culling_day,
    idle_cutoff,
    is_due_for_culling,
    may_erase,
)
from services.consent.domain.errors import (
    ConsentAlreadyWithdrawn,
    ConsentNoLongerActive,
    ConsentNotDocumented,
    ConsentRuleViolation,
    ConsentScopeInvalid,
    DecisionQuestionInvalid,
    EmergencyDisclosureInvalid,
    ErasureNotPermitted,
    IndividualNotInformed,
    RecordNotReadable,
    UnbornChildDisclosureInvalid,
    UnknownSubject,
    distinct_parties,
    written_justification,
)
from services.consent.domain.secrecy import may_read_record, readable_by

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
    "Disclosure",
    "EmergencyDisclosure",
    "EmergencyDisclosureInvalid",
    "ErasureNotPermitted",
    "GivenBy",
    "IndividualNotInformed",
    "RecordNotReadable",
    "SubjectErasure",
    "UnbornChildDisclosure",
    "UnbornChildDisclosureInvalid",
    "UnknownSubject",
    "age_on",
    "culling_day",
    "decide",
    "distinct_parties",
    "end_of_day",
    "idle_cutoff",
    "is_due_for_culling",
    "may_erase",
    "may_give_consent",
    "may_read_record",
    "readable_by",
    "written_justification",
]
