"""Consent (samtycke) and emergency disclosure (nödbestämmelsen): the gate for sharing.

Pure domain: no I/O, no clock. Times come in as arguments.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from eventsourcing.domain import Aggregate, event

from services.runtime.rules import RuleViolation


class ConsentRuleViolation(RuleViolation):
    status = 422


class IndividualNotInformed(ConsentRuleViolation):
    rule = "C-2"


class ConsentScopeInvalid(ConsentRuleViolation):
    rule = "C-3"


class ConsentAlreadyWithdrawn(RuleViolation):
    rule = "C-4"


class EmergencyDisclosureInvalid(ConsentRuleViolation):
    rule = "C-5"


def distinct_parties(parties: list[str], rule_error: type[ConsentRuleViolation]) -> list[str]:
    """Sharing needs at least two distinct parties; the order given is kept for display."""
    unique = list(dict.fromkeys(parties))
    if len(unique) < 2:
        raise rule_error("name at least two distinct organisation units (HSA-ids) as parties")
    return unique


class Consent(Aggregate):
    """A documented consent to share information between named parties for one purpose.

    C-1: oral or written, documented with who recorded it, when and in which
    form. C-2: the record says the individual was informed. C-3: scoped to
    parties and a purpose, optionally until an end date. C-4: withdrawable at
    any time; from then on it authorises no new sharing.
    """

    @classmethod
    def give(
        cls,
        *,
        subject_id: str,
        purpose: str,
        parties: list[str],
        form: str,
        informed: bool,
        recorded_by: str,
        given_at: datetime,
        valid_until: date | None,
        today: date,
    ) -> Consent:
        if not informed:
            raise IndividualNotInformed(
                "the individual must be informed that information may pass between the "
                "parties, care providers, police and rescue services before consenting"
            )
        if valid_until is not None and valid_until < today:
            raise ConsentScopeInvalid("valid_until is in the past")
        consent: Consent = cls(
            subject_id=subject_id,
            purpose=purpose,
            parties=distinct_parties(parties, ConsentScopeInvalid),
            form=form,
            informed=informed,
            recorded_by=recorded_by,
            given_at=given_at,
            valid_until=valid_until,
        )
        return consent

    class Given(Aggregate.Created):
        subject_id: str
        purpose: str
        parties: list[str]
        form: str
        informed: bool
        recorded_by: str
        given_at: datetime
        valid_until: date | None

    class Withdrawn(Aggregate.Event):
        subject_id: str
        withdrawn_at: datetime
        recorded_by: str

    @event(Given)
    def __init__(
        self,
        *,
        subject_id: str,
        purpose: str,
        parties: list[str],
        form: str,
        informed: bool,
        recorded_by: str,
        given_at: datetime,
        valid_until: date | None,
    ) -> None:
        self.subject_id = subject_id
        self.purpose = purpose
        self.parties = list(parties)
        self.form = form
        self.informed = informed
        self.recorded_by = recorded_by
        self.given_at = given_at
        self.valid_until = valid_until
        self.withdrawn_at: datetime | None = None
        self.withdrawn_by: str | None = None

    def withdraw(self, *, at: datetime, recorded_by: str) -> None:
        if self.withdrawn_at is not None:
            raise ConsentAlreadyWithdrawn(
                f"consent {self.id} was already withdrawn at {self.withdrawn_at.isoformat()}"
            )
        self._withdrawn(subject_id=self.subject_id, withdrawn_at=at, recorded_by=recorded_by)

    @event(Withdrawn)
    def _withdrawn(self, *, subject_id: str, withdrawn_at: datetime, recorded_by: str) -> None:
        self.withdrawn_at = withdrawn_at
        self.withdrawn_by = recorded_by


class EmergencyDisclosure(Aggregate):
    """Sharing without consent under immediate danger to life or health (BrB 24:4, C-5).

    It needs a written justification and a deciding person, and is limited in
    time and to the parties it names. The justification is free text about the
    individual: it stays here and never goes on a topic.
    """

    @classmethod
    def decide(
        cls,
        *,
        subject_id: str,
        parties: list[str],
        justification: str,
        decided_by: str,
        decided_at: datetime,
        valid_for: timedelta,
        longest: timedelta,
    ) -> EmergencyDisclosure:
        if not justification.strip():
            raise EmergencyDisclosureInvalid(
                "an emergency disclosure needs a written justification"
            )
        if not timedelta(0) < valid_for <= longest:
            raise EmergencyDisclosureInvalid(
                f"an emergency disclosure lasts more than 0 and at most {longest} "
                f"(asked for {valid_for})"
            )
        disclosure: EmergencyDisclosure = cls(
            subject_id=subject_id,
            parties=distinct_parties(parties, EmergencyDisclosureInvalid),
            justification=justification.strip(),
            decided_by=decided_by,
            decided_at=decided_at,
            valid_until=decided_at + valid_for,
        )
        return disclosure

    class Decided(Aggregate.Created):
        subject_id: str
        parties: list[str]
        justification: str
        decided_by: str
        decided_at: datetime
        valid_until: datetime

    @event(Decided)
    def __init__(
        self,
        *,
        subject_id: str,
        parties: list[str],
        justification: str,
        decided_by: str,
        decided_at: datetime,
        valid_until: datetime,
    ) -> None:
        self.subject_id = subject_id
        self.parties = list(parties)
        self.justification = justification
        self.decided_by = decided_by
        self.decided_at = decided_at
        self.valid_until = valid_until


__all__ = [
    "Consent",
    "ConsentAlreadyWithdrawn",
    "ConsentScopeInvalid",
    "EmergencyDisclosure",
    "EmergencyDisclosureInvalid",
    "IndividualNotInformed",
]
