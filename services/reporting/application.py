"""Reporting use cases: one method per command or query (eventsourcing Application)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from eventsourcing.application import Application

from contracts.vocabulary import Role
from services.reporting.domain import Deviation
from services.runtime.application import OutboxApplication
from services.runtime.rules import RuleViolation


class UnknownDeviation(RuleViolation):
    rule = "D-2"
    status = 404


@dataclass(frozen=True)
class ReportDeviation:
    """Step 1 of a deviation report (D-2), as the reporting unit files it."""

    reporter_role: Role
    reported_by: str
    reporting_org: str
    reporting_org_type: str
    affected_orgs: list[str]
    category: str
    what_happened: str
    perceived_as: str
    improvement_proposal: str
    reporter_name: str
    reporter_title: str
    subject_id: str | None = None


class ReportingApplication(OutboxApplication, Application[UUID]):
    """The reporting service's store of deviation reports."""

    name = "reporting"

    def report_deviation(self, command: ReportDeviation, *, at: datetime) -> UUID:
        deviation = Deviation.report(
            reporter_role=command.reporter_role,
            reported_by=command.reported_by,
            reporting_org=command.reporting_org,
            reporting_org_type=command.reporting_org_type,
            affected_orgs=command.affected_orgs,
            category=command.category,
            what_happened=command.what_happened,
            perceived_as=command.perceived_as,
            improvement_proposal=command.improvement_proposal,
            reporter_name=command.reporter_name,
            reporter_title=command.reporter_title,
            reported_at=at,
            subject_id=command.subject_id,
        )
        self.save(deviation)
        return deviation.id

    def get_deviation(self, deviation_id: UUID) -> Deviation:
        deviation = self.find(deviation_id, Deviation)
        if deviation is None:
            raise UnknownDeviation(f"no deviation {deviation_id}")
        return deviation
