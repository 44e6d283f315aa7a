"""Events the consent service publishes: consent, refusal, disclosures and their ends.

Payloads carry only ids, codes, timestamps and organisation ids: no names, no
personnummer, no free text about the individual.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar, Protocol, Self, TypeVar
from uuid import UUID

from pydantic import AwareDatetime, model_validator

from contracts.base import (
    HsaId,
    Parties,
    SubjectEvent,
)
from contracts.vocabulary import ConsentForm, Purpose


class _ConsentEvent(SubjectEvent):
    """An event the consent service publishes about one individual: `service` said once."""

    service: ClassVar[str] = "consent"


class ConsentGiven(_ConsentEvent):
    """The individual consented to sharing between `parties` for `purpose` (C-1, C-3).

    `informed` records that the individual was told information may pass between
    the parties, care providers, police and rescue services (C-2).
    """

    version: ClassVar[int] = 1

    consent_id: UUID
    purpose: Purpose
    parties: Parties
    """HSA-ids of the organisation units the individual consented to share between."""
    form: ConsentForm
    recorded_by: HsaId
    """HSA-id of the staff member who documented the consent."""
    informed: bool
    """The individual was told what may be shared and with whom (C-2)."""
    given_at: AwareDatetime
    valid_until: date | None = None
    """Last day the consent holds (inclusive, Europe/Stockholm); None: until withdrawn."""

    def covers(self, parties: Iterable[str], purpose: Purpose, on: date) -> bool:
        """Whether this consent authorises sharing among `parties` for `purpose` on `on` (C-3).

        `valid_until` is the last day the consent holds ("gäller t.o.m."), a
        calendar date in Europe/Stockholm, so callers pass the Stockholm date.
        An empty `parties` is not covered: a request naming nobody is a bug, not
        something consent can authorise. Withdrawal (C-4) is a later event;
        callers that saw `ConsentWithdrawn` must not ask this consent any more.
        """
        asked = set(parties)
        return (
            bool(asked)
            and purpose == self.purpose
            and asked.issubset(self.parties)
            and (self.valid_until is None or on <= self.valid_until)
        )


class ConsentWithdrawn(_ConsentEvent):
    """The individual withdrew a consent: it authorises no new sharing from `withdrawn_at` (C-4)."""

    version: ClassVar[int] = 1

    consent_id: UUID
    withdrawn_at: AwareDatetime
    recorded_by: HsaId


class _Decision(Protocol):
    decided_at: datetime
    valid_until: datetime


_D = TypeVar("_D", bound=_Decision)


def _valid_after_decision(decision: _D) -> _D:
    """Both kinds of disclosure hold for a window that begins when decided (C-5, C-6)."""
    if decision.valid_until <= decision.decided_at:
        raise ValueError("valid_until must be after decided_at")
    return decision


class EmergencyDisclosureRecorded(_ConsentEvent):
    """Sharing without consent under immediate danger to life or health (BrB 24:4, C-5).

    Limited in time and to the named parties. The written justification is free
    text about the individual, so it stays in the consent service and is not here.
    """

    version: ClassVar[int] = 1

    disclosure_id: UUID
    parties: Parties
    decided_by: HsaId
    """HSA-id of the person who decided the disclosure."""
    decided_at: AwareDatetime
    valid_until: AwareDatetime
    """End of the disclosure's window (exclusive)."""

    _ends_after_decision = model_validator(mode="after")(_valid_after_decision)

    def covers(self, parties: Iterable[str], at: datetime) -> bool:
        """Whether the disclosure authorises sharing among `parties` at instant `at` (C-5).

        The window is [decided_at, valid_until): the end is exclusive, as usual
        for instants. `at` must be timezone-aware.
        """
        if at.tzinfo is None:
            raise ValueError("at must be timezone-aware")
        asked = set(parties)
        return (
            bool(asked)
            and asked.issubset(self.parties)
            and self.decided_at <= at < self.valid_until
        )


class ConsentRefused(_ConsentEvent):
    """The individual said no (C-4). Recorded, because refusal is information too:
    motivational work may follow (seed 000), and nobody should act as if asked-and-unknown.
    """

    version: ClassVar[int] = 1

    refusal_id: UUID
    purpose: Purpose
    parties: Parties
    refused_at: AwareDatetime
    recorded_by: HsaId
    recording_unit: HsaId | None = None
    """HSA-id of the unit that recorded the refusal; None on refusals recorded before it
    was published."""
    ask_again_on: date | None = None
    """The day `recording_unit` asks again, motivational work done (C-12, seed 000); None:
    no day set. The motivational work planned stays in the consent service."""


class ConsentScopeChanged(_ConsentEvent):
    """The parties a consent covers changed (C-3): a new fact, never a rewrite.

    `parties` is the whole scope from `changed_at` on; `added`/`removed` say
    what changed, so a consumer need not diff.
    """

    version: ClassVar[int] = 1

    consent_id: UUID
    parties: Parties
    added: tuple[HsaId, ...]
    removed: tuple[HsaId, ...]
    changed_at: AwareDatetime
    recorded_by: HsaId


class ConsentExpired(_ConsentEvent):
    """A consent's end date passed (C-3): from `expired_at` it authorises nothing new.

    `expired_at` is the start of the day after `valid_until` in Europe/Stockholm,
    not the moment the service noticed, so the fact is the same whenever it is
    computed.
    """

    version: ClassVar[int] = 1

    consent_id: UUID
    expired_at: AwareDatetime


class EmergencyDisclosureExpired(_ConsentEvent):
    """An emergency disclosure's window closed (C-5) at `expired_at` (its `valid_until`)."""

    version: ClassVar[int] = 1

    disclosure_id: UUID
    expired_at: AwareDatetime


class UnbornChildDisclosureRecorded(_ConsentEvent):
    """Disclosure to protect an expected child, OSL 26 kap. 9 § (C-6, seed 004).

    For a pregnant woman with substance misuse, information may go to another
    authority even without consent; `consent_sought` records that consent was
    still asked for as far as possible. The justification stays in the
    consent service.
    """

    version: ClassVar[int] = 1

    disclosure_id: UUID
    parties: Parties
    decided_by: HsaId
    decided_at: AwareDatetime
    valid_until: AwareDatetime
    consent_sought: bool

    _ends_after_decision = model_validator(mode="after")(_valid_after_decision)


class SubjectErased(_ConsentEvent):
    """Every service has destroyed, or is told to destroy, the subject's personal data
    (GDPR art. 17, or statutory culling): partners drop their copies too.

    Counts and the facts' skeletons (ids, codes, times) stay; what was personal
    reads as erased from `erased_at` on.
    """

    version: ClassVar[int] = 1

    erasure_id: UUID
    erased_at: AwareDatetime
    erased_by: HsaId


class ErasureReason(StrEnum):
    """Why a subject's personal data was destroyed; partners act on it differently."""

    REQUEST = "request"
    """Erased on request or decision (GDPR art. 17): art. 19 asks every recipient to erase
    its copy too."""
    CULLING = "culling"
    """Statutory culling (gallring): the platform's retention after the last activity has
    passed. It ends the platform's copy only; a partner's own record follows the
    partner's own retention rules."""


class SubjectErasedV2(_ConsentEvent):
    """Version 2 of `SubjectErased`: says *why* (`reason`), because a partner must drop its
    copy after an erasure on request but keeps its own record, under its own retention
    rules, after the platform's statutory culling. `erased_by` is the administrator who
    erased on request; culling is done by the platform's schedule and names no one.

    Consent publishes this version for every erasure; `SubjectErased` (v1) stays readable
    for what is already on the topic and means `reason: request`.
    """

    version: ClassVar[int] = 2

    erasure_id: UUID
    erased_at: AwareDatetime
    reason: ErasureReason
    erased_by: HsaId | None = None
    """HSA-id of the administrator who erased on request; None for culling."""

    @model_validator(mode="after")
    def _request_names_who(self) -> Self:
        if self.reason is ErasureReason.REQUEST and self.erased_by is None:
            raise ValueError("an erasure on request names who erased (erased_by)")
        return self


__all__ = [
    "ConsentExpired",
    "ConsentGiven",
    "ConsentRefused",
    "ConsentScopeChanged",
    "ConsentWithdrawn",
    "EmergencyDisclosureExpired",
    "EmergencyDisclosureRecorded",
    "ErasureReason",
    "SubjectErased",
    "SubjectErasedV2",
    "UnbornChildDisclosureRecorded",
]
