"""K-4 (seed 003): a child & youth case's age transition, scheduled when it opens (or when a
family care placement moves it to the 21st birthday), announced by the youth unit to
the unit that takes over. Its reminders when the time comes: `case_deadlines`.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime

from contracts import UnitKind
from services.cases.domain.case_state import CaseState
from services.cases.domain.dates import AgeTransition, age_transition
from services.cases.domain.errors import AgeTransitionInvalid
from services.cases.domain.units import Unit


class CaseTransitions:
    """The case's age transition: part of `Case`."""

    @property
    def transition_pending(self: CaseState) -> bool:
        """An open child & youth case still at IOF, not yet announced."""
        return (
            self.transition is not None
            and self.is_open
            and self.unit_kind == UnitKind.IOF.value
            and self.announced_at is None
        )

    def _schedule(self: CaseState, transition: AgeTransition) -> None:
        """The event carries the transition whole, each date under its own name."""
        self._age_transition_scheduled(
            subject_id=self.subject_id,
            unit=self.unit,
            municipality_code=self.municipality_code,
            **asdict(transition),
        )

    def record_family_care_placement(self: CaseState, *, unit: str, at: datetime, by: str) -> None:
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

    def announce_age_transition(
        self: CaseState,
        *,
        unit: str,
        to_unit: Unit,
        continued_support_needed: bool,
        at: datetime,
        by: str,
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


# --- how each of their events changes the case (Case binds each to its event) ----------


def age_transition_scheduled(
    self: CaseState,
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


def family_care_placement_recorded(
    self: CaseState, *, subject_id: str, recorded_at: datetime, recorded_by: str
) -> None:
    self.placed_by_family_care = True


def age_transition_announced(
    self: CaseState,
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
