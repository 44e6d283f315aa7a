"""What escalation's request and answer bodies share: free-text fields, an individual named
only when the body gives a personnummer, and sealed text shown in clear."""

from __future__ import annotations

from typing import Annotated

from fastapi import Request
from pydantic import BeforeValidator, Field

from services.runtime.http.identification import subject_id_for
from services.runtime.kernel.personal import in_clear

Notes = Annotated[str, Field(max_length=4000)]
"""Free text: stays in escalation's store (sealed), never on a topic."""
Text = Annotated[str, Field(min_length=1, max_length=4000)]
ClearText = Annotated[str, BeforeValidator(in_clear)]
"""In an answer: a record's `Personal` text, shown in clear to whom the record is disclosed
(so a view reads it straight from the record, `from_attributes`)."""


def subject_named(request: Request, personnummer: str | None) -> str | None:
    """The subject id of the individual a body names; None when it names no one (a ladder
    matter of principle, an anonymous consultation, a registration without a personnummer)."""
    return subject_id_for(request, personnummer) if personnummer else None
