"""The child-welfare report (K-10): that a report was made, where to, by what kind of
organisation. The report itself goes to the municipality's social services.

The reporter is the actor, their unit and its organisation type, never anything
the request says. The record is read back where its Location points (W-3), by the
reporting unit and the receiving social services only, and acknowledged by the
receiving social services (K-10).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from uuid import UUID

from eventsourcing.domain import Aggregate

from services.cases.application.reports import RegisterReport, Reports
from services.cases.domain import ChildWelfareReport, Need
from services.cases.domain.parties import report_receiver, require_report_reader
from services.runtime.kernel.actor import Actor
from services.runtime.kernel.commands import arguments


@dataclass(frozen=True)
class RecordChildWelfareReport:
    """A report under SoL 14:1 about a child in `municipality_code` (K-10); the child may
    be unknown by number."""

    subject_id: str | None
    birth_date: date | None
    municipality_code: str


class ChildWelfare(Reports):
    """Child-welfare reports."""

    def record_child_welfare_report(
        self, actor: Actor, command: RecordChildWelfareReport, *, at: datetime
    ) -> ChildWelfareReport:
        return self._created(
            ChildWelfareReport.make(
                **arguments(command),
                reporter_org_type=actor.org_type,
                reporter_unit=actor.org_id,
                reported_by=actor.hsa_id,
                at=at,
            )
        )

    def read_child_welfare_report(self, actor: Actor, report_id: UUID) -> ChildWelfareReport:
        """The record of a report, for the unit that made it and the social services that
        received it (K-10)."""
        require = partial(require_report_reader, self.units, actor)
        return self._load_checked(ChildWelfareReport, report_id, require)

    def acknowledge_child_welfare_report(
        self, actor: Actor, report_id: UUID, *, at: datetime
    ) -> ChildWelfareReport:
        """K-10: the social services the report went to (the report checks) confirm they
        received it; found from their work list (W-1), where it then ends. For a child
        known by number the report opens a child & youth case at the unit, or joins the
        case open there (K-1), in the same transaction."""
        report = self._load(ChildWelfareReport, report_id)
        report.require_acknowledgeable(
            unit=actor.org_id, receiving_unit=report_receiver(self.units, report)
        )
        pending: list[Aggregate] = []
        case_id = None
        if report.subject_id is not None and report.birth_date is not None:
            command = RegisterReport(
                subject_id=report.subject_id,
                birth_date=report.birth_date,
                municipality_code=report.municipality_code,
                received_at=report.reported_at,
                needs=[Need.CHILD_WELFARE],
            )
            registered, index = self._routed_report(
                actor, command, at=at, child_welfare_report=report.id
            )
            case_id = registered.cases[0].id
            pending = [*registered.cases, index]
        report.acknowledge(
            unit=actor.org_id,
            receiving_unit=actor.org_id,
            case_id=case_id,
            at=at,
            by=actor.hsa_id,
        )
        self.save(*pending, report)
        return report
