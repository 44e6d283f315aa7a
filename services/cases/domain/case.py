"""A case (ärende) at one unit: routing, decisions, closing, age transition and handover.

K-1..K-5 (seed 003), D-6 (seed 004). One aggregate per case, so the rules that tie these
together hold in one place: interventions only by the responsible unit until
responsibility has transferred (K-5); no age-transition reminders once the
case is announced, transferred or closed (K-4). The facts seed 004's indicators
count live here too: the case's target groups, and the child perspective on
every decision (D-6). Pure domain: no I/O, no clock.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from contracts.cases import CaseDecision, ClosingReason, UnitKind
from contracts.vocabulary import Role, TargetGroup
from services.cases.domain.dates import TRANSITION_AGE, AgeTransition, age_transition, end_of_day
from services.cases.domain.errors import (
    AgeTransitionInvalid,
    CaseAlreadyClosed,
    DecisionInvalid,
    HandoverConflict,
    HandoverIncomplete,
    HandoverWithoutConsent,
    InterventionBeforeTransfer,
    NotInvolved,
)
from services.cases.domain.handover import Handover, HandoverContent, HandoverNotFound
from services.cases.domain.routing import Routing
from services.cases.domain.target_groups import (
    CASE_STAFF,
    TargetGroupsInvalid,
    derived_target_groups,
    target_group_set,
)
from services.cases.domain.units import Unit

INTERVENTION_DECISIONS = frozenset(
    {
        CaseDecision.INTERVENTION_GRANTED,
        CaseDecision.INTERVENTION_REFUSED,
        CaseDecision.INTERVENTION_CHANGED,
        CaseDecision.INTERVENTION_ENDED,
    }
)
"""Decisions about interventions (insatser): only the responsible unit takes them (K-5)."""


class Case(Aggregate):
    """One case about one individual, held by one unit at a time."""

    class Opened(Aggregate.Created):
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

        def personal_owner(self) -> str:
            return self.subject_id

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
        subject_id: str
        to_unit: str
        continued_support_needed: bool
        announced_at: datetime
        announced_by: str

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
        answer whether the child perspective was considered.
        """

        class_version = 2

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

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["child_perspective_considered"] = None
            state["children_in_household"] = None
            state["target_groups"] = []

    class DecisionNotified(Aggregate.Event):
        """K-3: the decision reached the units with open cases for the individual. Its own
        fact (not a part of DecisionRecorded) so each public event has its own place in
        the store, as the relay and its consumers count them."""

        subject_id: str
        unit: str
        decision: str
        decided_at: datetime
        notified_units: list[str]

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
    ) -> Case:
        """Open the case a routing decision (K-1, K-2) sends to `unit`.

        Its first target groups are what the age on arrival says (D-6): someone
        under 19 is in children and youth, at whichever unit.

        A case at IOF for someone under 19 on arrival is a child & youth case:
        its age transition is scheduled at once (K-4). Only such cases keep the
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
                    birth_date, placed_by_family_care=placed_by_family_care, opened_at=opened_at
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

    @event(Routed)
    def _routed(
        self,
        *,
        subject_id: str,
        unit_kind: str,
        received_at: datetime,
        rule: str,
        reason: str,
        age_on_arrival: int,
        arrived_on: date,
    ) -> None:
        self.routing = {
            "unit_kind": unit_kind,
            "rule": rule,
            "reason": reason,
            "age_on_arrival": age_on_arrival,
            "arrived_on": arrived_on,
        }

    @event(OpenedInParallel)
    def _opened_in_parallel(
        self, *, subject_id: str, parallel_to: UUID, unit: str, unit_kind: str, opened_at: datetime
    ) -> None:
        self.parallel_to = parallel_to

    # --- state ---------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def open_handover(self) -> Handover | None:
        return next((h for h in self.handovers.values() if h.open), None)

    def _require_open(self) -> None:
        if self.closed_at is not None:
            raise CaseAlreadyClosed(f"case {self.id} was closed at {self.closed_at.isoformat()}")

    def _require_responsible(self, unit: str, doing: str, rule: str = "K-3") -> None:
        if unit != self.unit:
            raise NotInvolved(f"only the unit responsible for the case may {doing}", rule=rule)

    def handover(self, handover_id: UUID) -> Handover:
        found = self.handovers.get(handover_id)
        if found is None:
            raise HandoverNotFound(f"case {self.id} has no handover {handover_id}")
        return found

    # --- K-3: decisions and closing ------------------------------------------------------

    def record_decision(
        self,
        *,
        unit: str,
        decision: CaseDecision,
        affects_planning: bool,
        child_perspective_considered: bool,
        children_in_household: bool | None,
        at: datetime,
        by: str,
        notified_units: list[str],
    ) -> None:
        """K-3: record a unit's decision; when it may affect other units' planning, the
        units with open cases for the same individual are notified.

        K-5: during a handover the receiving unit may investigate, but
        decisions on interventions are the sending unit's until
        responsibility has transferred.

        D-6 (quality): every decision answers whether the child perspective was
        considered. In an adult's case (one not in children and youth) it also
        answers whether there are children in the household; in a child's case
        that question is about someone else's children and is refused, so the
        statistic counts only answers that mean something.
        """
        self._require_open()
        handover = self.open_handover
        if unit != self.unit:
            if handover is None or handover.to_unit != unit:
                raise NotInvolved("only units holding or receiving the case record decisions")
            if decision in INTERVENTION_DECISIONS:
                raise InterventionBeforeTransfer(
                    "interventions start only after responsibility has transferred; until "
                    f"then {self.unit} is responsible",
                    field="body.decision",
                )
        if self.is_child_case and children_in_household is not None:
            raise DecisionInvalid(
                "a child's case does not answer whether there are children in the household; "
                "leave it out",
                field="body.children_in_household",
                rule="D-6",
            )
        if not self.is_child_case and children_in_household is None:
            raise DecisionInvalid(
                "an adult's case answers whether there are children in the household",
                field="body.children_in_household",
                rule="D-6",
            )
        notified = (
            [u for u in dict.fromkeys(notified_units) if u != unit] if affects_planning else []
        )
        self._decision_recorded(
            subject_id=self.subject_id,
            unit=unit,
            decision=decision.value,
            affects_planning=affects_planning,
            decided_at=at,
            decided_by=by,
            notified_units=notified,
            child_perspective_considered=child_perspective_considered,
            children_in_household=children_in_household,
            target_groups=list(self.target_groups),
        )
        if notified:
            self._decision_notified(
                subject_id=self.subject_id,
                unit=unit,
                decision=decision.value,
                decided_at=at,
                notified_units=notified,
            )

    @event(DecisionRecorded)
    def _decision_recorded(
        self,
        *,
        subject_id: str,
        unit: str,
        decision: str,
        affects_planning: bool,
        decided_at: datetime,
        decided_by: str,
        notified_units: list[str],
        child_perspective_considered: bool | None,
        children_in_household: bool | None,
        target_groups: list[str],
    ) -> None:
        self.decisions.append(
            {
                "unit": unit,
                "decision": decision,
                "affects_planning": affects_planning,
                "decided_at": decided_at,
                "decided_by": decided_by,
                "notified_units": notified_units,
                "child_perspective_considered": child_perspective_considered,
                "children_in_household": children_in_household,
            }
        )

    @event(DecisionNotified)
    def _decision_notified(
        self,
        *,
        subject_id: str,
        unit: str,
        decision: str,
        decided_at: datetime,
        notified_units: list[str],
    ) -> None:
        """Nothing new for the case: whom it reached is in the decision already."""

    # --- D-6: target groups --------------------------------------------------------------

    @property
    def is_child_case(self) -> bool:
        """A child's case for D-6: children and youth is among its target groups."""
        return TargetGroup.CHILDREN_AND_YOUTH.value in self.target_groups

    def set_target_groups(
        self, *, unit: str, role: Role, groups: list[TargetGroup], at: datetime, by: str
    ) -> bool:
        """D-6: a caseworker (or higher) of the unit holding the case sets its whole set of
        target groups. The groups derived from age stay (see target_groups). Returns
        whether the set changed: the same set again records nothing."""
        self._require_open()
        self._require_responsible(unit, "set its target groups", "D-6")
        if role not in CASE_STAFF:
            raise NotInvolved("target groups are set by caseworkers or their managers", rule="D-6")
        wanted = target_group_set(groups)
        kept = [group for group in self.derived_target_groups if group not in wanted]
        if kept:
            raise TargetGroupsInvalid(
                f"{', '.join(kept)} follows from the age on arrival and stays; include it",
                field="body.target_groups",
            )
        if wanted == self.target_groups:
            return False
        self._target_groups_changed(
            subject_id=self.subject_id,
            unit=self.unit,
            municipality_code=self.municipality_code,
            target_groups=wanted,
            derived=list(self.derived_target_groups),
            changed_at=at,
            changed_by=by,
        )
        return True

    @event(TargetGroupsChanged)
    def _target_groups_changed(
        self,
        *,
        subject_id: str,
        unit: str,
        municipality_code: str,
        target_groups: list[str],
        derived: list[str],
        changed_at: datetime,
        changed_by: str,
    ) -> None:
        self.target_groups = list(target_groups)
        self.derived_target_groups = list(derived)

    def close(
        self,
        *,
        unit: str,
        reason: ClosingReason,
        at: datetime,
        by: str,
        notified_units: list[str],
    ) -> None:
        """K-3: closing a case always reaches the units with open cases for the individual."""
        self._require_open()
        self._require_responsible(unit, "close it")
        self._closed(
            subject_id=self.subject_id,
            unit=unit,
            reason=reason.value,
            closed_at=at,
            closed_by=by,
            notified_units=[u for u in dict.fromkeys(notified_units) if u != unit],
        )

    @event(Closed)
    def _closed(
        self,
        *,
        subject_id: str,
        unit: str,
        reason: str,
        closed_at: datetime,
        closed_by: str,
        notified_units: list[str],
    ) -> None:
        self.closed_at = closed_at
        self.closing_reason = reason
        for handover in self.handovers.values():
            if handover.open:
                handover.ended_with_case = True

    # --- K-4: age transition -------------------------------------------------------------

    @property
    def transition_pending(self) -> bool:
        """An open child & youth case still at IOF, not yet announced."""
        return (
            self.transition is not None
            and self.is_open
            and self.unit_kind == UnitKind.IOF.value
            and self.announced_at is None
        )

    def _schedule(self, transition: AgeTransition) -> None:
        self._age_transition_scheduled(
            subject_id=self.subject_id,
            unit=self.unit,
            municipality_code=self.municipality_code,
            transition_on=transition.transition_on,
            announce_by=transition.announce_by,
            due_at=transition.due_at,
            overdue_at=transition.overdue_at,
        )

    @event(AgeTransitionScheduled)
    def _age_transition_scheduled(
        self,
        *,
        subject_id: str,
        unit: str,
        municipality_code: str,
        transition_on: date,
        announce_by: date,
        due_at: datetime,
        overdue_at: datetime,
    ) -> None:
        self.transition = AgeTransition(transition_on, announce_by, due_at, overdue_at)

    def record_family_care_placement(self, *, unit: str, at: datetime, by: str) -> None:
        """K-4: placed by family care, the youth unit keeps the case until the 21st birthday."""
        self._require_open()
        self._require_responsible(unit, "record a family care placement", "K-4")
        if not self.child_and_youth or self.birth_date is None:
            raise AgeTransitionInvalid("only child & youth cases are placed by family care")
        if self.placed_by_family_care:
            raise AgeTransitionInvalid("the family care placement is already recorded")
        self._family_care_placement_recorded(
            subject_id=self.subject_id, recorded_at=at, recorded_by=by
        )
        self._schedule(
            age_transition(self.birth_date, placed_by_family_care=True, opened_at=self.opened_at)
        )

    @event(FamilyCarePlacementRecorded)
    def _family_care_placement_recorded(
        self, *, subject_id: str, recorded_at: datetime, recorded_by: str
    ) -> None:
        self.placed_by_family_care = True

    def announce_age_transition(
        self, *, unit: str, to_unit: Unit, continued_support_needed: bool, at: datetime, by: str
    ) -> None:
        """K-4: the youth unit announces the case to the unit that takes over at the
        birthday (raised at the deputy managers' collaboration meeting, seed 003).

        Recording that no support is needed after the birthday also answers
        the announcement: there is nothing to transfer.
        """
        self._require_open()
        self._require_responsible(unit, "announce its age transition", "K-4")
        if not self.transition_pending:
            raise AgeTransitionInvalid(
                "only an open child & youth case not yet announced can be announced"
            )
        if to_unit.hsa_id == self.unit:
            raise AgeTransitionInvalid(
                "announce the case to the unit that takes over", field="body.to_unit"
            )
        self._age_transition_announced(
            subject_id=self.subject_id,
            to_unit=to_unit.hsa_id,
            continued_support_needed=continued_support_needed,
            announced_at=at,
            announced_by=by,
        )

    @event(AgeTransitionAnnounced)
    def _age_transition_announced(
        self,
        *,
        subject_id: str,
        to_unit: str,
        continued_support_needed: bool,
        announced_at: datetime,
        announced_by: str,
    ) -> None:
        self.announced_at = announced_at
        self.announced_to = to_unit
        self.continued_support_needed = continued_support_needed

    @event(AgeTransitionDueRaised)
    def _age_transition_due_raised(
        self,
        *,
        subject_id: str,
        unit: str,
        transition_on: date,
        announce_by: date,
        due_at: datetime,
    ) -> None:
        self.due_raised_for = transition_on

    @event(AgeTransitionOverdueRaised)
    def _age_transition_overdue_raised(
        self,
        *,
        subject_id: str,
        unit: str,
        transition_on: date,
        announce_by: date,
        overdue_at: datetime,
    ) -> None:
        self.overdue_raised_for = transition_on

    # --- K-5: handover -------------------------------------------------------------------

    def request_handover(
        self,
        *,
        unit: str,
        to_unit: Unit,
        content: HandoverContent,
        consent_id: UUID | None,
        at: datetime,
        by: str,
        acknowledge_by: date,
    ) -> UUID:
        """K-5, C-8 (seed 003): hand the case to another unit.

        The sending unit must hold the case; every mandatory part is filled
        in; the individual consented to a `case_handover` between both units
        before contact is initiated. The receiving unit acknowledges by the
        end of `acknowledge_by`.
        """
        self._require_open()
        self._require_responsible(unit, "hand it over", "K-5")
        if to_unit.hsa_id == self.unit:
            raise HandoverIncomplete(
                "hand the case over to another unit than the one holding it", field="body.to_unit"
            )
        missing = content.missing()
        if missing:
            raise HandoverIncomplete(
                f"mandatory handover part(s) missing: {', '.join(missing)}",
                field=f"body.content.{missing[0]}",
            )
        if self.open_handover is not None:
            raise HandoverConflict("the case already has a handover in progress")
        if consent_id is None:
            raise HandoverWithoutConsent(
                f"no active consent for case_handover between {self.unit} and {to_unit.hsa_id}; "
                "ask the individual before contact is initiated"
            )
        handover_id = uuid4()
        self._handover_requested(
            subject_id=self.subject_id,
            handover_id=handover_id,
            from_unit=self.unit,
            to_unit=to_unit.hsa_id,
            to_unit_kind=to_unit.kind.value,
            consent_id=consent_id,
            content=content.as_record(self.subject_id),
            requested_at=at,
            requested_by=by,
            acknowledge_by=acknowledge_by,
            overdue_at=end_of_day(acknowledge_by),
        )
        return handover_id

    @event(HandoverRequested)
    def _handover_requested(
        self,
        *,
        subject_id: str,
        handover_id: UUID,
        from_unit: str,
        to_unit: str,
        to_unit_kind: str,
        consent_id: UUID,
        content: dict[str, Any],
        requested_at: datetime,
        requested_by: str,
        acknowledge_by: date,
        overdue_at: datetime,
    ) -> None:
        self.handovers[handover_id] = Handover(
            handover_id,
            from_unit,
            to_unit,
            to_unit_kind,
            consent_id,
            content,
            requested_at,
            requested_by,
            acknowledge_by,
            overdue_at,
        )
        if to_unit not in self.involved_units:
            self.involved_units.append(to_unit)

    def acknowledge_handover(
        self, handover_id: UUID, *, unit: str, receiving_caseworker: str, at: datetime, by: str
    ) -> None:
        """K-5: the receiving unit confirms receipt and names the caseworker it appointed."""
        handover = self.handover(handover_id)
        if unit != handover.to_unit:
            raise NotInvolved("only the receiving unit acknowledges a handover", rule="K-5")
        if handover.status != "requested":
            raise HandoverConflict(f"the handover is already {handover.status}")
        self._handover_acknowledged(
            subject_id=self.subject_id,
            handover_id=handover_id,
            to_unit=unit,
            receiving_caseworker=receiving_caseworker,
            acknowledged_at=at,
            acknowledged_by=by,
        )

    @event(HandoverAcknowledged)
    def _handover_acknowledged(
        self,
        *,
        subject_id: str,
        handover_id: UUID,
        to_unit: str,
        receiving_caseworker: str,
        acknowledged_at: datetime,
        acknowledged_by: str,
    ) -> None:
        handover = self.handovers[handover_id]
        handover.acknowledged_at = acknowledged_at
        handover.acknowledged_by = acknowledged_by
        handover.receiving_caseworker = receiving_caseworker

    def transfer_responsibility(
        self, handover_id: UUID, *, unit: str, at: datetime, by: str
    ) -> None:
        """K-5: responsibility moves only on this explicit step, after acknowledgement.

        Either unit records it (it is agreed between them); from then on the
        receiving unit holds the case and its appointed caseworker handles it.
        """
        handover = self.handover(handover_id)
        if unit not in (handover.from_unit, handover.to_unit):
            raise NotInvolved("only the sending or receiving unit transfers", rule="K-5")
        if handover.status != "acknowledged":
            raise HandoverConflict(
                "responsibility transfers only after the receiving unit acknowledged receipt"
                if handover.status == "requested"
                else f"the handover is already {handover.status}"
            )
        assert handover.receiving_caseworker is not None
        self._responsibility_transferred(
            subject_id=self.subject_id,
            handover_id=handover_id,
            from_unit=handover.from_unit,
            to_unit=handover.to_unit,
            to_unit_kind=handover.to_unit_kind,
            caseworker=handover.receiving_caseworker,
            transferred_at=at,
            transferred_by=by,
        )

    @event(ResponsibilityTransferred)
    def _responsibility_transferred(
        self,
        *,
        subject_id: str,
        handover_id: UUID,
        from_unit: str,
        to_unit: str,
        to_unit_kind: str,
        caseworker: str,
        transferred_at: datetime,
        transferred_by: str,
    ) -> None:
        self.handovers[handover_id].transferred_at = transferred_at
        self.unit = to_unit
        self.unit_kind = to_unit_kind
        self.caseworker = caseworker

    @event(HandoverAcknowledgementOverdueRaised)
    def _acknowledgement_overdue_raised(
        self,
        *,
        subject_id: str,
        handover_id: UUID,
        from_unit: str,
        to_unit: str,
        acknowledge_by: date,
        overdue_at: datetime,
    ) -> None:
        self.handovers[handover_id].overdue_raised = True

    # --- deadlines -----------------------------------------------------------------------

    def raise_due(self, now: datetime) -> list[str]:
        """Raise every reminder and overdue fact whose time has come; each once (K-4, K-5).

        The facts carry the deadline itself, not `now`, so they read the same
        whenever the check ran.
        """
        raised: list[str] = []
        transition = self.transition
        if transition is not None and self.transition_pending:
            if transition.due_at <= now and self.due_raised_for != transition.transition_on:
                self._age_transition_due_raised(
                    subject_id=self.subject_id,
                    unit=self.unit,
                    transition_on=transition.transition_on,
                    announce_by=transition.announce_by,
                    due_at=transition.due_at,
                )
                raised.append("age_transition_due")
            if transition.overdue_at <= now and self.overdue_raised_for != transition.transition_on:
                self._age_transition_overdue_raised(
                    subject_id=self.subject_id,
                    unit=self.unit,
                    transition_on=transition.transition_on,
                    announce_by=transition.announce_by,
                    overdue_at=transition.overdue_at,
                )
                raised.append("age_transition_overdue")
        for handover in list(self.handovers.values()):
            if (
                handover.status == "requested"
                and not handover.overdue_raised
                and handover.overdue_at <= now
            ):
                self._acknowledgement_overdue_raised(
                    subject_id=self.subject_id,
                    handover_id=handover.id,
                    from_unit=handover.from_unit,
                    to_unit=handover.to_unit,
                    acknowledge_by=handover.acknowledge_by,
                    overdue_at=handover.overdue_at,
                )
                raised.append("handover_acknowledgement_overdue")
        return raised
