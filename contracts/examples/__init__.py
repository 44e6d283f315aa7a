"""One valid example of every public event: the AsyncAPI document's message examples.

`contracts.generate` publishes each as its message's example (payload and
headers), so a partner sees a real instance beside every schema, and the
contract tests round-trip each through encode and decode. Ids are made up;
the subject id is an arbitrary 64-hex string, not derived from any identity number.
"""

from contracts import (
    AnnualReportPublished,
    MonthlyMeetingAbsenceRecorded,
    MonthlyMeetingCancelled,
    MonthlyMeetingMoved,
    MonthlyMeetingPlanned,
    RoutineReviewHeld,
    RoutineReviewScheduled,
)
from contracts.base import IntegrationEvent
from contracts.examples.cases import ADULT_UNIT, CASES_EXAMPLES
from contracts.examples.consent import CONSENT_EXAMPLES, CONSENT_GIVEN
from contracts.examples.escalation import ESCALATION_EXAMPLES
from contracts.examples.ids import POLICE, PSYCHIATRY, SOCIAL_SERVICES, SUBJECT
from contracts.examples.reporting import REPORTING_EXAMPLES

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

EXAMPLES: dict[type[IntegrationEvent], IntegrationEvent] = {
    **CONSENT_EXAMPLES,
    **CASES_EXAMPLES,
    **ESCALATION_EXAMPLES,
    **REPORTING_EXAMPLES,
}
"""Event class -> its example, for every event the services publish."""

SUBJECTLESS: dict[type[IntegrationEvent], str] = {
    AnnualReportPublished: "publication_id",
    MonthlyMeetingPlanned: "meeting_id",
    MonthlyMeetingMoved: "meeting_id",
    MonthlyMeetingCancelled: "meeting_id",
    RoutineReviewScheduled: "review_id",
    RoutineReviewHeld: "review_id",
    MonthlyMeetingAbsenceRecorded: "meeting_id",
}
"""Events about no one individual, with the field of their own id: they carry no
`subject_id` and no ce_subject, and their own id keys the message."""


def expected_subject(event: IntegrationEvent) -> str | None:
    """The subject an example event is published with: SUBJECT, or None if it has none."""
    return None if type(event) in SUBJECTLESS else SUBJECT


def expected_key(event: IntegrationEvent) -> str:
    """The Kafka key of an example event: the subject, or the event's own id."""
    own_id = SUBJECTLESS.get(type(event))
    return SUBJECT if own_id is None else str(getattr(event, own_id))
