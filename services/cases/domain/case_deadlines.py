"""The case's deadlines passing (K-4, K-5): the age transition's announcement reminder and
its overdue fact, and a handover not acknowledged in time. Each is raised once, and
carries the deadline itself, not when the check ran.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from services.cases.domain.case_state import CaseState


class CaseDeadlines:
    """The case's reminders and overdue facts: part of `Case`."""

    def raise_due(self: CaseState, now: datetime) -> list[str]:
        """Raise every reminder and overdue fact whose time has come; each once (K-4, K-5).

        The facts carry the deadline itself, not `now`, so they read the same
        whenever the check ran.
        """
        raised: list[str] = []
        transition = self.transition
        if transition is not None and self.transition_pending:
            # The reminder and the overdue fact name the same transition.
            facts: dict[str, Any] = {
                "subject_id": self.subject_id,
                "unit": self.unit,
                "transition_on": transition.transition_on,
                "announce_by": transition.announce_by,
            }
            if transition.due_at <= now and self.due_raised_for != transition.transition_on:
                self._age_transition_due_raised(**facts, due_at=transition.due_at)
                raised.append("age_transition_due")
            if transition.overdue_at <= now and self.overdue_raised_for != transition.transition_on:
                self._age_transition_overdue_raised(**facts, overdue_at=transition.overdue_at)
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


# --- how each of their events changes the case (Case binds each to its event) ----------


def age_transition_due_raised(
    self: CaseState,
    *,
    subject_id: str,
    unit: str,
    transition_on: date,
    announce_by: date,
    due_at: datetime,
) -> None:
    self.due_raised_for = transition_on


def age_transition_overdue_raised(
    self: CaseState,
    *,
    subject_id: str,
    unit: str,
    transition_on: date,
    announce_by: date,
    overdue_at: datetime,
) -> None:
    self.overdue_raised_for = transition_on


def acknowledgement_overdue_raised(
    self: CaseState,
    *,
    subject_id: str,
    handover_id: UUID,
    from_unit: str,
    to_unit: str,
    acknowledge_by: date,
    overdue_at: datetime,
) -> None:
    self.handovers[handover_id].overdue_raised = True
