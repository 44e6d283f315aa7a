"""The public event contract of samverkan: what partner systems may subscribe to.

- `consent`, `escalation`, `reporting` (one module per producing service): one
  frozen pydantic model per event type; ids, codes and
  timestamps only, never personal data.
- `cloudevents`: `encode`/`decode` between a model and a Kafka message
  (CloudEvents 1.0, binary mode).
- `topics`: topic names.
- `generate`: the checked-in JSON Schemas and AsyncAPI document.

Versioning. A published version never changes shape. Because consumers
forbid unknown fields, even adding an optional field is a new version. To ship
version 2 of `ConsentGiven`, add beside the old class::

    class ConsentGivenV2(SubjectEvent):
        service: ClassVar[str] = "consent"
        version: ClassVar[int] = 2
        ...

It registers as `se.samverkan.consent.ConsentGiven.v2` while `ConsentGiven`
stays registered as `...ConsentGiven.v1`, so messages already on the topic stay
readable. Subclass `SubjectEvent`, not the v1 class, so that a handler for v1
is not silently handed v2. Consumers add a handler for v2 (or upcast v1 to v2
in one function) before producers switch; then run `make contracts`.
"""

from contracts.base import (
    EVENT_TYPES,
    HSA_ID_PATTERN,
    SUBJECT_ID_PATTERN,
    IntegrationEvent,
    SubjectEvent,
    event_class,
)
from contracts.cases import (
    AgeTransitionDue,
    AgeTransitionOverdue,
    CaseClosed,
    CaseDecision,
    CaseDecisionNotified,
    CaseMeetingScheduled,
    CaseOpened,
    CaseRouted,
    ChildWelfareReportMade,
    ClosingReason,
    HandoverAcknowledged,
    HandoverAcknowledgementOverdue,
    HandoverRequested,
    MeetingKind,
    ParallelInvestigationOpened,
    PreMeetingHeld,
    ResponsibilityTransferred,
    RoutingReason,
    SipEstablished,
    SipFollowUpOverdue,
    SipFollowUpRecorded,
    SipProposed,
    SipProposer,
    SipRevised,
    ThreePartyMeetingRequested,
    UnitKind,
)
from contracts.cloudevents import MAX_EVENT_BYTES, Envelope, OutgoingMessage, decode, encode
from contracts.consent import (
    ConsentExpired,
    ConsentGiven,
    ConsentRefused,
    ConsentScopeChanged,
    ConsentWithdrawn,
    EmergencyDisclosureExpired,
    EmergencyDisclosureRecorded,
    SubjectErased,
    UnbornChildDisclosureRecorded,
)
from contracts.errors import OversizedMessage, PoisonMessage, UndecodableMessage, UnknownEventType
from contracts.escalation import (
    MUNICIPALITY_CODE_PATTERN,
    CaseRegisteredForMeeting,
    ConsultationHeld,
    ConsultationOutcome,
    CoordinatorAssigned,
    EscalationLevel,
    EscalationRaised,
    EscalationResolution,
    EscalationResolved,
    EscalationTrack,
    FollowUpBooked,
    FollowUpEvaluated,
    FollowUpResult,
    HoldReason,
    MeasureTried,
    MeetingAbsenceRecorded,
    MeetingHeld,
    MeetingOutcome,
    MeetingPutOnHold,
    MeetingResumed,
    MeetingScheduled,
    MeetingStage,
    MonthlyMeetingKind,
    RedThreadClosed,
    RedThreadFollowUpOverdue,
    RedThreadMeetingOverdue,
    RedThreadPulled,
)
from contracts.reporting import (
    DeviationDetected,
    DeviationFeedbackSent,
    DeviationReported,
    DeviationSummarised,
)
from contracts.topics import EVENT_TOPICS, PARTITIONS, SERVICES, dlq_topic, events_topic
from contracts.vocabulary import (
    ConsentForm,
    DeviationCategory,
    LegalBasis,
    OrgType,
    Purpose,
    Role,
)

__all__ = [
    "EVENT_TOPICS",
    "EVENT_TYPES",
    "HSA_ID_PATTERN",
    "MAX_EVENT_BYTES",
    "MUNICIPALITY_CODE_PATTERN",
    "PARTITIONS",
    "SERVICES",
    "SUBJECT_ID_PATTERN",
    "AgeTransitionDue",
    "AgeTransitionOverdue",
    "CaseClosed",
    "CaseDecision",
    "CaseDecisionNotified",
    "CaseMeetingScheduled",
    "CaseOpened",
    "CaseRegisteredForMeeting",
    "CaseRouted",
    "ChildWelfareReportMade",
    "ClosingReason",
    "ConsentExpired",
    "ConsentForm",
    "ConsentGiven",
    "ConsentRefused",
    "ConsentScopeChanged",
    "ConsentWithdrawn",
    "ConsultationHeld",
    "ConsultationOutcome",
    "CoordinatorAssigned",
    "DeviationCategory",
    "DeviationDetected",
    "DeviationFeedbackSent",
    "DeviationReported",
    "DeviationSummarised",
    "EmergencyDisclosureExpired",
    "EmergencyDisclosureRecorded",
    "Envelope",
    "EscalationLevel",
    "EscalationRaised",
    "EscalationResolution",
    "EscalationResolved",
    "EscalationTrack",
    "FollowUpBooked",
    "FollowUpEvaluated",
    "FollowUpResult",
    "HandoverAcknowledged",
    "HandoverAcknowledgementOverdue",
    "HandoverRequested",
    "HoldReason",
    "IntegrationEvent",
    "LegalBasis",
    "MeasureTried",
    "MeetingAbsenceRecorded",
    "MeetingHeld",
    "MeetingKind",
    "MeetingOutcome",
    "MeetingPutOnHold",
    "MeetingResumed",
    "MeetingScheduled",
    "MeetingStage",
    "MonthlyMeetingKind",
    "OrgType",
    "OutgoingMessage",
    "OversizedMessage",
    "ParallelInvestigationOpened",
    "PoisonMessage",
    "PreMeetingHeld",
    "Purpose",
    "RedThreadClosed",
    "RedThreadFollowUpOverdue",
    "RedThreadMeetingOverdue",
    "RedThreadPulled",
    "ResponsibilityTransferred",
    "Role",
    "RoutingReason",
    "SipEstablished",
    "SipFollowUpOverdue",
    "SipFollowUpRecorded",
    "SipProposed",
    "SipProposer",
    "SipRevised",
    "SubjectErased",
    "SubjectEvent",
    "ThreePartyMeetingRequested",
    "UnbornChildDisclosureRecorded",
    "UndecodableMessage",
    "UnitKind",
    "UnknownEventType",
    "decode",
    "dlq_topic",
    "encode",
    "event_class",
    "events_topic",
]
