"""Sharing without consent: emergency disclosure (C-5) and unborn-child disclosure (C-6).

Both are bounded in time and to the parties they name; both keep their
written justification here, never on a topic. Pure domain.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar, Self

from services.consent.domain.errors import (
    ConsentRuleViolation,
    EmergencyDisclosureInvalid,
    UnbornChildDisclosureInvalid,
    bounded_window,
    distinct_parties,
    written_justification,
)
from services.runtime.kernel.aggregate import Aggregate, event
from services.runtime.kernel.personal import OwnedBySubject, Personal


class Disclosure(Aggregate):
    """What both kinds of sharing without consent have: a written justification (checked on
    the text itself, then kept as the individual's personal data), a deciding person and
    unit, the parties named once each, and a window no longer than the law allows."""

    invalid: ClassVar[type[ConsentRuleViolation]]
    """The rule violation this kind raises (C-5 or C-6)."""
    described_as: ClassVar[str]

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
        recording_unit: str | None = None,
        **particulars: Any,
    ) -> Self:
        """The decision, checked as both kinds check it; `particulars` are what one kind
        records besides (C-6: whether consent was sought)."""
        text = written_justification(justification, cls.invalid)
        window = bounded_window(valid_for, longest, cls.invalid, cls.described_as)
        decision: dict[str, Any] = {
            "subject_id": subject_id,
            "parties": distinct_parties(parties, cls.invalid),
            "justification": Personal(subject_id, text),
            "decided_by": decided_by,
            "decided_at": decided_at,
            "valid_until": decided_at + window,
            "recording_unit": recording_unit,
        }
        disclosure: Self = cls(**decision, **particulars)  # checked by each kind's __init__
        return disclosure

    def _record(
        self,
        *,
        subject_id: str,
        parties: list[str],
        justification: Personal,
        decided_by: str,
        decided_at: datetime,
        valid_until: datetime,
        recording_unit: str | None,
    ) -> None:
        self.subject_id = subject_id
        self.parties = list(parties)
        self.justification = justification
        self.decided_by = decided_by
        self.decided_at = decided_at
        self.valid_until = valid_until
        self.recording_unit = recording_unit


class EmergencyDisclosure(Disclosure):
    """BrB 24 kap. 4 § (nödbestämmelsen), C-5, seed 000.

    When there is an immediate danger to life or health, a meeting and the
    exchange of information may go ahead without consent. The decision needs
    a written justification and a deciding person, and holds only for the
    parties named and only for a bounded time.
    """

    invalid = EmergencyDisclosureInvalid
    described_as = "an emergency disclosure"

    class Decided(OwnedBySubject, Aggregate.Created):
        subject_id: str
        parties: list[str]
        justification: Personal
        decided_by: str
        decided_at: datetime
        valid_until: datetime
        recording_unit: str | None = None
        """The deciding unit (C-10); None on events stored before it was kept."""

        legacy_personal: ClassVar[tuple[str, ...]] = ("justification",)

    class Expired(Aggregate.Event):
        subject_id: str
        expired_at: datetime

    @event(Decided)
    def __init__(
        self,
        *,
        subject_id: str,
        parties: list[str],
        justification: Personal,
        decided_by: str,
        decided_at: datetime,
        valid_until: datetime,
        recording_unit: str | None = None,
    ) -> None:
        self._record(
            subject_id=subject_id,
            parties=parties,
            justification=justification,
            decided_by=decided_by,
            decided_at=decided_at,
            valid_until=valid_until,
            recording_unit=recording_unit,
        )
        self.expired_at: datetime | None = None

    def expire_if_due(self, now: datetime) -> bool:
        """Record that the window closed; True when it was recorded now."""
        if self.expired_at is not None or self.valid_until > now:
            return False
        self._expired(subject_id=self.subject_id, expired_at=self.valid_until)
        return True

    @event(Expired)
    def _expired(self, *, subject_id: str, expired_at: datetime) -> None:
        self.expired_at = expired_at


class UnbornChildDisclosure(Disclosure):
    """OSL 26 kap. 9 §, C-6, seed 004: protecting an expected child.

    For a pregnant woman with substance misuse, social services or health care
    (seed 004: "från socialtjänsten eller från hälso- och sjukvården") may
    disclose to another authority without her consent; consent is still sought
    ("i möjligaste mån eftersträvas"), so the decision answers whether it was,
    and when it was not, why (sealed: it is about her). It authorises
    information sharing between the named parties until `valid_until`.
    """

    invalid = UnbornChildDisclosureInvalid
    described_as = "a disclosure under OSL 26:9"

    class Decided(OwnedBySubject, Aggregate.Created):
        subject_id: str
        parties: list[str]
        justification: Personal
        decided_by: str
        decided_at: datetime
        valid_until: datetime
        consent_sought: bool
        recording_unit: str | None = None
        """The deciding unit (C-10); None on events stored before it was kept."""
        consent_not_sought_reason: Personal | None = None
        """C-6: why consent was not sought; None when it was (and on older events)."""

        legacy_personal: ClassVar[tuple[str, ...]] = ("justification",)

    @classmethod
    def decide(  # type: ignore[override]
        cls,
        *,
        subject_id: str,
        consent_sought: bool,
        consent_not_sought_reason: str | None = None,
        **decision: Any,
    ) -> Self:
        """C-6: the decision as every disclosure is checked, with the answer to whether
        consent was sought, and why not when it was not."""
        reason = why_consent_not_sought(subject_id, consent_sought, consent_not_sought_reason)
        return super().decide(
            subject_id=subject_id,
            consent_sought=consent_sought,
            consent_not_sought_reason=reason,
            **decision,
        )

    @event(Decided)
    def __init__(
        self,
        *,
        subject_id: str,
        parties: list[str],
        justification: Personal,
        decided_by: str,
        decided_at: datetime,
        valid_until: datetime,
        consent_sought: bool,
        recording_unit: str | None = None,
        consent_not_sought_reason: Personal | None = None,
    ) -> None:
        self._record(
            subject_id=subject_id,
            parties=parties,
            justification=justification,
            decided_by=decided_by,
            decided_at=decided_at,
            valid_until=valid_until,
            recording_unit=recording_unit,
        )
        self.consent_sought = consent_sought
        self.consent_not_sought_reason = consent_not_sought_reason


def why_consent_not_sought(
    subject_id: str, consent_sought: bool, reason: str | None
) -> Personal | None:
    """C-6: consent is sought as far as possible, so an OSL 26:9 decision answers whether it
    was (yes or no, never left out) and, when it was not, says why; a reason beside a
    "yes" would contradict it. The reason is about the woman: her personal data."""
    if not isinstance(consent_sought, bool):
        raise UnbornChildDisclosureInvalid(
            "answer consent_sought with true or false", field="body.consent_sought"
        )
    if consent_sought:
        if reason is not None:
            raise UnbornChildDisclosureInvalid(
                "consent_not_sought_reason is for a consent that was not sought",
                field="body.consent_not_sought_reason",
            )
        return None
    if not (reason or "").strip():
        raise UnbornChildDisclosureInvalid(
            "consent was not sought: say why in consent_not_sought_reason",
            field="body.consent_not_sought_reason",
        )
    assert reason is not None
    return Personal(subject_id, reason.strip())
