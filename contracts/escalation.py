"""Events the escalation service publishes: the red thread, the ladder, the monthly meetings.

Payloads carry ids, codes, timestamps and organisation ids only. What was said
at a meeting, why a matter was escalated, and the name and age on a case
registration are free text or personal data: they stay in the escalation
service's store and are read through its API.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import AwareDatetime, Field, StringConstraints

from contracts.base import (
    Distinct,
    HsaId,
    OrgIds,
    SubjectEvent,
)
from contracts.vocabulary import DeviationCategory, LegalBasis, OrgType


class MeasureTried(StrEnum):
    """Measures tried before the red thread was pulled (E-2)."""

    SIP = "sip"
    CARE_PLANNING = "care_planning"
    THREE_PARTY_MEETING = "three_party_meeting"
    OTHER = "other"


MUNICIPALITY_CODE_PATTERN = r"^[0-9]{4}$"
"""Swedish kommunkod, e.g. "0180" (Stockholm): where the individual's case belongs."""

OrgList = Annotated[tuple[HsaId, ...], Field(json_schema_extra={"uniqueItems": True}), Distinct]
"""Organisation units, possibly none (e.g. nobody absent)."""


class MeetingStage(StrEnum):
    """Which of a red thread's two meetings an event is about (E-3, E-5)."""

    MEETING = "meeting"
    FOLLOW_UP = "follow_up"


class HoldReason(StrEnum):
    """Why a red-thread meeting lost its legal basis after it was scheduled (E-4)."""

    CONSENT_WITHDRAWN = "consent_withdrawn"
    CONSENT_EXPIRED = "consent_expired"
    CONSENT_SCOPE_NARROWED = "consent_scope_narrowed"
    EMERGENCY_DISCLOSURE_EXPIRED = "emergency_disclosure_expired"


class MeetingOutcome(StrEnum):
    """What the red-thread meeting came to (seed 000: concrete solutions)."""

    SOLUTIONS_AGREED = "solutions_agreed"
    PARTLY_AGREED = "partly_agreed"
    NOT_AGREED = "not_agreed"


class FollowUpResult(StrEnum):
    """How the individual's situation stood at the follow-up evaluation (E-5)."""

    RESOLVED = "resolved"
    IMPROVED = "improved"
    UNCHANGED = "unchanged"
    WORSENED = "worsened"


class EscalationTrack(StrEnum):
    """The two ladders of E-6: a question about the individual's needs (seed 003), or a
    dispute over which organisation is responsible (seed 004)."""

    NEEDS = "needs"
    RESPONSIBILITY_DISPUTE = "responsibility_dispute"


class EscalationLevel(StrEnum):
    """The steps of both ladders (E-6), lowest first within each track."""

    CASEWORKER = "caseworker"
    DEPUTY_UNIT_MANAGER = "deputy_unit_manager"
    UNIT_MANAGER = "unit_manager"
    DEPARTMENT_HEAD = "department_head"
    LINE_ORGANISATION = "line_organisation"
    HIGHER_MANAGEMENT = "higher_management"
    LOCAL_COLLABORATION_BODY = "local_collaboration_body"
    COUNTY_COLLABORATION_BODY = "county_collaboration_body"


class EscalationResolution(StrEnum):
    """How an escalated matter ended (E-6)."""

    AGREED = "agreed"
    DECIDED = "decided"
    WITHDRAWN = "withdrawn"


class CostBasis(StrEnum):
    """Which part of E-12 (seed 003) a cost question on the ladder was settled under."""

    ADDICTION_TREATMENT = "addiction_treatment"
    """Behandling av missbruk och beroende: always decided and paid by IoF."""
    SHARED_HOUSING = "shared_housing"
    """Boende med insatser från både IoF och ÄoF: gemensamt kostnadsansvar."""
    OTHER = "other"
    """Anything else: the department heads name the payer."""


class MonthlyMeetingKind(StrEnum):
    """The two alternating monthly meetings of deputy unit managers (E-7, seed 003)."""

    ALIGNMENT = "alignment"
    COLLABORATION = "collaboration"


class ConsultationOutcome(StrEnum):
    """What a consultation decided about how the matter is handled from now on (E-9)."""

    STAYS_WITH_CURRENT_UNIT = "stays_with_current_unit"
    PARALLEL_INVESTIGATION = "parallel_investigation"
    TRANSFER_PROPOSED = "transfer_proposed"
    THREE_PARTY_MEETING = "three_party_meeting"


class _EscalationEvent(SubjectEvent):
    """An event the escalation service publishes about one individual: `service` said once."""

    service: ClassVar[str] = "escalation"


# --- the red thread (E-1..E-5) ------------------------------------------------------------


class RedThreadPulled(_EscalationEvent):
    """A blue-light service pulled the red thread: emergency escalation (E-1, E-2).

    Who may pull (E-1) is the escalation service's rule, not the contract's: the
    event records the puller's organisation type so consumers can see it.
    """

    version: ClassVar[int] = 1

    red_thread_id: UUID
    pulled_at: AwareDatetime
    pulled_by: HsaId
    pulled_by_org_type: OrgType
    measures_tried: Annotated[
        tuple[MeasureTried, ...],
        Field(min_length=1, json_schema_extra={"uniqueItems": True}),
        Distinct,
    ]
    burdened_orgs: OrgIds
    """HSA-ids of the organisations unreasonably burdened (E-2)."""
    municipality_code: Annotated[str, StringConstraints(pattern=MUNICIPALITY_CODE_PATTERN)]


class CoordinatorAssigned(_EscalationEvent):
    """A coordinator at the coordination office (Närvårdskontoret) took the red thread (E-3)."""

    version: ClassVar[int] = 1

    red_thread_id: UUID
    coordinator: HsaId
    assigned_by: HsaId
    assigned_at: AwareDatetime


class MeetingScheduled(_EscalationEvent):
    """The coordinator convened the red-thread meeting (E-3) on a legal basis (E-4, C-9).

    `basis_id` is the consent id or emergency disclosure id the meeting relies on.
    """

    version: ClassVar[int] = 1

    red_thread_id: UUID
    meeting_at: AwareDatetime
    invited_orgs: OrgIds
    legal_basis: LegalBasis
    basis_id: UUID
    """Id of the consent or emergency disclosure that `legal_basis` refers to."""
    scheduled_by: HsaId


class MeetingPutOnHold(_EscalationEvent):
    """A scheduled meeting or follow-up lost its legal basis (E-4): it may not go ahead.

    `basis_id` is the consent or emergency disclosure that ended; `held_since`
    is when it ended (the withdrawal or expiry), not when escalation heard of it.
    """

    version: ClassVar[int] = 1

    red_thread_id: UUID
    stage: MeetingStage
    meeting_at: AwareDatetime
    reason: HoldReason
    basis_id: UUID
    held_since: AwareDatetime


class MeetingResumed(_EscalationEvent):
    """A meeting on hold has a legal basis again (E-4, C-5): a new consent or an
    emergency disclosure covering everyone invited at the meeting's time."""

    version: ClassVar[int] = 1

    red_thread_id: UUID
    stage: MeetingStage
    meeting_at: AwareDatetime
    legal_basis: LegalBasis
    basis_id: UUID
    resumed_at: AwareDatetime


class MeetingBasisReplaced(_EscalationEvent):
    """The legal basis a scheduled meeting or follow-up relied on ended, and another one
    covers everyone invited (E-4, C-9): it goes ahead on `basis_id` instead of
    `replaced_basis_id` (a consent withdrawn while an emergency disclosure holds, say).
    Nothing changes for the invited; the switch is published so partners and reporting
    see which basis each meeting relied on, and when."""

    version: ClassVar[int] = 1

    red_thread_id: UUID
    stage: MeetingStage
    legal_basis: LegalBasis
    basis_id: UUID
    """The consent or emergency disclosure the meeting relies on from now on."""
    replaced_basis_id: UUID
    """The consent or emergency disclosure that ended."""
    replaced_at: AwareDatetime


class MeetingHeld(_EscalationEvent):
    """The red-thread meeting took place (E-3): who attended, who did not, the outcome."""

    version: ClassVar[int] = 1

    red_thread_id: UUID
    meeting_at: AwareDatetime
    attended_orgs: OrgList
    absent_orgs: OrgList
    outcome: MeetingOutcome
    legal_basis: LegalBasis
    basis_id: UUID
    recorded_by: HsaId


class MeetingAbsenceRecorded(_EscalationEvent):
    """A summoned organisation did not attend (E-3: summoned parties must attend).

    A collaboration failure in its own right (D-7, "routines not followed"),
    so it carries the deviation category reporting counts it under.
    """

    version: ClassVar[int] = 1

    red_thread_id: UUID
    stage: MeetingStage
    meeting_at: AwareDatetime
    absent_org: HsaId
    category: DeviationCategory
    recorded_by: HsaId


class FollowUpBooked(_EscalationEvent):
    """A follow-up and evaluation was booked after the meeting (E-5), on a legal basis (E-4)."""

    version: ClassVar[int] = 1

    red_thread_id: UUID
    follow_up_at: AwareDatetime
    invited_orgs: OrgIds
    legal_basis: LegalBasis
    basis_id: UUID
    booked_by: HsaId


class FollowUpEvaluated(_EscalationEvent):
    """The follow-up was held and the outcome of the red thread evaluated (E-5)."""

    version: ClassVar[int] = 1

    red_thread_id: UUID
    follow_up_at: AwareDatetime
    attended_orgs: OrgList
    absent_orgs: OrgList
    result: FollowUpResult
    recorded_by: HsaId


class RedThreadClosed(_EscalationEvent):
    """The red thread is closed, after its follow-up was evaluated (E-5)."""

    version: ClassVar[int] = 1

    red_thread_id: UUID
    closed_at: AwareDatetime
    closed_by: HsaId


class RedThreadMeetingMoved(_EscalationEvent):
    """The meeting or the follow-up (`stage`) moved to a new time (W-2), on a legal basis
    holding then (E-4): calendars move the entry from `previous_meeting_at` to
    `meeting_at`. Why it moved is free text and stays in the escalation service."""

    version: ClassVar[int] = 1

    red_thread_id: UUID
    stage: MeetingStage
    meeting_at: AwareDatetime
    previous_meeting_at: AwareDatetime
    invited_orgs: OrgIds
    """The organisations summoned to it (E-3): they attend at the new time."""
    legal_basis: LegalBasis
    basis_id: UUID
    moved_by: HsaId
    moved_at: AwareDatetime


class RedThreadMeetingCancelled(_EscalationEvent):
    """The meeting or the follow-up (`stage`) at `meeting_at` was cancelled (W-2): it will
    not take place. It may be scheduled (booked) again, a `MeetingScheduled`
    (`FollowUpBooked`) of its own; until then a meeting's 14-day deadline stands unmet
    (E-3). Why is free text and stays in the escalation service."""

    version: ClassVar[int] = 1

    red_thread_id: UUID
    stage: MeetingStage
    meeting_at: AwareDatetime
    invited_orgs: OrgIds
    """The organisations that were summoned to it (E-3): they need not come."""
    cancelled_by: HsaId
    cancelled_at: AwareDatetime


class RedThreadClosedEarly(_EscalationEvent):
    """The red thread was closed before its follow-up was evaluated (W-2, E-5), with a
    reason (the individual moved away, say) that stays in the escalation service.

    A thread closed after its evaluation is `RedThreadClosed`; either ends it.
    """

    version: ClassVar[int] = 1

    red_thread_id: UUID
    closed_at: AwareDatetime
    closed_by: HsaId
    meeting_held: bool
    """Whether the red-thread meeting (E-3) had taken place by then."""


class RedThreadMeetingOverdue(_EscalationEvent):
    """Fourteen calendar days passed without the red-thread meeting (E-3, D-7).

    `overdue_at` is the first instant after `meeting_deadline` in Europe/Stockholm.
    """

    version: ClassVar[int] = 1

    red_thread_id: UUID
    meeting_deadline: date
    overdue_at: AwareDatetime
    concerned_orgs: OrgIds
    """The puller, the burdened organisations and anyone already invited."""


class RedThreadFollowUpOverdue(_EscalationEvent):
    """The follow-up's day passed without an evaluation (E-5, D-7).

    `overdue_at` is the first instant after the follow-up's date in Europe/Stockholm.
    """

    version: ClassVar[int] = 1

    red_thread_id: UUID
    follow_up_at: AwareDatetime
    overdue_at: AwareDatetime
    concerned_orgs: OrgIds


__all__ = [
    "MUNICIPALITY_CODE_PATTERN",
    "ConsultationOutcome",
    "CoordinatorAssigned",
    "CostBasis",
    "EscalationLevel",
    "EscalationResolution",
    "EscalationTrack",
    "FollowUpBooked",
    "FollowUpEvaluated",
    "FollowUpResult",
    "HoldReason",
    "MeasureTried",
    "MeetingAbsenceRecorded",
    "MeetingBasisReplaced",
    "MeetingHeld",
    "MeetingOutcome",
    "MeetingPutOnHold",
    "MeetingResumed",
    "MeetingScheduled",
    "MeetingStage",
    "MonthlyMeetingKind",
    "RedThreadClosed",
    "RedThreadClosedEarly",
    "RedThreadFollowUpOverdue",
    "RedThreadMeetingCancelled",
    "RedThreadMeetingMoved",
    "RedThreadMeetingOverdue",
    "RedThreadPulled",
]
