"""Swedish personal identity numbers at the edge of the platform.

A personnummer (or samordningsnummer, the co-ordination number given to people
who are not registered in Sweden) is the one piece of personal data every
request about an individual starts from. It is validated here, once, and then
immediately turned into a pseudonymous ``subject_id`` (keyed HMAC) that all
services, event stores and topics key on, so the number itself never travels
further than the API that received it (ARCHITECTURE.md, Privacy).

Accepted forms (Skatteverket's notation):

- ``YYYYMMDD-NNNC`` and ``YYYYMMDDNNNC``: century given.
- ``YYMMDD-NNNC`` (and ``YYMMDDNNNC``, which forms commonly produce): the
  person turns at most 99 this year, so the century is the latest one that
  does not put the birth year after ``today``'s year.
- ``YYMMDD+NNNC``: the separator becomes ``+`` the year a person turns 100, so
  the century is one further back.

The check digit ``C`` is the Luhn digit over the ten-digit form ``YYMMDDNNN``
(the century never takes part). A samordningsnummer adds 60 to the day of
birth, so its day is 61-91.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

__all__ = [
    "IdentityNumber",
    "InvalidIdentityNumber",
    "SubjectIdFactory",
    "luhn_check_digit",
    "parse_personnummer",
]

# ASCII digits only: \d would also match e.g. Arabic-Indic digits, which int() accepts.
_PATTERN = re.compile(
    r"(?P<century>[0-9]{2})?(?P<yymmdd>[0-9]{6})(?P<sep>[-+]?)(?P<serial>[0-9]{3})(?P<check>[0-9])"
)
_COORDINATION_DAY_OFFSET = 60
_MIN_KEY_BYTES = 32


class InvalidIdentityNumber(ValueError):
    """The text is not a valid personnummer or samordningsnummer.

    The message is a short reason meant for the person typing the number
    ("check digit does not match"); it never repeats the number itself, so the
    exception is safe to log and to return in a problem response.
    """


@dataclass(frozen=True, slots=True, repr=False)
class IdentityNumber:
    """A validated personnummer or samordningsnummer.

    Build it with :func:`parse_personnummer`. ``repr``/``str`` are masked so a
    stray log line or traceback cannot leak the number; read ``canonical``
    explicitly where the number itself is needed (deriving the subject id).
    """

    canonical: str
    """Twelve digits, ``YYYYMMDDNNNC``, no separator."""
    birth_date: date
    """The real date of birth (for a samordningsnummer: the day minus 60)."""
    is_coordination_number: bool

    def __repr__(self) -> str:
        return "IdentityNumber(***)"

    def __str__(self) -> str:
        return "***"


def luhn_check_digit(digits: str) -> int:
    """The Luhn (mod 10) check digit of ``digits``, weights 2,1,2,1,… from the left.

    Exposed so tests and fixtures can generate made-up but valid numbers
    instead of ever using a real person's.
    """
    total = 0
    for index, char in enumerate(digits):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def parse_personnummer(text: str, *, today: date) -> IdentityNumber:
    """Validate ``text`` and return it as an :class:`IdentityNumber`.

    ``today`` is passed in (never read from the clock) because both the
    century of a ten-digit number and "not in the future" depend on it.
    Raises :class:`InvalidIdentityNumber` with a short reason.
    """
    match = _PATTERN.fullmatch(text.strip())
    if match is None:
        raise InvalidIdentityNumber("expected YYYYMMDD-NNNC or YYMMDD-NNNC")
    century, yymmdd, separator = match["century"], match["yymmdd"], match["sep"]
    serial, check = match["serial"], match["check"]

    if century is not None:
        if separator == "+":
            raise InvalidIdentityNumber("the + separator is only used with YYMMDD+NNNC")
        year = int(century + yymmdd[:2])
    else:
        year = _infer_year(int(yymmdd[:2]), centenarian=separator == "+", today=today)

    month, day = int(yymmdd[2:4]), int(yymmdd[4:6])
    is_coordination_number = day > _COORDINATION_DAY_OFFSET
    if is_coordination_number:
        day -= _COORDINATION_DAY_OFFSET
    try:
        birth_date = date(year, month, day)
    except ValueError:
        raise InvalidIdentityNumber("no such date") from None
    if birth_date > today:
        raise InvalidIdentityNumber("birth date is in the future")

    if luhn_check_digit(yymmdd + serial) != int(check):
        raise InvalidIdentityNumber("check digit does not match")

    return IdentityNumber(
        canonical=f"{year:04d}{yymmdd[2:]}{serial}{check}",
        birth_date=birth_date,
        is_coordination_number=is_coordination_number,
    )


def _infer_year(two_digit_year: int, *, centenarian: bool, today: date) -> int:
    """The latest year ending in ``two_digit_year`` that is not after this year.

    That is the birth year of someone who turns at most 99 this year; with the
    ``+`` separator (turns 100 or more this year) it is a century earlier.
    """
    year = today.year - (today.year - two_digit_year) % 100
    return year - 100 if centenarian else year


class SubjectIdFactory:
    """Derives the pseudonymous ``subject_id`` every service keys on.

    It is HMAC-SHA256 under a platform secret rather than a plain hash: the
    space of personnummer is small enough (about 10^9 valid numbers) that an
    unkeyed hash could be reversed by brute force in minutes. Without the key,
    a subject id on a topic or in a report cannot be traced back to a person;
    the same number always gives the same id, so events about one individual
    stay ordered and joinable across services.

    Rotating the key (docs/runbook.md, "Rotating the subject-id key"). A new
    key gives *every* individual a new subject id, and the old ids are in
    event stores, access logs, topics and partners' systems that are never
    rewritten (and the platform cannot map old to new: it keeps no
    personnummer). So a rotation starts a new epoch: from then on everything
    new is keyed on the new id, and the old records stay under the old one.
    The old key is kept as a *previous* key for reading only: a read that
    starts from a personnummer (an access-log extract for the individual's
    right to know) looks under every key, so the individual's history from
    before the rotation is still found. What was shared on the old id does not
    carry over: a consent, a case or a red thread is recorded again under the
    new one (fail closed). Rotate only when the key may have leaked.
    """

    __slots__ = ("_key", "_previous")

    def __init__(self, key: bytes, previous: Sequence[bytes] = ()) -> None:
        for secret in (key, *previous):
            if len(secret) < _MIN_KEY_BYTES:
                raise ValueError(f"the subject id key must be at least {_MIN_KEY_BYTES} bytes")
        if any(hmac.compare_digest(key, old) for old in previous):
            raise ValueError("a previous subject id key must differ from the current one")
        self._key = bytes(key)
        self._previous = tuple(bytes(old) for old in previous)

    def subject_id(self, number: IdentityNumber) -> str:
        """64 lowercase hex digits: HMAC-SHA256 of the canonical 12-digit form."""
        return _hmac(self._key, number)

    def subject_ids(self, number: IdentityNumber) -> tuple[str, ...]:
        """The current id first, then the ids under each previous key: every id the
        individual's records may be kept under (for reads; writes use `subject_id`)."""
        return (_hmac(self._key, number), *(_hmac(old, number) for old in self._previous))

    def __repr__(self) -> str:
        return f"SubjectIdFactory(key=***, previous={len(self._previous)})"


def _hmac(key: bytes, number: IdentityNumber) -> str:
    return hmac.new(key, number.canonical.encode("ascii"), hashlib.sha256).hexdigest()
