"""D-5: the annual report is de-identified: seeded identifiers never survive the scrubbing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from services.reporting.domain.annual_report import DeviationFacts, annual_report, scrub
from services.reporting.rendering.annual_report import report_csv, report_html
from services.runtime.kernel.identity import luhn_check_digit
from tests.support import PageParts
from tests.unit.test_reporting_indicators import counted, known_population

NAMES = ["Testa Testsson", "Prova Provsson", "Exempel Exempelsdotter"]
FILLER = st.text(alphabet="abcdefghijklmnopqrstuvwxyzåäö ,.", max_size=30)


@st.composite
def personnummer(draw: st.DrawFn) -> str:
    """Made-up identity numbers with a valid check digit; samordningsnummer add 60 to the day."""
    year = draw(st.integers(1930, 2024))
    month = draw(st.integers(1, 12))
    day = draw(st.integers(1, 28)) + draw(st.sampled_from([0, 60]))
    serial = f"{draw(st.integers(0, 999)):03d}"
    birth = f"{year:04d}{month:02d}{day:02d}"
    number = f"{birth}{serial}{luhn_check_digit(birth[2:] + serial)}"
    form = draw(st.sampled_from(["long_dash", "long", "short_dash", "short", "short_plus"]))
    return {
        "long_dash": f"{number[:8]}-{number[8:]}",
        "long": number,
        "short_dash": f"{number[2:8]}-{number[8:]}",
        "short": number[2:],
        "short_plus": f"{number[2:8]}+{number[8:]}",
    }[form]


phones = st.sampled_from(
    ["042-10 76 86", "070-123 45 67", "+46 70 123 45 67", "08-123 456 78", "0701234567"]
)
emails = st.sampled_from(
    ["testa.testsson@example.se", "prova@kommun.example.org", "x_y+z@region.example.se"]
)
streets = st.sampled_from(["Storgatan 12", "Kungsvägen 3B", "Lilla torget 1", "Ekbacken 22"])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(personnummer(), phones, emails, streets, st.sampled_from(NAMES)),
        min_size=1,
        max_size=5,
    ),
    st.lists(FILLER, min_size=6, max_size=6),
)
def test_d5_seeded_identifiers_never_survive_the_scrubbing(
    identifiers: list[str], filler: list[str]
) -> None:
    text = " ".join(f"{f} {i}" for f, i in zip(filler, identifiers, strict=False))
    scrubbed = scrub(text, NAMES)
    for identifier in identifiers:
        assert identifier.lower() not in scrubbed.lower()
    digits = "".join(ch for ch in scrubbed if ch.isdigit())
    for identifier in identifiers:
        only_digits = "".join(ch for ch in identifier if ch.isdigit())
        if len(only_digits) >= 6:
            assert only_digits not in digits


def test_d5_scrubbing_keeps_the_meaning() -> None:
    text = "Remissen kom fram efter 14 dagar; socialtjänsten ringde 3 gånger."
    assert scrub(text, NAMES) == text
    assert scrub("Testa ringde från 070-123 45 67", NAMES) == "[namn] ringde från [telefon]"


AT = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


def facts(n: int, category: str, text: str = "Ingen SIP gjordes.") -> list[DeviationFacts]:
    return [
        DeviationFacts(
            reported_at=AT + timedelta(days=11 * i),
            category=category,
            detected=False,
            summarised=i % 2 == 0,
            what_happened=text,
            improvement_proposal="",
            solution="",
            remaining_problems="",
            names=("Testa Testsson",),
        )
        for i in range(n)
    ]


def test_d5_an_empty_year_is_an_empty_report() -> None:
    report = annual_report(2031, "all", facts(3, "no_sip"))
    assert report.deviations == 0
    assert report.reviewed == []
    assert "Inga avvikelser." in report_html(report)
    assert report_csv(report).splitlines() == ["table,row,column,count,suppressed"]


def test_d5_no_published_count_is_under_five_and_the_page_stands_alone() -> None:
    seeded = "Mamma Testa Testsson, 19121212-1212, ring 042-10 76 86"
    report = annual_report(2026, "all", facts(12, "no_sip", seeded) + facts(3, "routines"))
    for table in report.tables:
        for row in table.values.values():
            for value in row.values():
                assert value is None or value == 0 or value >= 5
    page = report_html(report)
    for leak in ("Testa", "Testsson", "19121212", "121212-1212", "10 76 86"):
        assert leak not in page
        assert leak not in str(report.as_json())
    parser = PageParts()
    parser.feed(page)
    assert "svg" in parser.tags
    assert "script" not in parser.tags
    assert parser.external == []


class _Cells(HTMLParser):
    """The text of every table cell and heading of the page."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[str] = []
        self.headings: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in = tag

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "td":
            self.cells.append(data.strip())
        elif self._in in {"h2", "h3", "h4"}:
            self.headings.append(data.strip())


def test_d5_d6_the_annual_report_shows_the_four_indicator_groups_by_target_group(
    tmp_path: Path,
) -> None:
    view = counted(known_population(), tmp_path)
    report = annual_report(2026, "all", facts(12, "no_sip"), indicators=view.counts())
    view.datastore.close()

    page = report_html(report)
    parser = _Cells()
    parser.feed(page)
    for heading in (
        "Uppföljningsindikatorer per målgrupp (D-6)",
        "Samordning",
        "Tillgänglighet",
        "Kvalitet",
        "Förebyggande arbete",
        "Beslut där barnperspektivet har beaktats",
        "Genomförda screeningar vid nybesök som följts upp",
        "Nådda målgrupper: ärenden som kommit in i varje grupp, per månad",
    ):
        assert heading in parser.headings
    for group in ("Samsjuklighet", "Våldsutsatta", "Gravida med riskbruk eller missbruk"):
        assert f"<th>{group}</th>" in page
    assert "<td>67 %</td>" in page  # co-morbidity: 20 of 30 with the child perspective
    assert "<th>Andel beaktat</th>" in page
    assert "<th>Andel följd upp</th>" in page
    numbers = [int(cell) for cell in parser.cells if cell.isdigit()]
    assert numbers
    assert all(n == 0 or n >= 5 for n in numbers)

    decisions = next(t for t in report.tables if t.measure.startswith("decisions_child"))
    assert decisions.indicator == "quality"
    assert decisions.values["co_morbidity"] == {
        "considered": 20,
        "not_considered": 10,
        "total": 30,
    }
    assert decisions.values["exposed_to_violence"]["not_considered"] is None
    assert decisions.shares == {
        "children_and_youth": None,
        "co_morbidity": 0.667,
        "exposed_to_violence": None,
        "total": decisions.shares["total"],
    }
    lines = report_csv(report).splitlines()
    assert f"{decisions.title},co_morbidity,share,0.667,False" in lines
    assert f"{decisions.title},exposed_to_violence,share,,True" in lines
    for line in lines[1:]:
        value = line.rsplit(",", 2)[1]
        assert value == "" or "." in value or int(value) == 0 or int(value) >= 5
    indicators = {t["indicator"] for t in report.as_json()["tables"]}  # type: ignore[union-attr]
    assert indicators == {"", "coordination", "accessibility", "quality", "prevention"}
