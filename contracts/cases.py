"""Events the cases service publishes: routing, age transitions, handovers, SIP, meetings.

Payloads carry only ids, codes, dates and organisation ids; case content
stays in the cases service and is read through its API.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar
from uuid import UUID

from pydantic import AwareDatetime

from contracts.base import HsaId, SubjectEvent


class AgeTransitionDue(SubjectEvent):
    """A child & youth case must now be announced to the adult unit (K-4, seed 003).

    Raised on the announcement date, six months before `transition_on` (the
    19th birthday, or the 21st when placed by family care). Escalation's
    termly alignment meeting lists these as upcoming transfers (E-7).
    """

    service: ClassVar[str] = "cases"
    version: ClassVar[int] = 1

    case_id: UUID
    unit: HsaId
    """The organisation unit that holds the case now."""
    transition_on: date
    announce_by: date
    due_at: AwareDatetime


__all__ = ["AgeTransitionDue"]
