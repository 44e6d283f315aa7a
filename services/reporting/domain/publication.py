"""Publishing the annual report (D-5): the counts handed to the local collaboration body.

Pure domain: no I/O, no clock. Seed 002 has the year's de-identified report
sent to the managers of the local collaboration body; publishing it records
*that* it was sent and the counts it showed, each as published under
disclosure control (None when suppressed), so partners can follow the
indicators without ever seeing a cell of 1-4, a subject or free text.

One aggregate per year and collaboration area (its id derived from both).
Publishing the same year and area again is allowed and makes a new
*revision*: the year's counts can still change after it ends (a follow-up
moves a new-visit screening to "followed up", a late event arrives), and
the body should get the corrected figures rather than a refusal. Each
revision is a whole new set of counts, never a difference.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.utils import register_topic

from services.reporting.domain.annual_report import (
    PROBLEM_AREA_TABLE,
    USER_INVOLVEMENT_TABLE,
    AnnualReport,
)
from services.reporting.domain.annual_review import ACTIONS_TABLE
from services.reporting.domain.disclosure import TOTAL
from services.reporting.domain.errors import YearNotBegun
from services.runtime.kernel.aggregate import Aggregate, event
from services.runtime.kernel.stockholm_time import stockholm_date

_NAMESPACE = uuid5(NAMESPACE_URL, "https://samverkan.se/reporting/annual-report")


def publication_id(year: int, area: str) -> UUID:
    """The same year and area always name the same publication."""
    return uuid5(_NAMESPACE, f"{year}/{area}")


def publishable_year(year: int, published_at: datetime) -> int:
    """D-5 (seed 002): the report is the year's; a year that has not begun in Sweden
    has nothing to report yet. The current year may be published (and again later)."""
    if year > stockholm_date(published_at).year:
        raise YearNotBegun(f"year {year} has not begun; there is nothing to publish yet")
    return year


@dataclass(frozen=True)
class PublishedCounts:
    """What a publication carries: disclosure-controlled counts only (D-5)."""

    disclosure_method: str
    deviations: int | None
    deviations_by_category: list[tuple[str, int | None]]
    indicators: list[tuple[str, str, str, str, int | None]]
    """(indicator group, measure, row, column, count) of every indicator table."""
    deviations_by_problem_area: list[tuple[str, int | None]] = field(default_factory=list)
    """(problem area or ``unspecified``, count): D-5's breakdown, its margin per area."""
    user_involvement: list[tuple[str, str, int | None]] = field(default_factory=list)
    """(``deviations`` or ``actions``, involvement, count): D-9's indicator, its margins."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "disclosure_method": self.disclosure_method,
            "deviations": self.deviations,
            "deviations_by_category": [list(c) for c in self.deviations_by_category],
            "indicators": [list(i) for i in self.indicators],
            "deviations_by_problem_area": [list(a) for a in self.deviations_by_problem_area],
            "user_involvement": [list(u) for u in self.user_involvement],
        }


def published_counts(report: AnnualReport, disclosure_method: str) -> PublishedCounts:
    """The counts of `report` as they were shown: its tables' values, nothing more."""
    by_category: list[tuple[str, int | None]] = []
    if report.tables and report.tables[0].rows:
        totals = report.tables[0].values[TOTAL]
        by_category = [(c, totals[c]) for c in report.tables[0].columns if c != TOTAL]
    indicators = [
        (table.indicator, table.measure, row, column, table.values[row][column])
        for table in report.tables
        if table.indicator
        for row in table.rows
        for column in table.columns
    ]
    tables = {t.measure: t for t in report.tables if t.measure}
    by_area: list[tuple[str, int | None]] = []
    if (areas := tables.get(PROBLEM_AREA_TABLE)) and areas.rows:
        by_area = [(row, areas.values[row][TOTAL]) for row in areas.rows if row != TOTAL]
    involvement: list[tuple[str, str, int | None]] = []
    for of, measure in (("deviations", USER_INVOLVEMENT_TABLE), ("actions", ACTIONS_TABLE)):
        if (table := tables.get(measure)) and table.rows:
            totals = table.values[TOTAL]
            involvement += [(of, c, totals[c]) for c in table.columns if c != TOTAL]
    return PublishedCounts(
        disclosure_method, report.deviations, by_category, indicators, by_area, involvement
    )


class AnnualReportPublication(Aggregate):
    """Every publication of one year's report for one collaboration area (D-5)."""

    class Published(Aggregate.Created):
        year: int
        area: str
        published_by_org: str
        counts: dict[str, Any]
        published_at: datetime

    class Revised(Aggregate.Event):
        # Repeated from the first publication so the public form needs no other state.
        year: int
        area: str
        published_by_org: str
        counts: dict[str, Any]
        published_at: datetime

    def __init__(
        self,
        *,
        year: int,
        area: str,
        published_by_org: str,
        counts: dict[str, Any],
        published_at: datetime,
    ) -> None:
        self.year = year
        self.area = area
        self.published_by_org = published_by_org
        self.counts = counts
        self.published_at = published_at

    @classmethod
    def publish(
        cls,
        *,
        year: int,
        area: str,
        published_by_org: str,
        counts: PublishedCounts,
        published_at: datetime,
    ) -> AnnualReportPublication:
        """The first publication of the year's report for the area: revision 1."""
        return cls._create(
            cls.Published,
            id=publication_id(year, area),
            year=publishable_year(year, published_at),
            area=area,
            published_by_org=published_by_org,
            counts=counts.as_dict(),
            published_at=published_at,
        )

    def publish_again(
        self, *, published_by_org: str, counts: PublishedCounts, published_at: datetime
    ) -> None:
        """A new revision with the counts as they are now (see the module docstring)."""
        self._revise(
            year=self.year,
            area=self.area,
            published_by_org=published_by_org,
            counts=counts.as_dict(),
            published_at=published_at,
        )

    @event(Revised)
    def _revise(
        self,
        *,
        year: int,
        area: str,
        published_by_org: str,
        counts: dict[str, Any],
        published_at: datetime,
    ) -> None:
        self.published_by_org = published_by_org
        self.counts = counts
        self.published_at = published_at

    @property
    def revision(self) -> int:
        """1 for the first publication, then one more per revision."""
        return self.version


# Events stored before the domain became a package name this module
# ``services.reporting.publication`` in their topics; they resolve to it still.
register_topic("services.reporting.publication", sys.modules[__name__])
