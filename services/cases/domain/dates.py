"""The calendar rules cases depends on: ages, birthdays, announcement and working-day deadlines.

All pure functions of dates. A "day" is a calendar day in Sweden
(Europe/Stockholm); a deadline that ends with a day ends at the first instant
of the next Swedish day, so a 23-hour or 25-hour day (DST) is still one day.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from services.runtime.kernel.stockholm_time import stockholm_date
from services.runtime.kernel.working_days import (
    end_of_day,
    meeting_record_overdue_at,
    start_of_day,
    swedish_non_working_days,
    working_days_after,
)

__all__ = [
    "AgeTransition",
    "acknowledgement_deadline",
    "age_on",
    "age_transition",
    "announcement_overdue_at",
    "birthday",
    "end_of_day",
    "meeting_record_overdue_at",
    "months_before",
    "start_of_day",
    "swedish_non_working_days",
]

TRANSITION_AGE = 19
"""Child & youth holds a case until the individual turns 19 (K-1, K-4, seed 003)."""

FAMILY_CARE_TRANSITION_AGE = 21
"""Placed by family care: the youth unit keeps the case until 21 (K-4, seed 003)."""

ANNOUNCE_MONTHS_BEFORE = 6
"""Announce a transition at least six months before the birthday (K-4, seed 003)."""

REMINDER_LEAD_DAYS = 30
"""Default days before the announcement deadline the reminder comes (K-4): a reminder on
the deadline day itself leaves no time to raise the case at a meeting."""


def birthday(birth_date: date, years: int) -> date:
    """The day someone turns `years`; born on 29 February, they turn a year older on
    1 March in common years (the usual Swedish reading)."""
    year = birth_date.year + years
    if (birth_date.month, birth_date.day) == (2, 29) and not calendar.isleap(year):
        return date(year, 3, 1)
    return birth_date.replace(year=year)


def age_on(birth_date: date, day: date) -> int:
    """Completed years on `day` (K-1: age on the day the report or application arrives)."""
    years = day.year - birth_date.year
    return years if day >= birthday(birth_date, years) else years - 1


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier; where that month is shorter, its last day
    (31 August minus six months is the last day of February)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


@dataclass(frozen=True)
class AgeTransition:
    """When a child & youth case moves on, and when it must be announced (K-4).

    `due_at` is when the announcement reminder is raised (a lead time before
    `announce_by`); `overdue_at` is when a case still not announced is overdue.
    """

    transition_on: date
    announce_by: date
    due_at: datetime
    overdue_at: datetime


def age_transition(
    birth_date: date,
    *,
    placed_by_family_care: bool,
    opened_at: datetime,
    reminder_lead_days: int = 0,
) -> AgeTransition:
    """K-4 (seed 003): the 19th birthday, or the 21st for someone placed by family care;
    the case is announced at least six months before it.

    The reminder is raised at the start of the day `reminder_lead_days` before
    the announcement day (a service setting), or at once for a case opened
    after that day. The case is overdue once the announcement day has passed
    without an announcement. A case opened after its announcement day could
    not have met it: it is overdue only if still unannounced when the birthday
    comes — from then on the receiving unit decides (seed 003), so an
    unannounced case is a routine not followed (D-7).
    """
    years = FAMILY_CARE_TRANSITION_AGE if placed_by_family_care else TRANSITION_AGE
    transition_on = birthday(birth_date, years)
    announce_by = months_before(transition_on, ANNOUNCE_MONTHS_BEFORE)
    remind_on = announce_by - timedelta(days=reminder_lead_days)
    due_at = start_of_day(remind_on) if stockholm_date(opened_at) <= remind_on else opened_at
    return AgeTransition(
        transition_on,
        announce_by,
        due_at,
        announcement_overdue_at(transition_on, announce_by, due_at),
    )


def announcement_overdue_at(transition_on: date, announce_by: date, due_at: datetime) -> datetime:
    """K-4: when an unannounced case is overdue, given when its reminder came (`due_at`):
    once the announcement day has passed, or, for a case whose reminder came after that
    day (opened too late to meet it), at the birthday. One rule for the schedule and for
    the work list, which learns of the transition from its reminder (W-1)."""
    if stockholm_date(due_at) <= announce_by:
        return end_of_day(announce_by)
    return start_of_day(transition_on)


def acknowledgement_deadline(requested_at: datetime, working_days: int) -> date:
    """K-5: the receiving unit acknowledges a handover by the end of the
    `working_days`-th Swedish working day after the day it was sent (the kernel's
    working days: the day of sending does not count, nor weekends and holidays)."""
    return working_days_after(requested_at, working_days)
