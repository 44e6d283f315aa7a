"""A case (ärende) at one unit: routing, decisions, closing, age transition and handover.

K-1..K-5 (seed 003), D-6 (seed 004). One aggregate per case, so the rules that tie these
together hold in one place: interventions only by the responsible unit until
responsibility has transferred (K-5); no age-transition reminders once the case is
announced, transferred or closed (K-4); the target groups and the child perspective
on every decision (D-6). Pure domain: no I/O, no clock.

This module holds the opening and the case's events. What may happen after the
opening is one module per concept, each a part of `Case` with the functions that
apply its events: `case_decisions` (K-3), `case_target_groups` (D-6),
`case_transitions` (K-4), `case_handovers` (K-5), `case_corrections` (W-2),
`case_reports` (K-1: a report joining the open case) and `case_deadlines`;
`case_state` is the case as they see it. Stored events name their class by topic,
``services.cases.domain.case:Case.<Event>``: declared here, on the aggregate, and
bound here to what applies them, so that name stays theirs.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar
from uuid import UUID

from contracts import UnitKind
from services.cases.domain.case_corrections import CaseCorrections, facts_corrected
from services.cases.domain.case_deadlines import (
    CaseDeadlines,
    acknowledgement_overdue_raised,
    age_transition_due_raised,
    age_transition_overdue_raised,
)
from services.cases.domain.case_decisions import (
    CaseDecisions,
    closed,
    decision_notified,
    decision_recorded,
    decision_told,
)
from services.cases.domain.case_handovers import (
    CaseHandovers,
    handover_acknowledged,
    handover_declined,
    handover_requested,
    handover_withdrawn,
    responsibility_transferred,
)
from services.cases.domain.case_reports import (
    CaseReports,
    opened_in_parallel,
    report_joined,
    routed,
)
from services.cases.domain.case_target_groups import CaseTargetGroups, target_groups_changed
from services.cases.domain.case_transitions import (
    CaseTransitions,
    age_transition_announced,
    age_transition_scheduled,
    family_care_placement_recorded,
)
from services.cases.domain.dates import TRANSITION_AGE, AgeTransition, age_transition
from services.cases.domain.errors import CaseAlreadyClosed, NotInvolved
from services.cases.domain.handover import Handover, HandoverContent
from services.cases.domain.routing import Routing
from services.cases.domain.target_groups import derived_target_groups
from services.cases.domain.units import Unit
from services.runtime.kernel.aggregate import Aggregate, event
from services.runtime.kernel.personal import OwnedBySubject, Personal


class Case(
    CaseDecisions,
    CaseTargetGroups,
    CaseTransitions,
    CaseHandovers,
    CaseCorrections,
    CaseReports,
    CaseDeadlines,
    Aggregate,
):
    """One case about one individual, held by one unit at a time."""

    class Opened(OwnedBySubject, Aggregate.Created):
        subject_id: str
        unit: str
        unit_kind: str
        municipality_code: str
        opened_at: datetime
        opened_by: str
        received_at: datetime
        needs: list[str]
        child_and_youth: bool
        birth_date: date | None
        placed_by_family_care: bool

    class Routed(Aggregate.Event):
        subject_id: str
        unit_kind: str
        received_at: datetime
        rule: str
        reason: str
        age_on_arrival: int
        arrived_on: date

    class OpenedInParallel(Aggregate.Event):
        subject_id: str
        parallel_to: UUID
        unit: str
        unit_kind: str
        opened_at: datetime

    class AgeTransitionScheduled(Aggregate.Event):
        subject_id: str
        unit: str
        municipality_code: str
        transition_on: date
        announce_by: date
        due_at: datetime
        overdue_at: datetime

    class FamilyCarePlacementRecorded(Aggregate.Event):
        subject_id: str
        recorded_at: datetime
        recorded_by: str

    class AgeTransitionAnnounced(Aggregate.Event):
        """K-4. Version 1 had no sending unit, municipality or birthday: None, never public."""

        class_version = 2

        subject_id: str
        from_unit: str | None
        to_unit: str
        municipality_code: str | None
        transition_on: date | None
        continued_support_needed: bool
        announced_at: datetime
        announced_by: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["from_unit"] = None
            state["municipality_code"] = None
            state["transition_on"] = None

    class AgeTransitionDueRaised(Aggregate.Event):
        subject_id: str
        unit: str
        transition_on: date
        announce_by: date
        due_at: datetime

    class AgeTransitionOverdueRaised(Aggregate.Event):
        subject_id: str
        unit: str
        transition_on: date
        announce_by: date
        overdue_at: datetime

    class TargetGroupsChanged(Aggregate.Event):
        """The case's whole current set (D-6); `derived` is the part its age gave it."""

        subject_id: str
        unit: str
        municipality_code: str
        target_groups: list[str]
        derived: list[str]
        changed_at: datetime
        changed_by: str

    class DecisionRecorded(Aggregate.Event):
        """A decision with its D-6 answers and the case's target groups when it was taken.

        Version 1 (before D-6) had no answers: they read as None and an empty set,
        so old decisions load, and are told apart from new ones, which always
        answer whether the child perspective was considered. Version 3 (K-11)
        carries the decision's number, for the item "tell the individual"; None before.
        """

        class_version = 3

        subject_id: str
        unit: str
        decision: str
        affects_planning: bool
        decided_at: datetime
        decided_by: str
        notified_units: list[str]
        child_perspective_considered: bool | None
        children_in_household: bool | None
        target_groups: list[str]
        number: int | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["child_perspective_considered"] = None
            state["children_in_household"] = None
            state["target_groups"] = []

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state["number"] = None

    class DecisionNotified(Aggregate.Event):
        """K-3: the decision reached the units with open cases for the individual. Its own
        fact (not a part of DecisionRecorded) so each public event has its own place in
        the store, as the relay and its consumers count them."""

        subject_id: str
        unit: str
        decision: str
        decided_at: datetime
        notified_units: list[str]

    class DecisionTold(Aggregate.Event):
        """K-11: the deciding unit told the individual of decision `number`, when and how."""

        subject_id: str
        number: int
        unit: str
        decision: str
        decided_at: datetime
        told_at: datetime
        manner: str
        recorded_at: datetime
        recorded_by: str

    class HandoverRequested(Aggregate.Event):
        subject_id: str
        handover_id: UUID
        from_unit: str
        to_unit: str
        to_unit_kind: str
        consent_id: UUID
        content: dict[str, Any]
        requested_at: datetime
        requested_by: str
        acknowledge_by: date
        overdue_at: datetime

        legacy_personal: ClassVar[tuple[str, ...]] = tuple(
            f"content.{part}" for part in (*HandoverContent.MANDATORY, "guardian")
        )

    class HandoverAcknowledged(Aggregate.Event):
        subject_id: str
        handover_id: UUID
        to_unit: str
        receiving_caseworker: str
        acknowledged_at: datetime
        acknowledged_by: str

    class HandoverDeclined(Aggregate.Event):
        """W-2: the receiving unit declined the handover before acknowledging it."""

        subject_id: str
        handover_id: UUID
        from_unit: str
        to_unit: str
        still_involved: bool
        """K-3: `to_unit` still reads the case (holds it, or took part in another handover)."""
        reason: Personal
        declined_at: datetime
        declined_by: str

    class HandoverWithdrawn(Aggregate.Event):
        """W-2: the sending unit withdrew the handover before the transfer."""

        subject_id: str
        handover_id: UUID
        from_unit: str
        to_unit: str
        still_involved: bool
        """K-3: `to_unit` still reads the case (holds it, or took part in another handover)."""
        reason: Personal
        withdrawn_at: datetime
        withdrawn_by: str

    class HandoverAcknowledgementOverdueRaised(Aggregate.Event):
        subject_id: str
        handover_id: UUID
        from_unit: str
        to_unit: str
        acknowledge_by: date
        overdue_at: datetime

    class ResponsibilityTransferred(Aggregate.Event):
        subject_id: str
        handover_id: UUID
        from_unit: str
        to_unit: str
        to_unit_kind: str
        caseworker: str
        transferred_at: datetime
        transferred_by: str

    class FactsCorrected(Aggregate.Event):
        """W-2: what the registration typed in, corrected: old and new, and why."""

        subject_id: str
        unit: str
        needs: list[str]
        previous_needs: list[str]
        received_at: datetime
        previous_received_at: datetime
        age_on_arrival: int
        arrived_on: date
        reason: Personal
        corrected_at: datetime
        corrected_by: str

    class ReportJoined(Aggregate.Event):
        subject_id: str
        unit: str
        received_at: datetime
        needs: list[str]
        child_welfare_report: UUID | None
        joined_at: datetime
        joined_by: str

    class Closed(Aggregate.Event):
        subject_id: str
        unit: str
        reason: str
        closed_at: datetime
        closed_by: str
        notified_units: list[str]

    # --- opening -----------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        *,
        subject_id: str,
        unit: Unit,
        routing: Routing,
        received_at: datetime,
        opened_at: datetime,
        opened_by: str,
        birth_date: date,
        placed_by_family_care: bool,
        parallel_to: UUID | None = None,
        reminder_lead_days: int = 0,
    ) -> Case:
        """Open the case a routing decision (K-1, K-2) sends to `unit`.

        Its first target groups are what the age on arrival says (D-6): someone
        under 19 is in children and youth, at whichever unit.

        A case at IOF for someone under 19 on arrival is a child & youth case:
        its age transition is scheduled at once (K-4), its reminder
        `reminder_lead_days` before the announcement day. Only such cases keep the
        birth date, and only for that.
        """
        child_and_youth = unit.kind is UnitKind.IOF and routing.age_on_arrival < TRANSITION_AGE
        case: Case = cls(
            subject_id=subject_id,
            unit=unit.hsa_id,
            unit_kind=unit.kind.value,
            municipality_code=unit.municipality_code,
            opened_at=opened_at,
            opened_by=opened_by,
            received_at=received_at,
            needs=[need.value for need in routing.needs],
            child_and_youth=child_and_youth,
            birth_date=birth_date if child_and_youth else None,
            placed_by_family_care=placed_by_family_care and child_and_youth,
        )
        if parallel_to is None:
            case._routed(
                subject_id=subject_id,
                unit_kind=unit.kind.value,
                received_at=received_at,
                rule=routing.rule,
                reason=routing.reason.value,
                age_on_arrival=routing.age_on_arrival,
                arrived_on=routing.arrived_on,
            )
        else:
            case._opened_in_parallel(
                subject_id=subject_id,
                parallel_to=parallel_to,
                unit=unit.hsa_id,
                unit_kind=unit.kind.value,
                opened_at=opened_at,
            )
        derived = derived_target_groups(routing.age_on_arrival)
        if derived:
            case._target_groups_changed(
                subject_id=subject_id,
                unit=unit.hsa_id,
                municipality_code=unit.municipality_code,
                target_groups=derived,
                derived=derived,
                changed_at=opened_at,
                changed_by=opened_by,
            )
        if child_and_youth:
            case._schedule(
                age_transition(
                    birth_date,
                    placed_by_family_care=placed_by_family_care,
                    opened_at=opened_at,
                    reminder_lead_days=reminder_lead_days,
                )
            )
        return case

    @event(Opened)
    def __init__(
        self,
        *,
        subject_id: str,
        unit: str,
        unit_kind: str,
        municipality_code: str,
        opened_at: datetime,
        opened_by: str,
        received_at: datetime,
        needs: list[str],
        child_and_youth: bool,
        birth_date: date | None,
        placed_by_family_care: bool,
    ) -> None:
        self.subject_id = subject_id
        self.unit = unit
        self.unit_kind = unit_kind
        self.municipality_code = municipality_code
        self.opened_at = opened_at
        self.opened_by = opened_by
        self.received_at = received_at
        self.needs = list(needs)
        self.child_and_youth = child_and_youth
        self.birth_date = birth_date
        self.placed_by_family_care = placed_by_family_care
        self.involved_units: list[str] = [unit]
        self.routing: dict[str, Any] | None = None
        self.parallel_to: UUID | None = None
        self.transition: AgeTransition | None = None
        self.announced_at: datetime | None = None
        self.announced_to: str | None = None
        self.continued_support_needed: bool | None = None
        self.due_raised_for: date | None = None
        self.overdue_raised_for: date | None = None
        self.decisions: list[dict[str, Any]] = []
        self.handovers: dict[UUID, Handover] = {}
        self.caseworker: str | None = None
        self.closed_at: datetime | None = None
        self.closing_reason: str | None = None
        self.target_groups: list[str] = []
        self.derived_target_groups: list[str] = []
        self.corrections: list[dict[str, Any]] = []
        self.joined_reports: list[dict[str, Any]] = []

    # --- state ---------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def _require_open(self) -> None:
        if self.closed_at is not None:
            raise CaseAlreadyClosed(f"case {self.id} was closed at {self.closed_at.isoformat()}")

    def _require_responsible(self, unit: str, doing: str, rule: str = "K-3") -> None:
        if unit != self.unit:
            raise NotInvolved(f"only the unit responsible for the case may {doing}", rule=rule)

    # --- after the opening: each event bound to what applies it, beside its rules --------
    # in case_decisions (K-3), case_target_groups (D-6), case_transitions (K-4),
    # case_handovers (K-5, W-2), case_corrections (W-2) and case_deadlines (K-4, K-5)

    _decision_recorded = event(DecisionRecorded)(decision_recorded)
    _decision_notified = event(DecisionNotified)(decision_notified)
    _decision_told = event(DecisionTold)(decision_told)
    _closed = event(Closed)(closed)
    _target_groups_changed = event(TargetGroupsChanged)(target_groups_changed)
    _age_transition_scheduled = event(AgeTransitionScheduled)(age_transition_scheduled)
    _family_care_placement_recorded = event(FamilyCarePlacementRecorded)(
        family_care_placement_recorded
    )
    _age_transition_announced = event(AgeTransitionAnnounced)(age_transition_announced)
    _age_transition_due_raised = event(AgeTransitionDueRaised)(age_transition_due_raised)
    _age_transition_overdue_raised = event(AgeTransitionOverdueRaised)(
        age_transition_overdue_raised
    )
    _handover_requested = event(HandoverRequested)(handover_requested)
    _handover_acknowledged = event(HandoverAcknowledged)(handover_acknowledged)
    _responsibility_transferred = event(ResponsibilityTransferred)(responsibility_transferred)
    _facts_corrected = event(FactsCorrected)(facts_corrected)
    _report_joined = event(ReportJoined)(report_joined)
    _routed = event(Routed)(routed)
    _opened_in_parallel = event(OpenedInParallel)(opened_in_parallel)
    _handover_declined = event(HandoverDeclined)(handover_declined)
    _handover_withdrawn = event(HandoverWithdrawn)(handover_withdrawn)
    _acknowledgement_overdue_raised = event(HandoverAcknowledgementOverdueRaised)(
        acknowledgement_overdue_raised
    )
