"""Events the escalation service publishes besides the red thread's: the ladder (E-6) and
its cost responsibility (E-12), the monthly meetings (E-7), acute matters (E-8),
consultations (E-9) and the yearly routine review (E-13).

Any of these may concern one individual or none (an anonymous consultation, a
question of principle, a meeting planned): without a subject, the event's own
id keys the message. As for the red thread (contracts.escalation), payloads
carry ids, codes, timestamps and organisation ids only.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Self
from uuid import UUID

from pydantic import AwareDatetime, Field, StringConstraints, model_validator

from contracts.base import Distinct, HsaId, IntegrationEvent, OrgIds, SubjectId
from contracts.cases import UnitKind
from contracts.escalation import (
    MUNICIPALITY_CODE_PATTERN,
    ConsultationOutcome,
    CostBasis,
    EscalationLevel,
    EscalationResolution,
    EscalationTrack,
    MonthlyMeetingKind,
    OrgList,
)
from contracts.vocabulary import DeviationCategory

# --- events that may concern no one individual ---------------------------------------------


class _MaybeSubjectEvent(IntegrationEvent):
    """An event that concerns one individual or none (an anonymous consultation, a
    question of principle); without a subject its own id keys the message."""

    service: ClassVar[str] = "escalation"
    subject_id: SubjectId | None = None
    """Pseudonymous id of the individual, when the matter concerns one."""

    def subject(self) -> str | None:
        return self.subject_id

    def _own_id(self) -> UUID:
        raise NotImplementedError

    def partition_key(self) -> str:
        return self.subject_id if self.subject_id is not None else str(self._own_id())


class EscalationRaised(_MaybeSubjectEvent):
    """A matter moved one step up a ladder (E-6), or onto its first step.

    Each step names who raised it and when; `responsible_org` is the unit that
    decided the ongoing interventions and stays responsible for them while the
    matter is escalated (seed 003).
    """

    version: ClassVar[int] = 1

    escalation_id: UUID
    track: EscalationTrack
    level: EscalationLevel
    previous_level: EscalationLevel | None
    step: Annotated[int, Field(ge=1)]
    cost_question: bool
    raised_by: HsaId
    raised_by_org: HsaId
    responsible_org: HsaId
    counterpart_orgs: OrgIds
    raised_at: AwareDatetime

    def _own_id(self) -> UUID:
        return self.escalation_id


class EscalationResolved(_MaybeSubjectEvent):
    """An escalated matter was settled at `level` (E-6)."""

    version: ClassVar[int] = 1

    escalation_id: UUID
    track: EscalationTrack
    level: EscalationLevel
    resolution: EscalationResolution
    resolved_by: HsaId
    resolved_at: AwareDatetime

    def _own_id(self) -> UUID:
        return self.escalation_id


class EscalationCostSettled(_MaybeSubjectEvent):
    """The department heads settled who pays, on a cost question at their step (E-6, E-12).

    Seed 003: "Kostnader för behandling av missbruk och beroende beslutas och
    bekostas alltid av IoF. Ett gemensamt kostnadsansvar gäller när boendet har
    insatser från både IoF och ÄoF". `basis` says which of these applies (or
    neither, `other`); `payers` the departments that pay: IoF alone for addiction
    treatment, IoF and ÄoF together for housing with interventions from both.
    Why, in words, stays in the escalation service.
    """

    version: ClassVar[int] = 1

    escalation_id: UUID
    basis: CostBasis
    payers: Annotated[
        tuple[UnitKind, ...],
        Field(min_length=1, max_length=2, json_schema_extra={"uniqueItems": True}),
        Distinct,
    ]
    settled_by: HsaId
    settled_by_org: HsaId
    settled_at: AwareDatetime

    def _own_id(self) -> UUID:
        return self.escalation_id


class CaseRegisteredForMeeting(_MaybeSubjectEvent):
    """A deputy unit manager registered a case for a monthly meeting in time (E-7).

    The registration's name, age, background, situation and question are
    personal data and free text: they stay in the escalation service.
    """

    version: ClassVar[int] = 1

    registration_id: UUID
    meeting_id: UUID
    meeting_kind: MonthlyMeetingKind
    meeting_at: AwareDatetime
    registering_org: HsaId
    registered_by: HsaId
    summoned_orgs: OrgIds
    registered_at: AwareDatetime

    def _own_id(self) -> UUID:
        return self.registration_id


class ConsultationHeld(_MaybeSubjectEvent):
    """A unit consulted others about a case (E-9): named (with a subject) or anonymous
    (`subject_id` absent: nothing identifies the individual, not even to escalation)."""

    version: ClassVar[int] = 1

    consultation_id: UUID
    consulting_org: HsaId
    consulted_orgs: OrgIds
    meeting_id: UUID | None = None
    """The monthly collaboration meeting it was held at, if any."""
    outcome: ConsultationOutcome
    held_at: AwareDatetime
    recorded_by: HsaId

    @model_validator(mode="after")
    def _consults_others(self) -> Self:
        if self.consulting_org in self.consulted_orgs:
            raise ValueError("consulted_orgs must not include the consulting unit")
        return self

    def _own_id(self) -> UUID:
        return self.consultation_id


class AcuteMatterRaised(_MaybeSubjectEvent):
    """An acute matter was sent straight to another unit's deputy unit manager (E-8): the
    receiving unit, `to_org`, must act on it now. What is asked stays in the escalation
    service (free text); the receiving deputy reads it there."""

    version: ClassVar[int] = 1

    acute_matter_id: UUID
    from_org: HsaId
    to_org: HsaId
    raised_by: HsaId
    raised_at: AwareDatetime

    def _own_id(self) -> UUID:
        return self.acute_matter_id


class AcuteMatterTaken(_MaybeSubjectEvent):
    """The receiving unit's deputy unit manager took the acute matter (E-8)."""

    version: ClassVar[int] = 1

    acute_matter_id: UUID
    taken_by: HsaId
    taken_at: AwareDatetime

    def _own_id(self) -> UUID:
        return self.acute_matter_id


class MonthlyMeetingPlanned(IntegrationEvent):
    """A forum's monthly meeting was planned (E-7): its members' deputy unit managers may
    register cases until `registration_cutoff`. About no one individual."""

    service: ClassVar[str] = "escalation"
    version: ClassVar[int] = 1

    meeting_id: UUID
    series_id: UUID
    meeting_kind: MonthlyMeetingKind
    starts_at: AwareDatetime
    registration_cutoff: AwareDatetime
    members: OrgIds
    inventory: bool
    """A termly inventory meeting: the units bring their age transitions (E-7, K-4)."""

    def subject(self) -> None:
        return None

    def partition_key(self) -> str:
        return str(self.meeting_id)


class MonthlyMeetingMoved(IntegrationEvent):
    """A monthly meeting moved to a new time in its month (W-2): its members' calendars move
    it from `previous_starts_at` to `starts_at`, and cases are registered until the new
    `registration_cutoff` (E-7). The cases already registered stay. Why it moved is free
    text and stays in the escalation service. About no one individual."""

    service: ClassVar[str] = "escalation"
    version: ClassVar[int] = 1

    meeting_id: UUID
    starts_at: AwareDatetime
    previous_starts_at: AwareDatetime
    registration_cutoff: AwareDatetime
    members: OrgIds
    moved_by: HsaId
    moved_at: AwareDatetime

    def subject(self) -> None:
        return None

    def partition_key(self) -> str:
        return str(self.meeting_id)


class MonthlyMeetingCancelled(IntegrationEvent):
    """The monthly meeting at `starts_at` was cancelled (W-2): it will not take place and
    takes no more registrations; the forum's next meeting is planned as usual. Why is free
    text and stays in the escalation service. About no one individual."""

    service: ClassVar[str] = "escalation"
    version: ClassVar[int] = 1

    meeting_id: UUID
    starts_at: AwareDatetime
    members: OrgIds
    cancelled_by: HsaId
    cancelled_at: AwareDatetime

    def subject(self) -> None:
        return None

    def partition_key(self) -> str:
        return str(self.meeting_id)


class _RoutineReviewEvent(IntegrationEvent):
    """The yearly routine review of one municipality (E-13): about no one individual."""

    service: ClassVar[str] = "escalation"

    review_id: UUID
    municipality_code: Annotated[str, StringConstraints(pattern=MUNICIPALITY_CODE_PATTERN)]
    year: Annotated[int, Field(ge=2000, le=2200)]

    def subject(self) -> None:
        return None

    def partition_key(self) -> str:
        return str(self.review_id)


class RoutineReviewScheduled(_RoutineReviewEvent):
    """The departments' yearly meeting on the routine was scheduled (E-13, seed 003: "En gång
    per år ska avdelningarna … träffas i syfte att förankra, revidera och levandegöra
    rutinen"): the heads of the `members` departments hold it at `starts_at`. One a
    municipality a year."""

    version: ClassVar[int] = 1

    starts_at: AwareDatetime
    members: OrgIds
    scheduled_by: HsaId
    scheduled_at: AwareDatetime


class RoutineReviewHeld(_RoutineReviewEvent):
    """The yearly routine review was held (E-13): who came, who was absent, and how many
    revisions of the routine its minutes record. The minutes themselves are free text and
    stay in the escalation service."""

    version: ClassVar[int] = 1

    present_orgs: OrgIds
    absent_orgs: tuple[HsaId, ...]
    revisions: Annotated[int, Field(ge=0)]
    recorded_by: HsaId
    held_at: AwareDatetime


class MonthlyMeetingAbsenceRecorded(IntegrationEvent):
    """Units summoned to a monthly meeting did not come (E-7: the alignment meeting is
    mandatory for all members, a collaboration meeting for the units summoned).

    A collaboration failure in its own right (D-7, "routines not followed"), so it
    carries the deviation category reporting counts it under, as a red-thread
    absence (`MeetingAbsenceRecorded`) does. Published only when someone was absent.
    About no one individual."""

    service: ClassVar[str] = "escalation"
    version: ClassVar[int] = 1

    meeting_id: UUID
    absent_orgs: OrgIds
    present_orgs: OrgList
    category: DeviationCategory
    recorded_by: HsaId
    recorded_at: AwareDatetime

    def subject(self) -> None:
        return None

    def partition_key(self) -> str:
        return str(self.meeting_id)


__all__ = [
    "AcuteMatterRaised",
    "AcuteMatterTaken",
    "CaseRegisteredForMeeting",
    "ConsultationHeld",
    "EscalationCostSettled",
    "EscalationRaised",
    "EscalationResolved",
    "MonthlyMeetingAbsenceRecorded",
    "MonthlyMeetingCancelled",
    "MonthlyMeetingMoved",
    "MonthlyMeetingPlanned",
    "RoutineReviewHeld",
    "RoutineReviewScheduled",
]
