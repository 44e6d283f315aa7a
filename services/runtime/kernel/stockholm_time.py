"""Calendar time in Sweden: deadlines and "today" are Europe/Stockholm dates."""

from __future__ import annotations

from datetime import MAXYEAR, date, datetime
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def stockholm_date(instant: datetime) -> date:
    """The calendar date in Sweden at an instant (a report at 23:30 UTC is already tomorrow).

    At the very ends of the calendar the conversion would overflow; the
    answer there is the calendar's own end, so "too late" stays a rule
    violation rather than a crash.
    """
    try:
        return instant.astimezone(STOCKHOLM).date()
    except OverflowError:
        return date.max if instant.year == MAXYEAR else date.min
