"""Routing of new reports and applications (K-1, K-2, seed 003): pure rule, no I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from contracts import RoutingReason, UnitKind
from services.cases.domain import Need, Routing, age_on, route

MORNING = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def routed(
    born: date, *needs: Need, known_child_case: bool = False, at: datetime = MORNING
) -> Routing:
    """Where a report about someone born on `born`, with `needs`, received `at` goes."""
    return route(
        birth_date=born, received_at=at, needs=list(needs), known_child_case=known_child_case
    )


def test_k1_unknown_adult_goes_to_aof_by_the_main_rule() -> None:
    routing = routed(date(1980, 5, 1), Need.DISABILITY)

    assert (routing.unit_kind, routing.rule, routing.reason) == (
        UnitKind.AOF,
        "K-1",
        RoutingReason.ADULT_MAIN_RULE,
    )
    assert routing.age_on_arrival == 45
    assert routing.parallel is None


@pytest.mark.parametrize(
    "need", [Need.SUBSTANCE_MISUSE, Need.ECONOMIC_ASSISTANCE, Need.RELATIONSHIP_VIOLENCE]
)
def test_k1_adult_with_a_clear_iof_need_goes_to_iof(need: Need) -> None:
    routing = routed(date(1980, 5, 1), need)

    assert (routing.unit_kind, routing.reason) == (UnitKind.IOF, RoutingReason.ADULT_IOF_NEED)
    assert routing.parallel is None


def test_k1_other_needs_alone_keep_an_adult_at_aof() -> None:
    routing = routed(date(1980, 5, 1), Need.OTHER)

    assert routing.unit_kind is UnitKind.AOF


def test_k1_misuse_and_social_psychiatry_open_parallel_investigations() -> None:
    routing = routed(date(2007, 1, 15), Need.SUBSTANCE_MISUSE, Need.MENTAL_ILLNESS)

    assert routing.age_on_arrival == 19
    assert (routing.unit_kind, routing.parallel) == (UnitKind.IOF, UnitKind.AOF)
    assert routing.needs == (Need.SUBSTANCE_MISUSE, Need.MENTAL_ILLNESS)


def test_k1_adult_at_aof_with_a_child_welfare_need_gets_iof_in_parallel() -> None:
    routing = routed(date(1990, 1, 1), Need.DISABILITY, Need.CHILD_WELFARE)

    assert (routing.unit_kind, routing.parallel) == (UnitKind.AOF, UnitKind.IOF)


def test_k1_a_new_child_goes_to_child_and_youth_at_iof() -> None:
    routing = routed(date(2012, 6, 1), Need.CHILD_WELFARE)

    assert (routing.unit_kind, routing.reason) == (UnitKind.IOF, RoutingReason.CHILD_AND_YOUTH)


def test_k1_a_new_child_with_only_a_disability_goes_to_aof() -> None:
    routing = routed(date(2012, 6, 1), Need.DISABILITY)

    assert (routing.unit_kind, routing.reason) == (UnitKind.AOF, RoutingReason.CHILD_AOF_NEED)


def test_k2_a_returning_child_case_goes_back_to_iof_under_19() -> None:
    routing = routed(date(2012, 6, 1), Need.DISABILITY, known_child_case=True)

    assert (routing.unit_kind, routing.rule, routing.reason) == (
        UnitKind.IOF,
        "K-2",
        RoutingReason.RETURNING_CHILD_CASE,
    )
    assert routing.parallel is UnitKind.AOF


def test_k2_does_not_apply_from_the_19th_birthday() -> None:
    routing = routed(date(2007, 3, 2), Need.DISABILITY, known_child_case=True)

    assert routing.age_on_arrival == 19
    assert (routing.unit_kind, routing.rule) == (UnitKind.AOF, "K-1")


def test_k1_age_counts_on_the_swedish_day_the_report_arrives() -> None:
    # 23:30 UTC on 1 March 2026 is already 2 March in Stockholm: the 19th birthday.
    late_evening_utc = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    routing = routed(date(2007, 3, 2), Need.DISABILITY, known_child_case=True, at=late_evening_utc)

    assert routing.arrived_on == date(2026, 3, 2)
    assert (routing.age_on_arrival, routing.unit_kind) == (19, UnitKind.AOF)


def test_k1_age_on_the_day_before_a_summer_birthday_in_summer_time() -> None:
    # 21:59 UTC on 14 June is 23:59 CEST: still the day before the birthday.
    evening = datetime(2026, 6, 14, 21, 59, tzinfo=UTC)
    routing = routed(date(2007, 6, 15), Need.SUBSTANCE_MISUSE, at=evening)

    assert routing.age_on_arrival == 18
    assert routing.reason is RoutingReason.CHILD_AND_YOUTH


@pytest.mark.parametrize(
    ("day", "age"),
    [
        (date(2027, 2, 28), 18),
        (date(2027, 3, 1), 19),
        (date(2028, 2, 28), 19),
        (date(2028, 2, 29), 20),
    ],
)
def test_k1_born_on_29_february_turns_older_on_1_march_in_common_years(day: date, age: int) -> None:
    assert age_on(date(2008, 2, 29), day) == age


def test_k1_a_leap_day_child_is_routed_as_an_adult_from_1_march() -> None:
    def kind_on(day: datetime) -> UnitKind:
        return routed(date(2008, 2, 29), Need.DISABILITY, known_child_case=True, at=day).unit_kind

    assert kind_on(datetime(2027, 2, 28, 12, tzinfo=UTC)) is UnitKind.IOF  # K-2, still 18
    assert kind_on(datetime(2027, 3, 1, 12, tzinfo=UTC)) is UnitKind.AOF  # 19: K-1
