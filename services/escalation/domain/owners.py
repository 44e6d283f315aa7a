"""Whose key seals what escalation records say (services.runtime.kernel.personal).

What is said about an individual is theirs: erasing them reaches it. A record
that names no one (an acute matter, a ladder matter or a consultation without
a personnummer) owns its own text (``record:<id>``), so culling the record
reaches it; a case registered without a personnummer owns its name and story
(``registration:<id>``); the general part of a monthly meeting's minutes, meant
for what concerns no one individual, is the meeting's (``monthly-meeting:<id>``).
"""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from services.runtime.kernel import personal


def record_owner(subject_id: str | None, record_id: UUID) -> str:
    """The individual a record names, or, naming no one, the record itself; also whom a
    reading of it is logged about."""
    return subject_id or personal.record_owner(record_id)


def registration_owner(subject_id: str | None, registration_id: UUID) -> str:
    """The individual a case registration is about, or the registration itself."""
    return subject_id or f"registration:{registration_id}"


def minutes_owner(meeting_id: UUID) -> str:
    """The owner of the general part of a meeting's minutes: the meeting itself."""
    return f"monthly-meeting:{meeting_id}"


class _NamesRecord(Protocol):
    @property
    def subject_id(self) -> str | None: ...

    @property
    def originator_id(self) -> UUID: ...


class OwnedByRecordOrSubject:
    """Mixin for the first event of a record that may name no one (an acute matter, a
    ladder matter, a consultation): its text is the individual's, or the record's own
    (`record_owner`), as the store's mapper asks with ``personal_owner()``."""

    def personal_owner(self: _NamesRecord) -> str:
        return record_owner(self.subject_id, self.originator_id)
