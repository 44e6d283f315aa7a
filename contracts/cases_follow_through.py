"""Events the cases service publishes when a decision is told to the individual (K-11) and
when a handover is followed through by the receiving unit (K-12).

Ids, codes, dates and organisation ids only: the new plan's text and who the trustee
(förvaltare/god man) is stay in the cases service.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import AwareDatetime, Field

from contracts.base import HsaId, OrgIds
from contracts.cases import CaseDecision, CasesEvent
from contracts.vocabulary import LegalBasis


class InformedManner(StrEnum):
    """How the individual was told (K-11, K-12): in person, by letter, by phone or digitally."""

    IN_PERSON = "in_person"
    LETTER = "letter"
    PHONE = "phone"
    DIGITAL = "digital"


class CaseDecisionTold(CasesEvent):
    """The deciding unit told the individual of its decision (K-11, seed 003: "Beslut
    meddelas därefter den enskilde av den enhet där beslut fattas")."""

    version: ClassVar[int] = 1

    case_id: UUID
    number: Annotated[int, Field(ge=1)]
    """The decision's place in the case, from 1 (its `GET /v1/cases/{id}/decisions/{n}`)."""
    unit: HsaId
    """The deciding unit, the one that told."""
    decision: CaseDecision
    decided_at: AwareDatetime
    told_at: AwareDatetime
    manner: InformedManner


class FollowThroughMeetingScheduled(CasesEvent):
    """The receiving unit's deputy unit manager booked the joint officials' meeting after a
    handover (K-12): `units` are the officials' and other care providers' units invited;
    `trustee_invited` whether a förvaltare/god man (or guardian) is."""

    version: ClassVar[int] = 1

    follow_through_id: UUID
    case_id: UUID
    handover_id: UUID
    unit: HsaId
    """The receiving unit, now holding the case."""
    units: OrgIds
    trustee_invited: bool
    legal_basis: LegalBasis
    """C-11: what the meeting shares on: a consent (to `case_handover` or
    `information_sharing`) or an emergency disclosure (C-5) naming every unit."""
    basis_id: UUID
    """The consent's or the disclosure's id."""
    starts_at: AwareDatetime
    ends_at: AwareDatetime


class FollowThroughMeetingHeld(CasesEvent):
    """The joint officials' meeting was held and made a new plan (K-12); the plan stays in
    cases."""

    version: ClassVar[int] = 1

    follow_through_id: UUID
    case_id: UUID
    handover_id: UUID
    unit: HsaId
    attended_units: OrgIds
    trustee_attended: bool
    held_at: AwareDatetime


class ClientInformedOfCaseCourse(CasesEvent):
    """After the joint officials' meeting the client was told how the case goes on (K-12):
    the handover's follow-through is complete."""

    version: ClassVar[int] = 1

    follow_through_id: UUID
    case_id: UUID
    handover_id: UUID
    unit: HsaId
    informed_at: AwareDatetime
    manner: InformedManner


__all__ = [
    "CaseDecisionTold",
    "ClientInformedOfCaseCourse",
    "FollowThroughMeetingHeld",
    "FollowThroughMeetingScheduled",
    "InformedManner",
]
