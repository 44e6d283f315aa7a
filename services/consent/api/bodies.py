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
from services.runtime.http.identification import log_access
from services.runtime.kernel.actor import Actor
from services.runtime.store.audit import Action

SUBJECT_ID = re.compile(SUBJECT_ID_PATTERN)
SubjectId = Annotated[str, Field(pattern=SUBJECT_ID_PATTERN, examples=["3f" * 32])]


class Created(BaseModel):
    id: UUID
    subject_id: str


def log_change(request: Request, actor: Actor, subject_id: str, purpose: str) -> None:
    """A write about an individual is in their access log like a read (loggkontroll): its
    answer ties the identity number to the record, or shows the record back."""
    log_access(request, actor, subject_id, purpose=purpose, action=Action.CHANGED)


def created(
    request: Request, response: Response, actor: Actor, answer: Created, purpose: str, at: str
) -> Created:
    """The answer to a write that made a record about an individual: logged as a change,
    and found at `at` (Location)."""
    log_change(request, actor, answer.subject_id, purpose)
    return located(response, at, answer)
