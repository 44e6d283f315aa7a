"""K-4 (seed 003): a child & youth case's age transition, scheduled when it opens (or when a
family care placement moves it to the 21st birthday), announced by the youth unit to
the unit that takes over, which decides in the case from the birthday on. Its
reminders when the time comes: `case_deadlines`.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime

from contracts import UnitKind
from services.cases.domain.case_state import CaseState
from services.cases.domain.dates import AgeTransition, age_transition
from services.cases.domain.errors import AgeTransitionInvalid, ReceivingUnitDecides
from services.cases.domain.units import Unit
from services.runtime.kernel.stockholm_time import stockholm_date


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

    def decides_after_transition(self: CaseState, unit: str, at: datetime) -> bool:
        """K-4 (seed 003: "from the birthday the receiving unit decides"): from the Swedish
        day of the birthday, a case announced as needing continued support is decided by
        the unit it was announced to (True for it); the announcing unit is refused."""
        transition = self.transition
        if (
            transition is None
            or self.announced_to is None
            or not self.continued_support_needed
            or stockholm_date(at) < transition.transition_on
        ):
            return False
        if unit == self.announced_to:
            return True
        if unit == self.unit:
            raise ReceivingUnitDecides(
                f"from the birthday {transition.transition_on.isoformat()} the receiving unit "
                f"{self.announced_to} decides in this case"
            )
        return False

    def record_family_care_placement(
        self: CaseState, *, unit: str, at: datetime, by: str, reminder_lead_days: int = 0
    ) -> None:
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
            age_transition(
                self.birth_date,
                placed_by_family_care=True,
                opened_at=self.opened_at,
                reminder_lead_days=reminder_lead_days,
            )
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
            from_unit=self.unit,
            to_unit=to_unit.hsa_id,
            municipality_code=self.municipality_code,
            transition_on=self.transition.transition_on if self.transition else None,
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
    from_unit: str | None,
    to_unit: str,
    municipality_code: str | None,
    transition_on: date | None,
    continued_support_needed: bool,
    announced_at: datetime,
    announced_by: str,
) -> None:
    self.announced_at = announced_at
    self.announced_to = to_unit
    self.continued_support_needed = continued_support_needed
    if continued_support_needed and to_unit not in self.involved_units:
        # K-4: the unit taking over reads the case it plans for and decides in from the
        # birthday (K-3: a case is read by the units involved in it).
        self.involved_units.append(to_unit)
