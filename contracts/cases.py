"""Events the cases service publishes: routing, decisions, age transitions, handovers,
child-welfare reports (the SIP's and the meetings' are in `contracts.cases_plans`).

Payloads carry only ids, codes, dates and organisation ids; case content
(needs, handover texts, plans) stays in the cases service and is read
through its API.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field, StringConstraints

from contracts.base import HsaId, IntegrationEvent, SubjectEvent, SubjectId
from contracts.escalation import MUNICIPALITY_CODE_PATTERN
from contracts.vocabulary import (
    OrgType,
    ScreeningInstrument,
    ScreeningOccasion,
    ScreeningOutcome,
    TargetGroup,
)


class UnitKind(StrEnum):
    """The municipality's two social-services departments (seed 003).

    `IOF` (individ och familj): children & youth, addiction, economic aid,
    relationship violence. `AOF` (äldre, funktionsnedsättning, psykisk ohälsa):
    elderly, disability, mental illness.
    """

    IOF = "IOF"
    AOF = "AOF"


class RoutingReason(StrEnum):
    """Why a report or application went where it went (K-1, K-2)."""

    CHILD_AND_YOUTH = "child_and_youth"
    """Under 19 on the day it arrived: child & youth at IOF (K-1, read with K-4)."""
    CHILD_AOF_NEED = "child_aof_need"
    """Under 19 and new, with only AOF needs (disability, mental illness): AOF (K-1)."""
    ADULT_MAIN_RULE = "adult_main_rule"
    """19 or older and previously unknown: AOF (K-1 main rule)."""
    ADULT_IOF_NEED = "adult_iof_need"
    """19 or older with a clear misuse, economic-aid or relationship-violence need: IOF (K-1)."""
    RETURNING_CHILD_CASE = "returning_child_case"
    """A previously known child & youth case, still under 19: back to IOF (K-2)."""


class CaseDecision(StrEnum):
    """Kinds of decision a unit takes in a case; the decision text stays in the service."""

    INVESTIGATION_OPENED = "investigation_opened"
    INVESTIGATION_COMPLETED = "investigation_completed"
    INTERVENTION_GRANTED = "intervention_granted"
    INTERVENTION_REFUSED = "intervention_refused"
    INTERVENTION_CHANGED = "intervention_changed"
    INTERVENTION_ENDED = "intervention_ended"


class ClosingReason(StrEnum):
    """Why a case was closed."""

    NEEDS_MET = "needs_met"
    DECLINED_BY_INDIVIDUAL = "declined_by_individual"
    MOVED_AWAY = "moved_away"
    OTHER = "other"


class SipProposer(StrEnum):
    """Who proposed the coordinated individual plan (K-6, seed 004)."""

    INDIVIDUAL = "individual"
    GUARDIAN = "guardian"
    SCHOOL = "school"
    REGION = "region"
    MUNICIPALITY = "municipality"


class MeetingKind(StrEnum):
    """Meetings between units about one individual (K-8, K-9, seed 003)."""

    THREE_PARTY = "three_party"
    """Two caseworkers and the individual (trepartsmöte)."""
    CARE_PLANNING = "care_planning"
    """Vårdplaneringsmöte: information only, no decisions (K-9)."""
    CARE_PLANNING_FOLLOW_UP = "care_planning_follow_up"
    """The follow-up planned close to a care-planning meeting (K-9)."""


class CaseMeetingOutcome(StrEnum):
    """What came out of a meeting held (K-8, K-9, seed 003), as one code per occasion.

    A three-party meeting offers the individual information and makes an application
    possible; a care-planning meeting only exchanges information (no decisions, K-9);
    its follow-up looks over any shared responsibility. A question the caseworkers
    cannot settle goes to the deputy unit managers' cooperation meeting.
    """

    INFORMATION_GIVEN = "information_given"
    """K-8: the individual was told of the other unit's support and made no application."""
    APPLICATION_MADE = "application_made"
    """K-8: the individual applied to the other unit (ansökningsförfarande)."""
    INFORMATION_EXCHANGED = "information_exchanged"
    """K-9: information exchanged and the situation gone through; nothing decided."""
    JOINT_RESPONSIBILITY = "joint_responsibility"
    """K-9 follow-up: both departments take part (gemensamt ansvar)."""
    SINGLE_RESPONSIBILITY = "single_responsibility"
    """K-9 follow-up: one unit carries on alone; no shared responsibility."""
    RAISED_TO_DEPUTY_MANAGERS = "raised_to_deputy_managers"
    """Not solved at caseworker level: raised to the deputy unit managers (seed 003)."""


class CasesEvent(SubjectEvent):
    """An event the cases service publishes about one individual: `service` said once."""

    service: ClassVar[str] = "cases"


class CaseOpened(CasesEvent):
    """A unit opened a case for the individual (K-1, K-2)."""

    version: ClassVar[int] = 1

    case_id: UUID
    unit: HsaId
    """The organisation unit that holds the case."""
    unit_kind: UnitKind
    child_and_youth: bool
    """Opened at IOF before the individual turned 19: age transitions apply (K-4)."""
    opened_at: AwareDatetime


class CaseRouted(CasesEvent):
    """The routing decision for a new report or application, with its rule and reason."""

    version: ClassVar[int] = 1

    case_id: UUID
    unit_kind: UnitKind
    rule: Literal["K-1", "K-2"]
    reason: RoutingReason
    received_at: AwareDatetime
    """When the report or application arrived: the day age is counted on."""


class CaseArrivalCorrected(CasesEvent):
    """When the report or application arrived was mistyped and is corrected (W-2): the
    case's `CaseRouted.received_at` reads `received_at` from now on. The routing stands
    (a correction that would move the case is refused, K-1); why is free text and stays
    in the cases service, as do the needs, corrected or not."""

    version: ClassVar[int] = 1

    case_id: UUID
    unit: HsaId
    """The unit that holds the case and corrected it."""
    received_at: AwareDatetime
    previous_received_at: AwareDatetime
    corrected_at: AwareDatetime
    corrected_by: HsaId


class ParallelInvestigationOpened(CasesEvent):
    """The needs span both departments: a second unit investigates in parallel (K-1)."""

    version: ClassVar[int] = 1

    case_id: UUID
    parallel_to: UUID
    """The case the routing decision opened first."""
    unit: HsaId
    unit_kind: UnitKind
    opened_at: AwareDatetime


class CaseDecisionNotified(CasesEvent):
    """A unit's decision that may affect other units' planning reaches them (K-3)."""

    version: ClassVar[int] = 1

    case_id: UUID
    unit: HsaId
    """The deciding unit."""
    decision: CaseDecision
    decided_at: AwareDatetime
    notified_units: tuple[HsaId, ...]
    """Units with an open case for the same individual."""


TargetGroups = Annotated[tuple[TargetGroup, ...], Field(max_length=len(TargetGroup))]
"""The case's current target groups (D-6), sorted, each once; empty when none applies."""


class CaseTargetGroupsChanged(CasesEvent):
    """The target groups of a case, as first set when it opened or as a caseworker
    changed them (D-6). Carries the whole current set, not the difference, so a
    consumer keeps only the latest; every later event of the subject on this
    topic follows it in order (same key)."""

    version: ClassVar[int] = 1

    case_id: UUID
    unit: HsaId
    municipality_code: Annotated[str, StringConstraints(pattern=MUNICIPALITY_CODE_PATTERN)]
    target_groups: TargetGroups
    changed_at: AwareDatetime


class CaseDecisionRecorded(CasesEvent):
    """Every decision a unit records in a case, with whether the child perspective was
    considered (D-6 quality). Unlike `CaseDecisionNotified` (K-3, only when others'
    planning is affected) it is published for each decision, for statistics."""

    version: ClassVar[int] = 1

    case_id: UUID
    unit: HsaId
    decision: CaseDecision
    decided_at: AwareDatetime
    child_perspective_considered: bool
    children_in_household: bool | None
    """For an adult's case: are there children in the household. None for a child's."""
    target_groups: TargetGroups


class ScreeningRecorded(CasesEvent):
    """An AUDIT or DUDIT screening was offered at a new visit or at its follow-up, and
    done or declined (D-6 prevention). The fact only: answers and score stay sealed in
    the cases service, if kept at all."""

    version: ClassVar[int] = 1

    screening_id: UUID
    instrument: ScreeningInstrument
    occasion: ScreeningOccasion
    outcome: ScreeningOutcome
    screened_on: date
    """The Swedish day of the visit."""
    org_type: OrgType
    """The kind of organisation that screened."""
    follows_up: UUID | None
    """The new-visit screening this follows up; None at a new visit."""
    target_groups: TargetGroups
    recorded_at: AwareDatetime


class CaseClosed(CasesEvent):
    """A unit closed its case; other units with open cases are told (K-3)."""

    version: ClassVar[int] = 1

    case_id: UUID
    unit: HsaId
    reason: ClosingReason
    closed_at: AwareDatetime
    notified_units: tuple[HsaId, ...]


class AgeTransitionDue(CasesEvent):
    """A child & youth case must now be announced to the adult unit (K-4, seed 003).

    Raised a configurable lead time (30 days by default) before the announcement
    date `announce_by`, six months before `transition_on` (the 19th birthday, or
    the 21st when placed by family care). Escalation's
    termly alignment meeting lists these as upcoming transfers (E-7).
    """

    version: ClassVar[int] = 1

    case_id: UUID
    unit: HsaId
    """The organisation unit that holds the case now."""
    transition_on: date
    announce_by: date
    due_at: AwareDatetime


class AgeTransitionOverdue(CasesEvent):
    """A child & youth case was not announced by its announcement date (K-4, D-7)."""

    version: ClassVar[int] = 1

    case_id: UUID
    unit: HsaId
    transition_on: date
    announce_by: date
    overdue_at: AwareDatetime


class AgeTransitionAnnounced(CasesEvent):
    """The youth unit announced a child & youth case to the unit that takes over at the
    birthday (K-4, seed 003): `to_unit` plans the takeover and decides in the case from
    `transition_on`. Escalation's termly alignment meeting lists it among the upcoming
    known transfers (E-7). Without continued support after the birthday there is
    nothing to take over."""

    version: ClassVar[int] = 1

    case_id: UUID
    from_unit: HsaId
    """The announcing (sending) unit, which holds the case until the birthday."""
    to_unit: HsaId
    """The receiving unit."""
    municipality_code: Annotated[str, StringConstraints(pattern=MUNICIPALITY_CODE_PATTERN)]
    transition_on: date
    """The 19th birthday, or the 21st when placed by family care."""
    continued_support_needed: bool
    announced_at: AwareDatetime


class HandoverRequested(CasesEvent):
    """A unit handed a case over to another unit, on the individual's consent (K-5, C-8)."""

    version: ClassVar[int] = 1

    case_id: UUID
    handover_id: UUID
    from_unit: HsaId
    to_unit: HsaId
    consent_id: UUID
    """The `case_handover` consent covering both units (C-8, C-9)."""
    requested_at: AwareDatetime
    acknowledge_by: date
    """Last working day for the receiving unit to acknowledge receipt."""


class HandoverAcknowledged(CasesEvent):
    """The receiving unit confirmed receipt and appointed a caseworker (K-5)."""

    version: ClassVar[int] = 1

    case_id: UUID
    handover_id: UUID
    to_unit: HsaId
    receiving_caseworker: HsaId
    acknowledged_at: AwareDatetime


class ResponsibilityTransferred(CasesEvent):
    """Responsibility for the case moved to the receiving unit (K-5)."""

    version: ClassVar[int] = 1

    case_id: UUID
    handover_id: UUID
    from_unit: HsaId
    to_unit: HsaId
    transferred_at: AwareDatetime


class HandoverDeclined(CasesEvent):
    """The receiving unit declined a handover before acknowledging it (W-2, K-5): the case
    stays with `from_unit`, which may hand it over anew. Why is free text and stays in
    the cases service."""

    version: ClassVar[int] = 1

    case_id: UUID
    handover_id: UUID
    from_unit: HsaId
    to_unit: HsaId
    declined_at: AwareDatetime
    declined_by: HsaId


class HandoverWithdrawn(CasesEvent):
    """The sending unit withdrew a handover before responsibility transferred (W-2, K-5):
    the case stays with `from_unit`; `to_unit` need not acknowledge it. Why is free text
    and stays in the cases service."""

    version: ClassVar[int] = 1

    case_id: UUID
    handover_id: UUID
    from_unit: HsaId
    to_unit: HsaId
    withdrawn_at: AwareDatetime
    withdrawn_by: HsaId


class HandoverAcknowledgementOverdue(CasesEvent):
    """The receiving unit did not acknowledge a handover in time (K-5, D-7)."""

    version: ClassVar[int] = 1

    case_id: UUID
    handover_id: UUID
    from_unit: HsaId
    to_unit: HsaId
    acknowledge_by: date
    overdue_at: AwareDatetime


class ChildWelfareReportMade(IntegrationEvent):
    """Someone working with children reported to social services that a child may be
    harmed (SoL 14:1, K-10), to the municipality where the child lives.

    For statistics only: who the child is, what was seen and who saw it stay
    out. The child may be unknown by number, so `subject_id` is optional;
    without it the report id keys the message.
    """

    service: ClassVar[str] = "cases"
    version: ClassVar[int] = 1

    report_id: UUID
    subject_id: SubjectId | None = None
    municipality_code: Annotated[str, StringConstraints(pattern=MUNICIPALITY_CODE_PATTERN)]
    """Kommunkod of the municipality the report went to."""
    reporter_org_type: OrgType
    reported_at: AwareDatetime

    def subject(self) -> str | None:
        return self.subject_id

    def partition_key(self) -> str:
        return self.subject_id if self.subject_id is not None else str(self.report_id)


class ChildWelfareReportAcknowledged(IntegrationEvent):
    """The child & youth unit of the child's municipality acknowledged a child-welfare
    report (K-10); for a child known by number, with the case it opened or joined."""

    service: ClassVar[str] = "cases"
    version: ClassVar[int] = 1

    report_id: UUID
    subject_id: SubjectId | None = None
    municipality_code: Annotated[str, StringConstraints(pattern=MUNICIPALITY_CODE_PATTERN)]
    unit: HsaId
    """The receiving unit that acknowledged it."""
    case_id: UUID | None = None
    acknowledged_at: AwareDatetime

    def subject(self) -> str | None:
        return self.subject_id

    def partition_key(self) -> str:
        return self.subject_id if self.subject_id is not None else str(self.report_id)


__all__ = [
    "AgeTransitionAnnounced",
    "AgeTransitionDue",
    "AgeTransitionOverdue",
    "CaseArrivalCorrected",
    "CaseClosed",
    "CaseDecision",
    "CaseDecisionNotified",
    "CaseDecisionRecorded",
    "CaseMeetingOutcome",
    "CaseOpened",
    "CaseRouted",
    "CaseTargetGroupsChanged",
    "ChildWelfareReportAcknowledged",
    "ChildWelfareReportMade",
    "ClosingReason",
    "HandoverAcknowledged",
    "HandoverAcknowledgementOverdue",
    "HandoverDeclined",
    "HandoverRequested",
    "HandoverWithdrawn",
    "MeetingKind",
    "ParallelInvestigationOpened",
    "ResponsibilityTransferred",
    "RoutingReason",
    "ScreeningRecorded",
    "SipProposer",
    "UnitKind",
]
