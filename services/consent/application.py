"""Consent use cases: one method per command or query (eventsourcing Application)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from eventsourcing.application import Application

from services.consent.domain import Consent, EmergencyDisclosure
from services.runtime.application import OutboxApplication
from services.runtime.rules import RuleViolation


class UnknownConsent(RuleViolation):
    rule = "C-1"
    status = 404


@dataclass(frozen=True)
class GiveConsent:
    subject_id: str
    purpose: str
    parties: list[str]
    form: str
    informed: bool
    recorded_by: str
    valid_until: date | None


@dataclass(frozen=True)
class DecideEmergencyDisclosure:
    subject_id: str
    parties: list[str]
    justification: str
    decided_by: str
    valid_for: timedelta


class ConsentApplication(OutboxApplication, Application[UUID]):
    """The consent service's store of consents and emergency disclosures."""

    name = "consent"

    def __init__(self, *, longest_emergency_disclosure: timedelta, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.longest_emergency_disclosure = longest_emergency_disclosure

    def give_consent(self, command: GiveConsent, *, at: datetime, today: date) -> UUID:
        consent = Consent.give(
            subject_id=command.subject_id,
            purpose=command.purpose,
            parties=command.parties,
            form=command.form,
            informed=command.informed,
            recorded_by=command.recorded_by,
            given_at=at,
            valid_until=command.valid_until,
            today=today,
        )
        self.save(consent)
        return consent.id

    def withdraw_consent(self, consent_id: UUID, *, recorded_by: str, at: datetime) -> None:
        consent = self.get_consent(consent_id)
        consent.withdraw(at=at, recorded_by=recorded_by)
        self.save(consent)

    def get_consent(self, consent_id: UUID) -> Consent:
        consent = self.find(consent_id, Consent)
        if consent is None:
            raise UnknownConsent(f"no consent {consent_id}")
        return consent

    def decide_emergency_disclosure(
        self, command: DecideEmergencyDisclosure, *, at: datetime
    ) -> UUID:
        disclosure = EmergencyDisclosure.decide(
            subject_id=command.subject_id,
            parties=command.parties,
            justification=command.justification,
            decided_by=command.decided_by,
            decided_at=at,
            valid_for=command.valid_for,
            longest=self.longest_emergency_disclosure,
        )
        self.save(disclosure)
        return disclosure.id
