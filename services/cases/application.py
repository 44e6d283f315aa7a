"""Cases use cases; for now the policy that keeps cases' consent view current."""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from eventsourcing.application import ProcessingEvent
from eventsourcing.projection import EventSourcedProjection

from contracts import ConsentExpired, ConsentGiven, ConsentScopeChanged, ConsentWithdrawn
from services.cases.domain import SubjectConsents, consent_record_id
from services.runtime.application import OutboxApplication


class CasesApplication(OutboxApplication, EventSourcedProjection[UUID]):
    name = "cases"

    def consents_of(self, subject_id: str) -> SubjectConsents | None:
        return self.find(consent_record_id(subject_id), SubjectConsents)

    @singledispatchmethod
    def policy(self, domain_event: Any, processing_event: ProcessingEvent[UUID]) -> None:
        """Upstream events cases has no use for are tracked and otherwise ignored."""

    @policy.register
    def _(self, event: ConsentGiven, processing_event: ProcessingEvent[UUID]) -> None:
        record = self.consents_of(event.subject_id) or SubjectConsents(subject_id=event.subject_id)
        record.learn_consent(
            consent_id=event.consent_id,
            purpose=event.purpose.value,
            parties=list(event.parties),
            given_at=event.given_at,
            valid_until=event.valid_until,
        )
        processing_event.collect_events(record)

    @policy.register
    def _(self, event: ConsentWithdrawn, processing_event: ProcessingEvent[UUID]) -> None:
        record = self.consents_of(event.subject_id) or SubjectConsents(subject_id=event.subject_id)
        record.learn_withdrawal(consent_id=event.consent_id, withdrawn_at=event.withdrawn_at)
        processing_event.collect_events(record)

    @policy.register
    def _(self, event: ConsentScopeChanged, processing_event: ProcessingEvent[UUID]) -> None:
        record = self.consents_of(event.subject_id) or SubjectConsents(subject_id=event.subject_id)
        record.learn_scope_change(consent_id=event.consent_id, parties=list(event.parties))
        processing_event.collect_events(record)

    @policy.register
    def _(self, event: ConsentExpired, processing_event: ProcessingEvent[UUID]) -> None:
        record = self.consents_of(event.subject_id) or SubjectConsents(subject_id=event.subject_id)
        record.learn_expiry(consent_id=event.consent_id, expired_at=event.expired_at)
        processing_event.collect_events(record)
