"""Consent (samtycke) and its refusal: C-1..C-4, seeds 000, 001, 003.

Pure domain: no I/O, no clock. Times come in as arguments.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import ClassVar

from services.consent.domain.errors import (
    AskAgainInvalid,
    ConsentAlreadyWithdrawn,
    ConsentNoLongerActive,
    ConsentNotDocumented,
    ConsentScopeInvalid,
    IndividualNotInformed,
    distinct_parties,
)
from services.runtime.kernel.aggregate import Aggregate, event
from services.runtime.kernel.personal import OwnedBySubject, Personal
from services.runtime.kernel.stockholm_time import STOCKHOLM

AGE_OF_MAJORITY = 18


class GivenBy(StrEnum):
    """Who gave the consent: the individual, or a guardian (vårdnadshavare) for a child."""

    INDIVIDUAL = "individual"
    GUARDIAN = "guardian"


def end_of_day(last_day: date) -> datetime:
    """C-3: a consent "valid until" a date holds through that whole Swedish day.

    It ends at the first instant of the next day in Europe/Stockholm.
    """
    return datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=STOCKHOLM)


def age_on(birth_date: date, day: date) -> int:
    """Completed years; someone born on 29 February turns a year older on 1 March."""
    had_birthday = (day.month, day.day) >= (birth_date.month, birth_date.day)
    return day.year - birth_date.year - (0 if had_birthday else 1)


def may_give_consent(given_by: GivenBy, subject_birth_date: date | None, today: date) -> bool:
    """C-1: an adult consents for themselves; a guardian consents for a child under 18.

    When the birth date is unknown the individual's own consent is accepted
    and a guardian's is not: a guardian's authority has to be shown.
    """
    if given_by is GivenBy.INDIVIDUAL:
        return True
    return subject_birth_date is not None and age_on(subject_birth_date, today) < AGE_OF_MAJORITY


class Consent(Aggregate):
    """A documented consent to share information between named parties for one purpose.

    C-1: oral or written, documented with who recorded it, when, in which form
    and who gave it. C-2: the record says the individual was informed. C-3:
    scoped to parties and a purpose, optionally until an end date; the scope
    changes only by new events. C-4: withdrawable at any time; from then on it
    authorises no new sharing.
    """

    class Given(OwnedBySubject, Aggregate.Created):
        subject_id: str
        purpose: str
        parties: list[str]
        form: str
        informed: bool
        recorded_by: str
        given_at: datetime
        valid_until: date | None
        # Added after the first events were stored: defaults keep those readable.
        given_by: str = GivenBy.INDIVIDUAL.value
        guardian_name: Personal | None = None
        recording_unit: str | None = None
        """The unit that recorded it (C-10); None on events stored before it was kept."""

        legacy_personal: ClassVar[tuple[str, ...]] = ("guardian_name",)

    class ScopeChanged(Aggregate.Event):
        subject_id: str
        parties: list[str]
        added: list[str]
        removed: list[str]
        changed_at: datetime
        recorded_by: str

    class Withdrawn(Aggregate.Event):
        subject_id: str
        withdrawn_at: datetime
        recorded_by: str

    class Expired(Aggregate.Event):
        subject_id: str
        expired_at: datetime

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
        given_by: GivenBy = GivenBy.INDIVIDUAL,
        guardian_name: str | None = None,
        subject_birth_date: date | None = None,
        recording_unit: str | None = None,
    ) -> Consent:
        if not informed:
            raise IndividualNotInformed(
                "the individual must be informed that information may pass between the "
                "parties, care providers, police and rescue services before consenting"
            )
        if valid_until is not None and valid_until < today:
            raise ConsentScopeInvalid("valid_until is in the past")
        if not may_give_consent(given_by, subject_birth_date, today):
            raise ConsentNotDocumented(
                "a guardian may consent only for a child under 18; an adult consents themselves"
            )
        if given_by is GivenBy.GUARDIAN and not (guardian_name or "").strip():
            raise ConsentNotDocumented("name the guardian who gave the consent")
        consent: Consent = cls(
            subject_id=subject_id,
            purpose=purpose,
            parties=distinct_parties(parties, ConsentScopeInvalid),
            form=form,
            informed=informed,
            recorded_by=recorded_by,
            given_at=given_at,
            valid_until=valid_until,
            given_by=given_by.value,
            # A guardian's name is personal data: the individual's, sealed with their key.
            guardian_name=Personal(subject_id, guardian_name.strip())
            if guardian_name and guardian_name.strip()
            else None,
            recording_unit=recording_unit,
        )
        return consent

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
        given_by: str = GivenBy.INDIVIDUAL.value,
        guardian_name: Personal | None = None,
        recording_unit: str | None = None,
    ) -> None:
        self.subject_id = subject_id
        self.purpose = purpose
        self.parties = list(parties)
        self.form = form
        self.informed = informed
        self.recorded_by = recorded_by
        self.given_at = given_at
        self.valid_until = valid_until
        self.given_by = given_by
        self.guardian_name = guardian_name
        self.recording_unit = recording_unit
        self.withdrawn_at: datetime | None = None
        self.withdrawn_by: str | None = None
        self.expired_at: datetime | None = None

    @property
    def ends_at(self) -> datetime | None:
        """The instant the end date passes (C-3), or None for "until withdrawn"."""
        return end_of_day(self.valid_until) if self.valid_until is not None else None

    def status(self, at: datetime) -> str:
        if self.withdrawn_at is not None and self.withdrawn_at <= at:
            return "withdrawn"
        if self.ends_at is not None and self.ends_at <= at:
            return "expired"
        return "active"

    def _require_active(self, at: datetime) -> None:
        status = self.status(at)
        if status == "withdrawn":
            assert self.withdrawn_at is not None
            raise ConsentAlreadyWithdrawn(
                f"consent {self.id} was already withdrawn at {self.withdrawn_at.isoformat()}"
            )
        if status == "expired":
            raise ConsentNoLongerActive(f"consent {self.id} expired on {self.valid_until}")

    def change_scope(
        self, *, add: list[str], remove: list[str], at: datetime, recorded_by: str
    ) -> None:
        """C-3: parties are added or removed as a new fact; the earlier scope stays on record."""
        self._require_active(at)
        if set(add) & set(remove):
            raise ConsentScopeInvalid("a party cannot be both added and removed")
        added = [p for p in dict.fromkeys(add) if p not in self.parties]
        removed = [p for p in dict.fromkeys(remove) if p in self.parties]
        if not added and not removed:
            raise ConsentScopeInvalid("the change adds and removes nothing")
        parties = [p for p in self.parties if p not in removed] + added
        distinct_parties(parties, ConsentScopeInvalid)
        self._scope_changed(
            subject_id=self.subject_id,
            parties=parties,
            added=added,
            removed=removed,
            changed_at=at,
            recorded_by=recorded_by,
        )

    @event(ScopeChanged)
    def _scope_changed(
        self,
        *,
        subject_id: str,
        parties: list[str],
        added: list[str],
        removed: list[str],
        changed_at: datetime,
        recorded_by: str,
    ) -> None:
        self.parties = parties

    def withdraw(self, *, at: datetime, recorded_by: str) -> None:
        """C-4: effective at once for new sharing."""
        self._require_active(at)
        self._withdrawn(subject_id=self.subject_id, withdrawn_at=at, recorded_by=recorded_by)

    @event(Withdrawn)
    def _withdrawn(self, *, subject_id: str, withdrawn_at: datetime, recorded_by: str) -> None:
        self.withdrawn_at = withdrawn_at
        self.withdrawn_by = recorded_by

    def expire_if_due(self, now: datetime) -> bool:
        """Record the expiry once the end date has passed; True when it was recorded now."""
        ends_at = self.ends_at
        if self.expired_at or self.withdrawn_at or ends_at is None or ends_at > now:
            return False
        self._expired(subject_id=self.subject_id, expired_at=ends_at)
        return True

    @event(Expired)
    def _expired(self, *, subject_id: str, expired_at: datetime) -> None:
        self.expired_at = expired_at


class ConsentRefusal(Aggregate):
    """C-4 (seed 000): the individual said no. Recorded, so motivational work can follow
    and nobody mistakes "not asked" for "refused".

    C-12 (seed 000: "kan motivationsarbete … behövas"): the refusal may carry the day the
    recording unit asks again and, in free text, the motivational work it plans until
    then; that day waits on the recording unit's work list (services.consent.views).
    """

    class Refused(Aggregate.Created):
        subject_id: str
        purpose: str
        parties: list[str]
        refused_at: datetime
        recorded_by: str
        informed: bool
        recording_unit: str | None = None
        """The unit that recorded it (C-10); None on events stored before it was kept."""
        ask_again_on: date | None = None
        """C-12: the day to ask again; None when none was set (and on older events)."""
        motivational_work: Personal | None = None
        """C-12: the motivational work planned, about the individual: sealed with their key."""

    @classmethod
    def record(
        cls,
        *,
        subject_id: str,
        purpose: str,
        parties: list[str],
        refused_at: datetime,
        recorded_by: str,
        informed: bool,
        recording_unit: str | None = None,
        ask_again_on: date | None = None,
        motivational_work: str | None = None,
    ) -> ConsentRefusal:
        refusal: ConsentRefusal = cls(
            subject_id=subject_id,
            purpose=purpose,
            parties=distinct_parties(parties, ConsentScopeInvalid),
            refused_at=refused_at,
            recorded_by=recorded_by,
            informed=informed,
            recording_unit=recording_unit,
            ask_again_on=ask_again_after(refused_at, ask_again_on),
            motivational_work=planned_work(subject_id, motivational_work),
        )
        return refusal

    @event(Refused)
    def __init__(
        self,
        *,
        subject_id: str,
        purpose: str,
        parties: list[str],
        refused_at: datetime,
        recorded_by: str,
        informed: bool,
        recording_unit: str | None = None,
        ask_again_on: date | None = None,
        motivational_work: Personal | None = None,
    ) -> None:
        self.subject_id = subject_id
        self.purpose = purpose
        self.parties = list(parties)
        self.refused_at = refused_at
        self.recorded_by = recorded_by
        self.informed = informed
        self.recording_unit = recording_unit
        self.ask_again_on = ask_again_on
        self.motivational_work = motivational_work


def ask_again_after(refused_at: datetime, ask_again_on: date | None) -> date | None:
    """C-12: the day to ask again is a day after the refusal's (Stockholm) day: asking
    again the same day is not motivational work, it is pressing."""
    if ask_again_on is not None and ask_again_on <= refused_at.astimezone(STOCKHOLM).date():
        raise AskAgainInvalid(
            "ask_again_on must be a day after the day of the refusal", field="body.ask_again_on"
        )
    return ask_again_on


def planned_work(subject_id: str, text: str | None) -> Personal | None:
    """C-12: the motivational work planned, if told, as text (not just blanks) about the
    individual: their personal data, erased with them."""
    if text is None:
        return None
    if not text.strip():
        raise AskAgainInvalid(
            "motivational_work, when given, says what is planned", field="body.motivational_work"
        )
    return Personal(subject_id, text.strip())
