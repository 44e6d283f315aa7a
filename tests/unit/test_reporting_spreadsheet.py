"""The one CSV writer of reporting: formula-like cells are text, numbers stay numbers
(OWASP CSV injection, issue #18), in every CSV it writes."""

from __future__ import annotations

import csv
import io

import pytest

from services.reporting.api.statistics import statistics_csv, statistics_report
from services.reporting.domain.annual_report import AnnualReport, Table
from services.reporting.domain.measures import Row
from services.reporting.rendering.annual_report import report_csv
from services.reporting.rendering.spreadsheet import cell, csv_text


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
        ("Rutiner saknas", "Rutiner saknas"),
        ("", ""),
        (None, ""),
    ],
)
def test_text_that_starts_a_formula_is_prefixed_with_a_quote(
    value: str | None, written: str
) -> None:
    assert cell(value) == written


@pytest.mark.parametrize("number", [-3, -0.25, 0, 7, 1.5, "-3", "-0.25", "12", "-1e3"])
def test_numbers_negative_ones_too_stay_numbers(number: int | float | str) -> None:
    assert cell(number) == str(number)


def test_booleans_are_written_as_before() -> None:
    assert cell(True) == "True"


def test_the_whole_document_is_safe_header_included() -> None:
    text = csv_text(["=field", "value"], [["@a", -4], ["b", "=HYPERLINK(1)"]])
    assert list(csv.reader(io.StringIO(text))) == [
        ["'=field", "value"],
        ["'@a", "-4"],
        ["b", "'=HYPERLINK(1)"],
    ]


def test_the_statistics_csv_goes_through_the_safe_writer() -> None:
    report = statistics_report([Row("deviations", "2026-03", "=evil()", 7)])
    lines = statistics_csv(report).splitlines()
    assert "deviations,2026-03,'=evil(),7,False" in lines


def test_the_annual_report_csv_goes_through_the_safe_writer() -> None:
    table = Table("+title", ["-row"], ["@column"], {"-row": {"@column": -2}})
    report = AnnualReport(year=2026, area="all", deviations=0, tables=[table], reviewed=[])
    assert report_csv(report).splitlines()[1] == "'+title,'-row,'@column,-2,False"
