"""Where an identity number enters the platform, and where it stops.

Routes call :func:`subject_id_for`; from then on only the pseudonymous
subject id exists. A bad number is the caller's error, named by field.
"""

from __future__ import annotations

from fastapi import Request

from services.runtime.application import Clock
from services.runtime.identity import InvalidIdentityNumber, SubjectIdFactory, parse_personnummer
from services.runtime.problems import Problem
from services.runtime.time import stockholm_date


def subject_id_for(request: Request, personnummer: str, field: str = "body.personnummer") -> str:
    """Validate a personnummer/samordningsnummer and return its pseudonymous subject id."""
    clock: Clock = request.app.state.clock
    factory: SubjectIdFactory = request.app.state.subject_ids
    try:
        number = parse_personnummer(personnummer, today=stockholm_date(clock.now()))
    except InvalidIdentityNumber as error:
        raise Problem(
            422,
            "Invalid request",
            f"{field}: {error}",
            type="https://samverkan.se/problems/invalid-request",
            errors=[{"field": field, "message": str(error), "rule": "personnummer"}],
        ) from None
    return factory.subject_id(number)
