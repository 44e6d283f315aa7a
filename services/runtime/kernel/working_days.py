"""Swedish working days: which days count when a deadline is "N working days after".

One implementation for every service (cases' handovers and meetings, K-5 and E-11;
escalation's red-thread meetings, E-11). A "day" is a calendar day in Sweden
(Europe/Stockholm); a deadline that ends with a day ends at the first instant of the
next Swedish day, so a 23-hour or 25-hour day (DST) is still one day.

`holidays` is imported on the first deadline counted, not at start: ~4 MB
resident for the package, and its calendar of Sweden loads every country's
module with it (~8 MB more), which a process that never counts working days
should not carry (#24).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from services.runtime.kernel.stockholm_time import STOCKHOLM, stockholm_date

if TYPE_CHECKING:
    from holidays import HolidayBase


def start_of_day(day: date) -> datetime:
    """The first instant of a Swedish calendar day, in UTC.

    UTC, because Python subtracts and compares two datetimes of the same zone
    by wall clock: 00:00 to 00:00 across a DST change would look like 24 hours.
    """
    return datetime.combine(day, time(0), tzinfo=STOCKHOLM).astimezone(UTC)


def end_of_day(day: date) -> datetime:
    """The first instant after a Swedish calendar day: when "by `day`" has passed."""
    return start_of_day(day + timedelta(days=1))


def swedish_non_working_days() -> HolidayBase:
    """Public holidays plus midsummer, Christmas and New Year's Eve, which Swedish law
    treats like Sundays (semesterlagen 7 §); weekends are not working days either."""
    import holidays

    calendar_: HolidayBase = holidays.country_holidays(
        "SE", categories=(holidays.PUBLIC, holidays.DE_FACTO)
    )
    return calendar_


def working_days_after(instant: datetime, working_days: int) -> date:
    """The `working_days`-th Swedish working day after the Stockholm day of `instant`.

    That day does not count, whatever the hour; weekends, public holidays and
    midsummer, Christmas and New Year's Eve do not count.
    """
    if working_days < 1:
        raise ValueError("working_days must be at least 1")
    return swedish_non_working_days().get_nth_working_day(stockholm_date(instant), working_days)


def meeting_record_overdue_at(starts_at: datetime) -> datetime:
    """E-11: a booked meeting not recorded as held by the end of the first Swedish working
    day after its date is overdue (nothing stalls silently)."""
    return end_of_day(working_days_after(starts_at, 1))
