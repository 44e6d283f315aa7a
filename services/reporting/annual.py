"""The yearly report on collaboration failures for the local collaboration body (D-5).

Seed 002: once a year all deviations are de-identified and anonymised before
the working group reviews them, and the result goes as a report to the
managers in the local collaboration body (lokalt samråd). It shows the
system failures in mental illness, disability, harmful use and addiction.

De-identification here:

* Deviations are listed without subject id, organisation ids or names:
  only the month, the category, whether it was reported or detected (D-7),
  whether step 2 is signed, and the free text **scrubbed** (`scrub`) of
  personnummer and samordningsnummer, e-mail addresses, phone numbers,
  street addresses and every name the platform knows from the deviations
  themselves (reporters and signers) or is given.
* Counts are tables with margins under the same disclosure control as the
  statistics (`services.reporting.disclosure`): no published count is 1-4.
* A year without deviations is an empty report, not an error.

Output: JSON, CSV (the tables) and one self-contained HTML page (inline CSS
and SVG bar charts, no scripts, no external resources).
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime

from services.reporting.disclosure import TOTAL, grid, protect
from services.runtime.time import stockholm_date

_PERSONNUMMER = re.compile(r"(?<![\w-])(?:\d{2})?\d{6}[-+ ]?\d{4}(?!\w)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w+])(?:\+46|0)[\s-]?\d{1,3}(?:[\s-]?\d{2,4}){2,4}(?!\w)")
_STREET = re.compile(
    r"\b(?:[A-ZÅÄÖ][\wåäöé]+\s+)?[\wåäöéÅÄÖ]*"
    r"(?:gatan|vägen|gränd|torget|torg|stigen|backen|allén|plan|väg|gata)"
    r"\s+\d+\s?[A-Za-z]?\b",
)

REDACTED = {
    "personnummer": "[personnummer]",
    "email": "[e-post]",
    "phone": "[telefon]",
    "street": "[adress]",
    "name": "[namn]",
}


def scrub(text: str, names: Iterable[str] = ()) -> str:
    """Free text with identifying details replaced by placeholders (D-5).

    Order matters: identity numbers first (they look like phone numbers),
    then e-mail (its local part may hold a name), phone numbers, street
    addresses, and last every known name, word by word, case-insensitively.
    """
    text = _PERSONNUMMER.sub(REDACTED["personnummer"], text)
    text = _EMAIL.sub(REDACTED["email"], text)
    text = _PHONE.sub(REDACTED["phone"], text)
    text = _STREET.sub(REDACTED["street"], text)
    words = sorted(
        {w for name in names for w in re.split(r"[\s,]+", name) if len(w) >= 2},
        key=len,
        reverse=True,
    )
    if words:
        pattern = re.compile(
            r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.IGNORECASE
        )
        text = pattern.sub(REDACTED["name"], text)
    return text


@dataclass(frozen=True)
class ReviewedDeviation:
    """One deviation as the working group sees it: anonymised."""

    month: str
    category: str
    detected: bool
    summarised: bool
    what_happened: str
    improvement_proposal: str
    solution: str
    remaining_problems: str


@dataclass(frozen=True)
class DeviationFacts:
    """What the report needs of one deviation, free text already unsealed."""

    reported_at: datetime
    category: str
    detected: bool
    summarised: bool
    what_happened: str
    improvement_proposal: str
    solution: str
    remaining_problems: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A disclosure-controlled table: rows x columns with margins; None is suppressed."""

    title: str
    rows: list[str]
    columns: list[str]
    values: dict[str, dict[str, int | None]] = field(default_factory=dict)


@dataclass(frozen=True)
class AnnualReport:
    year: int
    area: str
    deviations: int | None
    tables: list[Table]
    reviewed: list[ReviewedDeviation]
    note: str = (
        "De-identified (D-5): identity numbers, e-mail, phone numbers, street addresses and "
        "known names are replaced; counts 1-4 and values that would reveal them are suppressed."
    )

    def as_json(self) -> dict[str, object]:
        return asdict(self)


def _table(title: str, cells: list[tuple[str, str, int]]) -> Table:
    if not cells:
        return Table(title, [], [])
    published = protect(grid(cells))
    rows = [*sorted({r for r, _ in published.counts if r != TOTAL}), TOTAL]
    columns = [*sorted({c for _, c in published.counts if c != TOTAL}), TOTAL]
    values = {r: {c: published.shown((r, c)) for c in columns} for r in rows}
    return Table(title, rows, columns, values)


def annual_report(
    year: int, area: str, facts: list[DeviationFacts], extra_names: Iterable[str] = ()
) -> AnnualReport:
    """The report for `year` from the deviations of the collaboration area."""
    in_year = [f for f in facts if stockholm_date(f.reported_at).year == year]
    names = {n for f in in_year for n in f.names} | set(extra_names)
    by_month = [(stockholm_date(f.reported_at).strftime("%Y-%m"), f.category, 1) for f in in_year]
    handled = [(f.category, "summarised" if f.summarised else "open", 1) for f in in_year]
    origin = [(f.category, "detected" if f.detected else "reported", 1) for f in in_year]
    tables = [
        _table("Deviations by month and category", by_month),
        _table("Deviations by category: handled (step 2 signed) or open", handled),
        _table("Deviations by category: reported or detected from missed deadlines", origin),
    ]
    total = tables[0].values.get(TOTAL, {}).get(TOTAL) if in_year else 0
    reviewed = sorted(
        (
            ReviewedDeviation(
                month=stockholm_date(f.reported_at).strftime("%Y-%m"),
                category=f.category,
                detected=f.detected,
                summarised=f.summarised,
                what_happened=scrub(f.what_happened, names),
                improvement_proposal=scrub(f.improvement_proposal, names),
                solution=scrub(f.solution, names),
                remaining_problems=scrub(f.remaining_problems, names),
            )
            for f in in_year
        ),
        key=lambda r: (r.month, r.category, r.what_happened),
    )
    return AnnualReport(year=year, area=area, deviations=total, tables=tables, reviewed=reviewed)


def report_csv(report: AnnualReport) -> str:
    """The report's tables as CSV: table, row, column, count, suppressed."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["table", "row", "column", "count", "suppressed"])
    for table in report.tables:
        for row in table.rows:
            for column in table.columns:
                value = table.values[row][column]
                shown = "" if value is None else str(value)
                writer.writerow([table.title, row, column, shown, str(value is None)])
    return out.getvalue()


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
        out.append(f"<h2>{e(table.title)}</h2>")
        if not table.rows:
            out.append("<p>No deviations.</p>")
            continue
        out.append(_bar_chart(table))
        out.append("<table><tr><th></th>" + "".join(f"<th>{e(c)}</th>" for c in table.columns))
        for row in table.rows:
            cells = "".join(
                "<td class='s'>-</td>" if (v := table.values[row][c]) is None else f"<td>{v}</td>"
                for c in table.columns
            )
            out.append(f"<tr><th>{e(row)}</th>{cells}</tr>")
        out.append("</table>")
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
