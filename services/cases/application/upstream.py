"""The policies that react to upstream events: the consent topic keeps cases' own view of
consent current, which C-7 (a SIP), C-8 (a handover) and C-11 (a handover's joint
officials' meeting, on a consent or an emergency disclosure) are checked against, and
`SubjectErased` destroys the subject's data key here too. And the view, as a unit
may look it up (C-10).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from eventsourcing.application import ProcessingEvent

from contracts import (
    ConsentExpired,
    ConsentGiven,
    ConsentScopeChanged,
    ConsentWithdrawn,
    EmergencyDisclosureExpired,
    EmergencyDisclosureRecorded,
    SubjectErased,
    SubjectErasedV2,
    UnbornChildDisclosureRecorded,
)
from services.cases.application.base import CasesBase
from services.cases.domain import KnownConsent, SubjectConsents, consent_record_id
from services.cases.domain.parties import named_in
from services.runtime.kernel.actor import Actor

LEARNT_FROM = (
    ConsentGiven,
    UnbornChildDisclosureRecorded,
    ConsentWithdrawn,
    ConsentScopeChanged,
    ConsentExpired,
    EmergencyDisclosureRecorded,
    EmergencyDisclosureExpired,
)
"""The upstream events whose policy changes the subject's consent record."""


class Upstream(CasesBase):
    """Consent and erasure events from the consent service."""

    def aggregate_ids(self, domain_event: Any) -> Iterable[UUID]:
        """The consent record a consent event's policy changes: a batch of them is
        loaded in one query (services.runtime.store.prefetch)."""
        if isinstance(domain_event, LEARNT_FROM):
            return (consent_record_id(domain_event.subject_id),)
        return ()

    def consents_known_to(self, actor: Actor, subject_id: str) -> list[KnownConsent]:
        """The consents cases knows of for the individual that name the actor's unit
        (C-10: being party to one consent about the person shows no other)."""
        record = self.consents_of(subject_id)
        known = record.consents.values() if record else []
        return [consent for consent in known if named_in(actor, consent)]

    @contextmanager
    def _consent_record(
        self, subject_id: str, processing_event: ProcessingEvent[UUID]
    ) -> Iterator[SubjectConsents]:
        """The subject's consent record (a new one for a subject not seen before) for a
        policy to change; its new events go with the tracking of the upstream event."""
        record = self.consents_of(subject_id) or SubjectConsents(subject_id=subject_id)
        yield record
        processing_event.collect_events(record)

    @singledispatchmethod
    def policy(self, domain_event: Any, processing_event: ProcessingEvent[UUID]) -> None:
        """Upstream events cases has no use for are tracked and otherwise ignored."""

    @policy.register
    def _(self, event: ConsentGiven, processing_event: ProcessingEvent[UUID]) -> None:
        with self._consent_record(event.subject_id, processing_event) as record:
            record.learn_consent(
                consent_id=event.consent_id,
                purpose=event.purpose.value,
                parties=list(event.parties),
                given_at=event.given_at,
                valid_until=event.valid_until,
            )

    @policy.register
    def _(
        self, event: UnbornChildDisclosureRecorded, processing_event: ProcessingEvent[UUID]
    ) -> None:
        """C-6 → K-14: a disclosure to protect the expected child is a referral's basis."""
        with self._consent_record(event.subject_id, processing_event) as record:
            record.learn_unborn_child_disclosure(
                disclosure_id=event.disclosure_id,
                parties=list(event.parties),
                decided_at=event.decided_at,
                valid_until=event.valid_until,
            )

    @policy.register
    def _(self, event: ConsentWithdrawn, processing_event: ProcessingEvent[UUID]) -> None:
        with self._consent_record(event.subject_id, processing_event) as record:
            record.learn_withdrawal(consent_id=event.consent_id, withdrawn_at=event.withdrawn_at)

    @policy.register
    def _(self, event: ConsentScopeChanged, processing_event: ProcessingEvent[UUID]) -> None:
        with self._consent_record(event.subject_id, processing_event) as record:
            record.learn_scope_change(consent_id=event.consent_id, parties=list(event.parties))

    @policy.register
    def _(self, event: ConsentExpired, processing_event: ProcessingEvent[UUID]) -> None:
        with self._consent_record(event.subject_id, processing_event) as record:
            record.learn_expiry(consent_id=event.consent_id, expired_at=event.expired_at)

    @policy.register
    def _(
        self, event: EmergencyDisclosureRecorded, processing_event: ProcessingEvent[UUID]
    ) -> None:
        with self._consent_record(event.subject_id, processing_event) as record:
            record.learn_disclosure(
                disclosure_id=event.disclosure_id,
                parties=list(event.parties),
                decided_at=event.decided_at,
                valid_until=event.valid_until,
            )

    @policy.register
    def _(self, event: EmergencyDisclosureExpired, processing_event: ProcessingEvent[UUID]) -> None:
        with self._consent_record(event.subject_id, processing_event) as record:
            record.learn_disclosure_expiry(
                disclosure_id=event.disclosure_id, expired_at=event.expired_at
            )

    @policy.register
    def _(self, event: SubjectErased, processing_event: ProcessingEvent[UUID]) -> None:
        """GDPR art. 17: what cases holds about the subject becomes unreadable; cases,
        decisions and counts stay. Only the tracking row is recorded, so a redelivered
        message is skipped, and erasing again would change nothing anyway."""
        self.erase_subject(event.subject_id, event.erased_at)

    @policy.register
    def _(self, event: SubjectErasedV2, processing_event: ProcessingEvent[UUID]) -> None:
        """Erasure on request or statutory culling: the same destruction of the key here."""
        self.erase_subject(event.subject_id, event.erased_at)
