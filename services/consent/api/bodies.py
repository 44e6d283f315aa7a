"""Request and response bodies shared by consent's routers, and how a write about an
individual is answered."""

from __future__ import annotations

import re
from typing import Annotated
from uuid import UUID

from fastapi import Request, Response
from pydantic import BaseModel, Field

from contracts import SUBJECT_ID_PATTERN
from services.runtime.http.bodies import located
from services.runtime.http.identification import log_change
from services.runtime.kernel.actor import Actor

SUBJECT_ID = re.compile(SUBJECT_ID_PATTERN)
SubjectId = Annotated[str, Field(pattern=SUBJECT_ID_PATTERN, examples=["3f" * 32])]


class Created(BaseModel):
    id: UUID
    subject_id: str


def created(
    request: Request, response: Response, actor: Actor, answer: Created, purpose: str, at: str
) -> Created:
    """The answer to a write that made a record about an individual: logged as a change,
    and found at `at` (Location)."""
    log_change(request, actor, answer.subject_id, purpose=purpose)
    return located(response, at, answer)
