"""Everything about one individual, listed over HTTP (W-3), the same routes in every service.

``POST /v1/subject-records`` with the personnummer in the body (a number never
goes in a URL), or ``GET /v1/subjects/{subject_id}/records`` with the
pseudonymous id: the records of this service about the individual that the
caller's unit is party to, newest first, each with its state and where it
reads back, in pages (``next_cursor`` and a ``Link`` header). Each service
answers for its own records (services.runtime.store.subject_records).

Listing is a read of the individual's data: it is access-logged, one record
for the individual, whatever the page holds (even an empty page says whether
the service knows them).
"""

# No `from __future__ import annotations`: the routes' parameters are annotated with values
# local to subject_records_router (the kinds it lists), which FastAPI must see evaluated.

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Annotated, Protocol, TypeVar
from uuid import UUID

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from contracts import SUBJECT_ID_PATTERN
from services.runtime.http.caller import Caller
from services.runtime.http.fields import Personnummer, RequestModel
from services.runtime.http.identification import PERSONAL_DATA, log_access, subject_ids_for
from services.runtime.http.openapi import problem_responses
from services.runtime.http.paging import MAX_PAGE, cursor_from, next_page
from services.runtime.http.permissions import SUBJECT_RECORDS, Permission
from services.runtime.http.problems import invalid_field
from services.runtime.kernel.actor import Actor
from services.runtime.store.subject_records import (
    CURSOR_SHAPE,
    RecordPage,
    RecordQuery,
    SubjectRecord,
)

RULE = "W-3"
PURPOSE = "records about the individual (W-3)"


class SubjectRecordView(BaseModel):
    item_id: UUID
    kind: str
    state: str = Field(description="Where the record stands, in its kind's own words.")
    created_at: datetime
    changed_at: datetime
    href: str = Field(description="Where the record reads back.")


class SubjectRecords(BaseModel):
    subject_id: str
    records: list[SubjectRecordView]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


class RecordsLookup(RequestModel):
    personnummer: Personnummer
    kind: list[str] | None = Field(None, description="Only these kinds.")
    cursor: str | None = Field(None, max_length=512, description="The previous `next_cursor`.")
    limit: int = Field(50, ge=1, le=MAX_PAGE)


class ListsSubjectRecords(Protocol):
    """A service's application, as far as the listing needs it."""

    def records_of(
        self, actor: Actor, subject_ids: Sequence[str], query: RecordQuery, now: datetime
    ) -> RecordPage:
        """`now`, the service's clock: who is party may depend on the day (a consent that
        holds today, C-8, C-9), as the record's own read decides it."""
        ...


App = TypeVar("App", bound=ListsSubjectRecords)


def subject_records_router(
    application: type[App],
    kinds: Mapping[str, str],
    reads: Mapping[str, Permission] | None = None,
) -> APIRouter:
    """The listing routes of a service whose application indexes `kinds` of records (kind →
    what it is). `reads` names, for a kind whose href's route admits only some
    organisation types or roles, that route's permission: a caller it refuses is listed
    none of that kind (the index knows the units party to a record, not who at the unit
    may read it)."""
    router = APIRouter(tags=["records by subject"], responses=problem_responses(401, 403, 422))
    may = SUBJECT_RECORDS.may
    listed = ", ".join(sorted(kinds))

    def answer(
        caller: Caller,
        subject_ids: Sequence[str],
        kind: list[str] | None,
        cursor: str | None,
        limit: int,
        field: str,
    ) -> SubjectRecords:
        unknown = [k for k in kind or () if k not in kinds]
        if unknown:
            message = f"unknown kind {unknown[0]!r}; this service lists {listed}"
            raise invalid_field(f"{field}.kind", message, rule=RULE)
        after = cursor_from(cursor, CURSOR_SHAPE, rule=RULE, field=f"{field}.cursor")
        readable = [k for k in kind or kinds if _may_read(caller.actor, k, reads)]
        page = RecordPage([])
        if readable:
            narrowed = () if set(readable) == set(kinds) else readable
            page = caller.application(application).records_of(
                caller.actor, subject_ids, RecordQuery(narrowed, after, limit), caller.now
            )
        log_access(caller, subject_ids[0], purpose=PURPOSE)
        return SubjectRecords(
            subject_id=subject_ids[0],
            records=[_view(record) for record in page.records],
            next_cursor=next_page(caller, page.next, link=field == "query"),
        )

    @router.post("/subject-records", openapi_extra=PERSONAL_DATA)
    def records_by_personnummer(
        body: RecordsLookup, caller: Annotated[Caller, may("subject_records.read")]
    ) -> SubjectRecords:
        """This service's records about the individual that the caller's unit is party to,
        newest first (W-3); also those kept under a subject id before a key rotation."""
        subject_ids = subject_ids_for(caller.request, body.personnummer)
        return answer(caller, subject_ids, body.kind, body.cursor, body.limit, "body")

    @router.get("/subjects/{subject_id}/records", openapi_extra=PERSONAL_DATA)
    def records_by_subject(
        subject_id: Annotated[str, Path(pattern=SUBJECT_ID_PATTERN, max_length=64)],
        caller: Annotated[Caller, may("subject_records.read")],
        kind: Annotated[
            list[str] | None, Query(description=f"Only these kinds (repeatable): {listed}.")
        ] = None,
        cursor: Annotated[
            str | None, Query(description="The previous page's `next_cursor`.", max_length=512)
        ] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Records per page.")] = 50,
    ) -> SubjectRecords:
        """As ``POST /v1/subject-records``, by the pseudonymous subject id (W-3)."""
        return answer(caller, (subject_id,), kind, cursor, limit, "query")

    return router


def _may_read(actor: Actor, kind: str, reads: Mapping[str, Permission] | None) -> bool:
    """Whether the route a record of `kind` points at admits the actor's organisation type
    and role (a record is never listed to a caller its href would refuse)."""
    return reads is None or kind not in reads or reads[kind].allows(actor)


def _view(record: SubjectRecord) -> SubjectRecordView:
    return SubjectRecordView(
        item_id=record.item_id,
        kind=record.kind,
        state=record.state,
        created_at=record.created_at,
        changed_at=record.changed_at,
        href=record.href,
    )
