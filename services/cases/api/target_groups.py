"""A case's target groups (D-6): the whole set, put by a caseworker of the holding unit.

The set is replaced, not patched: the caller sends every group that applies
now, and the statistics receive the whole current set each time it changes.
The group derived from age (children and youth, under 19 on arrival) stays,
so a set without it is refused (services.cases.domain.target_groups).
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, Field

from contracts.vocabulary import TargetGroup
from services.cases.api.bodies import D6
from services.cases.application import CasesApplication
from services.cases.domain import Case
from services.cases.policy import may
from services.runtime.http.bodies import view_of
from services.runtime.http.caller import Caller
from services.runtime.http.fields import RequestModel
from services.runtime.http.identification import PERSONAL_DATA, log_change, one_commit

router = APIRouter()


class TargetGroupsRequest(RequestModel):
    target_groups: Annotated[list[TargetGroup], Field(max_length=2 * len(TargetGroup))] = Field(
        description="Every target group that applies now (an empty list: none); "
        "a group named twice counts once.",
        json_schema_extra=D6,
    )


class TargetGroupsView(BaseModel):
    case_id: UUID
    target_groups: list[TargetGroup]
    """The whole current set, sorted."""
    derived_from_age: list[TargetGroup]
    """The part that follows from the age on arrival and stays."""


def target_groups_view(case: Case) -> TargetGroupsView:
    return view_of(
        TargetGroupsView, case, case_id=case.id, derived_from_age=case.derived_target_groups
    )


@router.put("/cases/{case_id}/target-groups", openapi_extra=PERSONAL_DATA)
def set_target_groups(
    case_id: UUID,
    body: TargetGroupsRequest,
    caller: Annotated[Caller, may("case.set_target_groups")],
) -> TargetGroupsView:
    """Set the case's target groups (D-6); the same set again changes nothing."""
    application = caller.application(CasesApplication)

    def change() -> TargetGroupsView:
        case = application.set_target_groups(
            caller.actor, case_id, groups=list(body.target_groups), at=caller.now
        )
        log_change(caller, case.subject_id, purpose="target groups (D-6)")
        return target_groups_view(case)

    return one_commit(caller, change)
