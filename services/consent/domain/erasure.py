"""Erasure of a subject's personal data (GDPR art. 17; statutory culling, gallring).

Recorded as a fact of its own, so every service and partner can act on it;
the destruction itself is the subject's data key (services.runtime.privacy).
"""

from __future__ import annotations

from datetime import datetime

from eventsourcing.domain import Aggregate, event


class SubjectErasure(Aggregate):
    """Who erased whose personal data, and when."""

    class Erased(Aggregate.Created):
        subject_id: str
        erased_at: datetime
        erased_by: str

    @event(Erased)
    def __init__(self, *, subject_id: str, erased_at: datetime, erased_by: str) -> None:
        self.subject_id = subject_id
        self.erased_at = erased_at
        self.erased_by = erased_by
