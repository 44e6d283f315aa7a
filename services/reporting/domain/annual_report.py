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
  statistics (`services.reporting.domain.disclosure`): no published count is 1-4.
* A year without deviations is an empty report, not an error.

Beside the deviations, the report shows the four follow-up indicator groups of
seed 004 (D-6: coordination, accessibility, quality, prevention) by target
group, for the year: one table per measure (`services.reporting.domain.measures`)
as the statistics view counted it, its months summed. A measure with two
outcomes has the target groups as rows and the outcomes as columns, and the
share of the first outcome per group, computed from the published counts
(suppressed when either is). The indicators count everything this reporting
service has seen: the statistics are not kept per organisation, so the area
narrows the deviations only.

Pure domain: no I/O, no clock. The report is data (`AnnualReport`, JSON as it
stands); its CSV and HTML forms are presentation (`services.reporting.rendering.annual_report`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from typing import TYPE_CHECKING

from contracts.vocabulary import ProblemArea
from services.reporting.domain.disclosure import TOTAL, DisclosureControl, grid, share
from services.reporting.domain.measures import (
    ADULT_DECISIONS_BY_GROUP,
    DECISIONS_CHILD_PERSPECTIVE_BY_GROUP,
    HANDOVERS_BY_GROUP,
    RED_THREAD_MEETINGS_BY_GROUP,
    SCREENING_ADVICE_BY_GROUP,
    SCREENING_FOLLOW_UPS,
    SCREENING_REFERRALS_BY_GROUP,
    SCREENINGS_AT_NEW_VISITS,
    SCREENINGS_FOLLOWED_UP_BY_GROUP,
    SHARES,
    SIP_FOLLOW_UPS_BY_GROUP,
    SIPS_ESTABLISHED_BY_GROUP,
    SIPS_PROPOSED_BY_GROUP,
    TARGET_GROUP_COLUMNS,
    TARGET_GROUPS_REACHED,
    VIOLENCE_QUESTION_BY_GROUP,
    VIOLENCE_SUPPORT_BY_GROUP,
    Row,
    split_dimension,
)
from services.runtime.kernel.stockholm_time import stockholm_date

if TYPE_CHECKING:
    from services.reporting.domain.annual_review import ReviewSummary

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
    problem_areas: tuple[str, ...] = ()
    user_involvement: bool | None = None


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
    subject_id: str | None = None
    """The individual the deviation is about, if any: never shown, but a review that
    shows the free text is a read about them (`reviewed_subjects`)."""
    problem_areas: tuple[str, ...] = ()
    user_involvement: bool | None = None


@dataclass(frozen=True)
class Table:
    """A disclosure-controlled table: rows x columns with margins; None is suppressed.

    An indicator table (D-6) names its indicator group and measure; one with two
    outcomes also has the share of the first per row (None: suppressed or 0/0).
    """

    title: str
    rows: list[str]
    columns: list[str]
    values: dict[str, dict[str, int | None]] = field(default_factory=dict)
    indicator: str = ""
    measure: str = ""
    share: str = ""
    """The share's name (`services.reporting.domain.measures.SHARES`), if the table has one."""
    share_of: str = ""
    """The outcome the share is of (the part), e.g. ``considered``."""
    shares: dict[str, float | None] = field(default_factory=dict)


ANNUAL_INDICATORS: dict[str, tuple[tuple[str, str], ...]] = {
    "coordination": (
        (SIPS_PROPOSED_BY_GROUP, "SIPs proposed, with the individual's consent or not"),
        (SIPS_ESTABLISHED_BY_GROUP, "SIPs made, by month"),
        (SIP_FOLLOW_UPS_BY_GROUP, "SIP follow-ups recorded or overdue"),
    ),
    "accessibility": (
        (TARGET_GROUPS_REACHED, "Target groups reached: cases entering each group, by month"),
        (HANDOVERS_BY_GROUP, "Handovers acknowledged in time or overdue"),
        (RED_THREAD_MEETINGS_BY_GROUP, "Red-thread meetings held or overdue (14 days)"),
    ),
    "quality": (
        (DECISIONS_CHILD_PERSPECTIVE_BY_GROUP, "Decisions with the child perspective considered"),
        (ADULT_DECISIONS_BY_GROUP, "Adults' decisions with children in the household"),
    ),
    "prevention": (
        (SCREENINGS_AT_NEW_VISITS, "Screenings at new visits, by instrument and outcome"),
        (SCREENING_FOLLOW_UPS, "Screening follow-ups, by instrument and outcome"),
        (SCREENINGS_FOLLOWED_UP_BY_GROUP, "Done new-visit screenings followed up"),
        (
            SCREENING_ADVICE_BY_GROUP,
            "Rådgivning erbjuds vid behov: brief advice offered after a screening at risk",
        ),
        (
            SCREENING_REFERRALS_BY_GROUP,
            "Screenings at risk referred to more qualified interventions",
        ),
        (VIOLENCE_QUESTION_BY_GROUP, "Våldsfrågan ställd: contacts where it was asked"),
        (VIOLENCE_SUPPORT_BY_GROUP, "Support offered when someone is exposed to violence"),
    ),
}
"""The four indicator groups of seed 004 (D-6) in the annual report, and their tables."""


@dataclass(frozen=True)
class AnnualReport:
    year: int
    area: str
    deviations: int | None
    tables: list[Table]
    reviewed: list[ReviewedDeviation]
    review: ReviewSummary | None = None
    """The working group's analysis, approval and action plan (D-5, D-9), once drafted."""
    note: str = (
        "De-identified (D-5): identity numbers, e-mail, phone numbers, street addresses and "
        "known names are replaced; counts 1-4 and values that would reveal them are suppressed."
    )

    def as_json(self) -> dict[str, object]:
        """The report as JSON values: dates and times (of the review) in ISO 8601."""
        return {k: _jsonable(v) for k, v in asdict(self).items()}


def _jsonable(value: object) -> object:
    if isinstance(value, date):  # a datetime is a date too
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


UNSPECIFIED = "unspecified"
"""The row of deviations that name no problem area (reported before D-5 asked, or unknown)."""

PROBLEM_AREA_TABLE = "deviations_by_problem_area"
"""D-5 (seed 002): failures in mental illness, disability, harmful use and addiction, by
category (D-1). A deviation counts once under each area it names, so the margin counts
mentions; the report's deviation count stays the first table's."""

USER_INVOLVEMENT_TABLE = "deviations_by_user_involvement"
"""D-9 (seed 004): user involvement (brukarmedverkan) as an indicator: deviations by
category and whether the individual took part."""

INVOLVEMENT = {True: "involved", False: "not_involved", None: "not_recorded"}

ROW_ORDER = (*TARGET_GROUP_COLUMNS, *(a.value for a in ProblemArea), UNSPECIFIED, "local", "county")
"""Rows in reading order: target groups (seed 004), the problem areas (D-5), the levels of
the action plan (D-9)."""


def _ordered(keys: set[str]) -> list[str]:
    """Target groups in the order of seed 004 and problem areas in the order of seed 002,
    anything else sorted after them."""
    known = [g for g in ROW_ORDER if g in keys]
    return [*known, *sorted(keys - set(known))]


def controlled_table(
    title: str,
    cells: list[tuple[str, str, int]],
    control: DisclosureControl | None = None,
    indicator: str = "",
    measure: str = "",
) -> Table:
    if not cells:
        return Table(title, [], [], indicator=indicator, measure=measure)
    published = (control or DisclosureControl()).publish(measure or title, grid(cells))
    rows = [*_ordered({r for r, _ in published.counts if r != TOTAL}), TOTAL]
    columns = [*sorted({c for _, c in published.counts if c != TOTAL}), TOTAL]
    values = {r: {c: published.shown((r, c)) for c in columns} for r in rows}
    return Table(title, rows, columns, values, indicator=indicator, measure=measure)


def indicator_tables(
    year: int, rows: Iterable[Row], control: DisclosureControl | None = None
) -> list[Table]:
    """D-6: the year's four indicator groups by target group, disclosure-controlled."""
    in_year = [r for r in rows if r.month.startswith(f"{year}-") and r.count]
    shares = {d.measure: (name, d) for name, d in SHARES.items()}
    tables = []
    for indicator, measures in ANNUAL_INDICATORS.items():
        for measure, title in measures:
            of_measure = [r for r in in_year if r.measure == measure]
            if measure in shares:
                name, definition = shares[measure]
                cells = [(*split_dimension(r.dimension), r.count) for r in of_measure]
                table = controlled_table(
                    title, cells, control, indicator=indicator, measure=measure
                )
                tables.append(_with_share(table, name, definition.part, definition.other))
            elif measure in (SCREENINGS_AT_NEW_VISITS, SCREENING_FOLLOW_UPS):
                cells = [(*split_dimension(r.dimension), r.count) for r in of_measure]
                tables.append(
                    controlled_table(title, cells, control, indicator=indicator, measure=measure)
                )
            else:
                cells = [(r.dimension, r.month, r.count) for r in of_measure]
                tables.append(
                    controlled_table(title, cells, control, indicator=indicator, measure=measure)
                )
    return tables


def _with_share(table: Table, name: str, part: str, other: str) -> Table:
    """The table with the share of `part` per row, from the published values; its
    columns in reading order: the part, the other outcome, the total."""
    shares = {
        row: share(table.values[row].get(part, 0), table.values[row].get(other, 0))
        for row in table.rows
    }
    columns = [c for c in (part, other) if c in table.columns] + [
        c for c in table.columns if c not in (part, other)
    ]
    return replace(table, columns=columns, share=name, share_of=part, shares=shares)


def annual_report(
    year: int,
    area: str,
    facts: list[DeviationFacts],
    extra_names: Iterable[str] = (),
    indicators: Iterable[Row] = (),
    control: DisclosureControl | None = None,
) -> AnnualReport:
    """The report for `year` from the deviations of the collaboration area and the
    statistics view's counts (`indicators`)."""
    in_year = [f for f in facts if stockholm_date(f.reported_at).year == year]
    names = {n for f in in_year for n in f.names} | set(extra_names)
    by_month = [(stockholm_date(f.reported_at).strftime("%Y-%m"), f.category, 1) for f in in_year]
    handled = [(f.category, "summarised" if f.summarised else "open", 1) for f in in_year]
    origin = [(f.category, "detected" if f.detected else "reported", 1) for f in in_year]
    areas = [(area, f.category, 1) for f in in_year for area in (f.problem_areas or (UNSPECIFIED,))]
    involved = [(f.category, INVOLVEMENT[f.user_involvement], 1) for f in in_year]
    tables = [
        controlled_table("Deviations by month and category", by_month, control),
        controlled_table(
            "Deviations by category: handled (step 2 signed) or open", handled, control
        ),
        controlled_table(
            "Deviations by category: reported or detected from missed deadlines", origin, control
        ),
        controlled_table(
            "Deviations by problem area (D-5) and category",
            areas,
            control,
            measure=PROBLEM_AREA_TABLE,
        ),
        controlled_table(
            "Deviations by category and user involvement (D-9)",
            involved,
            control,
            measure=USER_INVOLVEMENT_TABLE,
        ),
        *indicator_tables(year, indicators, control),
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
                problem_areas=f.problem_areas,
                user_involvement=f.user_involvement,
            )
            for f in in_year
        ),
        key=lambda r: (r.month, r.category, r.what_happened),
    )
    return AnnualReport(year=year, area=area, deviations=total, tables=tables, reviewed=reviewed)


def reviewed_subjects(year: int, facts: Iterable[DeviationFacts]) -> list[str]:
    """The individuals whose deviations' free text the year's review shows. Scrubbing
    removes the identifiers it knows; a name it does not know may remain, so showing
    the text is a read about each of them, written to the access log (loggkontroll)."""
    return list(
        dict.fromkeys(
            f.subject_id
            for f in facts
            if f.subject_id is not None and stockholm_date(f.reported_at).year == year
        )
    )
