"""W-2: mistakes in a case are corrected, not deleted. The facts a caseworker typed in
when registering the report (K-1, K-2): the needs it named and when it arrived.

A correction is an event with the old and the new value and the reason, so the case
keeps its history; the routing facts (age on arrival, the day) follow the corrected
arrival. It corrects what was typed, not where the case went: facts that would have
routed the report elsewhere (the other department, a parallel investigation more or
less, a child's case or an adult's) are refused with K-1 (409). The case is handed
over (K-5) or closed and the report registered anew instead. A case opened in parallel
carries the same facts as its sibling; each unit corrects its own case.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from services.cases.domain.case_state import CaseState
from services.cases.domain.dates import TRANSITION_AGE
from services.cases.domain.errors import CorrectionConflict, CorrectionInvalid, ReportInvalid
from services.cases.domain.reasons import reason_given
from services.cases.domain.routing import Need, Routing, route
from services.runtime.kernel.personal import Personal


class CaseCorrections:
    """Correcting the case's registered facts: part of `Case`."""

    def correct_facts(
        self: CaseState,
        *,
        subject_id: str,
        birth_date: date,
        known_child_case: bool,
        needs: list[Need] | None,
        received_at: datetime | None,
        reason: str,
        unit: str,
        at: datetime,
        by: str,
    ) -> None:
        """W-2 by the unit holding the open case (K-3): the needs, or when the report
        arrived, as they should have been typed, with the reason. `subject_id` and
        `birth_date` are the individual's as the personnummer given says: it must be
        this case's (the routing is counted from it). `known_child_case` is what routed
        the report back to child & youth (K-2), as the case (or its sibling) recorded."""
        self._require_open()
        self._require_responsible(unit, "correct its facts")
        if subject_id != self.subject_id:
            raise CorrectionInvalid(
                "the personnummer is not this case's individual", field="body.personnummer"
            )
        why = reason_given(self.subject_id, reason)
        registered = [Need(need) for need in self.needs]
        new_needs = list(dict.fromkeys(needs)) if needs is not None else registered
        new_received_at = received_at or self.received_at
        if not new_needs:
            raise ReportInvalid("name at least one need", field="body.needs")
        if new_received_at > at:
            raise ReportInvalid("a report cannot arrive in the future", field="body.received_at")
        if new_needs == registered and new_received_at == self.received_at:
            raise CorrectionInvalid(
                "nothing to correct: give needs or received_at other than the case has",
                field="body",
            )
        before = route(
            birth_date=birth_date,
            received_at=self.received_at,
            needs=registered,
            known_child_case=known_child_case,
        )
        after = route(
            birth_date=birth_date,
            received_at=new_received_at,
            needs=new_needs,
            known_child_case=known_child_case,
        )
        if (after.unit_kind, after.parallel) != (before.unit_kind, before.parallel) or (
            after.age_on_arrival < TRANSITION_AGE
        ) != (before.age_on_arrival < TRANSITION_AGE):
            raise CorrectionConflict(
                f"the corrected facts would route the report {_where(after)}, not "
                f"{_where(before)} (K-1, K-2): hand the case over (K-5), or close it and "
                "register the report anew"
            )
        self._facts_corrected(
            subject_id=self.subject_id,
            unit=self.unit,
            needs=[need.value for need in new_needs],
            previous_needs=list(self.needs),
            received_at=new_received_at,
            previous_received_at=self.received_at,
            age_on_arrival=after.age_on_arrival,
            arrived_on=after.arrived_on,
            reason=why,
            corrected_at=at,
            corrected_by=by,
        )


def _where(routing: Routing) -> str:
    child = "a child's" if routing.age_on_arrival < TRANSITION_AGE else "an adult's"
    parallel = f" with a parallel investigation at {routing.parallel}" if routing.parallel else ""
    return f"to {routing.unit_kind} as {child} case{parallel}"


# --- how its event changes the case (Case binds it to its event) -----------------------


def facts_corrected(
    self: CaseState,
    *,
    subject_id: str,
    unit: str,
    needs: list[str],
    previous_needs: list[str],
    received_at: datetime,
    previous_received_at: datetime,
    age_on_arrival: int,
    arrived_on: date,
    reason: Personal,
    corrected_at: datetime,
    corrected_by: str,
) -> None:
    self.needs = list(needs)
    self.received_at = received_at
    if self.routing is not None:
        self.routing = {**self.routing, "age_on_arrival": age_on_arrival, "arrived_on": arrived_on}
    correction: dict[str, Any] = {
        "needs": list(needs),
        "previous_needs": list(previous_needs),
        "received_at": received_at,
        "previous_received_at": previous_received_at,
        "reason": reason,
        "corrected_at": corrected_at,
        "corrected_by": corrected_by,
    }
    self.corrections.append(correction)
