"""Reports and cases: routing (K-1, K-2), corrections of the registered facts (W-2),
decisions and closing (K-3), age transitions (K-4).

A personnummer arrives only in a request body and becomes a subject id at
once; the birth date it carries is used for routing and, for child & youth
cases, for the age transition. Whether the caller's unit may see or change
*this* case is decided by the application, where it loads it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query
from pydantic import AwareDatetime, BaseModel, Field

from contracts import CaseDecision, ClosingReason, InformedManner
from contracts.base import HsaId
from contracts.vocabulary import TargetGroup
from services.cases.api.bodies import D6, MunicipalityCode, Reason
from services.cases.application import (
    AnnounceAgeTransition,
    CasesApplication,
    CorrectFacts,
    RecordDecision,
    RegisterReport,
)
from services.cases.domain import Case, Need
from services.cases.policy import may
from services.runtime.http.bodies import ClearText, command_from, located, view_of
from services.runtime.http.caller import Caller
from services.runtime.http.fields import Personnummer, RequestModel
from services.runtime.http.identification import (
    PERSONAL_DATA,
    identify,
    log_access,
    log_change,
    one_commit,
    subject_id_for,
)
from services.runtime.http.routes import Disclosing
from services.runtime.kernel.stockholm_time import stockholm_date
from services.runtime.store.audit import Action

router = APIRouter()


# --- bodies ----------------------------------------------------------------------------


class ReportRequest(RequestModel):
    """A report (anmälan) or application (ansökan) that has arrived (K-1, K-2)."""

    personnummer: Personnummer
    municipality_code: MunicipalityCode = Field(
        description="Kommunkod of the municipality whose units handle the individual."
    )
    needs: Annotated[list[Need], Field(min_length=1, max_length=len(Need))]
    received_at: AwareDatetime | None = Field(
        None, description="When it arrived (default: now); age counts on that Swedish day."
    )
    previously_known_child_case: bool = Field(
        False, description="A child & youth case known from before this platform (K-2)."
    )
    placed_by_family_care: bool = Field(
        False, description="Placed by family care: the youth unit keeps the case until 21 (K-4)."
    )


class CorrectionRequest(RequestModel):
    """W-2: what the registration typed in, as it should have been; leave out what stands."""

    personnummer: Personnummer = Field(
        description="The case's individual: the routing is counted from their birth date."
    )
    needs: Annotated[list[Need], Field(min_length=1, max_length=len(Need))] | None = Field(
        None, description="The needs the report named, corrected (K-1)."
    )
    received_at: AwareDatetime | None = Field(
        None, description="When it arrived, corrected; age counts on that Swedish day (K-1)."
    )
    reason: Reason


class DecisionRequest(RequestModel):
    decision: CaseDecision
    affects_planning: bool = Field(
        True, description="May affect other units' planning: they are notified (K-3)."
    )
    meeting_id: UUID | None = Field(
        None, description="The meeting it was taken at; never a care-planning meeting (K-9)."
    )
    child_perspective_considered: bool = Field(
        description="Whether the child perspective was considered in the decision (D-6).",
        json_schema_extra=D6,
    )
    children_in_household: bool | None = Field(
        None,
        description="An adult's case (not children and youth): are there children in the "
        "household (required). A child's case: leave it out (D-6).",
        json_schema_extra=D6,
    )


class ClosingRequest(RequestModel):
    reason: ClosingReason


class AnnouncementRequest(RequestModel):
    to_unit: HsaId
    continued_support_needed: bool = Field(
        description="Support is needed after the birthday; if not, nothing is transferred."
    )


class LookupRequest(RequestModel):
    personnummer: Personnummer


class RoutingView(BaseModel):
    unit_kind: str
    rule: str
    reason: str
    age_on_arrival: int
    arrived_on: date
    parallel: str | None = None


class CaseSummary(BaseModel):
    id: UUID
    unit: str
    unit_kind: str
    child_and_youth: bool
    parallel_to: UUID | None
    status: str


class RegisteredCase(CaseSummary):
    joined: bool = Field(
        False, description="K-1: the case was open at the unit already and the report joined it."
    )


class Registered(BaseModel):
    subject_id: str
    routing: RoutingView
    cases: list[RegisteredCase]


class AgeTransitionView(BaseModel):
    transition_on: date
    announce_by: date
    placed_by_family_care: bool
    announced_at: datetime | None
    announced_to: str | None
    continued_support_needed: bool | None


class HandoverSummary(BaseModel):
    id: UUID
    from_unit: str
    to_unit: str
    status: str
    consent_id: UUID
    requested_at: datetime
    acknowledge_by: date
    acknowledged_at: datetime | None
    receiving_caseworker: str | None
    transferred_at: datetime | None


class DecisionView(BaseModel):
    unit: str
    decision: str
    affects_planning: bool
    decided_at: datetime
    notified_units: list[str]
    child_perspective_considered: bool | None = None
    """None only for decisions recorded before D-6 asked."""
    children_in_household: bool | None = None
    told_at: datetime | None = None
    """K-11: when the deciding unit told the individual; None until it has."""
    told_how: InformedManner | None = None


class DecisionRead(DecisionView):
    case_id: UUID
    number: int = Field(description="The decision's place in the case, from 1 (W-3).")


class CorrectionView(BaseModel):
    """W-2: one correction of the registered facts, the old values beside the new."""

    needs: list[str]
    previous_needs: list[str]
    received_at: datetime
    previous_received_at: datetime
    reason: ClearText
    corrected_at: datetime
    corrected_by: str


class CaseView(BaseModel):
    id: UUID
    subject_id: str
    unit: str
    unit_kind: str
    municipality_code: str
    status: str
    received_at: datetime
    opened_at: datetime
    needs: list[str]
    child_and_youth: bool
    target_groups: list[TargetGroup]
    routing: RoutingView | None
    parallel_to: UUID | None
    caseworker: str | None
    age_transition: AgeTransitionView | None
    handovers: list[HandoverSummary]
    decisions: list[DecisionView]
    closed_at: datetime | None
    closing_reason: str | None
    corrections: list[CorrectionView]


# --- views -----------------------------------------------------------------------------


def _status(case: Case) -> str:
    return "open" if case.is_open else "closed"


def summary(case: Case) -> CaseSummary:
    return view_of(CaseSummary, case, status=_status(case))


def case_view(case: Case) -> CaseView:
    transition = case.transition
    return view_of(
        CaseView,
        case,
        status=_status(case),
        routing=case.routing or None,
        age_transition=None
        if transition is None
        else view_of(
            AgeTransitionView,
            case,
            transition_on=transition.transition_on,
            announce_by=transition.announce_by,
        ),
        handovers=list(case.handovers.values()),
    )


def disclosed_case(caller: Caller, case: Case, action: Action) -> CaseView:
    """The case, its access record (for the case's unit kind) written first; a write
    names its own purpose instead (changed_case)."""
    log_access(caller, case.subject_id, purpose=f"case:{case.unit_kind}", action=action)
    return case_view(case)


def changed_case(
    caller: Caller, purpose: str, use_case: Callable[..., Case], *args: Any, **kw: Any
) -> CaseView:
    """The case as `use_case` (the application's write, given the actor, `args`, `kw` and
    the service's now as `at`) left it, disclosed as a change for `purpose`: a write about
    an individual is in their access log like a read (loggkontroll), and its answer shows
    the individual's case to the writer."""
    application = caller.application(CasesApplication)

    def change() -> CaseView:
        case = use_case(application, caller.actor, *args, at=caller.now, **kw)
        log_change(caller, case.subject_id, purpose=purpose)
        return case_view(case)

    return one_commit(caller, change)


_cases = Disclosing(CasesApplication, disclosed_case)


# --- routes ----------------------------------------------------------------------------


@router.post("/cases", status_code=201, openapi_extra=PERSONAL_DATA)
def register_report(
    body: ReportRequest, caller: Annotated[Caller, may("case.register")]
) -> Registered:
    """Register a report or application: routed to IOF or AOF with the rule and reason
    (K-1, K-2), with a parallel investigation when the needs span both (K-1).

    A report about someone whose case is already open at the unit it is routed to joins
    that case (K-1): no second case opens. The answer is then 200 OK (nothing new was
    made), its Location the existing case; 201 Created when the routed case is new. The
    cases answered say which were joined (`joined`)."""
    subject = identify(caller.request, body.personnummer)
    at = caller.now
    command = command_from(
        body,
        RegisterReport,
        subject_id=subject.subject_id,
        birth_date=subject.birth_date,
        received_at=body.received_at or at,
    )
    application = caller.application(CasesApplication)

    def register() -> Registered:
        registered = application.register_report(caller.actor, command, at=at)
        log_change(caller, subject.subject_id, purpose="case registration (K-1, K-2)")
        answer = Registered(
            subject_id=subject.subject_id,
            routing=RoutingView.model_validate(registered.routing, from_attributes=True),
            cases=[
                view_of(RegisteredCase, summary(case), joined=case.id in registered.joined)
                for case in registered.cases
            ],
        )
        routed = registered.cases[0]
        if routed.id in registered.joined:
            caller.response.status_code = 200  # K-1: joined the open case, made nothing new
        return located(caller.response, f"/v1/cases/{routed.id}", answer)

    return one_commit(caller, register)


@router.post("/cases/lookup", openapi_extra=PERSONAL_DATA)
def lookup_cases(
    body: LookupRequest, caller: Annotated[Caller, may("case.lookup")]
) -> list[CaseSummary]:
    """The individual's cases that the caller's unit takes part in (POST: the personnummer
    stays out of URLs)."""
    subject_id = subject_id_for(caller.request, body.personnummer)
    cases = caller.application(CasesApplication).cases_of(caller.actor, subject_id)
    log_access(caller, subject_id, purpose="case lookup")
    return [summary(case) for case in cases]


@router.get("/cases/{case_id}", openapi_extra=PERSONAL_DATA)
def get_case(case_id: UUID, caller: Annotated[Caller, may("case.read")]) -> CaseView:
    """The case, for the units that hold it or took part in a handover (K-3)."""
    return _cases.read(caller, CasesApplication.read_case, case_id)


@router.post("/cases/{case_id}/correction", openapi_extra=PERSONAL_DATA)
def correct_facts(
    case_id: UUID, body: CorrectionRequest, caller: Annotated[Caller, may("case.correct")]
) -> CaseView:
    """Correct what the registration typed in (W-2): the needs, or when the report arrived,
    with the reason; the old values stay beside the new. By the unit holding the case
    (K-3); facts that would route the report elsewhere are refused (K-1)."""
    subject = identify(caller.request, body.personnummer)
    command = command_from(
        body,
        CorrectFacts,
        subject_id=subject.subject_id,
        birth_date=subject.birth_date,
        needs=list(body.needs) if body.needs is not None else None,
    )
    correct = CasesApplication.correct_facts
    return changed_case(caller, "correction (W-2)", correct, case_id, command)


@router.post("/cases/{case_id}/decisions", status_code=201, openapi_extra=PERSONAL_DATA)
def record_decision(
    case_id: UUID, body: DecisionRequest, caller: Annotated[Caller, may("case.decide")]
) -> CaseView:
    """Record a decision (K-3) with the child perspective (D-6); interventions only by the
    responsible unit (K-5). The answer is the case as the decision left it; the decision
    itself reads back where the Location points (its number in the case, W-3)."""
    command = command_from(body, RecordDecision)
    decide = CasesApplication.record_decision
    case = changed_case(caller, "decision (K-3)", decide, case_id, command)
    return located(caller.response, f"/v1/cases/{case_id}/decisions/{len(case.decisions)}", case)


@router.get("/cases/{case_id}/decisions/{number}", openapi_extra=PERSONAL_DATA)
def get_decision(
    case_id: UUID,
    number: Annotated[int, Path(ge=1, le=1_000_000)],
    caller: Annotated[Caller, may("case.read")],
) -> DecisionRead:
    """One decision in the case, by its number from 1, for the units that read the case
    (K-3): where a recorded decision's Location points (W-3)."""
    application = caller.application(CasesApplication)
    case, decision = application.read_decision(caller.actor, case_id, number)
    log_access(caller, case.subject_id, purpose=f"case:{case.unit_kind}")
    return DecisionRead.model_validate({**decision, "case_id": case.id, "number": number})


class DecisionToldRequest(RequestModel):
    """K-11: when and how the individual was told of the decision."""

    told_at: AwareDatetime
    manner: InformedManner


@router.post("/cases/{case_id}/decisions/{number}/told", openapi_extra=PERSONAL_DATA)
def tell_decision(
    case_id: UUID,
    number: Annotated[int, Path(ge=1, le=1_000_000)],
    body: DecisionToldRequest,
    caller: Annotated[Caller, may("case.tell_decision")],
) -> CaseView:
    """The deciding unit told the individual of its decision: when and how (K-11); once."""
    tell = CasesApplication.tell_decision
    told = {"told_at": body.told_at, "manner": body.manner}
    return changed_case(caller, "decision told (K-11)", tell, case_id, number, **told)


@router.post("/cases/{case_id}/closure", openapi_extra=PERSONAL_DATA)
def close_case(
    case_id: UUID, body: ClosingRequest, caller: Annotated[Caller, may("case.close")]
) -> CaseView:
    """Close the case; units with open cases for the individual are told (K-3)."""
    close = CasesApplication.close_case
    return changed_case(caller, "closing (K-3)", close, case_id, reason=body.reason)


@router.post("/cases/{case_id}/family-care-placement", openapi_extra=PERSONAL_DATA)
def record_family_care_placement(
    case_id: UUID, caller: Annotated[Caller, may("case.record_placement")]
) -> CaseView:
    """Placed by family care: the transition moves to the 21st birthday (K-4)."""
    record = CasesApplication.record_family_care_placement
    return changed_case(caller, "family care placement (K-4)", record, case_id)


@router.post("/cases/{case_id}/age-transition/announcement", openapi_extra=PERSONAL_DATA)
def announce_age_transition(
    case_id: UUID,
    body: AnnouncementRequest,
    caller: Annotated[Caller, may("case.announce_transition")],
) -> CaseView:
    """Announce a child & youth case to the unit that takes over at the birthday (K-4)."""
    command = command_from(body, AnnounceAgeTransition)
    announce = CasesApplication.announce_age_transition
    return changed_case(caller, "age transition (K-4)", announce, case_id, command)


# --- unit views ------------------------------------------------------------------------


class UpcomingTransitionView(BaseModel):
    case_id: UUID
    subject_id: str
    transition_on: date
    announce_by: date
    announced_at: datetime | None
    continued_support_needed: bool | None


class NoticeView(BaseModel):
    case_id: UUID
    subject_id: str
    from_unit: str
    kind: str
    what: str
    at: datetime


@router.get("/units/{unit}/age-transitions", openapi_extra=PERSONAL_DATA)
def upcoming_transitions(
    unit: HsaId,
    caller: Annotated[Caller, may("unit.read_transitions")],
    until: Annotated[
        date | None, Query(description="Last transition date to list (default: a year on).")
    ] = None,
) -> list[UpcomingTransitionView]:
    """The unit's open child & youth cases and their age transitions (K-4), for the
    termly inventory of known transfers (E-7). Units of the same municipality may read
    it: the receiving unit plans for what is coming."""
    last = until or stockholm_date(caller.now) + timedelta(days=365)
    rows = caller.application(CasesApplication).upcoming_transitions(caller.actor, unit, last)
    log_access(
        caller,
        (row.subject_id for row in rows),
        purpose="age transitions (K-4, E-7)",
    )
    return [UpcomingTransitionView.model_validate(row, from_attributes=True) for row in rows]


@router.get("/units/{unit}/notices", openapi_extra=PERSONAL_DATA)
def unit_notices(
    unit: HsaId,
    caller: Annotated[Caller, may("unit.read_notices")],
    since: Annotated[AwareDatetime | None, Query(description="Default: all.")] = None,
) -> list[NoticeView]:
    """Decisions and closings at other units about individuals this unit also has an
    open case for (K-3)."""
    start = since or datetime(1970, 1, 1, tzinfo=UTC)
    rows = caller.application(CasesApplication).notices(caller.actor, unit, start)
    log_access(caller, (row.subject_id for row in rows), purpose="case notices (K-3)")
    return [NoticeView.model_validate(row, from_attributes=True) for row in rows]
