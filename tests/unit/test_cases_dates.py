"""The calendar rules cases depends on (K-4 age transitions, K-5 working days): pure."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.cases.domain import (
    acknowledgement_deadline,
    age_transition,
    birthday,
    months_before,
    start_of_day,
)

OPENED = datetime(2025, 1, 10, 9, 0, tzinfo=UTC)


def test_k4_announce_six_months_before_19th_birthday() -> None:
    transition = age_transition(date(2007, 9, 1), placed_by_family_care=False, opened_at=OPENED)

    assert transition.transition_on == date(2026, 9, 1)
    assert transition.announce_by == date(2026, 3, 1)
    # Raised at the start of the announcement day, overdue once that day has passed.
    assert transition.due_at == datetime(2026, 2, 28, 23, 0, tzinfo=UTC)
    assert transition.overdue_at == datetime(2026, 3, 1, 23, 0, tzinfo=UTC)


def test_k4_placed_by_family_care_the_transition_is_the_21st_birthday() -> None:
    transition = age_transition(date(2007, 9, 1), placed_by_family_care=True, opened_at=OPENED)

    assert (transition.transition_on, transition.announce_by) == (
        date(2028, 9, 1),
        date(2028, 3, 1),
    )


def test_k4_born_on_29_february_transitions_on_1_march() -> None:
    transition = age_transition(date(2008, 2, 29), placed_by_family_care=False, opened_at=OPENED)

    assert transition.transition_on == date(2027, 3, 1)
    assert transition.announce_by == date(2026, 9, 1)


def test_k4_a_leap_year_birthday_on_29_february_exists() -> None:
    assert birthday(date(2004, 2, 29), 20) == date(2024, 2, 29)
    assert birthday(date(2004, 2, 29), 19) == date(2023, 3, 1)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 8, 31), date(2026, 2, 28)),  # no 31 February: the month's last day
        (date(2028, 8, 31), date(2028, 2, 29)),  # leap year
        (date(2026, 9, 30), date(2026, 3, 30)),
        (date(2027, 3, 15), date(2026, 9, 15)),  # across a year
        (date(2026, 12, 31), date(2026, 6, 30)),
    ],
)
def test_k4_six_months_before_a_month_end_is_the_shorter_months_last_day(
    day: date, expected: date
) -> None:
    assert months_before(day, 6) == expected


def test_k4_due_and_overdue_on_the_day_summer_time_begins() -> None:
    # 29 March 2026 has 23 hours in Stockholm: it starts at 23:00 UTC (CET) and
    # ends at 22:00 UTC (CEST).
    transition = age_transition(date(2007, 9, 29), placed_by_family_care=False, opened_at=OPENED)

    assert transition.announce_by == date(2026, 3, 29)
    assert transition.due_at == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    assert transition.overdue_at == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)
    assert transition.overdue_at - transition.due_at == timedelta(hours=23)


def test_k4_due_and_overdue_on_the_day_summer_time_ends() -> None:
    # 25 October 2026 has 25 hours in Stockholm.
    transition = age_transition(date(2008, 4, 25), placed_by_family_care=False, opened_at=OPENED)

    assert transition.announce_by == date(2026, 10, 25)
    assert transition.due_at == datetime(2026, 10, 24, 22, 0, tzinfo=UTC)
    assert transition.overdue_at - transition.due_at == timedelta(hours=25)


def test_k4_opened_after_its_announcement_date_due_at_once_overdue_at_the_birthday() -> None:
    opened = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
    transition = age_transition(date(2007, 9, 1), placed_by_family_care=False, opened_at=opened)

    assert transition.announce_by == date(2026, 3, 1)
    assert transition.due_at == opened
    assert transition.overdue_at == start_of_day(date(2026, 9, 1))


def test_k4_a_case_opened_on_its_announcement_date_keeps_that_deadline() -> None:
    opened = datetime(2026, 3, 1, 15, 0, tzinfo=UTC)
    transition = age_transition(date(2007, 9, 1), placed_by_family_care=False, opened_at=opened)

    assert transition.due_at == start_of_day(date(2026, 3, 1))
    assert transition.overdue_at == start_of_day(date(2026, 3, 2))


@pytest.mark.parametrize(
    ("sent", "days", "last_day"),
    [
        # Tuesday: Wednesday, Thursday, Friday.
        (datetime(2026, 3, 3, 9, 0, tzinfo=UTC), 3, date(2026, 3, 6)),
        # Friday: the weekend does not count.
        (datetime(2026, 3, 6, 9, 0, tzinfo=UTC), 1, date(2026, 3, 9)),
        # Sent on a Saturday: Monday is the first working day.
        (datetime(2026, 3, 7, 9, 0, tzinfo=UTC), 1, date(2026, 3, 9)),
        # Maundy Thursday: Good Friday and Easter Monday are public holidays.
        (datetime(2026, 4, 2, 9, 0, tzinfo=UTC), 2, date(2026, 4, 8)),
        # Midsummer eve is treated as a Sunday (semesterlagen 7 §).
        (datetime(2026, 6, 18, 9, 0, tzinfo=UTC), 1, date(2026, 6, 22)),
        # Christmas: eve, day, Boxing Day (a Saturday), Sunday.
        (datetime(2026, 12, 23, 9, 0, tzinfo=UTC), 3, date(2026, 12, 30)),
        # 23:30 UTC on a Thursday is Friday in Stockholm: Friday is the day of sending.
        (datetime(2026, 3, 5, 23, 30, tzinfo=UTC), 1, date(2026, 3, 9)),
    ],
)
def test_k5_acknowledgement_deadline_counts_swedish_working_days(
    sent: datetime, days: int, last_day: date
) -> None:
    assert acknowledgement_deadline(sent, days) == last_day


def test_k4_the_reminder_comes_a_lead_time_before_the_announcement_date() -> None:
    """K-4: with a 30-day lead the reminder comes on 30 January for a 1 March deadline;
    the case is still overdue only once 1 March has passed."""
    transition = age_transition(
        date(2007, 9, 1), placed_by_family_care=False, opened_at=OPENED, reminder_lead_days=30
    )

    assert transition.announce_by == date(2026, 3, 1)
    assert transition.due_at == start_of_day(date(2026, 1, 30))
    assert transition.overdue_at == start_of_day(date(2026, 3, 2))


def test_k4_a_case_opened_within_the_lead_time_is_reminded_at_once() -> None:
    """K-4: opened after the reminder day but before the deadline, the reminder comes at
    once and the deadline stands."""
    opened = datetime(2026, 2, 10, 9, 0, tzinfo=UTC)
    transition = age_transition(
        date(2007, 9, 1), placed_by_family_care=False, opened_at=opened, reminder_lead_days=30
    )

    assert transition.due_at == opened
    assert transition.overdue_at == start_of_day(date(2026, 3, 2))
