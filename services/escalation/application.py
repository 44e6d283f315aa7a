"""Escalation use cases, and the policy that keeps escalation's view of consent current."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from eventsourcing.application import ProcessingEvent
from eventsourcing.projection import EventSourcedProjection

from contracts import (
    ConsentExpired,
    ConsentGiven,
    ConsentScopeChanged,
    ConsentWithdrawn,
    EmergencyDisclosureExpired,
    EmergencyDisclosureRecorded,
)
from services.escalation.domain import (
    RedThread,
    SubjectAuthorisations,
    authorisations_id,
)
from services.runtime.application import OutboxApplication
from services.runtime.rules import RuleViolation


class UnknownRedThread(RuleViolation):
    rule = "E-1"
    status = 404


@dataclass(frozen=True)
class PullRedThread:
    subject_id: str
    pulled_by: str
    pulled_by_org: str
    pulled_by_org_type: str
    measures_tried: list[str]
    burdened_orgs: list[str]
    municipality_code: str


@dataclass(frozen=True)
class ScheduleMeeting:
    red_thread_id: UUID
    meeting_at: datetime
    invited_orgs: list[str]
    scheduled_by: str


class EscalationApplication(OutboxApplication, EventSourcedProjection[UUID]):
    """Red threads, plus a consent view fed by the consent service's events."""

    name = "escalation"

    def pull_red_thread(self, command: PullRedThread, *, at: datetime) -> UUID:
        red_thread = RedThread.pull(
            subject_id=command.subject_id,
            pulled_at=at,
            pulled_by=command.pulled_by,
            pulled_by_org=command.pulled_by_org,
            pulled_by_org_type=command.pulled_by_org_type,
            measures_tried=command.measures_tried,
            burdened_orgs=command.burdened_orgs,
            municipality_code=command.municipality_code,
        )
        self.save(red_thread)
        return red_thread.id

    def schedule_meeting(self, command: ScheduleMeeting, *, at: datetime) -> RedThread:
        red_thread = self.get_red_thread(command.red_thread_id)
        authorisations = self._authorisations(red_thread.subject_id)
        basis = (
            authorisations.basis_for_meeting(command.invited_orgs, command.meeting_at)
            if authorisations
            else None
        )
        red_thread.schedule_meeting(
            meeting_at=command.meeting_at,
            invited_orgs=command.invited_orgs,
            basis=basis,
            scheduled_by=command.scheduled_by,
            now=at,
        )
        self.save(red_thread)
        return red_thread

    def get_red_thread(self, red_thread_id: UUID) -> RedThread:
        red_thread = self.find(red_thread_id, RedThread)
        if red_thread is None:
            raise UnknownRedThread(f"no red thread {red_thread_id}")
        return red_thread

    def _authorisations(self, subject_id: str) -> SubjectAuthorisations | None:
        return self.find(authorisations_id(subject_id), SubjectAuthorisations)

    def _authorisations_for_update(self, subject_id: str) -> SubjectAuthorisations:
        return self._authorisations(subject_id) or SubjectAuthorisations(subject_id=subject_id)

    @singledispatchmethod
    def policy(self, domain_event: Any, processing_event: ProcessingEvent[UUID]) -> None:
        """Upstream events escalation has no use for are tracked and otherwise ignored."""

    @policy.register
    def _(self, event: ConsentGiven, processing_event: ProcessingEvent[UUID]) -> None:
        view = self._authorisations_for_update(event.subject_id)
        view.note_consent(event)
        processing_event.collect_events(view)

    @policy.register
    def _(self, event: ConsentWithdrawn, processing_event: ProcessingEvent[UUID]) -> None:
        view = self._authorisations_for_update(event.subject_id)
        view.note_withdrawal(event.consent_id)
        processing_event.collect_events(view)

    @policy.register
    def _(
        self, event: EmergencyDisclosureRecorded, processing_event: ProcessingEvent[UUID]
    ) -> None:
        view = self._authorisations_for_update(event.subject_id)
        view.note_emergency_disclosure(event)
        processing_event.collect_events(view)

    @policy.register
    def _(self, event: ConsentScopeChanged, processing_event: ProcessingEvent[UUID]) -> None:
        view = self._authorisations_for_update(event.subject_id)
        view.note_scope_change(event.consent_id, list(event.parties))
        processing_event.collect_events(view)

    @policy.register
    def _(self, event: ConsentExpired, processing_event: ProcessingEvent[UUID]) -> None:
        view = self._authorisations_for_update(event.subject_id)
        view.note_expiry(event.consent_id)
        processing_event.collect_events(view)

    @policy.register
    def _(self, event: EmergencyDisclosureExpired, processing_event: ProcessingEvent[UUID]) -> None:
        view = self._authorisations_for_update(event.subject_id)
        view.note_expiry(event.disclosure_id)
        processing_event.collect_events(view)
