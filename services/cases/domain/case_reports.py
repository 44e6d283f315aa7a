"""K-1 (seed 003): how a case remembers its routing (or the case it runs in parallel to),
and a new report or application about an individual whose case is already open
at the unit it is routed to joins that case instead of opening a second one. The case
keeps each report joined to it (when it came, its needs, what brought it: a report
registered directly or a child-welfare report acknowledged, K-10).
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from services.cases.domain.case_state import CaseState
from services.cases.domain.errors import CaseAlreadyClosed
from services.cases.domain.routing import Need


class CaseReports:
    """Reports joined to the open case: part of `Case`."""

    def join_report(
        self: CaseState,
        *,
        received_at: datetime,
        needs: list[Need],
        at: datetime,
        by: str,
        child_welfare_report: UUID | None = None,
    ) -> None:
        """K-1: the report joins the case open at the unit it is routed to; a closed case
        takes none (a new one opens)."""
        if not self.is_open:
            raise CaseAlreadyClosed(f"case {self.id} is closed: a new report opens a new case")
        self._report_joined(
            subject_id=self.subject_id,
            unit=self.unit,
            received_at=received_at,
            needs=[need.value for need in needs],
            child_welfare_report=child_welfare_report,
            joined_at=at,
            joined_by=by,
        )


def report_joined(
    self: CaseState,
    *,
    subject_id: str,
    unit: str,
    received_at: datetime,
    needs: list[str],
    child_welfare_report: UUID | None,
    joined_at: datetime,
    joined_by: str,
) -> None:
    self.joined_reports.append(
        {
            "received_at": received_at,
            "needs": list(needs),
            "child_welfare_report": child_welfare_report,
            "joined_at": joined_at,
        }
    )


def routed(
    self: CaseState,
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


def opened_in_parallel(
    self: CaseState,
    *,
    subject_id: str,
    parallel_to: UUID,
    unit: str,
    unit_kind: str,
    opened_at: datetime,
) -> None:
    self.parallel_to = parallel_to
