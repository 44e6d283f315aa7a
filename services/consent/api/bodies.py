"""Request and response bodies shared by consent's routers, and how a write about an
individual is answered."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated
from uuid import UUID

from fastapi import Response
from pydantic import BaseModel, Field

from contracts import SUBJECT_ID_PATTERN
from services.runtime.http.bodies import located
from services.runtime.http.caller import Caller
from services.runtime.http.idempotency.claims import answering_created
from services.runtime.http.identification import changes_logged, log_change

SUBJECT_ID = re.compile(SUBJECT_ID_PATTERN)
SubjectId = Annotated[str, Field(pattern=SUBJECT_ID_PATTERN, examples=["3f" * 32])]


class Created(BaseModel):
    id: UUID
    subject_id: str


def created(
    caller: Caller, record_id: UUID, subject_id: str, purpose: str, location: str
) -> Created:
    """The answer to a write that made a record about an individual: logged as a change
    about them, and found at `location`."""
    log_change(caller, subject_id, purpose=purpose)
    return located(caller.response, location, Created(id=record_id, subject_id=subject_id))


def found_at(record_id: UUID, subject_id: str, location: str) -> Response:
    """The answer (201) to a write that made a record about an individual, its access
    record already stored (with the record's events: `changes_logged`): found at
    `location`. Encoded here: a route that returns its `Created` has FastAPI validate it
    again, in a worker thread of its own, one more hop for every command (#24)."""
    body = Created(id=record_id, subject_id=subject_id).model_dump_json()
    return Response(
        body, status_code=201, media_type="application/json", headers={"Location": location}
    )


@contextmanager
def recording(
    caller: Caller, subject_id: str, purpose: str, location_of: Callable[[UUID], str]
) -> Iterator[Callable[[UUID], Response]]:
    """Around the save of a new record about an individual: its access record and, for a
    keyed request, its answer are stored with its events, one commit (`changes_logged`,
    `answering_created`). Yields the answer (`found_at`) to return once it is made."""

    def answer(record_id: UUID) -> Response:
        return found_at(record_id, subject_id, location_of(record_id))

    with changes_logged(caller, subject_id, purpose=purpose), answering_created(answer):
        yield answer
