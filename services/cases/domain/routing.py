"""Where a new report or application goes: K-1 and K-2 (seed 003, "Aktualisering").

Pure: the facts come in (birth date, the instant it arrived, needs, whether a
child & youth case was known before), a decision with its reason comes out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from contracts import RoutingReason, UnitKind
from services.cases.domain.dates import TRANSITION_AGE, age_on
from services.runtime.kernel.stockholm_time import stockholm_date


class Need(StrEnum):
    """What a report or application is about, as far as routing needs to know."""

    SUBSTANCE_MISUSE = "substance_misuse"
    ECONOMIC_ASSISTANCE = "economic_assistance"
    RELATIONSHIP_VIOLENCE = "relationship_violence"
    CHILD_WELFARE = "child_welfare"
    MENTAL_ILLNESS = "mental_illness"
    """Social psychiatry (socialpsykiatri)."""
    DISABILITY = "disability"
    ELDERLY_CARE = "elderly_care"
    OTHER = "other"


IOF_ADULT_NEEDS = frozenset(
    {Need.SUBSTANCE_MISUSE, Need.ECONOMIC_ASSISTANCE, Need.RELATIONSHIP_VIOLENCE}
)
"""K-1's exception: an adult who clearly needs these goes to IOF, not AOF."""

IOF_NEEDS = IOF_ADULT_NEEDS | {Need.CHILD_WELFARE}
AOF_NEEDS = frozenset({Need.MENTAL_ILLNESS, Need.DISABILITY, Need.ELDERLY_CARE})


@dataclass(frozen=True)
class Routing:
    """The decision: the unit kind, the rule and reason, the facts used, and the
    unit kind that investigates in parallel, if any."""

    unit_kind: UnitKind
    rule: str
    reason: RoutingReason
    age_on_arrival: int
    arrived_on: date
    needs: tuple[Need, ...]
    parallel: UnitKind | None


def route(
    *,
    birth_date: date,
    received_at: datetime,
    needs: list[Need],
    known_child_case: bool,
) -> Routing:
    """K-1, K-2 (seed 003): decide IOF or AOF for a report or application.

    Age counts on the Swedish calendar day the report arrived (23:30 UTC on
    31 March is 1 April in Stockholm), so someone whose 19th birthday it is
    that day is 19.

    - K-2: a previously known child & youth case returns to IOF while the
      individual is under 19, whatever the needs now.
    - K-1: a previously unknown individual of 19 or older goes to AOF, unless
      the need is clearly misuse, economic assistance or relationship
      violence, which go to IOF. "Clearly" is read as: the reporter named
      the need; `other` alone never moves an adult from the main rule.
    - Under 19 and new, the routine states no rule; child & youth at IOF
      holds children's cases until 19 (K-4), so they go there, except a
      child whose only needs are AOF's (disability, mental illness): that is
      AOF's remit at any age, and it is what makes K-2 matter.
    - K-1: needs spanning both departments (e.g. misuse and social
      psychiatry) open a parallel investigation at the other one.
    """
    arrived_on = stockholm_date(received_at)
    age = age_on(birth_date, arrived_on)
    asked = tuple(dict.fromkeys(needs))
    if known_child_case and age < TRANSITION_AGE:
        kind, rule, reason = UnitKind.IOF, "K-2", RoutingReason.RETURNING_CHILD_CASE
    elif age < TRANSITION_AGE and set(asked) and set(asked) <= AOF_NEEDS:
        kind, rule, reason = UnitKind.AOF, "K-1", RoutingReason.CHILD_AOF_NEED
    elif age < TRANSITION_AGE:
        kind, rule, reason = UnitKind.IOF, "K-1", RoutingReason.CHILD_AND_YOUTH
    elif IOF_ADULT_NEEDS & set(asked):
        kind, rule, reason = UnitKind.IOF, "K-1", RoutingReason.ADULT_IOF_NEED
    else:
        kind, rule, reason = UnitKind.AOF, "K-1", RoutingReason.ADULT_MAIN_RULE
    other_needs = AOF_NEEDS if kind is UnitKind.IOF else IOF_NEEDS
    parallel = None
    if other_needs & set(asked):
        parallel = UnitKind.AOF if kind is UnitKind.IOF else UnitKind.IOF
    return Routing(kind, rule, reason, age, arrived_on, asked, parallel)
