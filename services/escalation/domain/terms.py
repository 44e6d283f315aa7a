"""The forums' calendar (E-7): meetings planned in turn, alignment and collaboration, and
half-year terms: the monthly forums take stock of upcoming transfers once a term, and the
transfers the cases topic announces are kept per unit and term.

Pure domain: no I/O, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from contracts import MonthlyMeetingKind


def term_of(day: date) -> str:
    """The half-year term a day falls in: "2026-VT" (Jan to Jun) or "2026-HT" (Jul to Dec)."""
    return f"{day.year}-{'VT' if day.month <= 6 else 'HT'}"


def next_term(term: str) -> str:
    year, half = term.split("-")
    return f"{year}-HT" if half == "VT" else f"{int(year) + 1}-VT"


def alternate(kind: MonthlyMeetingKind) -> MonthlyMeetingKind:
    """E-7: alignment and collaboration meetings take turns."""
    if kind is MonthlyMeetingKind.ALIGNMENT:
        return MonthlyMeetingKind.COLLABORATION
    return MonthlyMeetingKind.ALIGNMENT


@dataclass(frozen=True)
class PlannedMeeting:
    meeting_id: UUID
    starts_at: datetime
    kind: MonthlyMeetingKind
    minute_taker: str
    inventory: bool
