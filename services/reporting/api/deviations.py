"""Deviations in two steps (D-1..D-3) and their export to each organisation's own
incident system (D-4). A deviation's free text is readable only by the
organisations it concerns, and every read about an individual is access-logged."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import Query, Response
from pydantic import BaseModel, Field

from contracts import DeviationCategory, ProblemArea
from contracts.base import OrgIds
from services.reporting.api.routers import CSV_MEDIA_TYPE, CSV_RESPONSE, new_router
from services.reporting.application import (
    CountersignSummary,
    ProposeSummary,
    ReportDeviation,
    ReportingApplication,
)
from services.reporting.domain import Deviation
from services.reporting.policy import may
from services.reporting.rendering.spreadsheet import csv_text
from services.runtime.http.bodies import ClearText, command_from, located, view_of
from services.runtime.http.caller import Caller
from services.runtime.http.fields import Personnummer, RequestModel
from services.runtime.http.identification import (
    PERSONAL_DATA,
    log_access,
    log_change,
    one_commit,
    subject_id_for,
)
from services.runtime.store.audit import Action

router = new_router()

FreeText = Annotated[str, Field(min_length=1, max_length=4000)]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]


class DeviationRequest(RequestModel):
    """Step 1 of a deviation report (D-2). The reporting unit is the caller's own."""

    category: DeviationCategory
    affected_orgs: Annotated[OrgIds, Field(max_length=50)] = Field(
        description="HSA-ids of the other organisation units affected (at least one)."
    )
    what_happened: FreeText
    perceived_as: FreeText = Field(description="How the failure was perceived.")
    improvement_proposal: FreeText
    reporter_name: ShortText
    reporter_title: ShortText
    personnummer: Personnummer | None = Field(
        None, description="The individual the deviation concerns, if it concerns one."
    )
    problem_areas: Annotated[list[ProblemArea], Field(max_length=4)] = Field(
        default_factory=list,
        description="D-5: what it concerns of mental illness, disability, harmful use, addiction.",
    )
    user_involvement: bool | None = Field(
        None, description="D-9: whether the individual (or a representative) took part."
    )


class Created(BaseModel):
    id: UUID
    subject_id: str | None


class SummaryRequest(RequestModel):
    """D-2 step 2: the joint summary, proposed and signed by a manager of one side."""

    solution: FreeText
    remaining_problems: FreeText
    signer_name: ShortText
    signer_title: ShortText


class CountersignRequest(RequestModel):
    """D-2 step 2: the other side's manager signs the proposed summary."""

    signer_name: ShortText
    signer_title: ShortText


class SignatureView(BaseModel):
    hsa_id: str
    org_id: str
    name: ClearText
    title: ClearText
    signed_at: datetime


class SummaryView(BaseModel):
    solution: ClearText | None
    remaining_problems: ClearText | None
    proposed_by: SignatureView
    countersigned_by: SignatureView | None
    summarised_at: datetime | None


class SourceView(BaseModel):
    """The overdue event a detected deviation came from (D-7)."""

    type: str = Field(examples=["se.samverkan.escalation.RedThreadMeetingOverdue.v1"])
    event_id: str
    rule: str | None


class ClosureRequest(RequestModel):
    """W-2: the deviation closed before its joint summary is countersigned."""

    reason: FreeText = Field(
        description="Why it is closed early (W-2): free text, sealed like the rest of the "
        "deviation, never on a topic.",
        json_schema_extra={"x-rule": "W-2"},
    )


class Countersigned(BaseModel):
    feedback_sent_to: list[str]


class DeviationView(BaseModel):
    id: UUID
    subject_id: str | None
    category: str
    detected: bool = Field(description="Detected from a missed deadline (D-7), not reported.")
    problem_areas: list[str] = Field(description="D-5: the problem areas it concerns.")
    user_involvement: bool | None = Field(description="D-9: the individual took part.")
    source: SourceView | None
    reporting_org: str | None
    reporting_org_type: str | None
    affected_orgs: list[str]
    what_happened: ClearText | None
    perceived_as: ClearText | None
    improvement_proposal: ClearText | None
    reporter_name: ClearText
    reporter_title: ClearText
    reported_by: str | None
    reported_at: datetime
    summary: SummaryView | None
    feedback_sent_to: list[str]
    closed_at: datetime | None = Field(description="When it was closed early (W-2); else null.")
    closing_reason: ClearText | None


@router.post("/deviations", status_code=201, openapi_extra=PERSONAL_DATA)
def report_deviation(
    body: DeviationRequest, caller: Annotated[Caller, may("deviation.report")]
) -> Created:
    """Report a collaboration failure (D-2 step 1): at least deputy unit manager."""
    subject_id = (
        subject_id_for(caller.request, body.personnummer) if body.personnummer is not None else None
    )
    command = command_from(
        body,
        ReportDeviation,
        affected_orgs=list(body.affected_orgs),
        category=body.category.value,
        subject_id=subject_id,
        problem_areas=tuple(a.value for a in body.problem_areas),
    )
    application = caller.application(ReportingApplication)

    def report() -> Created:
        deviation_id = application.report_deviation(caller.actor, command, at=caller.now)
        if subject_id is not None:
            # The answer links the individual's number to their subject id: it is a read of
            # them as much as a change (loggkontroll).
            log_change(caller, subject_id, purpose="deviation report (D-2)")
        answer = Created(id=deviation_id, subject_id=subject_id)
        return located(caller.response, f"/v1/deviations/{deviation_id}", answer)

    return one_commit(caller, report)


def deviation_view(deviation: Deviation) -> DeviationView:
    """The whole deviation, both steps, free text and staff names in clear (or "[erased]")."""
    summary = None if deviation.proposed_by is None else view_of(SummaryView, deviation)
    source = None
    if deviation.source_type is not None and deviation.source_event_id is not None:
        source = SourceView(
            type=deviation.source_type, event_id=deviation.source_event_id, rule=deviation.rule
        )
    return view_of(
        DeviationView,
        deviation,
        source=source,
        summary=summary,
        feedback_sent_to=deviation.feedback_to,
    )


def readable(
    caller: Caller, deviation_id: UUID, purpose: str, action: Action = Action.READ
) -> Deviation:
    """The deviation, if the caller's unit is concerned (the application decides, D-2);
    reads about an individual are written to the access log first (loggkontroll)."""
    application = caller.application(ReportingApplication)
    deviation = application.read_deviation(caller.actor, deviation_id)
    if deviation.subject_id is not None:
        log_access(caller, deviation.subject_id, purpose=purpose, action=action)
    return deviation


@router.get("/deviations/{deviation_id}", openapi_extra=PERSONAL_DATA)
def get_deviation(
    deviation_id: UUID, caller: Annotated[Caller, may("deviation.read")]
) -> DeviationView:
    """Both steps of a deviation (D-2), for the organisations it concerns."""
    deviation = readable(caller, deviation_id, "deviation follow-up (D-2)")
    return deviation_view(deviation)


EXPORT_SCHEMA = "https://samverkan.se/schemas/deviation-export/v1"
EXPORT_NOTE = (
    "Exported for the organisation's own incident system (avvikelsehantering); a deviation "
    "in samverkan does not replace the report there (D-4)."
)


class DeviationExport(BaseModel):
    """D-4: one deviation as a documented JSON document for an organisation's own
    incident system. Field names are stable for version 1 (see `schema_id`); the
    deviation's own fields are those of `GET /v1/deviations/{id}`."""

    schema_id: str = EXPORT_SCHEMA
    note: str = EXPORT_NOTE
    exported_at: datetime
    exported_by: str
    exported_for_org: str
    deviation: DeviationView


def _flatten(prefix: str, value: Any) -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [pair for k, v in value.items() for pair in _flatten(f"{prefix}{k}.", v)]
    if isinstance(value, list):
        return [(prefix.rstrip("."), ";".join(str(v) for v in value))]
    return [(prefix.rstrip("."), "" if value is None else str(value))]


def export_csv(export: DeviationExport) -> str:
    """The export as CSV: one `field,value` line per field, nested names dotted; a
    formula someone wrote in the deviation is shown as text
    (services.reporting.rendering.spreadsheet)."""
    return csv_text(["field", "value"], _flatten("", export.model_dump(mode="json")))


@router.get(
    "/deviations/{deviation_id}/export",
    response_model=DeviationExport,
    responses=CSV_RESPONSE,
    openapi_extra=PERSONAL_DATA,
)
def export_deviation(
    deviation_id: UUID,
    caller: Annotated[Caller, may("deviation.export")],
    format: Annotated[Literal["json", "csv"], Query(description="json (default) or csv")] = "json",
) -> Any:
    """D-4: export a deviation to your organisation's own incident system (JSON or CSV).

    Only organisations the deviation concerns may export it; the export is
    written to the access log as an export, not a read.
    """
    purpose = "export to the organisation's incident system (D-4)"
    deviation = readable(caller, deviation_id, purpose, Action.EXPORTED)
    export = DeviationExport(
        exported_at=caller.now,
        exported_by=caller.actor.hsa_id,
        exported_for_org=caller.actor.org_id,
        deviation=deviation_view(deviation),
    )
    if format == "csv":
        filename = f"deviation-{deviation_id}.csv"
        return Response(
            export_csv(export),
            media_type=CSV_MEDIA_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    return export


@router.put("/deviations/{deviation_id}/summary", status_code=204)
def propose_summary(
    deviation_id: UUID,
    body: SummaryRequest,
    caller: Annotated[Caller, may("deviation.propose_summary")],
) -> Response:
    """D-2 step 2: propose the joint summary and sign it for your side.

    A new proposal replaces an earlier one until the other side countersigns.
    """
    command = command_from(body, ProposeSummary, deviation_id=deviation_id)
    application = caller.application(ReportingApplication)
    application.propose_summary(caller.actor, command, at=caller.now)
    return Response(status_code=204)


@router.post("/deviations/{deviation_id}/closure", status_code=204)
def close_deviation(
    deviation_id: UUID, body: ClosureRequest, caller: Annotated[Caller, may("deviation.close")]
) -> Response:
    """W-2: close the deviation early, with the reason, before its joint summary is
    countersigned; by a manager of the reporting unit or an affected organisation. It
    still counts as a deviation that happened (D-5)."""
    application = caller.application(ReportingApplication)
    application.close_deviation_early(caller.actor, deviation_id, reason=body.reason, at=caller.now)
    return Response(status_code=204)


@router.post("/deviations/{deviation_id}/summary/countersignature")
def countersign_summary(
    deviation_id: UUID,
    body: CountersignRequest,
    caller: Annotated[Caller, may("deviation.countersign")],
) -> Countersigned:
    """D-2 step 2: the other side signs; every party gets feedback (D-3)."""
    command = command_from(body, CountersignSummary, deviation_id=deviation_id)
    application = caller.application(ReportingApplication)
    parties = application.countersign_summary(caller.actor, command, at=caller.now)
    return Countersigned(feedback_sent_to=parties)
