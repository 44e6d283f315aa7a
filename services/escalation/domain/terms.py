"""Half-year terms (E-7): the monthly forums take stock of upcoming transfers once a term,
and the transfers the cases topic announces are kept per unit and term.

Pure domain: no I/O, no clock.
"""

from __future__ import annotations

from datetime import date


def term_of(day: date) -> str:
    """The half-year term a day falls in: "2026-VT" (Jan to Jun) or "2026-HT" (Jul to Dec)."""
    return f"{day.year}-{'VT' if day.month <= 6 else 'HT'}"


def next_term(term: str) -> str:
    year, half = term.split("-")
    return f"{year}-HT" if half == "VT" else f"{int(year) + 1}-VT"
