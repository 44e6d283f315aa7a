"""The annual report (D-5) as the working group opens it: CSV of the tables, or one HTML page.

Presentation, not domain: the report itself is built, scrubbed and
disclosure-controlled in `services.reporting.domain.annual_report`; this only
lays it out. It sits beside the two doors that hand it out — the HTTP API
(`services.reporting.api.annual`) and the operator CLI (`services.reporting.cli`)
— rather than inside either, so both render it the same way. CSV goes through
the safe writer (`services.reporting.rendering.spreadsheet`); the HTML page is
self-contained (inline CSS and SVG bar charts, no scripts, no external resources).

The page is for the managers of a Swedish collaboration body: Swedish
throughout, every code by its Swedish name (`services.reporting.rendering.labels`).
"""

from __future__ import annotations

import html

from services.reporting.domain.annual_report import AnnualReport, Table
from services.reporting.domain.disclosure import TOTAL
from services.reporting.rendering.charts import bar_chart
from services.reporting.rendering.labels import INDICATOR_TITLES, label, table_title
from services.reporting.rendering.spreadsheet import CellValue, csv_text

ACTION_PLAN = "action_plan"
"""The CSV's table name of the D-9 action plan's rows."""


def report_csv(report: AnnualReport) -> str:
    """The report's tables as CSV: table, row, column, count, suppressed. A table with a
    share (D-6) adds, per row, the column ``share`` with the share (0 to 1) as count.
    The approved action plan (D-9) follows as table ``action_plan``: one row per action
    (``action 1``, ...) and attribute (action, owner, due, level, category, problem_area,
    user_involvement) with the attribute's value in the count column.
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
    actions = report.review.actions if report.review else []
    for n, action in enumerate(actions, start=1):
        for attribute, value in action.as_dict().items():
            rows.append([ACTION_PLAN, f"action {n}", attribute, value, "False"])
    return csv_text(["table", "row", "column", "count", "suppressed"], rows)


def _share_html(value: float | None) -> str:
    return "<td class='s'>-</td>" if value is None else f"<td>{round(value * 100)} %</td>"


def _table_html(table: Table, heading: str, empty: str) -> list[str]:
    """One table with its chart; suppressed values (and shares) shown as "-"."""
    e = html.escape
    title = table_title(table.measure, table.title)
    out = [f"<{heading}>{e(title)}</{heading}>"]
    if not table.rows:
        return [*out, f"<p>{e(empty)}</p>"]
    totals = table.values.get(TOTAL, {})
    bars = [(label(c), totals.get(c)) for c in table.columns if c != TOTAL]
    out.append(bar_chart(title, bars))
    share_head = f"<th>Andel {e(label(table.share_of).lower())}</th>" if table.share else ""
    out.append(
        "<table><tr><th></th>"
        + "".join(f"<th>{e(label(c))}</th>" for c in table.columns)
        + share_head
        + "</tr>"
    )
    for row in table.rows:
        cells = "".join(
            "<td class='s'>-</td>" if (v := table.values[row][c]) is None else f"<td>{v}</td>"
            for c in table.columns
        )
        if table.share:
            cells += _share_html(table.shares.get(row))
        out.append(f"<tr><th>{e(label(row))}</th>{cells}</tr>")
    out.append("</table>")
    return out


def _review_html(report: AnnualReport) -> list[str]:
    """D-5, D-9: where the working group's review stands, its analysis and action plan."""
    e = html.escape
    review = report.review
    out = ["<h2>Arbetsgruppens granskning och handlingsplan (D-5, D-9)</h2>"]
    if review is None:
        return [*out, "<p>Status: ej påbörjad. Rapporten är ännu inte granskad.</p>"]
    out.append(f"<p>Status: {e(label(review.stage))}.</p>")
    if review.analysis:
        out += ["<h3>Analys</h3>", f"<p>{e(review.analysis)}</p>"]
    if review.approved_at is not None:
        day = review.approved_at.date().isoformat()
        out.append(f"<p>Godkänd av {e(review.approved_by)} den {day}.</p>")
    if not review.actions:
        return out
    out += [
        "<h3>Handlingsplan</h3>",
        "<table class='plan'><tr><th>Åtgärd</th><th>Ansvarig</th><th>Klart senast</th>"
        "<th>Nivå</th><th>Avser</th><th>Brukarmedverkan</th></tr>",
    ]
    for action in review.actions:
        concerns = " · ".join(
            label(code) for code in (action.category, action.problem_area) if code
        )
        out.append(
            f"<tr><td>{e(action.action)}</td><td>{e(action.owner)}</td>"
            f"<td class='d'>{action.due.isoformat()}</td><td>{e(label(action.level))}</td>"
            f"<td>{e(concerns)}</td><td>{'Ja' if action.user_involvement else 'Nej'}</td></tr>"
        )
    out.append("</table>")
    return out


NOTE = (
    "Avidentifierad (D-5): personnummer, e-postadresser, telefonnummer, gatuadresser och "
    "kända namn är ersatta; antal 1-4 och värden som skulle avslöja dem visas inte (-)."
)


def report_html(report: AnnualReport) -> str:
    """One self-contained HTML page: inline CSS and SVG, no scripts, nothing fetched."""
    e = html.escape
    count = "<span class='s'>visas inte</span>" if report.deviations is None else report.deviations
    area = "alla organisationer" if report.area == "all" else report.area
    out = [
        "<!DOCTYPE html>",
        '<html lang="sv"><head><meta charset="utf-8">',
        f"<title>Brister i samverkan {report.year}</title>",
        "<style>body{font-family:sans-serif;margin:2em;max-width:60em}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #999;"
        "padding:.2em .5em;text-align:right}th{background:#eee}"
        "table.plan td{text-align:left}td.d{white-space:nowrap}"
        "svg{display:block;max-width:100%;height:auto}"
        ".s{color:#888}</style></head><body>",
        f"<h1>Brister i samverkan {report.year}</h1>",
        f"<p>Område: {e(area)}. {e(NOTE)}</p>",
        f"<p>Antal avvikelser: {count}</p>",
    ]
    out += _review_html(report)
    for table in report.tables:
        if not table.indicator:
            out += _table_html(table, "h2", "Inga avvikelser.")
    indicators = [t for t in report.tables if t.indicator]
    if indicators:
        out.append("<h2>Uppföljningsindikatorer per målgrupp (D-6)</h2>")
    for indicator, title in INDICATOR_TITLES.items():
        of_group = [t for t in indicators if t.indicator == indicator]
        if of_group:
            out.append(f"<h3>{e(title)}</h3>")
        for table in of_group:
            out += _table_html(table, "h4", "Inga värden detta år.")
    out.append("<h2>Avvikelserna, avidentifierade för granskning</h2>")
    if not report.reviewed:
        out.append("<p>Inga avvikelser.</p>")
    for item in report.reviewed:
        state = "hanterad" if item.summarised else "öppen"
        origin = "upptäckt" if item.detected else "rapporterad"
        out.append(
            f"<section><h3>{e(label(item.month))} · {e(label(item.category))} · "
            f"{origin} · {state}</h3>"
        )
        out.append(f"<p>{e(item.what_happened)}</p>")
        areas = ", ".join(label(a).lower() for a in item.problem_areas)
        for heading, text in (
            ("Problemområden", areas),
            ("Förslag", item.improvement_proposal),
            ("Lösning", item.solution),
            ("Kvarstående problem", item.remaining_problems),
        ):
            if text:
                out.append(f"<p>{heading}: {e(text)}</p>")
        if item.user_involvement is not None:
            out.append(f"<p>Brukarmedverkan: {'ja' if item.user_involvement else 'nej'}</p>")
        out.append("</section>")
    out.append("</body></html>")
    return "\n".join(out)
