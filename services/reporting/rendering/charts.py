"""Inline SVG bar charts for the annual report page: labels that fit, never cut short.

Horizontal bars, one per column of a table: the label to the left, wrapped
onto as many lines as it needs (a long Swedish category name is three lines,
not "Brist på helh…"), the bar, and its value to the right of the bar with
room kept for it, so the longest bar's value is inside the picture too. A
suppressed value (D-5) is a grey stub labelled "visas inte".

The geometry is worked out from a conservative width per character (wider
than DejaVu Sans' and Liberation Sans' average), and the suite checks it in a
real browser (tests/integration/test_reporting_annual_page_in_chromium.py):
every text's box inside the picture.
"""

from __future__ import annotations

import html

FONT_SIZE = 12
CHAR_WIDTH = 0.64 * FONT_SIZE
"""A generous average advance of one character of a sans-serif font at FONT_SIZE."""
LINE_HEIGHT = 15
LABEL_WIDTH = 260
"""The label column; its text is wrapped to fit between the margins."""
MARGIN = 8
BAR_MAX = 280
VALUE_ROOM = 96
"""Room right of the longest bar for its value label ("visas inte" fits)."""
BAR_HEIGHT = 16
SUPPRESSED = "visas inte"


def wrap(text: str, width: float) -> list[str]:
    """`text` in lines no wider than `width` at CHAR_WIDTH per character: at spaces, and a
    word too long for a line broken with a hyphen, never dropped."""
    per_line = max(int(width // CHAR_WIDTH), 2)
    lines: list[str] = []
    line = ""
    for word in text.split():
        while len(word) > per_line:
            if line:
                lines.append(line)
                line = ""
            lines.append(word[: per_line - 1] + "-")
            word = word[per_line - 1 :]
        candidate = f"{line} {word}" if line else word
        if len(candidate) <= per_line:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines or [""]


def bar_chart(title: str, bars: list[tuple[str, int | None]]) -> str:
    """An SVG of `bars` (label, value; None is suppressed), sized to hold every text."""
    e = html.escape
    largest = max([v for _, v in bars if v is not None] or [1]) or 1
    width = LABEL_WIDTH + BAR_MAX + VALUE_ROOM
    parts: list[str] = []
    y = MARGIN
    for text, value in bars:
        lines = wrap(text, LABEL_WIDTH - 2 * MARGIN)
        row = max(BAR_HEIGHT + 6, len(lines) * LINE_HEIGHT + 6)
        first = y + (row - len(lines) * LINE_HEIGHT) / 2 + FONT_SIZE
        tspans = "".join(
            f'<tspan x="{MARGIN}" y="{first + n * LINE_HEIGHT:g}">{e(line)}</tspan>'
            for n, line in enumerate(lines)
        )
        parts.append(f'<text font-size="{FONT_SIZE}">{tspans}</text>')
        bar_y = y + (row - BAR_HEIGHT) / 2
        length = 6 if value is None else max(round(BAR_MAX * value / largest), 1)
        fill = "#bbb" if value is None else "#2f6f9f"
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{bar_y:g}" width="{length}" height="{BAR_HEIGHT}" '
            f'fill="{fill}"/>'
        )
        shown = SUPPRESSED if value is None else str(value)
        parts.append(
            f'<text x="{LABEL_WIDTH + length + 6}" y="{bar_y + BAR_HEIGHT - 4:g}" '
            f'font-size="{FONT_SIZE - 1}">{shown}</text>'
        )
        y += row
    height = y + MARGIN
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height:g}" '
        f'width="{width}" height="{height:g}" role="img" aria-label="{e(title)}">'
        + "".join(parts)
        + "</svg>"
    )
