"""The child-welfare report (orosanmälan): K-10, SoL 14 kap. 1 §, seed 004.

Anyone working with children reports at once to social services when a
child may be harmed; the report goes to the municipality where the child
lives. The platform records that a report was made, where to and by what
kind of organisation: a fact for statistics. What was seen is the report
itself, made to social services, and is not kept here. The record is read
back by the unit that reported and by the social services that receive it
(`parties.require_report_reader`). Pure domain.
"""

from __future__ import annotations

from datetime import date, datetime

from eventsourcing.domain import Aggregate, event

from contracts import OrgType
from services.cases.domain.dates import age_on
from services.cases.domain.errors import CaseNotFound, CaseRuleViolation
from services.runtime.kernel.stockholm_time import stockholm_date

CHILD_UNDER = 18
"""SoL's child (barn): under 18."""


class NotAChild(CaseRuleViolation):
    """K-10 is about children: someone 18 or older on the day is not one."""

    rule = "K-10"


class ChildWelfareReportNotFound(CaseNotFound):
    rule = "K-10"


class ChildWelfareReport(Aggregate):
    """That a report about a child was made to a municipality (K-10)."""

    class Made(Aggregate.Created):
        subject_id: str | None
        municipality_code: str
        reporter_org_type: str
        reporter_unit: str
        reported_by: str
        reported_at: datetime

    @classmethod
    def make(
        cls,
        *,
        subject_id: str | None,
        birth_date: date | None,
        municipality_code: str,
        reporter_org_type: OrgType,
        reporter_unit: str,
        reported_by: str,
        at: datetime,
    ) -> ChildWelfareReport:
        """Record a report; the child may be unknown by number, never an adult."""
        if birth_date is not None and age_on(birth_date, stockholm_date(at)) >= CHILD_UNDER:
            raise NotAChild(
                "a child-welfare report concerns a child under 18", field="body.personnummer"
            )
        report: ChildWelfareReport = cls(
            subject_id=subject_id,
            municipality_code=municipality_code,
            reporter_org_type=reporter_org_type.value,
            reporter_unit=reporter_unit,
            reported_by=reported_by,
            reported_at=at,
        )
        return report

    @event(Made)
    def __init__(
        self,
        *,
        subject_id: str | None,
        municipality_code: str,
        reporter_org_type: str,
        reporter_unit: str,
        reported_by: str,
        reported_at: datetime,
    ) -> None:
        self.subject_id = subject_id
        self.municipality_code = municipality_code
        self.reporter_org_type = reporter_org_type
        self.reporter_unit = reporter_unit
        self.reported_by = reported_by
        self.reported_at = reported_at
