"""Disclosure control (D-5): small counts suppressed, and never recomputable from the margins.

The property tests check the published tables with exact linear algebra,
independently of the graph argument the implementation uses: a suppressed
value is safe when the row and column sums, with every shown value filled
in, leave it free (some solution of the homogeneous system moves it).
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from services.reporting.api import statistics_report
from services.reporting.domain.disclosure import (
    CELL_KEY,
    TOTAL,
    DisclosureControl,
    Entry,
    Published,
    grid,
    perturbed,
    primary,
    protect,
    share,
    with_cell_keys,
)
from services.reporting.domain.measures import Row

MONTHS = ["2026-01", "2026-02", "2026-03", "2026-04"]
DIMENSIONS = ["communication", "no_sip", "routines"]


def determined(table: Published) -> set[Entry]:
    """Suppressed entries whose value follows from what is shown (exact RREF)."""
    unknown = sorted(table.suppressed)
    index = {entry: i for i, entry in enumerate(unknown)}
    rows = sorted({r for r, _ in table.counts if r != TOTAL})
    columns = sorted({c for _, c in table.counts if c != TOTAL})
    lines: list[list[tuple[Entry, int]]] = []
    for r in [*rows, TOTAL]:
        lines.append([*(((r, c), 1) for c in columns), ((r, TOTAL), -1)])
    for c in [*columns, TOTAL]:
        lines.append([*(((r, c), 1) for r in rows), ((TOTAL, c), -1)])
    matrix: list[list[Fraction]] = []
    for line in lines:
        coefficients = [Fraction(0)] * len(unknown)
        for entry, sign in line:
            if entry in index:
                coefficients[index[entry]] += sign
        if any(coefficients):
            matrix.append(coefficients)
    pivots: list[int] = []
    row = 0
    for column in range(len(unknown)):
        pivot = next((i for i in range(row, len(matrix)) if matrix[i][column] != 0), None)
        if pivot is None:
            continue
        matrix[row], matrix[pivot] = matrix[pivot], matrix[row]
        lead = matrix[row][column]
        matrix[row] = [value / lead for value in matrix[row]]
        for i in range(len(matrix)):
            if i != row and matrix[i][column] != 0:
                factor = matrix[i][column]
                matrix[i] = [a - factor * b for a, b in zip(matrix[i], matrix[row], strict=True)]
        pivots.append(column)
        row += 1
    free = set(range(len(unknown))) - set(pivots)
    fixed = set()
    for r, column in enumerate(pivots):
        if not any(matrix[r][f] != 0 for f in free):
            fixed.add(unknown[column])
    return fixed


tables = st.dictionaries(
    st.tuples(st.sampled_from(MONTHS), st.sampled_from(DIMENSIONS)),
    st.integers(min_value=0, max_value=12),
    min_size=1,
)


@settings(max_examples=300, deadline=None)
@given(tables)
def test_d5_no_suppressed_value_can_be_recomputed_from_the_totals(
    cells: dict[tuple[str, str], int],
) -> None:
    table = protect(grid((m, d, n) for (m, d), n in cells.items()))
    assert determined(table) == set()


@settings(max_examples=300, deadline=None)
@given(tables)
def test_d5_every_published_count_is_zero_or_at_least_five(
    cells: dict[tuple[str, str], int],
) -> None:
    table = protect(grid((m, d, n) for (m, d), n in cells.items()))
    for entry, count in table.counts.items():
        shown = table.shown(entry)
        assert shown is None or shown == count
        assert shown is None or shown == 0 or shown >= 5
    for month, dimension, shown in table.cells():
        assert shown is None or shown == cells.get((month, dimension), 0)


def test_d5_one_small_cell_in_a_row_takes_a_partner_with_it() -> None:
    table = protect(
        grid(
            [
                ("2026-03", "communication", 3),
                ("2026-03", "routines", 10),
                ("2026-04", "communication", 9),
                ("2026-04", "routines", 7),
            ]
        )
    )
    # 3 alone would be the March total (13) minus 10; so a partner goes too.
    assert table.shown(("2026-03", "communication")) is None
    assert table.shown(("2026-03", TOTAL)) is None or table.shown(("2026-03", "routines")) is None
    assert determined(table) == set()


def test_d5_a_table_without_small_counts_is_shown_whole() -> None:
    table = protect(grid([("2026-03", "routines", 6), ("2026-04", "routines", 0)]))
    assert table.suppressed == frozenset()
    assert table.cells() == [("2026-03", "routines", 6)]


def test_d5_primary_suppression_is_one_to_four() -> None:
    assert [n for n in range(8) if primary(n)] == [1, 2, 3, 4]


def test_the_check_finds_a_value_that_primary_suppression_alone_leaves_open() -> None:
    counts = grid([("2026-03", "communication", 3), ("2026-03", "routines", 10)])
    only_primary = Published(counts, frozenset(e for e, n in counts.items() if primary(n)))
    assert ("2026-03", "communication") in determined(only_primary)


SECRET = b"k" * 32


@settings(max_examples=500, deadline=None)
@given(st.integers(min_value=0, max_value=10_000), st.floats(min_value=0, max_value=0.999999))
def test_d5_the_cell_key_method_never_shows_one_to_four(count: int, key: float) -> None:
    shown = perturbed(count, key)
    assert shown == 0 or shown >= 5
    assert abs(shown - count) <= (4 if count < 5 else 2)
    assert (shown == 0) == (count == 0) or count < 5


@settings(max_examples=200, deadline=None)
@given(tables)
def test_d5_cell_keys_are_consistent_across_queries(cells: dict[tuple[str, str], int]) -> None:
    counts = grid((m, d, n) for (m, d), n in cells.items())
    first = with_cell_keys(counts, SECRET, "deviations")
    again = with_cell_keys(dict(counts), SECRET, "deviations")
    assert first == again
    assert first.suppressed == frozenset()
    for value in first.counts.values():
        assert value == 0 or value >= 5


def test_d5_cell_key_method_is_a_setting_of_the_published_statistics() -> None:
    rows = [Row("deviations", "2026-03", "routines", 3), Row("deviations", "2026-03", "no_sip", 9)]
    noisy = statistics_report(rows, DisclosureControl(CELL_KEY, SECRET))
    assert "Cell Key Method" in noisy.suppression
    values = [c.count for c in noisy.measures["deviations"]]
    assert all(v is not None and (v == 0 or v >= 5) for v in values)
    assert statistics_report(rows, DisclosureControl(CELL_KEY, SECRET)) == noisy
    suppressed = statistics_report(rows)
    assert [c.count for c in suppressed.measures["deviations"]] == [None, None]


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 40), st.integers(0, 40), st.integers(0, 40), st.integers(0, 40))
def test_d6_a_share_comes_from_the_published_counts_and_is_suppressed_with_them(
    part: int, other: int, part_b: int, other_b: int
) -> None:
    """The share of one target group is computed from the cells as published: when
    either is suppressed the share is too, so it never gives a hidden count back."""
    month = "2026-03"
    table = protect(
        grid(
            [
                (month, "co_morbidity:considered", part),
                (month, "co_morbidity:not_considered", other),
                (month, "exposed_to_violence:considered", part_b),
                (month, "exposed_to_violence:not_considered", other_b),
            ]
        )
    )
    shown_part = table.shown((month, "co_morbidity:considered"))
    shown_other = table.shown((month, "co_morbidity:not_considered"))
    value = share(shown_part, shown_other)
    if shown_part is None or shown_other is None or part + other == 0:
        assert value is None
    else:
        assert value == round(part / (part + other), 3)
    if 0 < part < 5 or 0 < other < 5:
        assert value is None


def test_d6_a_share_of_nothing_or_of_a_suppressed_count_is_not_published() -> None:
    assert share(0, 0) is None
    assert share(None, 7) is None
    assert share(7, None) is None
    assert share(5, 0) == 1.0
    assert share(0, 5) == 0.0
    assert share(6, 12) == 0.333
