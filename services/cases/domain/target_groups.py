"""Target groups of a case (D-6; DOMAIN.md "Target groups that statistics break down by").

The follow-up indicators break down by them, so a case carries its current
set and every change is a fact on the topic. One group follows from what the
case already knows: someone under 19 on the day the report arrived (K-1's
child & youth age, whatever unit the needs sent them to) is in *children and
youth*. That derived group stays for the case's life — the age on arrival does
not change, and statistics must not lose the children a case reached — so a
caseworker's new set must keep it. Every other group is the caseworker's
judgement; they may also add *children and youth* for a young person the age
rule does not cover (a 19- or 20-year-old still with the youth unit). Pure
domain: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable

from contracts.vocabulary import Role, TargetGroup
from services.cases.domain.dates import TRANSITION_AGE
from services.cases.domain.errors import CaseRuleViolation

CASE_STAFF = frozenset(
    {Role.CASEWORKER, Role.DEPUTY_UNIT_MANAGER, Role.UNIT_MANAGER, Role.DEPARTMENT_HEAD}
)
"""Caseworkers or higher: the roles that document a case's facts (D-6)."""


class TargetGroupsInvalid(CaseRuleViolation):
    """D-6: a set of target groups the case cannot have."""

    rule = "D-6"


def target_group_set(groups: Iterable[TargetGroup | str]) -> list[str]:
    """The public form of a set: each group once, sorted by its code, as the contract
    carries it (so equal sets compare equal, whatever order they were given in)."""
    return sorted({TargetGroup(group).value for group in groups})


def derived_target_groups(age_on_arrival: int) -> list[str]:
    """What the routing facts alone say: under 19 on arrival is children and youth."""
    return [TargetGroup.CHILDREN_AND_YOUTH.value] if age_on_arrival < TRANSITION_AGE else []
