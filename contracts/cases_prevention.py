"""Events the cases service publishes about prevention at a visit or contact (seed 004):
advice and referral after an AUDIT/DUDIT screening at risk (K-15) and the violence
question (K-16). The screening itself is `contracts.cases.ScreeningRecorded`.

Codes, flags and dates only: no score, no answer beyond its category, no account of
what happened.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar
from uuid import UUID

from pydantic import AwareDatetime

from contracts.cases import CasesEvent, TargetGroups
from contracts.vocabulary import OrgType, ScreeningInstrument, ViolenceExposure


class ScreeningAdviceRecorded(CasesEvent):
    """K-15: a screening at or above the risk threshold, and what followed it at the visit:
    whether brief advice was offered (rådgivning) and whether the individual was referred
    to more qualified interventions (sammanlänkning). Published only for a screening at
    risk; the score that put it there stays sealed in the cases service."""

    version: ClassVar[int] = 1

    screening_id: UUID
    """The `ScreeningRecorded` this follows."""
    instrument: ScreeningInstrument
    screened_on: date
    advice_offered: bool
    referred: bool
    """Referred to more qualified interventions (specialist care, social services)."""
    org_type: OrgType
    target_groups: TargetGroups
    recorded_at: AwareDatetime


class ViolenceQuestionRecorded(CasesEvent):
    """K-16: at a contact or visit, whether the violence question was asked, the answers'
    categories (the adult's own exposure and children's), and, where someone is exposed,
    whether support was offered. Never what happened."""

    version: ClassVar[int] = 1

    question_id: UUID
    contact_on: date
    """The Swedish day of the contact or visit."""
    asked: bool
    adult_exposure: ViolenceExposure | None
    """None when not asked."""
    children_exposure: ViolenceExposure | None
    """None when not asked; `no_children` when there are none to ask about."""
    support_offered: bool | None
    """Answered when anyone is exposed; otherwise None unless support was offered anyway."""
    org_type: OrgType
    target_groups: TargetGroups
    recorded_at: AwareDatetime


__all__ = ["ScreeningAdviceRecorded", "ViolenceQuestionRecorded"]
