"""The annual report page (D-5, D-9) as its Swedish readers see it, in headless Chromium.

The page is rendered from a full year (every D-1 category, every target group
including opioid dependence, all four D-5 problem areas, a suppressed count,
an approved action plan), then opened in Debian's `chromium` (installed by
`make system-deps`; this test does not skip without it):

* a screenshot is taken and must not be blank;
* a copy of the page with a measuring script appended reports, through
  `--dump-dom`, every chart text's box against its picture's viewBox (a value
  label cut off at the top, an axis label cut off at the side) and the page's
  visible text, which must hold no code (``no_sip``) and no English heading.

The page itself has no script: the measuring script is added to the test's copy.
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import zlib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from contracts import DeviationCategory, ProblemArea
from services.reporting.domain import (
    AnnualReview,
    DeviationFacts,
    PlannedAction,
    Row,
    annual_report,
    reviewed_report,
)
from services.reporting.domain.annual_report import ANNUAL_INDICATORS
from services.reporting.domain.measures import (
    SCREENING_FOLLOW_UPS,
    SCREENINGS_AT_NEW_VISITS,
    SHARES,
    TARGET_GROUP_COLUMNS,
)
from services.reporting.rendering.annual_report import report_html
from services.reporting.rendering.labels import CODES

pytestmark = pytest.mark.xdist_group("chromium")

AT = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
GROUPS = [*TARGET_GROUP_COLUMNS, "opioid_dependence"]
MEASURE = """
<pre id="measured"></pre>
<script>
const out = {svgs: [], text: document.body.innerText};
for (const svg of document.querySelectorAll("svg")) {
  const box = svg.viewBox.baseVal;
  const texts = [...svg.querySelectorAll("text")].map((t) => {
    const b = t.getBBox();
    return {text: t.textContent, x: b.x, y: b.y, w: b.width, h: b.height};
  });
  out.svgs.push({label: svg.getAttribute("aria-label"), w: box.width, h: box.height, texts});
}
document.getElementById("measured").textContent = JSON.stringify(out);
</script>
"""
ENGLISH = (
    "Deviations",
    "deviations",
    "Follow-up",
    "share",
    "suppressed",
    "Proposal",
    "Solution",
    "Remaining",
    "handled",
    "reported",
    "detected",
    "Area:",
    "total",
)


def chromium() -> str:
    found = shutil.which("chromium")
    assert found, "chromium is missing: `make system-deps` installs it (Debian package chromium)"
    return found


def year_of_facts() -> list[DeviationFacts]:
    facts = []
    areas = list(ProblemArea)
    for c, category in enumerate(DeviationCategory):
        # routines has 2: its counts are suppressed (D-5), and its bar a stub.
        for i in range(2 if category is DeviationCategory.ROUTINES else 6 + c):
            facts.append(
                DeviationFacts(
                    reported_at=AT + timedelta(days=13 * i + c),
                    category=category.value,
                    detected=i % 5 == 0,
                    summarised=i % 2 == 0,
                    what_happened="Ingen samordnad individuell plan gjordes före utskrivningen.",
                    improvement_proposal="Kalla till SIP innan utskrivning.",
                    solution="",
                    remaining_problems="",
                    names=(),
                    problem_areas=(areas[i % 4].value, areas[(i + c) % 4].value),
                    user_involvement=(None, True, False)[i % 3],
                )
            )
    return facts


def indicator_rows() -> list[Row]:
    rows = []
    shares = {d.measure: d for d in SHARES.values()}
    for measures in ANNUAL_INDICATORS.values():
        for measure, _ in measures:
            if measure in shares:
                for n, group in enumerate(GROUPS):
                    rows.append(Row(measure, "2026-03", f"{group}:{shares[measure].part}", 20 + n))
                    rows.append(Row(measure, "2026-04", f"{group}:{shares[measure].other}", 7 + n))
            elif measure in (SCREENINGS_AT_NEW_VISITS, SCREENING_FOLLOW_UPS):
                for instrument in ("AUDIT", "DUDIT"):
                    rows.append(Row(measure, "2026-05", f"{instrument}:done", 40))
                    rows.append(Row(measure, "2026-05", f"{instrument}:declined", 9))
            else:
                for month in range(1, 13):
                    for n, group in enumerate(GROUPS):
                        rows.append(Row(measure, f"2026-{month:02d}", group, 5 + month * n))
    return rows


def approved_review() -> AnnualReview:
    review = AnnualReview.draft(
        year=2026, area="all", drafted_by="SE1-U1", drafted_by_org="SE1-O1", drafted_at=AT
    )
    review.analyse(
        analysis="Flest brister gäller utskrivning utan SIP vid samsjuklighet.",
        analysed_by="SE1-U1",
        analysed_at=AT,
    )
    review.approve(
        approved_by="SE1-U2",
        approved_by_org="SE1-O1",
        approver_name="Ordförande",
        approver_title="Socialchef",
        actions=[
            PlannedAction(
                "Gemensam rutin för SIP före utskrivning",
                "Lokalt samråd",
                date(2027, 6, 30),
                "local",
                category="no_sip",
                user_involvement=True,
            ),
            PlannedAction(
                "Länsgemensam utbildning om beroende",
                "Länsstyrgruppen",
                date(2027, 12, 31),
                "county",
                problem_area="addiction",
            ),
        ],
        approved_at=AT + timedelta(days=400),
    )
    return review


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the unfiltered rows of an 8-bit RGB or RGBA PNG (no library)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        header = body if kind == b"IHDR" else header
        idat += body if kind == b"IDAT" else b""
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8, depth
    assert colour in (2, 6), colour
    bpp = 3 if colour == 2 else 4
    raw, stride, rows, prior = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        kind, line = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prior[i], prior[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prior = line
    return width, height, rows


def run(*args: str) -> str:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    done = subprocess.run(
        [chromium(), *flags, *args], capture_output=True, text=True, timeout=120, check=True
    )
    return done.stdout


def test_d5_d9_the_annual_page_is_swedish_and_every_chart_label_fits_in_chromium(
    tmp_path: Path,
) -> None:
    report = annual_report(2026, "all", year_of_facts(), indicators=indicator_rows())
    page = report_html(reviewed_report(report, approved_review()))
    (tmp_path / "report.html").write_text(page, encoding="utf-8")
    (tmp_path / "measured.html").write_text(
        page.replace("</body>", MEASURE + "</body>"), encoding="utf-8"
    )

    shot = tmp_path / "report.png"
    run(f"--screenshot={shot}", "--window-size=1000,1400", (tmp_path / "report.html").as_uri())
    width, height, rows = png_pixels(shot.read_bytes())
    assert (width, height) == (1000, 1400)
    colours = {rows[y][x : x + 3] for y in range(0, height, 7) for x in range(0, width * 3, 21)}
    assert len(colours) > 5, "the screenshot is blank"

    dom = run("--virtual-time-budget=5000", "--dump-dom", (tmp_path / "measured.html").as_uri())
    found = re.search(r'<pre id="measured">(.*?)</pre>', dom, re.DOTALL)
    assert found, "the measuring script did not run"
    assert found.group(1), "the measuring script wrote nothing"
    measured = json.loads(found.group(1).replace("&amp;", "&").replace("&lt;", "<"))

    assert len(measured["svgs"]) >= 15
    for svg in measured["svgs"]:
        boxes = svg["texts"]
        assert boxes, svg["label"]
        for t in boxes:
            inside = (
                t["x"] >= 0
                and t["y"] >= 0
                and t["x"] + t["w"] <= svg["w"]
                and t["y"] + t["h"] <= svg["h"]
            )
            assert inside, f"{t['text']!r} sticks out of the chart {svg['label']!r}: {t} {svg}"
        for n, a in enumerate(boxes):
            for b in boxes[n + 1 :]:
                apart = (
                    a["x"] + a["w"] <= b["x"]
                    or b["x"] + b["w"] <= a["x"]
                    or a["y"] + a["h"] <= b["y"]
                    or b["y"] + b["h"] <= a["y"]
                )
                assert apart, f"{a['text']!r} overlaps {b['text']!r} in {svg['label']!r}"

    text = measured["text"]
    for code in CODES:
        if "_" in code or (code.isascii() and code.islower()):
            assert not re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text), code
    for word in ENGLISH:
        assert word not in text, word
    for swedish in (
        "Ingen SIP upprättad",
        "Rutiner saknas eller följs inte",
        "Opiatberoende",
        "Psykisk ohälsa",
        "Funktionsnedsättning",
        "Skadligt bruk",
        "Beroende",
        "Handlingsplan",
        "Länsnivå",
        "Lokal nivå",
        "Med brukarmedverkan",
        "visas inte",
    ):
        assert swedish in text, swedish
