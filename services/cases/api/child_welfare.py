"""The child-welfare report (K-10): that a report was made, where to, by what kind of
organisation, and that the social services it went to acknowledged it. The report
itself goes to the municipality's social services."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, Field

from services.cases.api.bodies import MunicipalityCode
from services.cases.application import CasesApplication, RecordChildWelfareReport
from services.cases.policy import may
from services.runtime.http.bodies import command_from, located, view_of
from services.runtime.http.caller import Caller
from services.runtime.http.fields import Personnummer, RequestModel
from services.runtime.http.identification import (
    PERSONAL_DATA,
    identify,
    log_access,
    log_change,
    one_commit,
)

router = APIRouter()


class ChildWelfareReportRequest(RequestModel):
    personnummer: Personnummer | None = Field(
        None, description="The child's number, if known; the report is made without it too."
    )
    municipality_code: MunicipalityCode = Field(
        description="Kommunkod of the municipality where the child lives (K-10)."
    )


class ChildWelfareReportRecorded(BaseModel):
    id: UUID
    subject_id: str | None


class ChildWelfareReportView(ChildWelfareReportRecorded):
    """That a report was made, where to and by whom: nothing of what was seen (K-10)."""

    municipality_code: str
    reporter_org_type: str
    reporter_unit: str
    reported_by: str
    reported_at: datetime
    acknowledged_at: datetime | None = Field(
        description="When the receiving social services acknowledged it (K-10); null: not yet."
    )
    acknowledged_by: str | None
    case_id: UUID | None = Field(
        None,
        description=(
            "The child & youth case the acknowledgement opened, or the open one it joined "
            "(K-10, K-1), for a child known by number; null otherwise."
        ),
    )


@router.post("/child-welfare-reports", status_code=201, openapi_extra=PERSONAL_DATA)
def record_child_welfare_report(
    body: ChildWelfareReportRequest, caller: Annotated[Caller, may("child_welfare.report")]
) -> ChildWelfareReportRecorded:
    """Record that a report under SoL 14:1 was made (K-10); the reporter's organisation
    type comes from the token."""
    subject = identify(caller.request, body.personnummer) if body.personnummer else None
    command = command_from(
        body,
        RecordChildWelfareReport,
        subject_id=subject.subject_id if subject else None,
        birth_date=subject.birth_date if subject else None,
    )
    application = caller.application(CasesApplication)

    def record() -> ChildWelfareReportRecorded:
        report = application.record_child_welfare_report(caller.actor, command, at=caller.now)
        if report.subject_id is not None:
            # The answer links the child's number to their subject id: a read about them.
            log_change(caller, report.subject_id, purpose="child-welfare report (K-10)")
        answer = view_of(ChildWelfareReportRecorded, report)
        return located(caller.response, f"/v1/child-welfare-reports/{report.id}", answer)

    return one_commit(caller, record)


@router.get("/child-welfare-reports/{report_id}", openapi_extra=PERSONAL_DATA)
def get_child_welfare_report(
    report_id: UUID, caller: Annotated[Caller, may("child_welfare.read")]
) -> ChildWelfareReportView:
    """The record of a report, for the reporting unit and the receiving social services
    (K-10): where the report's Location points (W-3)."""
    application = caller.application(CasesApplication)
    report = application.read_child_welfare_report(caller.actor, report_id)
    if report.subject_id is not None:
        log_access(caller, report.subject_id, purpose="child-welfare report (K-10)")
    return view_of(ChildWelfareReportView, report)


@router.post("/child-welfare-reports/{report_id}/acknowledgement", openapi_extra=PERSONAL_DATA)
def acknowledge_child_welfare_report(
    report_id: UUID, caller: Annotated[Caller, may("child_welfare.acknowledge")]
) -> ChildWelfareReportView:
    """The social services the report went to confirm they received it (K-10); once only.
    It then leaves their work list (W-1). For a child known by number it opens a child &
    youth case at the unit, or joins the one open there (K-1): `case_id` names it."""
    application = caller.application(CasesApplication)

    def acknowledge() -> ChildWelfareReportView:
        report = application.acknowledge_child_welfare_report(
            caller.actor, report_id, at=caller.now
        )
        if report.subject_id is not None:
            log_change(caller, report.subject_id, purpose="child-welfare report (K-10)")
        return view_of(ChildWelfareReportView, report)

    return one_commit(caller, acknowledge)
