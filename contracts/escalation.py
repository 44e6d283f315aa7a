"""Events the escalation service publishes: the red thread and its meetings."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import AwareDatetime, Field, StringConstraints

from contracts.base import (
    Distinct,
    HsaId,
    OrgIds,
    SubjectEvent,
)
from contracts.vocabulary import LegalBasis, OrgType


class MeasureTried(StrEnum):
    """Measures tried before the red thread was pulled (E-2)."""

    SIP = "sip"
    CARE_PLANNING = "care_planning"
    THREE_PARTY_MEETING = "three_party_meeting"
    OTHER = "other"


MUNICIPALITY_CODE_PATTERN = r"^[0-9]{4}$"
"""Swedish kommunkod, e.g. "0180" (Stockholm): where the individual's case belongs."""


class RedThreadPulled(SubjectEvent):
    """A blue-light service pulled the red thread: emergency escalation (E-1, E-2).

    Who may pull (E-1) is the escalation service's rule, not the contract's: the
    event records the puller's organisation type so consumers can see it.
    """

    service: ClassVar[str] = "escalation"
    version: ClassVar[int] = 1

    red_thread_id: UUID
    pulled_at: AwareDatetime
    pulled_by: HsaId
    pulled_by_org_type: OrgType
    measures_tried: Annotated[
        tuple[MeasureTried, ...],
        Field(min_length=1, json_schema_extra={"uniqueItems": True}),
        Distinct,
    ]
    burdened_orgs: OrgIds
    """HSA-ids of the organisations unreasonably burdened (E-2)."""
    municipality_code: Annotated[str, StringConstraints(pattern=MUNICIPALITY_CODE_PATTERN)]


class MeetingScheduled(SubjectEvent):
    """The coordinator convened the red-thread meeting (E-3) on a legal basis (E-4, C-9).

    `basis_id` is the consent id or emergency disclosure id the meeting relies on.
    """

    service: ClassVar[str] = "escalation"
    version: ClassVar[int] = 1

    red_thread_id: UUID
    meeting_at: AwareDatetime
    invited_orgs: OrgIds
    legal_basis: LegalBasis
    basis_id: UUID
    """Id of the consent or emergency disclosure that `legal_basis` refers to."""
    scheduled_by: HsaId


__all__ = [
    "MUNICIPALITY_CODE_PATTERN",
    "MeasureTried",
    "MeetingScheduled",
    "RedThreadPulled",
]
