"""One individual's records: their consent history (C-10), their erasure (GDPR art. 17) and
consent's older spelling of the per-individual access log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel

from services.consent.api.bodies import Created, SubjectId, created
from services.consent.application import ConsentApplication
from services.consent.policy import may
from services.consent.translate import to_integration_event
from services.runtime.http.access_log import AccessLogEntry, read_access_log
from services.runtime.http.bodies import view_of
from services.runtime.http.caller import Caller
from services.runtime.http.fields import Personnummer, RequestModel
from services.runtime.http.identification import (
    PERSONAL_DATA,
    log_access,
    one_commit,
    subject_id_for,
)

router = APIRouter()


class HistoryRequest(RequestModel):
    personnummer: Personnummer


class HistoryEntry(BaseModel):
    type: str
    at: datetime
    id: UUID
    version: int
    details: dict[str, Any]


class History(BaseModel):
    subject_id: str
    events: list[HistoryEntry]


class ErasureView(BaseModel):
    """That the individual's data was erased, when, by whom and why: nothing of theirs, as
    there is nothing left to show (GDPR art. 17)."""

    id: UUID
    subject_id: str
    erased_at: datetime
    erased_by: str | None
    reason: str


_FREE_TEXT = ("justification", "consent_not_sought_reason", "motivational_work")
"""What a record says about the individual in free text, kept off the topics: its readers
(C-10) see it in the history too (C-5, C-6, C-12)."""


def _history(caller: Caller, subject_id: str) -> History:
    """The records about the individual the caller's unit may read (C-10), nothing else:
    the justifications in them are for the deciding unit and the named recipients."""
    events = caller.application(ConsentApplication).history(caller.actor, subject_id)
    log_access(caller, subject_id, purpose="consent history")
    entries = []
    for event in events:
        public = to_integration_event(event)
        details = public.model_dump(mode="json") if public is not None else {}
        for free_text in _FREE_TEXT:
            said = getattr(event, free_text, None)
            if said is not None:
                details[free_text] = said.text
        entries.append(
            HistoryEntry(
                type=type(public).__name__ if public is not None else type(event).__qualname__,
                at=event.timestamp,
                id=event.originator_id,
                version=event.originator_version,
                details=details,
            )
        )
    return History(subject_id=subject_id, events=entries)


@router.get("/subjects/{subject_id}/history", openapi_extra=PERSONAL_DATA)
def get_history(subject_id: SubjectId, caller: Annotated[Caller, may("history.read")]) -> History:
    """The consent events about one individual the caller's unit may read (C-10), in order."""
    return _history(caller, subject_id)


@router.post("/history", openapi_extra=PERSONAL_DATA)
def post_history(body: HistoryRequest, caller: Annotated[Caller, may("history.read")]) -> History:
    """The same history, asked with the personnummer in the body."""
    return _history(caller, subject_id_for(caller.request, body.personnummer))


@router.post("/subjects/{subject_id}/erasure", status_code=202)
def erase_subject(
    subject_id: SubjectId, caller: Annotated[Caller, may("subject.erase")]
) -> Created:
    """Erase the individual's personal data (GDPR art. 17): the administrators of the
    platform unit SAMVERKAN_CONSENT_ERASURE_UNIT names, and only them; 404 for an
    individual the platform has never seen.

    Consent's own copy becomes unreadable at once; `SubjectErased` on the
    consent topic tells the other services and partners to do the same.
    """
    application = caller.application(ConsentApplication)

    def erase() -> Created:
        erasure_id = application.erase_subject(caller.actor, subject_id, at=caller.now)
        path = f"/v1/subjects/{subject_id}/erasure"
        return created(caller, erasure_id, subject_id, "erasure (GDPR art. 17)", path)

    return one_commit(caller, erase)


@router.get("/subjects/{subject_id}/erasure", openapi_extra=PERSONAL_DATA)
def get_erasure(
    subject_id: SubjectId, caller: Annotated[Caller, may("erasure.read")]
) -> ErasureView:
    """The individual's latest erasure, for the administrators of the platform unit that
    erases: where the erasure's Location points (W-3). That someone was erased is about
    them, so the read is in their access log."""
    erasure = caller.application(ConsentApplication).read_erasure(caller.actor, subject_id)
    log_access(caller, subject_id, purpose="erasure (GDPR art. 17)")
    return view_of(ErasureView, erasure)


@router.get("/subjects/{subject_id}/access-log", openapi_extra=PERSONAL_DATA)
def get_access_log(
    subject_id: SubjectId, caller: Annotated[Caller, may("access_log.read")]
) -> list[AccessLogEntry]:
    """Who read this individual's data, when and why (the individual's right to know);
    consent's older path for the per-individual read, kept for the clients that use it."""
    _, entries = read_access_log(caller, subject_ids=[subject_id])
    return entries
