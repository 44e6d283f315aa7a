"""What cases knows of a subject's consents, learnt from the consent topic.

The case rules build on this view: a handover needs consent for
`case_handover` covering both units (C-8), an adult's SIP needs consent for
`sip` (C-7); a handover's joint officials' meeting a consent or an emergency
disclosure naming every unit that meets (C-11, C-5); a pregnant woman's referral a
consent for `information_sharing` with both recipients or a disclosure under OSL 26:9
naming them (K-14, C-6). Pure domain: no I/O, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from services.runtime.kernel.aggregate import Aggregate, event


def consent_record_id(subject_id: str) -> UUID:
    """One consent record per subject, addressable by the subject id alone."""
    return uuid5(NAMESPACE_URL, f"samverkan:cases:consents:{subject_id}")


@dataclass
class KnownConsent:
    """One consent as the cases service learnt of it from the consent topic."""

    consent_id: UUID
    purpose: str
    parties: list[str]
    given_at: datetime
    valid_until: date | None
    withdrawn_at: datetime | None = None
    expired_at: datetime | None = None

    def status(self, today: date) -> str:
        if self.withdrawn_at is not None:
            return "withdrawn"
        if self.expired_at is not None or (
            self.valid_until is not None and today > self.valid_until
        ):
            return "expired"
        return "active"

    def covers(self, parties: list[str], purpose: str, on: date) -> bool:
        """C-3: active on `on`, for `purpose`, naming every one of `parties`."""
        return (
            self.status(on) == "active"
            and self.purpose == purpose
            and bool(parties)
            and set(parties).issubset(self.parties)
        )


@dataclass
class KnownDisclosure:
    """An emergency disclosure (C-5, BrB 24:4) as cases learnt of it: limited in time and
    to the parties named; its justification stays in the consent service."""

    disclosure_id: UUID
    parties: list[str]
    decided_at: datetime
    valid_until: datetime
    expired_at: datetime | None = None

    def covers(self, parties: list[str], at: datetime) -> bool:
        """C-5: within [decided_at, valid_until) and naming every one of `parties`."""
        return (
            self.expired_at is None
            and self.decided_at <= at < self.valid_until
            and bool(parties)
            and set(parties).issubset(self.parties)
        )


class SubjectConsents(Aggregate):
    """Every consent given for one subject, withdrawn ones kept and marked (C-4)."""

    class Opened(Aggregate.Created):
        subject_id: str

    class ConsentLearnt(Aggregate.Event):
        consent_id: UUID
        purpose: str
        parties: list[str]
        given_at: datetime
        valid_until: date | None

    class WithdrawalLearnt(Aggregate.Event):
        consent_id: UUID
        withdrawn_at: datetime

    class ScopeChangeLearnt(Aggregate.Event):
        consent_id: UUID
        parties: list[str]

    class ExpiryLearnt(Aggregate.Event):
        consent_id: UUID
        expired_at: datetime

    class DisclosureLearnt(Aggregate.Event):
        disclosure_id: UUID
        parties: list[str]
        decided_at: datetime
        valid_until: datetime

    class UnbornChildDisclosureLearnt(Aggregate.Event):
        """C-6: a disclosure to protect an expected child, OSL 26:9 (not an emergency one)."""

        disclosure_id: UUID
        parties: list[str]
        decided_at: datetime
        valid_until: datetime

    class DisclosureExpiryLearnt(Aggregate.Event):
        disclosure_id: UUID
        expired_at: datetime

    @staticmethod
    def create_id(subject_id: str) -> UUID:
        return consent_record_id(subject_id)

    @event(Opened)
    def __init__(self, *, subject_id: str) -> None:
        self.subject_id = subject_id
        self.consents: dict[UUID, KnownConsent] = {}
        self.disclosures: dict[UUID, KnownDisclosure] = {}
        self.unborn_child_disclosures: dict[UUID, KnownDisclosure] = {}

    @event(ConsentLearnt)
    def learn_consent(
        self,
        *,
        consent_id: UUID,
        purpose: str,
        parties: list[str],
        given_at: datetime,
        valid_until: date | None,
    ) -> None:
        self.consents[consent_id] = KnownConsent(
            consent_id, purpose, parties, given_at, valid_until
        )

    @event(WithdrawalLearnt)
    def learn_withdrawal(self, *, consent_id: UUID, withdrawn_at: datetime) -> None:
        self._revise(consent_id, withdrawn_at=withdrawn_at)

    @event(ScopeChangeLearnt)
    def learn_scope_change(self, *, consent_id: UUID, parties: list[str]) -> None:
        self._revise(consent_id, parties=parties)

    @event(ExpiryLearnt)
    def learn_expiry(self, *, consent_id: UUID, expired_at: datetime) -> None:
        self._revise(consent_id, expired_at=expired_at)

    @event(DisclosureLearnt)
    def learn_disclosure(
        self,
        *,
        disclosure_id: UUID,
        parties: list[str],
        decided_at: datetime,
        valid_until: datetime,
    ) -> None:
        self.disclosures[disclosure_id] = KnownDisclosure(
            disclosure_id, list(parties), decided_at, valid_until
        )

    @event(UnbornChildDisclosureLearnt)
    def learn_unborn_child_disclosure(
        self,
        *,
        disclosure_id: UUID,
        parties: list[str],
        decided_at: datetime,
        valid_until: datetime,
    ) -> None:
        self.unborn_child_disclosures[disclosure_id] = KnownDisclosure(
            disclosure_id, list(parties), decided_at, valid_until
        )

    def unborn_child_disclosure_for(
        self, parties: list[str], at: datetime
    ) -> KnownDisclosure | None:
        """C-6 → K-14: the latest OSL 26:9 disclosure naming every one of `parties` at `at`."""
        known = self.unborn_child_disclosures.values()
        return max(
            (d for d in known if d.covers(parties, at)), key=lambda d: d.decided_at, default=None
        )

    @event(DisclosureExpiryLearnt)
    def learn_disclosure_expiry(self, *, disclosure_id: UUID, expired_at: datetime) -> None:
        known = self.disclosures.get(disclosure_id)
        if known is not None:
            self.disclosures[disclosure_id] = replace(known, expired_at=expired_at)

    def disclosure_for(self, parties: list[str], at: datetime) -> KnownDisclosure | None:
        """C-5: the most recent emergency disclosure that covers `parties` at `at`."""
        covering = [d for d in self.disclosures.values() if d.covers(parties, at)]
        return max(covering, key=lambda d: d.decided_at, default=None)

    def _revise(self, consent_id: UUID, **changes: Any) -> None:
        """A later fact about a known consent; of one cases never learnt of, there is
        nothing to revise."""
        known = self.consents.get(consent_id)
        if known is not None:
            self.consents[consent_id] = replace(known, **changes)

    def consent_for(self, purpose: str, parties: list[str], on: date) -> KnownConsent | None:
        """The most recently given consent that covers `parties` for `purpose` on `on`."""
        covering = [c for c in self.consents.values() if c.covers(parties, purpose, on)]
        return max(covering, key=lambda c: c.given_at, default=None)
