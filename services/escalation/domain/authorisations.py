"""Escalation's own view of consent (C-1..C-6), which meetings rely on it (E-4), and the
basis every other flow that shares personal data was allowed on (C-11).

Escalation keeps this view from the consent topic and never asks the consent
service while scheduling, so a meeting can be scheduled while consent is down.
The view also records, per red thread, the basis its next meeting relies on
(or that it is on hold). A withdrawal or expiry then re-checks exactly those
meetings; and because scheduling and the consent policy both write this one
aggregate, they cannot interleave unseen (optimistic concurrency on its
version): a withdrawal is never missed by a meeting scheduled at the same moment.

C-11: an acute matter (E-8), a named consultation (E-9), a monthly-meeting
registration (E-7) and a ladder escalation naming the person (E-6) each share
personal data with other units. Each needs a basis naming those units: consent
for information sharing, an emergency disclosure (C-5) or a disclosure under
OSL 26:9 (C-6), holding when it is made (`basis_for_sharing`); the basis used is
kept here, by record (`note_sharing`), as the meetings' is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from contracts import (
    ConsentGiven,
    EmergencyDisclosureRecorded,
    LegalBasis,
    Purpose,
    UnbornChildDisclosureRecorded,
)
from services.runtime.kernel.aggregate import Aggregate, event
from services.runtime.kernel.stockholm_time import stockholm_date


@dataclass(frozen=True)
class Basis:
    """The legal basis a meeting relies on (C-9): what kind, and which record."""

    kind: LegalBasis
    id: UUID


def authorisations_id(subject_id: str) -> UUID:
    """One view of consents and disclosures per subject, found without an index."""
    return uuid5(NAMESPACE_URL, f"samverkan:escalation:authorisations:{subject_id}")


class SubjectAuthorisations(Aggregate):
    """What escalation knows, from the consent topic, about sharing for one subject."""

    class Opened(Aggregate.Created):
        subject_id: str

    class ConsentNoted(Aggregate.Event):
        consent: dict[str, object]

    class WithdrawalNoted(Aggregate.Event):
        consent_id: UUID

    class EmergencyDisclosureNoted(Aggregate.Event):
        disclosure: dict[str, object]

    class ScopeChangeNoted(Aggregate.Event):
        consent_id: UUID
        parties: list[str]

    class OslDisclosureNoted(Aggregate.Event):
        """C-6: a disclosure under OSL 26:9 (to protect an expected child)."""

        disclosure: dict[str, object]

    class SharingNoted(Aggregate.Event):
        """C-11: the record `record_id` (a `flow`: acute matter, consultation, registration,
        escalation) shared the subject's data with `parties` on this basis."""

        record_id: UUID
        flow: str
        parties: list[str]
        legal_basis: str
        basis_id: UUID
        shared_at: datetime

    class ExpiryNoted(Aggregate.Event):
        basis_id: UUID

    class RelianceNoted(Aggregate.Event):
        red_thread_id: UUID
        basis_id: UUID | None

    class RelianceEnded(Aggregate.Event):
        red_thread_id: UUID

    @staticmethod
    def create_id(subject_id: str) -> UUID:
        return authorisations_id(subject_id)

    @event(Opened)
    def __init__(self, *, subject_id: str) -> None:
        self.subject_id = subject_id
        self.consents: dict[UUID, ConsentGiven] = {}
        self.disclosures: dict[UUID, EmergencyDisclosureRecorded] = {}
        self.reliances: dict[UUID, UUID | None] = {}
        """Red thread id -> the basis its pending meeting relies on; None while on hold."""
        self.osl_disclosures: dict[UUID, UnbornChildDisclosureRecorded] = {}
        self.sharings: dict[UUID, Basis] = {}
        """C-11: record id -> the basis it shared the subject's data on."""

    def note_consent(self, consent: ConsentGiven) -> None:
        self._consent_noted(consent=consent.model_dump(mode="json"))

    @event(ConsentNoted)
    def _consent_noted(self, *, consent: dict[str, object]) -> None:
        given = ConsentGiven.model_validate(consent)
        self.consents[given.consent_id] = given

    def note_withdrawal(self, consent_id: UUID) -> None:
        self._withdrawal_noted(consent_id=consent_id)

    @event(WithdrawalNoted)
    def _withdrawal_noted(self, *, consent_id: UUID) -> None:
        """C-4: a withdrawn consent authorises no new sharing."""
        self.consents.pop(consent_id, None)

    def note_scope_change(self, consent_id: UUID, parties: list[str]) -> None:
        self._scope_change_noted(consent_id=consent_id, parties=parties)

    @event(ScopeChangeNoted)
    def _scope_change_noted(self, *, consent_id: UUID, parties: list[str]) -> None:
        """C-3: from now on the consent covers the new scope only."""
        consent = self.consents.get(consent_id)
        if consent is not None:
            self.consents[consent_id] = consent.model_copy(update={"parties": tuple(parties)})

    def note_expiry(self, basis_id: UUID) -> None:
        self._expiry_noted(basis_id=basis_id)

    @event(ExpiryNoted)
    def _expiry_noted(self, *, basis_id: UUID) -> None:
        """C-3/C-5: an expired consent or disclosure authorises nothing new."""
        self.consents.pop(basis_id, None)
        self.disclosures.pop(basis_id, None)
        self.osl_disclosures.pop(basis_id, None)

    def note_emergency_disclosure(self, disclosure: EmergencyDisclosureRecorded) -> None:
        self._disclosure_noted(disclosure=disclosure.model_dump(mode="json"))

    @event(EmergencyDisclosureNoted)
    def _disclosure_noted(self, *, disclosure: dict[str, object]) -> None:
        recorded = EmergencyDisclosureRecorded.model_validate(disclosure)
        self.disclosures[recorded.disclosure_id] = recorded

    def note_osl_disclosure(self, disclosure: UnbornChildDisclosureRecorded) -> None:
        self._osl_noted(disclosure=disclosure.model_dump(mode="json"))

    @event(OslDisclosureNoted)
    def _osl_noted(self, *, disclosure: dict[str, object]) -> None:
        recorded = UnbornChildDisclosureRecorded.model_validate(disclosure)
        self.osl_disclosures[recorded.disclosure_id] = recorded

    def basis_for_sharing(
        self, parties: list[str], at: datetime, purpose: Purpose = Purpose.INFORMATION_SHARING
    ) -> Basis | None:
        """C-11: consent for `purpose` naming every one of `parties` (C-1..C-4), else an
        emergency disclosure (C-5) or an OSL 26:9 disclosure (C-6) naming them that holds
        at `at`. Consent first: it is the individual's own choice."""
        for consent in self.consents.values():
            if consent.covers(parties, purpose, stockholm_date(at)):
                return Basis(LegalBasis.CONSENT, consent.consent_id)
        for disclosure in self.disclosures.values():
            if disclosure.covers(parties, at):
                return Basis(LegalBasis.EMERGENCY_DISCLOSURE, disclosure.disclosure_id)
        for osl in self.osl_disclosures.values():
            if set(parties) <= set(osl.parties) and osl.decided_at <= at <= osl.valid_until:
                return Basis(LegalBasis.OSL_26_9, osl.disclosure_id)
        return None

    def note_sharing(
        self, *, record_id: UUID, flow: str, parties: list[str], basis: Basis, at: datetime
    ) -> None:
        """C-11: keep which basis the record shared the subject's data on."""
        self._sharing_noted(
            record_id=record_id,
            flow=flow,
            parties=parties,
            legal_basis=basis.kind.value,
            basis_id=basis.id,
            shared_at=at,
        )

    @event(SharingNoted)
    def _sharing_noted(
        self,
        *,
        record_id: UUID,
        flow: str,
        parties: list[str],
        legal_basis: str,
        basis_id: UUID,
        shared_at: datetime,
    ) -> None:
        self.sharings[record_id] = Basis(LegalBasis(legal_basis), basis_id)

    def basis_for_meeting(self, invited_orgs: list[str], at: datetime) -> Basis | None:
        """E-4: consent for a red-thread meeting covering everyone invited (C-1..C-4), or,
        without it, an emergency disclosure naming them that holds at the meeting (C-5).
        Consent is preferred: it is the individual's own choice."""
        for consent in self.consents.values():
            if consent.covers(invited_orgs, Purpose.RED_THREAD_MEETING, stockholm_date(at)):
                return Basis(LegalBasis.CONSENT, consent.consent_id)
        for disclosure in self.disclosures.values():
            if disclosure.covers(invited_orgs, at):
                return Basis(LegalBasis.EMERGENCY_DISCLOSURE, disclosure.disclosure_id)
        return None

    def holds(self, basis_id: UUID, invited_orgs: list[str], at: datetime) -> bool:
        """E-4 re-checked: whether that one basis still covers the meeting."""
        consent = self.consents.get(basis_id)
        if consent is not None:
            return consent.covers(invited_orgs, Purpose.RED_THREAD_MEETING, stockholm_date(at))
        disclosure = self.disclosures.get(basis_id)
        return disclosure is not None and disclosure.covers(invited_orgs, at)

    # --- which red threads rely on what -------------------------------------------------

    def note_reliance(self, red_thread_id: UUID, basis_id: UUID | None) -> None:
        """The red thread's pending meeting now relies on `basis_id` (None: on hold)."""
        if red_thread_id in self.reliances and self.reliances[red_thread_id] == basis_id:
            return
        self._reliance_noted(red_thread_id=red_thread_id, basis_id=basis_id)

    @event(RelianceNoted)
    def _reliance_noted(self, *, red_thread_id: UUID, basis_id: UUID | None) -> None:
        self.reliances[red_thread_id] = basis_id

    def end_reliance(self, red_thread_id: UUID) -> None:
        """The red thread has no pending meeting any more (held, evaluated or closed)."""
        if red_thread_id in self.reliances:
            self._reliance_ended(red_thread_id=red_thread_id)

    @event(RelianceEnded)
    def _reliance_ended(self, *, red_thread_id: UUID) -> None:
        self.reliances.pop(red_thread_id, None)

    def relying_on(self, basis_id: UUID) -> list[UUID]:
        return [rt for rt, basis in self.reliances.items() if basis == basis_id]

    def on_hold(self) -> list[UUID]:
        return [rt for rt, basis in self.reliances.items() if basis is None]
