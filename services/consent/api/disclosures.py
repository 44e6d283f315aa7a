"""Disclosures without consent: an emergency (BrB 24:4, C-5) and an expected child
(OSL 26:9, C-6)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, Generic, TypeVar
from uuid import UUID

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field, StrictBool

from contracts.base import Parties
from services.consent.api.bodies import Created, recording
from services.consent.application import (
    ConsentApplication,
    DecideEmergencyDisclosure,
    DecideUnbornChildDisclosure,
)
from services.consent.domain import Disclosure
from services.consent.policy import may
from services.runtime.http.bodies import ClearText, command_from, view_of
from services.runtime.http.caller import Caller
from services.runtime.http.fields import Personnummer, RequestModel
from services.runtime.http.identification import (
    PERSONAL_DATA,
    log_access,
    subject_id_for,
)

router = APIRouter()

C6: dict[str, Any] = {"x-rule": "C-6"}
Text = Annotated[str, Field(min_length=1, max_length=4000)]


class DisclosureRequest(RequestModel):
    """What every disclosure without consent states: about whom, to whom, and why."""

    personnummer: Personnummer
    parties: Parties
    justification: Text


class EmergencyDisclosureRequest(DisclosureRequest):
    valid_hours: Annotated[int, Field(ge=1, le=24 * 14)] = 72


class UnbornChildDisclosureRequest(DisclosureRequest):
    consent_sought: StrictBool = Field(
        description="Whether consent was sought as far as possible: answered true or false, "
        "never left out (C-6).",
        json_schema_extra=C6,
    )
    consent_not_sought_reason: Text | None = Field(
        None,
        description="Why consent was not sought; required when `consent_sought` is false, "
        "refused when it is true (C-6).",
        json_schema_extra=C6,
    )
    valid_days: Annotated[int, Field(ge=1, le=366)] = 280


class DisclosureView(BaseModel):
    """A disclosure without consent as its readers see it (C-10): the justification in
    clear, for the deciding unit and the named recipients only."""

    id: UUID
    subject_id: str
    parties: list[str]
    justification: ClearText
    decided_by: str
    decided_at: datetime
    valid_until: datetime


class EmergencyDisclosureView(DisclosureView):
    expired_at: datetime | None


class UnbornChildDisclosureView(DisclosureView):
    consent_sought: bool
    consent_not_sought_reason: ClearText | None


D = TypeVar("D", DecideEmergencyDisclosure, DecideUnbornChildDisclosure)
V = TypeVar("V", bound=DisclosureView)


@dataclass(frozen=True)
class _Kind(Generic[D]):
    """What tells the two disclosures without consent apart."""

    command: type[D]
    decide: Callable[..., UUID]
    """The application's use case: given the actor, the command and the clock's now."""
    read: Callable[..., Disclosure]
    """The application's read of one (C-10): given the actor and the disclosure's id."""
    purpose: str
    path: str


EMERGENCY = _Kind(
    DecideEmergencyDisclosure,
    ConsentApplication.decide_emergency_disclosure,
    ConsentApplication.read_emergency_disclosure,
    purpose="emergency disclosure (BrB 24:4)",
    path="/v1/emergency-disclosures",
)
UNBORN_CHILD = _Kind(
    DecideUnbornChildDisclosure,
    ConsentApplication.decide_unborn_child_disclosure,
    ConsentApplication.read_unborn_child_disclosure,
    purpose="unborn-child disclosure (OSL 26:9)",
    path="/v1/unborn-child-disclosures",
)


def _decided(
    caller: Caller, body: DisclosureRequest, kind: _Kind[D], valid_for: timedelta
) -> Response:
    """The decision the body asks for, about the individual its personnummer names, made
    and answered: logged as a change about them, and found under the kind's path."""
    subject_id = subject_id_for(caller.request, body.personnummer)
    command = command_from(
        body, kind.command, subject_id=subject_id, parties=list(body.parties), valid_for=valid_for
    )
    application = caller.application(ConsentApplication)
    location = f"{kind.path}/{{}}".format
    with recording(caller, subject_id, kind.purpose, location) as answer:
        disclosure_id = kind.decide(application, caller.actor, command, at=caller.now)
    return answer(disclosure_id)


def _read(caller: Caller, disclosure_id: UUID, kind: _Kind[D], view: type[V]) -> V:
    """The disclosure, read as the kind reads it (C-10) and logged as a read about the
    individual: the answer carries the justification."""
    application = caller.application(ConsentApplication)
    disclosure = kind.read(application, caller.actor, disclosure_id)
    log_access(caller, disclosure.subject_id, purpose=kind.purpose)
    return view_of(view, disclosure)


@router.post(
    "/emergency-disclosures", status_code=201, openapi_extra=PERSONAL_DATA, response_model=Created
)
def decide_emergency_disclosure(
    body: EmergencyDisclosureRequest, caller: Annotated[Caller, may("disclosure.emergency")]
) -> Response:
    """Record an emergency disclosure (BrB 24:4, C-5) when there is no consent."""
    return _decided(caller, body, EMERGENCY, timedelta(hours=body.valid_hours))


@router.post(
    "/unborn-child-disclosures",
    status_code=201,
    openapi_extra=PERSONAL_DATA,
    response_model=Created,
)
def decide_unborn_child_disclosure(
    body: UnbornChildDisclosureRequest, caller: Annotated[Caller, may("disclosure.unborn_child")]
) -> Response:
    """Record a disclosure to protect an expected child (OSL 26:9, C-6), by social services
    or health care, answering whether consent was sought and, if not, why."""
    return _decided(caller, body, UNBORN_CHILD, timedelta(days=body.valid_days))


@router.get("/emergency-disclosures/{emergency_disclosure_id}", openapi_extra=PERSONAL_DATA)
def get_emergency_disclosure(
    emergency_disclosure_id: UUID, caller: Annotated[Caller, may("disclosure.read")]
) -> EmergencyDisclosureView:
    """One emergency disclosure, for the deciding unit and the units it names (C-10):
    where its Location points (W-3)."""
    return _read(caller, emergency_disclosure_id, EMERGENCY, EmergencyDisclosureView)


@router.get("/unborn-child-disclosures/{unborn_child_disclosure_id}", openapi_extra=PERSONAL_DATA)
def get_unborn_child_disclosure(
    unborn_child_disclosure_id: UUID, caller: Annotated[Caller, may("disclosure.read")]
) -> UnbornChildDisclosureView:
    """One OSL 26:9 disclosure, for the deciding unit and the units it names (C-10): the
    recipients read it too, so any staff may ask, unlike deciding one (W-3)."""
    return _read(caller, unborn_child_disclosure_id, UNBORN_CHILD, UnbornChildDisclosureView)
