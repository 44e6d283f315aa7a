"""Disclosure control of published statistics (D-5): suppression, or the Cell Key Method.

The rule implemented by default (`protect`), for each measure's table of counts (months as rows,
dimension values as columns) published together with its margins (each
month's total, each dimension's total over the period, and the grand total):

1. **Primary suppression.** Every count from 1 to 4 — cell or margin — is
   suppressed (shown as null). 0 reveals no one; 5 or more is large enough to
   hide the individual ("one deviation about routines at the youth unit in
   March" could point to one known family).
2. **Secondary (complementary) suppression.** No suppressed value may be
   recomputable from the values that are shown. Write the table with its
   margins as a grid where every row and every column sums to its margin.
   The suppressed entries form a bipartite graph (grid rows and columns as
   nodes, suppressed entries as edges); a suppressed entry can be recomputed
   exactly when its edge lies on no cycle of that graph (it is a bridge):
   the shown values then pin it down through the row or column sums. So
   while any suppressed entry is a bridge, the cheapest rectangle through it
   (two rows, two columns; least total of the counts it newly hides) is
   suppressed as well. A rectangle puts the entry on a 4-cycle, and
   suppressing more never turns a cycle edge back into a bridge, so the loop
   ends, at the latest with everything suppressed.
3. Cells that are 0 and not suppressed are not listed (absent means 0); a 0
   chosen as a complementary cell is listed, as suppressed, so the reader
   cannot tell it from a small count.

**Alternative: the Cell Key Method** (`cell_key`; the reporting setting
``SAMVERKAN_REPORTING_DISCLOSURE_METHOD=cell_key``), which Statistics Sweden
uses from reference year 2025. Nothing is suppressed; every published value,
cells and margins alike, gets small noise decided by a *cell key*: an HMAC of
the table, the cell and its true count under a secret key. The same cell with
the same count therefore always shows the same value, in every query, so
asking again averages nothing away. The noise table: a count of 0 stays 0
(an empty cell reveals no one); a count of 1-4 is shown as 0 or 5, 5 with
probability count/5 (unbiased on average); a count of 5 or more moves by -2..+2
(probabilities .1, .15, .5, .15, .1) but never below 5. So no published
value is 1-4 either, and margins no longer add up exactly, which is what
keeps a small cell from being recomputed from them.

**Shares** (D-6: the share of decisions with the child perspective considered,
of new-visit screenings followed up, ...) are computed from the *published*
counts, never from the raw ones (`share`): the part over the part plus its
complement, both cells of the same table. If either is suppressed the share
is suppressed too, so a share can never give back a hidden count; under the
Cell Key Method it is computed from the noisy values. A share of 0/0 is not
published (nothing to divide), which is told apart from a suppressed one.

What this does not cover: queries over other periods. The API publishes
whole calendar months only (no month-to-date or arbitrary ranges), so two
overlapping queries cannot be subtracted; a month's figures do grow while
the month runs, and a reader who saves them twice sees the difference
(under the Cell Key Method both readings are noisy, which blurs it). Nor
linked tables: each measure's table is protected on its own, and a few
measures count the same events two ways (red threads by organisation type
and by municipality; decisions overall and by target group). Where a subject
is in exactly one target group, a by-group cell could in principle be
narrowed down from the overall table; the Cell Key Method, whose noise is
independent per table, blurs that, and is the choice where it matters.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import product

SMALLEST_SHOWN_COUNT = 5
"""Counts from 1 up to (not including) this are suppressed (D-5)."""

TOTAL = "total"
"""The margin's key in a row or a column of the grid."""

Entry = tuple[str, str]
"""(row key, column key) in the grid: a month or TOTAL, a dimension or TOTAL."""


def primary(count: int) -> bool:
    """D-5: counts 1-4 are suppressed; 0 and 5 or more are shown."""
    if count < 0:
        raise ValueError(f"a count is never negative: {count}")
    return 0 < count < SMALLEST_SHOWN_COUNT


def suppress(count: int) -> int | None:
    """D-5: statistics leave the platform de-identified, with small-cell suppression.

    In a small municipality "one deviation about routines at the youth unit
    in March" can point to one known family. Counts 1-4 are therefore shown
    as suppressed (None); 0 reveals no one and 5 or more is large enough to
    hide the individual, so those are shown as they are. Published tables add
    secondary suppression on top (`protect`).
    """
    return None if primary(count) else count


@dataclass(frozen=True)
class Published:
    """One measure's table, ready to publish: each value shown or suppressed."""

    counts: dict[Entry, int]
    suppressed: frozenset[Entry]

    def shown(self, entry: Entry) -> int | None:
        return None if entry in self.suppressed else self.counts.get(entry, 0)

    def cells(self) -> list[tuple[str, str, int | None]]:
        """Inner cells to list: nonzero ones and suppressed ones, by month then dimension."""
        listed = [
            (row, column, self.shown((row, column)))
            for (row, column), count in self.counts.items()
            if TOTAL not in (row, column) and (count or (row, column) in self.suppressed)
        ]
        return sorted(listed, key=lambda cell: (cell[0], cell[1]))


def grid(cells: Iterable[tuple[str, str, int]]) -> dict[Entry, int]:
    """The full table with margins; every month x dimension combination, 0 where absent."""
    table: dict[Entry, int] = {}
    for row, column, count in cells:
        table[(row, column)] = table.get((row, column), 0) + count
    rows = sorted({row for row, _ in table})
    columns = sorted({column for _, column in table})
    full = {(r, c): table.get((r, c), 0) for r, c in product(rows, columns)}
    for r in rows:
        full[(r, TOTAL)] = sum(full[(r, c)] for c in columns)
    for c in columns:
        full[(TOTAL, c)] = sum(full[(r, c)] for r in rows)
    full[(TOTAL, TOTAL)] = sum(full[(r, TOTAL)] for r in rows)
    return full


def _on_a_cycle(entry: Entry, suppressed: set[Entry]) -> bool:
    """Whether the edge `entry` lies on a cycle of the suppressed-entry graph: is its
    column reachable from its row without using it?"""
    start, goal = ("r", entry[0]), ("c", entry[1])
    edges = suppressed - {entry}
    neighbours: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for row, column in edges:
        neighbours.setdefault(("r", row), []).append(("c", column))
        neighbours.setdefault(("c", column), []).append(("r", row))
    seen = {start}
    frontier = [start]
    while frontier:
        node = frontier.pop()
        for nxt in neighbours.get(node, ()):
            if nxt == goal:
                return True
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    return False


def protect(counts: dict[Entry, int]) -> Published:
    """Primary then secondary suppression of one table with margins (see the module)."""
    suppressed = {entry for entry, count in counts.items() if primary(count)}
    rows = sorted({row for row, _ in counts})
    columns = sorted({column for _, column in counts})
    while True:
        exposed = sorted(e for e in suppressed if not _on_a_cycle(e, suppressed))
        if not exposed:
            return Published(counts, frozenset(suppressed))
        row, column = exposed[0]
        best: tuple[int, int, list[Entry]] | None = None
        for other_row, other_column in product(rows, columns):
            if other_row == row or other_column == column:
                continue
            corners = [(row, other_column), (other_row, column), (other_row, other_column)]
            added = [c for c in corners if c not in suppressed]
            cost = (sum(counts[c] for c in added), len(added))
            if best is None or cost < best[:2]:
                best = (*cost, added)
        if best is None:  # a one-line grid cannot exist: margins add a row and a column
            msg = "a table with margins has at least two rows and two columns"
            raise AssertionError(msg)
        suppressed.update(best[2])


def share(part: int | None, other: int | None) -> float | None:
    """The published share ``part / (part + other)`` of two published counts.

    None when either count is suppressed (a share must not give a hidden
    count back) or when both are 0. Noisy counts (Cell Key Method) are used
    as they are published; the result is always between 0 and 1.
    """
    if part is None or other is None or part + other == 0:
        return None
    return round(part / (part + other), 3)


_NOISE = ((0.10, -2), (0.25, -1), (0.75, 0), (0.90, 1), (1.00, 2))
"""Cumulative probabilities of the Cell Key Method's noise for counts of 5 or more."""


def cell_key(secret: bytes, table: str, entry: Entry, count: int) -> float:
    """A number in [0, 1) fixed by the secret, the cell and its count (consistent per query)."""
    digest = hmac.new(secret, f"{table}|{entry[0]}|{entry[1]}|{count}".encode(), "sha256")
    return int.from_bytes(digest.digest()[:8], "big") / 2**64


def perturbed(count: int, key: float) -> int:
    """The Cell Key Method's published value for `count` with cell key `key` (see above)."""
    if count < 0:
        raise ValueError(f"a count is never negative: {count}")
    if count == 0:
        return 0
    if count < SMALLEST_SHOWN_COUNT:
        return SMALLEST_SHOWN_COUNT if key < count / SMALLEST_SHOWN_COUNT else 0
    noise = next(n for limit, n in _NOISE if key < limit)
    return max(count + noise, SMALLEST_SHOWN_COUNT)


def with_cell_keys(counts: dict[Entry, int], secret: bytes, table: str) -> Published:
    """One table under the Cell Key Method: every value noisy, nothing suppressed."""
    noisy = {e: perturbed(n, cell_key(secret, table, e, n)) for e, n in counts.items()}
    return Published(noisy, frozenset())


SUPPRESSION = "suppression"
CELL_KEY = "cell_key"


@dataclass(frozen=True)
class DisclosureControl:
    """The configured method: suppression (default) or the Cell Key Method."""

    method: str = SUPPRESSION
    secret: bytes = b""

    def publish(self, table: str, counts: dict[Entry, int]) -> Published:
        if self.method == CELL_KEY:
            return with_cell_keys(counts, self.secret, table)
        return protect(counts)


__all__ = [
    "CELL_KEY",
    "SMALLEST_SHOWN_COUNT",
    "SUPPRESSION",
    "TOTAL",
    "DisclosureControl",
    "Published",
    "cell_key",
    "grid",
    "perturbed",
    "primary",
    "protect",
    "share",
    "suppress",
    "with_cell_keys",
]
