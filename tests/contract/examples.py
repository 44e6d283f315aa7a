"""The contract's examples, where the tests have always imported them from.

They live in `contracts.examples` because the AsyncAPI document publishes them
as message examples; this module keeps the tests' imports unchanged.
"""

from contracts.examples import (
    ADULT_UNIT,
    CONSENT_GIVEN,
    EXAMPLES,
    POLICE,
    PSYCHIATRY,
    SOCIAL_SERVICES,
    SUBJECT,
    SUBJECTLESS,
    expected_key,
    expected_subject,
)

__all__ = [
    "ADULT_UNIT",
    "CONSENT_GIVEN",
    "EXAMPLES",
    "POLICE",
    "PSYCHIATRY",
    "SOCIAL_SERVICES",
    "SUBJECT",
    "SUBJECTLESS",
    "expected_key",
    "expected_subject",
]
