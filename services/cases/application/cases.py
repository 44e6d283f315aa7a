"""The case's use cases: reports and routing (K-1, K-2), corrections of what was registered
(W-2), decisions and closing (K-3), target groups (D-6), age transitions (K-4), the units'
lists, and the deadlines the schedule raises.

Each takes the acting member of staff: the record names them and their unit,
and whether their unit may see or change *this* case is decided where it is
loaded (services.cases.domain.parties for reads; the case itself for changes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from contracts import CaseDecision, ClosingReason, InformedManner, RoutingReason
from contracts.vocabulary import TargetGroup
from services.cases.application.reports import Registered, RegisterReport, Reports
from services.cases.domain import (
    Case,
    Meeting,
    MeetingNotFound,
    Need,
    Sip,
)
from services.cases.domain.parties import (
    involved,
    require_involved,
    require_own_unit,
    require_same_municipality,
)
from services.cases.domain.principal_contact import PrincipalContact
from services.cases.views.case_views import UnitNotice, UpcomingTransition
from services.runtime.kernel.actor import Actor
from services.runtime.kernel.commands import arguments


@dataclass(frozen=True)
class RecordDecision:
    """A unit's decision in the case (K-3) with the child perspective (D-6)."""

    decision: CaseDecision
    affects_planning: bool
    child_perspective_considered: bool
    children_in_household: bool | None
    meeting_id: UUID | None = None
    """The meeting it was taken at; never a care-planning meeting (K-9)."""


@dataclass(frozen=True)
class CorrectFacts:
    """W-2: the registered facts as they should have been typed (None: as they are), on the
    individual's personnummer (its subject id and birth date), and why."""

    subject_id: str
    birth_date: date
    needs: list[Need] | None
    received_at: datetime | None
    reason: str


@dataclass(frozen=True)
class AnnounceAgeTransition:
    """K-4: the case announced to the unit that takes over at the birthday."""

    to_unit: str
    continued_support_needed: bool


class Cases(Reports):
    """Cases at the municipality's units: opened, decided, closed, handed on at an age."""

    # --- K-1, K-2: a new report or application -----------------------------------------

    def register_report(self, actor: Actor, command: RegisterReport, *, at: datetime) -> Registered:
        """Route the report (K-1, K-2) and open the case, and a parallel one when the
        needs span both departments (K-1); where the individual's case is open at that
        unit already, the report joins it. Who may register is the policy's (social
        services); the case is opened at the unit the routing names, not the actor's."""
        registered, index = self._routed_report(actor, command, at=at)
        self.save(*registered.cases, index)
        return registered

    # --- reading -------------------------------------------------------------------------

    def read_case(self, actor: Actor, case_id: UUID) -> Case:
        """The case, for the units that hold it or took part in a handover (K-3)."""
        return self._load_checked(Case, case_id, partial(require_involved, actor))

    def read_decision(
        self, actor: Actor, case_id: UUID, number: int
    ) -> tuple[Case, dict[str, Any]]:
        """The case's `number`th decision, for those who read the case (K-3): where the
        decision's Location points (W-3)."""
        case = self.read_case(actor, case_id)
        return case, case.decision(number)

    def cases_of(self, actor: Actor, subject_id: str) -> list[Case]:
        """The individual's cases that the actor's unit takes part in (K-3); none of the
        others, not even that they exist."""
        return [case for case in self._cases_of(subject_id) if involved(actor, case)]

    # --- K-3: decisions and closing ------------------------------------------------------

    def record_decision(
        self, actor: Actor, case_id: UUID, command: RecordDecision, *, at: datetime
    ) -> Case:
        """K-3 with the child perspective (D-6), by the unit holding or receiving the case
        (the case checks); a decision said to come from a care-planning meeting is
        refused (K-9); only by a role the delegation order delegates it to (K-11)."""
        self.delegation_order.require_may_decide(actor.role, command.decision)
        case = self._load(Case, case_id)
        if command.meeting_id is not None:
            meeting = self.find(command.meeting_id, Meeting)
            if meeting is None or meeting.case_id != case.id:
                raise MeetingNotFound(f"case {case.id} has no meeting {command.meeting_id}")
            meeting.refuse_decisions()
        case.record_decision(
            **arguments(command, leave_out={"meeting_id"}),
            unit=actor.org_id,
            at=at,
            by=actor.hsa_id,
            notified_units=self._others_concerned(case),
        )
        self.save(case)
        return case

    def tell_decision(
        self,
        actor: Actor,
        case_id: UUID,
        number: int,
        *,
        told_at: datetime,
        manner: InformedManner,
        at: datetime,
    ) -> Case:
        """K-11: the deciding unit (the case checks) records when and how it told the
        individual of its decision."""
        return self._change(
            Case,
            case_id,
            lambda case: case.tell_decision(
                number, unit=actor.org_id, told_at=told_at, manner=manner, at=at, by=actor.hsa_id
            ),
        )

    def close_case(
        self, actor: Actor, case_id: UUID, *, reason: ClosingReason, at: datetime
    ) -> Case:
        """K-3: by the responsible unit (the case checks); the units with open cases for
        the individual are told."""
        case = self._load(Case, case_id)
        case.close(
            unit=actor.org_id,
            reason=reason,
            at=at,
            by=actor.hsa_id,
            notified_units=self._others_concerned(case),
        )
        index = self._subject_cases(case.subject_id)
        index.end(case_id=case.id)
        self.save(case, index)
        return case

    # --- W-2: corrections -----------------------------------------------------------------

    def correct_facts(
        self, actor: Actor, case_id: UUID, command: CorrectFacts, *, at: datetime
    ) -> Case:
        """W-2 by the unit holding the case (the case checks). Whether the report came back
        to child & youth as a known child case (K-2) is what its routing recorded; a case
        opened in parallel has none of its own and reads its sibling's."""
        case = self._load(Case, case_id)
        routed = case if case.parallel_to is None else self._load(Case, case.parallel_to)
        routing = routed.routing or {}
        case.correct_facts(
            **arguments(command),
            known_child_case=routing.get("reason") == RoutingReason.RETURNING_CHILD_CASE.value,
            unit=actor.org_id,
            at=at,
            by=actor.hsa_id,
        )
        self.save(case)
        return case

    # --- D-6: target groups --------------------------------------------------------------

    def set_target_groups(
        self, actor: Actor, case_id: UUID, *, groups: list[TargetGroup], at: datetime
    ) -> Case:
        """D-6: the case's whole set of target groups, by the holding unit's caseworkers
        (the case checks); the same set again stores nothing."""
        case = self._load(Case, case_id)
        if case.set_target_groups(
            unit=actor.org_id, role=actor.role, groups=groups, at=at, by=actor.hsa_id
        ):
            self.save(case)
        return case

    # --- K-4: age transitions ------------------------------------------------------------

    def record_family_care_placement(self, actor: Actor, case_id: UUID, *, at: datetime) -> Case:
        """K-4: by the responsible unit (the case checks)."""
        return self._unit_step(
            Case,
            case_id,
            Case.record_family_care_placement,
            actor,
            at,
            reminder_lead_days=self.reminder_lead_days,
        )

    def announce_age_transition(
        self, actor: Actor, case_id: UUID, command: AnnounceAgeTransition, *, at: datetime
    ) -> Case:
        """K-4: by the responsible unit (the case checks), to a unit the directory knows."""
        return self._change(
            Case,
            case_id,
            lambda case: case.announce_age_transition(
                unit=actor.org_id,
                to_unit=self.units.require(command.to_unit, field="body.to_unit", rule="K-4"),
                continued_support_needed=command.continued_support_needed,
                at=at,
                by=actor.hsa_id,
            ),
        )

    def upcoming_transitions(
        self, actor: Actor, unit: str, until: date
    ) -> list[UpcomingTransition]:
        """K-4, E-7: the unit's open child & youth cases that transition by `until`, for
        the units of the same municipality."""
        listed = self.units.require(unit, field="path.unit", rule="K-4")
        require_same_municipality(self.units, actor, listed)
        self._follower.catch_up()
        return self.views.upcoming_transitions(unit, until)

    # --- K-3: notices --------------------------------------------------------------------

    def notices(self, actor: Actor, unit: str, since: datetime) -> list[UnitNotice]:
        """K-3: decisions and closings at other units that concern this unit's individuals,
        for the unit itself."""
        require_own_unit(actor, unit)
        self._follower.catch_up()
        return self.views.notices(unit, since)

    # --- deadlines (K-4, K-5, K-7, E-11) -------------------------------------------------

    def raise_due(self, now: datetime) -> int:
        """Raise every age-transition reminder, overdue announcement, overdue
        acknowledgement, SIP not established in time (K-13), overdue SIP follow-up, meeting
        not recorded as held (E-11) and contact with the other principal not established (K-17)
        whose time has come; returns how many were raised.

        Run on a schedule with the service's clock: each becomes an event on
        the topic, so a missed deadline is visible to the other services (D-7).
        Only the cases, plans and meetings the deadline view names are loaded.
        """
        self._follower.catch_up()
        due = self.views.due(now)
        raised = 0
        for aggregate_id in due:
            aggregate = self.find(aggregate_id, Aggregate)
            if isinstance(aggregate, Case | Sip | Meeting | PrincipalContact) and (
                kinds := aggregate.raise_due(now)
            ):
                self.save(aggregate)
                raised += len(kinds)
        self._follower.catch_up()
        for aggregate_id in due:
            self.views.retire_due(aggregate_id, now)
        return raised
