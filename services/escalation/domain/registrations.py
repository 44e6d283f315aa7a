"""A case on a monthly meeting's agenda (E-7), as the meeting keeps it.

Its name, age and story are personal data of the individual, or of the
registration when it was made without a personnummer
(services.escalation.domain.owners): the age is sealed as the name is, so it
reads as erased (`age_of` None) once the owner's key is gone. Cases are
registered by noon the day before (`registration_cutoff`), with every field
the routine asks (`require_complete`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from uuid import UUID

from services.escalation.domain.errors import RegistrationIncomplete
from services.runtime.kernel.personal import Personal
from services.runtime.kernel.stockholm_time import STOCKHOLM, stockholm_date

REGISTRATION_CLOSES = time(12, 0)
MAX_AGE = 130


def registration_cutoff(starts_at: datetime) -> datetime:
    """E-7 (seed 003): "senast kl. 12.00 dagen innan mötet" — noon in Stockholm on the
    calendar day before the meeting's Stockholm date, in that day's offset (CET or CEST)."""
    day_before = stockholm_date(starts_at) - timedelta(days=1)
    return datetime.combine(day_before, REGISTRATION_CLOSES, tzinfo=STOCKHOLM)


def require_complete(
    *, name: str, age: int, background: str, current_situation: str, problem_and_question: str
) -> None:
    """E-7: "namn och ålder, kort bakgrund, aktuell situation, problem och frågeställning"."""
    missing = [
        field
        for field, value in (
            ("name", name),
            ("background", background),
            ("current_situation", current_situation),
            ("problem_and_question", problem_and_question),
        )
        if not value.strip()
    ]
    if missing:
        raise RegistrationIncomplete(f"a registration gives {', '.join(missing)}")
    if not 0 <= age <= MAX_AGE:
        raise RegistrationIncomplete(f"age must be between 0 and {MAX_AGE}")


def age_of(age: Personal | int | None) -> int | None:
    """The age a registration gives, or None once it is erased."""
    if age is None or isinstance(age, int):
        return age
    return int(age.text) if age.text.isdigit() else None


@dataclass(frozen=True)
class Registration:
    """A case on the agenda. `name` and `age` are personal data, sealed: never published."""

    registration_id: UUID
    subject_id: str | None
    registering_org: str
    registered_by: str
    name: Personal
    age: Personal
    background: Personal
    current_situation: Personal
    problem_and_question: Personal
    summoned_orgs: list[str]
    registered_at: datetime
