"""Statistics and indicators (D-6) under disclosure control (D-5), as JSON and CSV.

Readable by any authenticated member of staff: they leave only aggregated,
small counts and whatever would reveal them suppressed.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Query, Response
from pydantic import BaseModel, Field

from services.reporting.api.routers import (
    CSV_MEDIA_TYPE,
    CSV_RESPONSE,
    new_router,
)
from services.reporting.domain.disclosure import (
    CELL_KEY,
    TOTAL,
    DisclosureControl,
    Published,
    grid,
    share,
)
from services.reporting.domain.measures import (
    INDICATORS,
    MEASURES,
    SHARES,
    Row,
    Share,
    split_dimension,
)
from services.reporting.policy import may
from services.reporting.rendering.spreadsheet import CellValue, csv_text
from services.reporting.views.statistics import StatisticsView
from services.runtime.http.caller import Caller

router = new_router()

SUPPRESSION_NOTE = "counts 1-4 are shown as null with suppressed=true (D-5)"
CELL_KEY_NOTE = "Cell Key Method: every value has small consistent noise; none is 1-4 (D-5)"
SECONDARY_NOTE = (
    "further values are suppressed so that no suppressed value can be recomputed from "
    "the month or dimension totals"
)


class Cell(BaseModel):
    month: str = Field(examples=["2026-11"])
    dimension: str = Field(examples=["police"])
    count: int | None = Field(description="Null when suppressed (D-5).")
    suppressed: bool


class Margin(BaseModel):
    key: str = Field(description="The month, the dimension value, or 'total'.")
    count: int | None = Field(description="Null when suppressed (D-5).")
    suppressed: bool


class Totals(BaseModel):
    by_month: list[Margin]
    by_dimension: list[Margin]
    all: Margin


class ShareCell(BaseModel):
    month: str = Field(description="The month, or 'total' for the whole period.")
    target_group: str = Field(examples=["co_morbidity"])
    share: float | None = Field(description="Null when a count it comes from is suppressed.")
    suppressed: bool


class StatisticsReport(BaseModel):
    suppression: str = SUPPRESSION_NOTE
    secondary_suppression: str = SECONDARY_NOTE
    measures: dict[str, list[Cell]]
    totals: dict[str, Totals] = Field(
        default_factory=dict, description="Each measure's margins, disclosure-controlled too."
    )
    indicators: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="The D-6 indicator groups and their measures."
    )
    shares: dict[str, list[ShareCell]] = Field(
        default_factory=dict,
        description=(
            "D-6 shares per month and target group, from the published counts: suppressed "
            "when either count is."
        ),
    )


def published_tables(
    rows: list[Row], control: DisclosureControl | None = None
) -> dict[str, Published]:
    """Every measure's table with margins, under the configured disclosure control."""
    control = control or DisclosureControl()
    by_measure: dict[str, list[tuple[str, str, int]]] = {measure: [] for measure in MEASURES}
    for row in rows:
        by_measure.setdefault(row.measure, []).append((row.month, row.dimension, row.count))
    return {m: control.publish(m, grid(cells)) for m, cells in by_measure.items()}


def _margin(key: str, table: Published, entry: tuple[str, str]) -> Margin:
    shown = table.shown(entry)
    return Margin(key=key, count=shown, suppressed=shown is None)


def share_cells(table: Published, definition: Share) -> list[ShareCell]:
    """The share per month (and over the period) and target group of one by-group table."""
    groups = sorted({split_dimension(c)[0] for _, c in table.counts if c != TOTAL and ":" in c})
    months = [*sorted({r for r, _ in table.counts if r != TOTAL}), TOTAL]
    cells = []
    for month in months:
        for group in groups:
            part = table.shown((month, f"{group}:{definition.part}"))
            other = table.shown((month, f"{group}:{definition.other}"))
            if part == 0 and other == 0:
                continue
            value = share(part, other)
            cells.append(
                ShareCell(month=month, target_group=group, share=value, suppressed=value is None)
            )
    return cells


def statistics_report(
    rows: list[Row], control: DisclosureControl | None = None
) -> StatisticsReport:
    measures: dict[str, list[Cell]] = {}
    totals: dict[str, Totals] = {}
    tables = published_tables(rows, control)
    for measure, table in tables.items():
        measures[measure] = [
            Cell(month=month, dimension=dimension, count=count, suppressed=count is None)
            for month, dimension, count in table.cells()
        ]
        if not table.counts:
            continue
        months = sorted({r for r, _ in table.counts if r != TOTAL})
        dimensions = sorted({c for _, c in table.counts if c != TOTAL})
        totals[measure] = Totals(
            by_month=[_margin(m, table, (m, TOTAL)) for m in months],
            by_dimension=[_margin(d, table, (TOTAL, d)) for d in dimensions],
            all=_margin(TOTAL, table, (TOTAL, TOTAL)),
        )
    shares = {name: share_cells(tables[d.measure], d) for name, d in SHARES.items()}
    report = StatisticsReport(
        measures=measures, totals=totals, indicators=dict(INDICATORS), shares=shares
    )
    if control is not None and control.method == CELL_KEY:
        report.suppression = CELL_KEY_NOTE
        report.secondary_suppression = ""
    return report


def statistics_csv(report: StatisticsReport) -> str:
    """One line per published value: cells, then each measure's margins ("total"), then
    the D-6 shares (the share's name as measure, the target group as dimension, the
    share, a fraction from 0 to 1, as count). Written by the safe CSV writer."""
    rows: list[list[CellValue]] = []
    for measure, cells in report.measures.items():
        rows += [_csv_row(measure, c.month, c.dimension, c.count) for c in cells]
        margins = report.totals.get(measure)
        if margins is None:
            continue
        rows += [_csv_row(measure, m.key, TOTAL, m.count) for m in margins.by_month]
        rows += [_csv_row(measure, TOTAL, m.key, m.count) for m in margins.by_dimension]
        rows.append(_csv_row(measure, TOTAL, TOTAL, margins.all.count))
    for name, shares in report.shares.items():
        rows += [
            [name, ratio.month, ratio.target_group, ratio.share, str(ratio.suppressed)]
            for ratio in shares
        ]
    return csv_text(["measure", "month", "dimension", "count", "suppressed"], rows)


def _csv_row(measure: str, month: str, dimension: str, count: int | None) -> list[CellValue]:
    return [measure, month, dimension, count, str(count is None)]


@router.get("/statistics", response_model=StatisticsReport, responses=CSV_RESPONSE)
def get_statistics(
    caller: Annotated[Caller, may("statistics.read")],
    format: Annotated[Literal["json", "csv"], Query(description="json (default) or csv")] = "json",
) -> Any:
    """Monthly counts per measure (D-6 indicators), with margins; disclosure-controlled (D-5)."""
    report = _published(caller)
    if format == "csv":
        return Response(statistics_csv(report), media_type=CSV_MEDIA_TYPE)
    return report


@router.get("/statistics.csv", response_class=Response, responses=CSV_RESPONSE)
def get_statistics_csv(caller: Annotated[Caller, may("statistics.read")]) -> Response:
    """The same statistics as CSV (D-6), for spreadsheets."""
    return Response(statistics_csv(_published(caller)), media_type=CSV_MEDIA_TYPE)


def _published(caller: Caller) -> StatisticsReport:
    """The statistics view's counts, under the service's configured disclosure control."""
    view: StatisticsView = caller.request.app.state.statistics
    return statistics_report(view.counts(), caller.request.app.state.disclosure)
