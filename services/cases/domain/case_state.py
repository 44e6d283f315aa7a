"""The case as its rule modules see it: what it knows, and the events they record.

The rules after the opening are one module per concept (`case_decisions`,
`case_target_groups`, `case_transitions`, `case_handovers`, `case_corrections`,
`case_deadlines`),
each a part of `Case`, with the functions that apply their events to the case.
The events themselves are declared on the aggregate, where their stored topic
(``services.cases.domain.case:Case.<Event>``) names them, and `Case` binds each
to its function there; eventsourcing calls that function as a method of the
case, hence its `self`. `CaseState` is what those parts may read, change and
call, so each is type-checked without importing the aggregate it is part of.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID

from services.cases.domain.dates import AgeTransition
from services.cases.domain.handover import Handover


class CaseState(Protocol):
    subject_id: str
    unit: str
    unit_kind: str
    municipality_code: str
    opened_at: datetime
    received_at: datetime
    needs: list[str]
    routing: dict[str, Any] | None
    parallel_to: UUID | None
    corrections: list[dict[str, Any]]
    joined_reports: list[dict[str, Any]]
    child_and_youth: bool
    birth_date: date | None
    placed_by_family_care: bool
    involved_units: list[str]
    transition: AgeTransition | None
    announced_at: datetime | None
    announced_to: str | None
    continued_support_needed: bool | None
    due_raised_for: date | None
    overdue_raised_for: date | None
    decisions: list[dict[str, Any]]
    handovers: dict[UUID, Handover]
    caseworker: str | None
    closed_at: datetime | None
    closing_reason: str | None
    target_groups: list[str]
    derived_target_groups: list[str]

    @property
    def id(self) -> UUID: ...

    @property
    def is_open(self) -> bool: ...

    @property
    def open_handover(self) -> Handover | None: ...

    @property
    def is_child_case(self) -> bool: ...

    @property
    def transition_pending(self) -> bool: ...

    def handover(self, handover_id: UUID) -> Handover: ...

    def decision(self, number: int) -> dict[str, Any]: ...

    def _require_open(self) -> None: ...

    def decides_after_transition(self, unit: str, at: datetime) -> bool: ...

    def _require_responsible(self, unit: str, doing: str, rule: str = "K-3") -> None: ...

    def _schedule(self, transition: AgeTransition) -> None: ...

    # The methods that record an event (bound to it on Case), by the event:
    @property  # DecisionRecorded
    def _decision_recorded(self) -> Callable[..., None]: ...
    @property  # DecisionNotified
    def _decision_notified(self) -> Callable[..., None]: ...
    @property  # DecisionTold
    def _decision_told(self) -> Callable[..., None]: ...
    @property  # Closed
    def _closed(self) -> Callable[..., None]: ...
    @property  # TargetGroupsChanged
    def _target_groups_changed(self) -> Callable[..., None]: ...
    @property  # AgeTransitionScheduled
    def _age_transition_scheduled(self) -> Callable[..., None]: ...
    @property  # FamilyCarePlacementRecorded
    def _family_care_placement_recorded(self) -> Callable[..., None]: ...
    @property  # AgeTransitionAnnounced
    def _age_transition_announced(self) -> Callable[..., None]: ...
    @property  # AgeTransitionDueRaised
    def _age_transition_due_raised(self) -> Callable[..., None]: ...
    @property  # AgeTransitionOverdueRaised
    def _age_transition_overdue_raised(self) -> Callable[..., None]: ...
    @property  # HandoverRequested
    def _handover_requested(self) -> Callable[..., None]: ...
    @property  # HandoverAcknowledged
    def _handover_acknowledged(self) -> Callable[..., None]: ...
    @property  # ResponsibilityTransferred
    def _responsibility_transferred(self) -> Callable[..., None]: ...
    @property  # HandoverDeclined
    def _handover_declined(self) -> Callable[..., None]: ...
    @property  # HandoverWithdrawn
    def _handover_withdrawn(self) -> Callable[..., None]: ...
    @property  # Routed
    def _routed(self) -> Callable[..., None]: ...
    @property  # OpenedInParallel
    def _opened_in_parallel(self) -> Callable[..., None]: ...
    @property  # ReportJoined
    def _report_joined(self) -> Callable[..., None]: ...
    @property  # FactsCorrected
    def _facts_corrected(self) -> Callable[..., None]: ...
    @property  # HandoverAcknowledgementOverdueRaised
    def _acknowledgement_overdue_raised(self) -> Callable[..., None]: ...
