"""Disclosures without consent: an emergency (BrB 24:4, C-5) and an expected child
(OSL 26:9, C-6)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Generic, TypeVar
from uuid import UUID

from fastapi import APIRouter
from pydantic import Field

from contracts.base import Parties
from services.consent.api.bodies import Created, created
from services.consent.application import (
    ConsentApplication,
    DecideEmergencyDisclosure,
    DecideUnbornChildDisclosure,
)
from services.consent.policy import may
from services.runtime.http.bodies import command_from
from services.runtime.http.caller import Caller
from services.runtime.http.fields import Personnummer, RequestModel
from services.runtime.http.identification import PERSONAL_DATA, subject_id_for

router = APIRouter()


class DisclosureRequest(RequestModel):
    """What every disclosure without consent states: about whom, to whom, and why."""

    personnummer: Personnummer
    parties: Parties
    justification: Annotated[str, Field(min_length=1, max_length=4000)]


class EmergencyDisclosureRequest(DisclosureRequest):
    valid_hours: Annotated[int, Field(ge=1, le=24 * 14)] = 72


class UnbornChildDisclosureRequest(DisclosureRequest):
    consent_sought: bool = Field(description="Consent was sought as far as possible (C-6).")
    valid_days: Annotated[int, Field(ge=1, le=366)] = 280


D = TypeVar("D", DecideEmergencyDisclosure, DecideUnbornChildDisclosure)


@dataclass(frozen=True)
class _Kind(Generic[D]):
    """What tells the two disclosures without consent apart."""

    command: type[D]
    decide: Callable[..., UUID]
    """The application's use case: given the actor, the command and the clock's now."""
    purpose: str
    path: str


EMERGENCY = _Kind(
    DecideEmergencyDisclosure,
    ConsentApplication.decide_emergency_disclosure,
    purpose="emergency disclosure (BrB 24:4)",
    path="/v1/emergency-disclosures",
)
UNBORN_CHILD = _Kind(
    DecideUnbornChildDisclosure,
    ConsentApplication.decide_unborn_child_disclosure,
    purpose="unborn-child disclosure (OSL 26:9)",
    path="/v1/unborn-child-disclosures",
)


def _decided(
    caller: Caller, body: DisclosureRequest, kind: _Kind[D], valid_for: timedelta
) -> Created:
    """The decision the body asks for, about the individual its personnummer names, made
    and answered: logged as a change about them, and found under the kind's path."""
    subject_id = subject_id_for(caller.request, body.personnummer)
    command = command_from(
        body, kind.command, subject_id=subject_id, parties=list(body.parties), valid_for=valid_for
    )
    application = caller.application(ConsentApplication)
    disclosure_id = kind.decide(application, caller.actor, command, at=caller.now)
    path = f"{kind.path}/{disclosure_id}"
    return created(caller, disclosure_id, subject_id, kind.purpose, path)


@router.post("/emergency-disclosures", status_code=201, openapi_extra=PERSONAL_DATA)
def decide_emergency_disclosure(
    body: EmergencyDisclosureRequest, caller: Annotated[Caller, may("disclosure.emergency")]
) -> Created:
    """Record an emergency disclosure (BrB 24:4, C-5) when there is no consent."""
    return _decided(caller, body, EMERGENCY, timedelta(hours=body.valid_hours))


@router.post("/unborn-child-disclosures", status_code=201, openapi_extra=PERSONAL_DATA)
def decide_unborn_child_disclosure(
    body: UnbornChildDisclosureRequest, caller: Annotated[Caller, may("disclosure.unborn_child")]
) -> Created:
    """Record a disclosure to protect an expected child (OSL 26:9, C-6).

    OSL chapter 26 is the social services' secrecy, so it is theirs to decide.
    """
    return _decided(caller, body, UNBORN_CHILD, timedelta(days=body.valid_days))
