"""D-6 (seed 004): the case's target groups, whose set the holding unit's staff sets whole,
and which tell a child's case from an adult's for the child perspective on decisions.
"""

from __future__ import annotations

from datetime import datetime

from contracts.vocabulary import Role, TargetGroup
from services.cases.domain.case_state import CaseState
from services.cases.domain.errors import NotInvolved
from services.cases.domain.target_groups import CASE_STAFF, TargetGroupsInvalid, target_group_set


class CaseTargetGroups:
    """The case's target groups: part of `Case`."""

    @property
    def is_child_case(self: CaseState) -> bool:
        """A child's case for D-6: children and youth is among its target groups."""
        return TargetGroup.CHILDREN_AND_YOUTH.value in self.target_groups

    def set_target_groups(
        self: CaseState, *, unit: str, role: Role, groups: list[TargetGroup], at: datetime, by: str
    ) -> bool:
        """D-6: a caseworker (or higher) of the unit holding the case sets its whole set of
        target groups. The groups derived from age stay (see target_groups). Returns
        whether the set changed: the same set again records nothing."""
        self._require_open()
        self._require_responsible(unit, "set its target groups", "D-6")
        if role not in CASE_STAFF:
            raise NotInvolved("target groups are set by caseworkers or their managers", rule="D-6")
        wanted = target_group_set(groups)
        kept = [group for group in self.derived_target_groups if group not in wanted]
        if kept:
            raise TargetGroupsInvalid(
                f"{', '.join(kept)} follows from the age on arrival and stays; include it",
                field="body.target_groups",
            )
        if wanted == self.target_groups:
            return False
        self._target_groups_changed(
            subject_id=self.subject_id,
            unit=self.unit,
            municipality_code=self.municipality_code,
            target_groups=wanted,
            derived=list(self.derived_target_groups),
            changed_at=at,
            changed_by=by,
        )
        return True


# --- how each of their events changes the case (Case binds each to its event) ----------


def target_groups_changed(
    self: CaseState,
    *,
    subject_id: str,
    unit: str,
    municipality_code: str,
    target_groups: list[str],
    derived: list[str],
    changed_at: datetime,
    changed_by: str,
) -> None:
    self.target_groups = list(target_groups)
    self.derived_target_groups = list(derived)
