"""The public event contract of samverkan: what partner systems may subscribe to.

- `cases` (and `cases_plans`, `cases_prevention`, `cases_follow_through`,
  `cases_referrals`), `consent`,
  `escalation` (and `escalation_matters`, `escalation_actions`), `reporting` (per
  producing service): one frozen pydantic model per event type; ids, codes and
  timestamps only, never personal data.
- `cloudevents`: `encode`/`decode` between a model and a Kafka message
  (CloudEvents 1.0, binary mode).
- `topics`: topic names.
- `generate`: the checked-in JSON Schemas and AsyncAPI documents.
- `examples`: one valid example of every event (the documents' message examples).

Versioning. A published version never changes shape. Because consumers
forbid unknown fields, even adding an optional field is a new version. To ship
version 2 of `ConsentGiven`, add beside the old class::

    class ConsentGivenV2(_ConsentEvent):
        version: ClassVar[int] = 2
        ...

It registers as `se.samverkan.consent.ConsentGiven.v2` while `ConsentGiven`
stays registered as `...ConsentGiven.v1`, so messages already on the topic stay
readable. Subclass the module's service base (`_ConsentEvent`), not the v1
class, so that a handler for v1 is not silently handed v2. Consumers add a
handler for v2 (or upcast v1 to v2 in one function) before producers switch;
then run `make contracts`.

Each service module's `__all__` is its public part; this package re-exports it.
"""

from contracts import (
    cases,
    cases_follow_through,
    cases_plans,
    cases_prevention,
    cases_referrals,
    consent,
    escalation,
    escalation_actions,
    escalation_matters,
    reporting,
)
from contracts.base import (
    EVENT_TYPES,
    HSA_ID_PATTERN,
    SUBJECT_ID_PATTERN,
    IntegrationEvent,
    SubjectEvent,
    event_class,
)
from contracts.cases import *  # noqa: F403
from contracts.cases_follow_through import *  # noqa: F403
from contracts.cases_plans import *  # noqa: F403
from contracts.cases_prevention import *  # noqa: F403
from contracts.cases_referrals import *  # noqa: F403
from contracts.cloudevents import MAX_EVENT_BYTES, Envelope, OutgoingMessage, decode, encode
from contracts.consent import *  # noqa: F403
from contracts.errors import OversizedMessage, PoisonMessage, UndecodableMessage, UnknownEventType
from contracts.escalation import *  # noqa: F403
from contracts.escalation_actions import *  # noqa: F403
from contracts.escalation_matters import *  # noqa: F403
from contracts.reporting import *  # noqa: F403
from contracts.topics import EVENT_TOPICS, PARTITIONS, SERVICES, dlq_topic, events_topic
from contracts.vocabulary import (
    ConsentForm,
    DeviationCategory,
    LegalBasis,
    OrgType,
    ProblemArea,
    Purpose,
    Role,
    ScreeningInstrument,
    ScreeningOccasion,
    ScreeningOutcome,
    TargetGroup,
    ViolenceExposure,
)

__all__ = [
    "EVENT_TOPICS",
    "EVENT_TYPES",
    "HSA_ID_PATTERN",
    "MAX_EVENT_BYTES",
    "PARTITIONS",
    "SERVICES",
    "SUBJECT_ID_PATTERN",
    "ConsentForm",
    "DeviationCategory",
    "Envelope",
    "IntegrationEvent",
    "LegalBasis",
    "OrgType",
    "OutgoingMessage",
    "OversizedMessage",
    "PoisonMessage",
    "ProblemArea",
    "Purpose",
    "Role",
    "ScreeningInstrument",
    "ScreeningOccasion",
    "ScreeningOutcome",
    "SubjectEvent",
    "TargetGroup",
    "UndecodableMessage",
    "UnknownEventType",
    "ViolenceExposure",
    "decode",
    "dlq_topic",
    "encode",
    "event_class",
    "events_topic",
]
__all__ += cases.__all__
__all__ += cases_follow_through.__all__
__all__ += cases_plans.__all__
__all__ += cases_prevention.__all__
__all__ += cases_referrals.__all__
__all__ += consent.__all__
__all__ += escalation.__all__
__all__ += escalation_actions.__all__
__all__ += escalation_matters.__all__
__all__ += reporting.__all__
