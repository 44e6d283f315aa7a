"""The child-welfare report (orosanmälan): K-10, SoL 14 kap. 1 §, seed 004.

Anyone working with children reports at once to social services when a
child may be harmed; the report goes to the municipality where the child
lives. The platform records that a report was made, where to and by what
kind of organisation: a fact for statistics; for a child known by number,
also the birth date, so that the acknowledgement opens a child & youth case
or joins the one open. What was seen is the report itself, made to social
services, and is not kept here. The record is read back by the unit that
reported and by the social services that receive it
(`parties.require_report_reader`), and those acknowledge it, so it leaves
their work list (W-1). Pure domain.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from contracts import OrgType
from services.cases.domain.dates import age_on
from services.cases.domain.errors import (
    CaseConflict,
    CaseForbidden,
    CaseNotFound,
    CaseRuleViolation,
)
from services.runtime.kernel.aggregate import Aggregate, event
from services.runtime.kernel.stockholm_time import stockholm_date

CHILD_UNDER = 18
"""SoL's child (barn): under 18."""


class NotAChild(CaseRuleViolation):
    """K-10 is about children: someone 18 or older on the day is not one."""

    rule = "K-10"


class ChildWelfareReportNotFound(CaseNotFound):
    rule = "K-10"


class NotTheReceivingUnit(CaseForbidden):
    """K-10: the social services the report went to acknowledge it, nobody else."""

    rule = "K-10"


class ChildWelfareReportAlreadyAcknowledged(CaseConflict):
    rule = "K-10"


class ChildWelfareReport(Aggregate):
    """That a report about a child was made to a municipality (K-10)."""

    class Made(Aggregate.Created):
        """Version 2 keeps the known child's birth date, so the receiving unit's
        acknowledgement can open a child & youth case (K-10, K-1); version 1 had none."""

        class_version = 2

        subject_id: str | None
        birth_date: date | None
        municipality_code: str
        reporter_org_type: str
        reporter_unit: str
        reported_by: str
        reported_at: datetime

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["birth_date"] = None

    class Acknowledged(Aggregate.Event):
        """Version 2 names the municipality and the case the report opened or joined
        (K-10), if any; version 1 (never public) had neither."""

        class_version = 2

        subject_id: str | None
        unit: str
        municipality_code: str | None
        case_id: UUID | None
        acknowledged_at: datetime
        acknowledged_by: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["municipality_code"] = None
            state["case_id"] = None

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
            birth_date=birth_date if subject_id is not None else None,
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
        birth_date: date | None,
        municipality_code: str,
        reporter_org_type: str,
        reporter_unit: str,
        reported_by: str,
        reported_at: datetime,
    ) -> None:
        self.subject_id = subject_id
        self.birth_date = birth_date
        self.municipality_code = municipality_code
        self.reporter_org_type = reporter_org_type
        self.reporter_unit = reporter_unit
        self.reported_by = reported_by
        self.reported_at = reported_at
        self.acknowledged_at: datetime | None = None
        self.acknowledged_by: str | None = None
        self.case_id: UUID | None = None

    def require_acknowledgeable(self, *, unit: str, receiving_unit: str | None) -> None:
        """K-10: only the municipality's child & youth unit (`receiving_unit`, as the
        directory names it) acknowledges the report, and once only."""
        if unit != receiving_unit:
            raise NotTheReceivingUnit("only the social services the report went to acknowledge it")
        if self.acknowledged_at is not None:
            raise ChildWelfareReportAlreadyAcknowledged("the report is already acknowledged")

    def acknowledge(
        self,
        *,
        unit: str,
        receiving_unit: str | None,
        case_id: UUID | None = None,
        at: datetime,
        by: str,
    ) -> None:
        """K-10: the receiving unit confirms it received the report, with the case it
        opened or joined for a child known by number."""
        self.require_acknowledgeable(unit=unit, receiving_unit=receiving_unit)
        self._acknowledged(
            subject_id=self.subject_id,
            unit=unit,
            municipality_code=self.municipality_code,
            case_id=case_id,
            acknowledged_at=at,
            acknowledged_by=by,
        )

    @event(Acknowledged)
    def _acknowledged(
        self,
        *,
        subject_id: str | None,
        unit: str,
        municipality_code: str | None,
        case_id: UUID | None,
        acknowledged_at: datetime,
        acknowledged_by: str,
    ) -> None:
        self.acknowledged_at = acknowledged_at
        self.acknowledged_by = acknowledged_by
        self.case_id = case_id
