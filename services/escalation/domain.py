"""The red thread (det röda snöret): emergency escalation around one individual.

Pure domain: no I/O, no clock. Rules E-1..E-4 from DOMAIN.md, seed 000.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from contracts import ConsentGiven, EmergencyDisclosureRecorded, LegalBasis, Purpose
from services.runtime.rules import RuleViolation
from services.runtime.time import stockholm_date

BLUE_LIGHT_ORG_TYPES = frozenset({"ambulance", "rescue", "police"})
MEETING_WITHIN = timedelta(days=14)


class OnlyBlueLightMayPull(RuleViolation):
    rule = "E-1"
    status = 403


class MeasuresMustBeRecorded(RuleViolation):
    rule = "E-2"
    status = 422


class MeetingTooLate(RuleViolation):
    rule = "E-3"
    status = 422


class MeetingInThePast(RuleViolation):
    rule = "E-3"
    status = 422


class NoLegalBasisForMeeting(RuleViolation):
    rule = "E-4"
    status = 409


class MeetingAlreadyScheduled(RuleViolation):
    rule = "E-3"
    status = 409


def may_pull_red_thread(org_type: str) -> bool:
    """E-1 (seed 000): only ambulance, rescue services and police pull the red thread.

    Everyone else escalates along the ordinary ladder (E-6).
    """
    return org_type in BLUE_LIGHT_ORG_TYPES


def meeting_deadline(pulled_at: datetime) -> date:
    """E-3 (seed 000): the meeting is held no later than two weeks — 14 calendar days —
    after the pull, counted on Swedish calendar dates (Europe/Stockholm)."""
    return stockholm_date(pulled_at) + MEETING_WITHIN


@dataclass(frozen=True)
class Basis:
    """The legal basis a meeting relies on (C-9): what kind, and which record."""

    kind: LegalBasis
    id: UUID


class RedThread(Aggregate):
    """One pull of the red thread and the meeting it leads to."""

    class Pulled(Aggregate.Created):
        subject_id: str
        pulled_at: datetime
        pulled_by: str
        pulled_by_org: str
        pulled_by_org_type: str
        measures_tried: list[str]
        burdened_orgs: list[str]
        municipality_code: str

    class MeetingScheduled(Aggregate.Event):
        subject_id: str
        meeting_at: datetime
        invited_orgs: list[str]
        legal_basis: str
        basis_id: UUID
        scheduled_by: str

    @classmethod
    def pull(
        cls,
        *,
        subject_id: str,
        pulled_at: datetime,
        pulled_by: str,
        pulled_by_org: str,
        pulled_by_org_type: str,
        measures_tried: list[str],
        burdened_orgs: list[str],
        municipality_code: str,
    ) -> RedThread:
        if not may_pull_red_thread(pulled_by_org_type):
            raise OnlyBlueLightMayPull(
                f"only ambulance, rescue services and police may pull the red thread, "
                f"not {pulled_by_org_type}; use the escalation ladder (E-6)"
            )
        if not measures_tried:
            raise MeasuresMustBeRecorded(
                "record which measures (including SIP) were tried before pulling"
            )
        red_thread: RedThread = cls(
            subject_id=subject_id,
            pulled_at=pulled_at,
            pulled_by=pulled_by,
            pulled_by_org=pulled_by_org,
            pulled_by_org_type=pulled_by_org_type,
            measures_tried=list(dict.fromkeys(measures_tried)),
            burdened_orgs=list(dict.fromkeys(burdened_orgs)),
            municipality_code=municipality_code,
        )
        return red_thread

    @event(Pulled)
    def __init__(
        self,
        *,
        subject_id: str,
        pulled_at: datetime,
        pulled_by: str,
        pulled_by_org: str,
        pulled_by_org_type: str,
        measures_tried: list[str],
        burdened_orgs: list[str],
        municipality_code: str,
    ) -> None:
        self.subject_id = subject_id
        self.pulled_at = pulled_at
        self.pulled_by = pulled_by
        self.pulled_by_org = pulled_by_org
        self.pulled_by_org_type = pulled_by_org_type
        self.measures_tried = measures_tried
        self.burdened_orgs = burdened_orgs
        self.municipality_code = municipality_code
        self.meeting_at: datetime | None = None
        self.invited_orgs: list[str] = []
        self.basis: Basis | None = None

    @property
    def meeting_deadline(self) -> date:
        return meeting_deadline(self.pulled_at)

    def schedule_meeting(
        self,
        *,
        meeting_at: datetime,
        invited_orgs: list[str],
        basis: Basis | None,
        scheduled_by: str,
        now: datetime,
    ) -> None:
        if self.meeting_at is not None:
            raise MeetingAlreadyScheduled(
                f"the meeting is already scheduled for {self.meeting_at.isoformat()}"
            )
        if meeting_at <= now:
            raise MeetingInThePast("meeting_at is in the past")
        if stockholm_date(meeting_at) > self.meeting_deadline:
            raise MeetingTooLate(
                f"the meeting must be held no later than {self.meeting_deadline.isoformat()}, "
                "14 calendar days after the red thread was pulled"
            )
        if basis is None:
            raise NoLegalBasisForMeeting(
                "no valid consent for a red-thread meeting covering all invited organisations, "
                "and no emergency disclosure naming them, holds at the time of the meeting"
            )
        self._scheduled(
            subject_id=self.subject_id,
            meeting_at=meeting_at,
            invited_orgs=list(dict.fromkeys(invited_orgs)),
            legal_basis=basis.kind.value,
            basis_id=basis.id,
            scheduled_by=scheduled_by,
        )

    @event(MeetingScheduled)
    def _scheduled(
        self,
        *,
        subject_id: str,
        meeting_at: datetime,
        invited_orgs: list[str],
        legal_basis: str,
        basis_id: UUID,
        scheduled_by: str,
    ) -> None:
        self.meeting_at = meeting_at
        self.invited_orgs = invited_orgs
        self.basis = Basis(LegalBasis(legal_basis), basis_id)


def authorisations_id(subject_id: str) -> UUID:
    """One view of consents and disclosures per subject, found without an index."""
    return uuid5(NAMESPACE_URL, f"samverkan:escalation:authorisations:{subject_id}")


class SubjectAuthorisations(Aggregate):
    """What escalation knows, from the consent topic, about sharing for one subject.

    Escalation keeps its own view (it never asks the consent service at
    scheduling time), so a meeting can be scheduled while consent is down.
    """

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

    class ExpiryNoted(Aggregate.Event):
        basis_id: UUID

    @staticmethod
    def create_id(subject_id: str) -> UUID:
        return authorisations_id(subject_id)

    @event(Opened)
    def __init__(self, *, subject_id: str) -> None:
        self.subject_id = subject_id
        self.consents: dict[UUID, ConsentGiven] = {}
        self.disclosures: dict[UUID, EmergencyDisclosureRecorded] = {}

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

    def note_emergency_disclosure(self, disclosure: EmergencyDisclosureRecorded) -> None:
        self._disclosure_noted(disclosure=disclosure.model_dump(mode="json"))

    @event(EmergencyDisclosureNoted)
    def _disclosure_noted(self, *, disclosure: dict[str, object]) -> None:
        recorded = EmergencyDisclosureRecorded.model_validate(disclosure)
        self.disclosures[recorded.disclosure_id] = recorded

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
