"""The published statistics (D-5, D-6): JSON and CSV carry the same disclosure-controlled values."""

from __future__ import annotations

import csv
import io

from services.reporting.api import statistics_csv, statistics_report
from services.reporting.domain.measures import MEASURES, Row

ROWS = [
    Row("deviations", "2026-03", "communication", 3),
    Row("deviations", "2026-03", "routines", 10),
    Row("deviations", "2026-04", "communication", 9),
    Row("deviations", "2026-04", "routines", 7),
    Row("sips_established", "2026-03", "with_coordinator", 12),
]


def test_d6_every_measure_is_reported_with_its_indicator_group() -> None:
    report = statistics_report(ROWS)
    assert list(report.measures) == list(MEASURES)
    assert "sips_established" in report.indicators["coordination"]
    assert report.measures["sips_established"][0].count == 12
    assert report.totals["sips_established"].all.count == 12


def test_d5_a_small_cell_and_its_partner_are_suppressed_in_json_and_csv() -> None:
    report = statistics_report(ROWS)
    cells = {(c.month, c.dimension): c.count for c in report.measures["deviations"]}
    assert cells[("2026-03", "communication")] is None
    march_total = next(m for m in report.totals["deviations"].by_month if m.key == "2026-03")
    # 3 = March total - 10, unless one of them is hidden too.
    assert march_total.count is None or cells[("2026-03", "routines")] is None

    rows = list(csv.DictReader(io.StringIO(statistics_csv(report))))
    from_csv = {
        (r["month"], r["dimension"]): r["count"] for r in rows if r["measure"] == "deviations"
    }
    assert from_csv[("2026-03", "communication")] == ""
    assert from_csv[("total", "total")] == str(report.totals["deviations"].all.count or "")
    for row in rows:
        assert row["count"] == "" or int(row["count"]) == 0 or int(row["count"]) >= 5
        assert row["suppressed"] == str(row["count"] == "")
