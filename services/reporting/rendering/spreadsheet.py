"""CSV that is safe to open in a spreadsheet: every CSV reporting writes goes through here.

The CSV files (statistics, the annual report, the D-4 export of a deviation)
are opened in Excel or LibreOffice, and those run a cell that starts with
``=``, ``+``, ``-`` or ``@`` as a formula — also after a tab or carriage return
they skip. A deviation's free text is written by one organisation and opened by
another, so a formula in it would run in the reader's spreadsheet: a link that
sends the neighbouring cells away, or a command through DDE (OWASP "CSV
Injection", CWE-1236). As OWASP advises, such a cell is prefixed with a single
quote, which spreadsheets show as text. A number stays a number: ``-3`` and
``-0.25`` are values, not formulas, and are written as they are.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""The characters OWASP lists as starting a formula (or skipped before one)."""

_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")

CellValue = str | int | float | bool | None


def cell(value: CellValue) -> str:
    """One cell as text: None is empty, numbers as they are, formula-like text quoted."""
    if value is None:
        return ""
    text = str(value)
    if isinstance(value, bool | int | float) or _NUMBER.fullmatch(text):
        return text
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[CellValue]]) -> str:
    """A whole CSV document: the header, then one line per row, every cell made safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([cell(name) for name in header])
    writer.writerows([cell(value) for value in row] for row in rows)
    return out.getvalue()


__all__ = ["FORMULA_STARTS", "CellValue", "cell", "csv_text"]
