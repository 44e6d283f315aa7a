"""The child-welfare report (K-10): that a report was made, where to, by what kind of
organisation. The report itself goes to the municipality's social services.

The reporter is the actor, their unit and its organisation type, never anything
the request says; nothing here is read back, so there is no one to refuse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from services.cases.application.base import CasesBase
from services.cases.domain import ChildWelfareReport
from services.runtime.kernel.actor import Actor
from services.runtime.kernel.commands import arguments


@dataclass(frozen=True)
class RecordChildWelfareReport:
    """A report under SoL 14:1 about a child in `municipality_code` (K-10); the child may
    be unknown by number."""

    subject_id: str | None
    birth_date: date | None
    municipality_code: str


class ChildWelfare(CasesBase):
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
