"""Calendar time in Sweden: deadlines and "today" are Europe/Stockholm dates."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def stockholm_date(instant: datetime) -> date:
    """The calendar date in Sweden at an instant (a report at 23:30 UTC is already tomorrow)."""
    return instant.astimezone(STOCKHOLM).date()
