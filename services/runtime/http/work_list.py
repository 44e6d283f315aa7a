"""The work list over HTTP (W-1), the same route in every service: ``GET /v1/work-items``.

What waits for the caller — their unit's items, and those addressed to their
role there — with deadline, state and a link to the object, nearest deadline
first, filterable by kind, state and overdue, in pages: the answer's
``next_cursor`` (and a ``Link: <…>; rel="next"`` header) fetches the next
page. Each service answers for its own objects (services.runtime.store.work_items);
a partner system learns the same from the topics.

Every read is access-logged: one record per individual on the page, as any
other read of their data.
"""

# No `from __future__ import annotations`: the route's parameters are annotated with values
# local to work_list_router (the kinds it lists), which FastAPI must see evaluated.
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Protocol, TypeVar
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from services.runtime.http.caller import Caller
from services.runtime.http.identification import PERSONAL_DATA, log_access
from services.runtime.http.openapi import problem_responses
from services.runtime.http.paging import MAX_PAGE, cursor_from, next_page
from services.runtime.http.permissions import WORK_LIST
from services.runtime.http.problems import invalid_field
from services.runtime.kernel.actor import Actor
from services.runtime.store.work_items import CURSOR_SHAPE, WorkItem, WorkPage, WorkQuery

RULE = "W-1"
PURPOSE = "work list (W-1)"


@dataclass(frozen=True)
class WorkKind:
    """One kind of work a service puts on lists: what to do, under which rule."""

    title: str
    rule: str


class WorkItemView(BaseModel):
    item_id: UUID = Field(description="The object to act on; `href` reads it back.")
    kind: str = Field(description="What is to be done (this service's work kinds).")
    title: str
    rule: str = Field(description="The rule that puts it on the list.")
    state: str = Field(description="Where the object stands, in the kind's own words.")
    due_at: datetime | None = Field(description="The first instant it is missed, if any.")
    overdue: bool
    since: datetime = Field(description="When it came to the list or last changed state.")
    subject_id: str | None = Field(description="The individual it is about, if any.")
    href: str
    addressed_to: str = Field(description="The unit (or area) it waits at.")
    role: str | None = Field(description="The role there that acts; null: anyone at the unit.")


class WorkList(BaseModel):
    items: list[WorkItemView]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


class ReadsWorkList(Protocol):
    """A service's application, as far as the work-list route needs it."""

    def work_list(self, actor: Actor, query: WorkQuery, now: datetime) -> WorkPage: ...


App = TypeVar("App", bound=ReadsWorkList)


def work_list_router(application: type[App], kinds: Mapping[str, WorkKind]) -> APIRouter:
    """The work-list route of a service whose application reads `kinds` of work items."""
    router = APIRouter(tags=["work list"], responses=problem_responses(401, 403, 422))
    may = WORK_LIST.may
    listed = ", ".join(sorted(kinds))

    @router.get("/work-items", openapi_extra=PERSONAL_DATA)
    def work_items(
        caller: Annotated[Caller, may("work_items.read")],
        kind: Annotated[
            list[str] | None, Query(description=f"Only these kinds (repeatable): {listed}.")
        ] = None,
        state: Annotated[list[str] | None, Query(description="Only these states.")] = None,
        overdue: Annotated[
            bool | None, Query(description="true: only overdue items; false: none of them.")
        ] = None,
        cursor: Annotated[
            str | None, Query(description="The previous page's `next_cursor`.", max_length=512)
        ] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Items per page.")] = 50,
    ) -> WorkList:
        """What waits for the caller's unit and role, nearest deadline first (W-1)."""
        unknown = [k for k in kind or () if k not in kinds]
        if unknown:
            raise invalid_field(
                "query.kind", f"unknown kind {unknown[0]!r}; this service lists {listed}", rule=RULE
            )
        after = cursor_from(cursor, CURSOR_SHAPE, rule=RULE)
        query = WorkQuery(kind or (), state or (), overdue, after, limit)
        now = caller.now
        page = caller.application(application).work_list(caller.actor, query, now)
        log_access(
            caller, [i.subject_id for i in page.items if i.subject_id is not None], purpose=PURPOSE
        )
        return WorkList(
            items=[_view(item, kinds[item.kind], now) for item in page.items],
            next_cursor=next_page(caller, page.next),
        )

    return router


def _view(item: WorkItem, kind: WorkKind, now: datetime) -> WorkItemView:
    return WorkItemView(
        item_id=item.item_id,
        kind=item.kind,
        title=kind.title,
        rule=kind.rule,
        state=item.state,
        due_at=item.due_at,
        overdue=item.is_overdue(now),
        since=item.since,
        subject_id=item.subject_id,
        href=item.href,
        addressed_to=item.addressee,
        role=item.role,
    )
