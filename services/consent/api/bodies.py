"""Request and response bodies shared by consent's routers."""

from __future__ import annotations

import re
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, Field

from contracts import SUBJECT_ID_PATTERN

SUBJECT_ID = re.compile(SUBJECT_ID_PATTERN)
SubjectId = Annotated[str, Field(pattern=SUBJECT_ID_PATTERN, examples=["3f" * 32])]


class Created(BaseModel):
    id: UUID
    subject_id: str
