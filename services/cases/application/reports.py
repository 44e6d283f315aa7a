"""A report or application routed to its unit (K-1, K-2): the cases it opens, or the open
case it joins (K-1), up to saving; shared by registering a report and by acknowledging
a child-welfare report about a child known by number (K-10).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from uuid import UUID

from services.cases.application.base import CasesBase
from services.cases.domain import Case, Need, ReportInvalid, Routing, SubjectCases, route
from services.runtime.kernel.actor import Actor


@dataclass(frozen=True)
class RegisterReport:
    """A report (anmälan) or application (ansökan) about an individual (K-1, K-2)."""

    subject_id: str
    birth_date: date
    municipality_code: str
    received_at: datetime
    needs: list[Need]
    previously_known_child_case: bool = False
    """A child & youth case known from before the platform's records began."""
    placed_by_family_care: bool = False


@dataclass(frozen=True)
class Registered:
    routing: Routing
    cases: list[Case]
    """The routed case first, then the parallel investigation if any."""
    joined: frozenset[UUID] = frozenset()
    """K-1: those of `cases` that were open at their unit already and the report joined."""


class Reports(CasesBase):
    """Routing a report to the cases it opens or joins."""

    def _routed_report(
        self,
        actor: Actor,
        command: RegisterReport,
        *,
        at: datetime,
        child_welfare_report: UUID | None = None,
    ) -> tuple[Registered, SubjectCases]:
        """`register_report` up to saving: the cases opened or joined, and the index."""
        if command.received_at > at:
            raise ReportInvalid("a report cannot arrive in the future", field="body.received_at")
        if not command.needs:
            raise ReportInvalid("name at least one need", field="body.needs")
        index = self._subject_cases(command.subject_id)
        routing = route(
            birth_date=command.birth_date,
            received_at=command.received_at,
            needs=command.needs,
            known_child_case=command.previously_known_child_case or index.known_child_case,
        )
        field = "body.municipality_code"
        unit = self.units.unit_of(command.municipality_code, routing.unit_kind, field=field)
        parallel_unit = (
            self.units.unit_of(command.municipality_code, routing.parallel, field=field)
            if routing.parallel is not None
            else None
        )
        opening = partial(
            Case.open,
            subject_id=command.subject_id,
            routing=routing,
            received_at=command.received_at,
            opened_at=at,
            opened_by=actor.hsa_id,
            birth_date=command.birth_date,
            placed_by_family_care=command.placed_by_family_care,
            reminder_lead_days=self.reminder_lead_days,
        )
        joining = partial(
            self._join_open_case,
            index,
            received_at=command.received_at,
            needs=command.needs,
            at=at,
            by=actor.hsa_id,
            child_welfare_report=child_welfare_report,
        )
        cases = [joining(unit.hsa_id) or opening(unit=unit)]
        if parallel_unit is not None:
            parallel = joining(parallel_unit.hsa_id)
            cases.append(parallel or opening(unit=parallel_unit, parallel_to=cases[0].id))
        joined = frozenset(case.id for case in cases if case.id in index.cases)
        for case in cases:
            if case.id not in joined:
                index.note(
                    case_id=case.id,
                    unit=case.unit,
                    unit_kind=case.unit_kind,
                    child_and_youth=case.child_and_youth,
                )
        return Registered(routing, cases, joined), index

    def _join_open_case(
        self,
        index: SubjectCases,
        unit: str,
        *,
        received_at: datetime,
        needs: list[Need],
        at: datetime,
        by: str,
        child_welfare_report: UUID | None = None,
    ) -> Case | None:
        """K-1: the individual's case already open at `unit`, with the report joined to it;
        None where there is none (a case opens)."""
        case_id = index.open_case_at(unit)
        if case_id is None:
            return None
        case = self._load(Case, case_id)
        case.join_report(
            received_at=received_at,
            needs=needs,
            at=at,
            by=by,
            child_welfare_report=child_welfare_report,
        )
        return case
