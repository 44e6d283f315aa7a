"""D-5: publishing the annual report records its counts as published, once per year and
area with a new revision each time it is published again (pure domain)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.reporting.domain.annual_report import DeviationFacts, annual_report
from services.reporting.domain.measures import Row
from services.reporting.domain.publication import (
    AnnualReportPublication,
    YearNotBegun,
    publication_id,
    published_counts,
)

UNIT = "SE2321000016-HC01"
# 23:30 UTC on New Year's Eve is already the new year in Stockholm.
NEW_YEAR = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)


def deviation(category: str, n: int) -> DeviationFacts:
    return DeviationFacts(
        reported_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC) + timedelta(days=n),
        category=category,
        detected=False,
        summarised=False,
        what_happened="Ingen SIP gjordes.",
        improvement_proposal="",
        solution="",
        remaining_problems="",
        names=(),
    )


def test_d5_a_publication_carries_the_counts_as_published_never_the_raw_ones() -> None:
    facts = [deviation("no_sip", n) for n in range(9)] + [
        deviation("routines", n) for n in range(2)
    ]
    rows = [
        Row(
            "decisions_child_perspective_by_target_group", "2026-03", "co_morbidity:considered", 12
        ),
        Row(
            "decisions_child_perspective_by_target_group",
            "2026-03",
            "co_morbidity:not_considered",
            3,
        ),
    ]
    counts = published_counts(annual_report(2026, "all", facts, indicators=rows), "suppression")
    assert counts.deviations == 11
    assert dict(counts.deviations_by_category) == {"no_sip": None, "routines": None}
    cells = {(m, r, c): n for _, m, r, c, n in counts.indicators}
    measure = "decisions_child_perspective_by_target_group"
    assert cells[(measure, "co_morbidity", "not_considered")] is None
    assert cells[(measure, "co_morbidity", "considered")] is None  # else 15 - 12 = 3
    assert all(n is None or n == 0 or n >= 5 for *_, n in counts.indicators)
    assert {i for i, *_ in counts.indicators} == {"quality"}


def test_d5_the_same_year_and_area_again_is_the_next_revision_of_one_publication() -> None:
    counts = published_counts(annual_report(2026, "all", []), "suppression")
    publication = AnnualReportPublication.publish(
        year=2026, area="all", published_by_org=UNIT, counts=counts, published_at=NEW_YEAR
    )
    assert publication.revision == 1
    publication.publish_again(published_by_org=UNIT, counts=counts, published_at=NEW_YEAR)
    assert publication.revision == 2
    assert publication.id == publication_id(2026, "all")
    assert publication_id(2026, "SE2321000016") != publication.id
    assert publication_id(2025, "all") != publication.id
    events = publication.collect_events()
    assert [type(e).__name__ for e in events] == ["Published", "Revised"]
    assert (events[1].year, events[1].area) == (2026, "all")  # type: ignore[attr-defined]


def test_d5_a_year_that_has_not_begun_in_sweden_cannot_be_published() -> None:
    counts = published_counts(annual_report(2027, "all", []), "suppression")
    AnnualReportPublication.publish(
        year=2027, area="all", published_by_org=UNIT, counts=counts, published_at=NEW_YEAR
    )
    with pytest.raises(YearNotBegun) as refused:
        AnnualReportPublication.publish(
            year=2028, area="all", published_by_org=UNIT, counts=counts, published_at=NEW_YEAR
        )
    assert refused.value.rule == "D-5"
