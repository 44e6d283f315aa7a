"""A case on a monthly meeting's agenda (E-7), as the meeting keeps it.

Its name and story are personal data of the individual, or of the
registration when it was made without a personnummer
(services.escalation.domain.owners); the age is kept as given. Cases are
registered by noon the day before (`registration_cutoff`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from uuid import UUID

from services.runtime.kernel.personal import Personal
from services.runtime.kernel.stockholm_time import STOCKHOLM, stockholm_date

REGISTRATION_CLOSES = time(12, 0)
MAX_AGE = 130


def registration_cutoff(starts_at: datetime) -> datetime:
    """E-7 (seed 003): "senast kl. 12.00 dagen innan mötet" — noon in Stockholm on the
    calendar day before the meeting's Stockholm date, in that day's offset (CET or CEST)."""
    day_before = stockholm_date(starts_at) - timedelta(days=1)
    return datetime.combine(day_before, REGISTRATION_CLOSES, tzinfo=STOCKHOLM)


@dataclass(frozen=True)
class Registration:
    """A case on the agenda. `name` and `age` are personal data: never published."""

    registration_id: UUID
    subject_id: str | None
    registering_org: str
    registered_by: str
    name: Personal
    age: int
    background: Personal
    current_situation: Personal
    problem_and_question: Personal
    summoned_orgs: list[str]
    registered_at: datetime
