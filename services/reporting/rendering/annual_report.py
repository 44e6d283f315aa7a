"""The annual report (D-5) as the working group opens it: CSV of the tables, or one HTML page.

Presentation, not domain: the report itself is built, scrubbed and
disclosure-controlled in `services.reporting.domain.annual_report`; this only
lays it out. It sits beside the two doors that hand it out — the HTTP API
(`services.reporting.api.annual`) and the operator CLI (`services.reporting.cli`)
— rather than inside either, so both render it the same way. CSV goes through
the safe writer (`services.reporting.rendering.spreadsheet`); the HTML page is
self-contained (inline CSS and SVG bar charts, no scripts, no external resources).
"""

from __future__ import annotations

import html

from services.reporting.domain.annual_report import AnnualReport, Table
from services.reporting.domain.disclosure import TOTAL
from services.reporting.rendering.spreadsheet import CellValue, csv_text

INDICATOR_TITLES = {
    "coordination": "Samordning (coordination)",
    "accessibility": "Tillgänglighet (accessibility)",
    "quality": "Kvalitet (quality)",
    "prevention": "Förebyggande arbete (prevention)",
}
"""The page's heading for each indicator group, in the order the page shows them."""


def report_csv(report: AnnualReport) -> str:
    """The report's tables as CSV: table, row, column, count, suppressed. A table with a
    share (D-6) adds, per row, the column ``share`` with the share (0 to 1) as count.
    Written by the safe CSV writer (services.reporting.rendering.spreadsheet)."""
    rows: list[list[CellValue]] = []
    for table in report.tables:
        for row in table.rows:
            for column in table.columns:
                value = table.values[row][column]
                rows.append([table.title, row, column, value, str(value is None)])
            if table.share:
                ratio = table.shares.get(row)
                rows.append([table.title, row, "share", ratio, str(ratio is None)])
    return csv_text(["table", "row", "column", "count", "suppressed"], rows)


def _bar_chart(table: Table) -> str:
    """An inline SVG of the column totals (suppressed ones drawn as a hatched stub)."""
    columns = [c for c in table.columns if c != TOTAL]
    totals = table.values.get(TOTAL, {})
    largest = max([v for c in columns if (v := totals.get(c)) is not None] or [1])
    bar, gap, height = 28, 12, 160
    width = max(len(columns), 1) * (bar + gap) + gap
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 60}" '
        f'role="img" aria-label="{html.escape(table.title)}">'
    ]
    for i, column in enumerate(columns):
        x = gap + i * (bar + gap)
        value = totals.get(column)
        h = 6 if value is None else max(int(height * value / largest), 1)
        fill = "#bbb" if value is None else "#2f6f9f"
        label = "•" if value is None else str(value)
        parts.append(f'<rect x="{x}" y="{height - h}" width="{bar}" height="{h}" fill="{fill}"/>')
        parts.append(
            f'<text x="{x + bar / 2}" y="{height - h - 4}" font-size="11" '
            f'text-anchor="middle">{label}</text>'
        )
        parts.append(
            f'<text x="{x}" y="{height + 14}" font-size="10" '
            f'transform="rotate(30 {x} {height + 14})">{html.escape(column)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _share_html(value: float | None) -> str:
    return "<td class='s'>-</td>" if value is None else f"<td>{round(value * 100)}%</td>"


def _table_html(table: Table, heading: str, empty: str) -> list[str]:
    """One table with its chart; suppressed values (and shares) shown as "-"."""
    e = html.escape
    out = [f"<{heading}>{e(table.title)}</{heading}>"]
    if not table.rows:
        return [*out, f"<p>{e(empty)}</p>"]
    out.append(_bar_chart(table))
    share_head = f"<th>share {e(table.share_of)}</th>" if table.share else ""
    out.append(
        "<table><tr><th></th>" + "".join(f"<th>{e(c)}</th>" for c in table.columns) + share_head
    )
    for row in table.rows:
        cells = "".join(
            "<td class='s'>-</td>" if (v := table.values[row][c]) is None else f"<td>{v}</td>"
            for c in table.columns
        )
        if table.share:
            cells += _share_html(table.shares.get(row))
        out.append(f"<tr><th>{e(row)}</th>{cells}</tr>")
    out.append("</table>")
    return out


def report_html(report: AnnualReport) -> str:
    """One self-contained HTML page: inline CSS and SVG, no scripts, nothing fetched."""
    e = html.escape
    count = "<span class='s'>suppressed</span>" if report.deviations is None else report.deviations
    out = [
        "<!DOCTYPE html>",
        '<html lang="sv"><head><meta charset="utf-8">',
        f"<title>Brister i samverkan {report.year}</title>",
        "<style>body{font-family:sans-serif;margin:2em;max-width:60em}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #999;"
        "padding:.2em .5em;text-align:right}th{background:#eee}"
        ".s{color:#888}</style></head><body>",
        f"<h1>Brister i samverkan {report.year}</h1>",
        f"<p>Area: {e(report.area)}. {e(report.note)}</p>",
        f"<p>Deviations: {count}</p>",
    ]
    for table in report.tables:
        if not table.indicator:
            out += _table_html(table, "h2", "No deviations.")
    indicators = [t for t in report.tables if t.indicator]
    if indicators:
        out.append("<h2>Follow-up indicators by target group (D-6)</h2>")
    for indicator, title in INDICATOR_TITLES.items():
        of_group = [t for t in indicators if t.indicator == indicator]
        if of_group:
            out.append(f"<h3>{e(title)}</h3>")
        for table in of_group:
            out += _table_html(table, "h4", "No counts this year.")
    out.append("<h2>Deviations, anonymised for review</h2>")
    if not report.reviewed:
        out.append("<p>No deviations.</p>")
    for item in report.reviewed:
        state = "handled" if item.summarised else "open"
        origin = "detected" if item.detected else "reported"
        out.append(f"<section><h3>{e(item.month)} · {e(item.category)} · {origin} · {state}</h3>")
        out.append(f"<p>{e(item.what_happened)}</p>")
        for label, text in (
            ("Proposal", item.improvement_proposal),
            ("Solution", item.solution),
            ("Remaining", item.remaining_problems),
        ):
            if text:
                out.append(f"<p>{label}: {e(text)}</p>")
        out.append("</section>")
    out.append("</body></html>")
    return "\n".join(out)
