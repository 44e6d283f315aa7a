"""The policies that react to upstream events: the consent topic keeps escalation's own view
of consent current and re-checks every pending red-thread meeting that relies on what
changed (E-4); the cases topic brings the transfers the termly inventory lists (E-7, K-4) and the
meetings booked there, for the units' calendar feeds (W-1).
`SubjectErased` destroys the subject's data key here too.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from eventsourcing.application import ProcessingEvent
from eventsourcing.persistence import IntegrityError, Tracking

from contracts import (
    AgeTransitionAnnounced,
    AgeTransitionDue,
    CaseMeetingCancelled,
    CaseMeetingMoved,
    CaseMeetingScheduled,
    ConsentExpired,
    ConsentGiven,
    ConsentScopeChanged,
    ConsentWithdrawn,
    EmergencyDisclosureExpired,
    EmergencyDisclosureRecorded,
    HoldReason,
    SubjectErased,
    SubjectErasedV2,
    UnbornChildDisclosureRecorded,
)
from services.escalation.application.base import EscalationBase, note_reliance
from services.escalation.domain import (
    CaseMeeting,
    RedThread,
    SubjectAuthorisations,
    UpcomingTransfers,
    authorisations_id,
    case_meeting_id,
    term_of,
    transfers_id,
)
from services.runtime.store.changes import CONFLICT_ATTEMPTS


class StillContended(RuntimeError):
    """An upstream event kept losing races with commands: try it again later."""


CONSENT_VIEW_FROM = (
    ConsentGiven,
    ConsentWithdrawn,
    EmergencyDisclosureRecorded,
    UnbornChildDisclosureRecorded,
    ConsentScopeChanged,
    ConsentExpired,
    EmergencyDisclosureExpired,
)
"""The upstream events whose policy changes the subject's view of consent (E-4)."""


class Upstream(EscalationBase):
    """Consent, erasure and age-transition events from the other services."""

    def aggregate_ids(self, domain_event: Any) -> Iterable[UUID]:
        """What a policy looks up first, as the event alone tells: a batch's are loaded in
        one query (services.runtime.store.prefetch). The red threads a consent view
        relies on are known only once the view is loaded, and are read on their own."""
        if isinstance(domain_event, CONSENT_VIEW_FROM):
            return (authorisations_id(domain_event.subject_id),)
        if isinstance(domain_event, AgeTransitionDue):
            return (transfers_id(domain_event.unit, term_of(domain_event.transition_on)),)
        if isinstance(domain_event, AgeTransitionAnnounced):
            term = term_of(domain_event.transition_on)
            return (transfers_id(domain_event.from_unit, term),)
        if isinstance(domain_event, CaseMeetingScheduled | CaseMeetingMoved | CaseMeetingCancelled):
            return (case_meeting_id(domain_event.meeting_id, domain_event.kind.value),)
        return ()

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        """Apply an upstream event; on losing a race with a command, apply it again.

        The tracking row makes a redelivered event conflict too, so a conflict is
        retried only while the event is not yet recorded as applied. The runtime's
        consumer takes an IntegrityError for "already applied"; a conflict that
        outlasts the retries is therefore raised as something else, so the event is
        retried or dead-lettered rather than silently skipped.
        """
        conflict: IntegrityError | None = None
        for _ in range(CONFLICT_ATTEMPTS):
            try:
                super().process_event(domain_event, tracking)
                return
            except IntegrityError as error:
                if self.recorder.has_tracking_id(
                    tracking.application_name, tracking.notification_id
                ):
                    raise
                conflict = error
        raise StillContended(f"{tracking} kept conflicting with concurrent commands") from conflict

    @singledispatchmethod
    def policy(self, domain_event: Any, processing_event: ProcessingEvent[UUID]) -> None:
        """Upstream events escalation has no use for are tracked and otherwise ignored."""

    @policy.register
    def _(self, event: ConsentGiven, processing_event: ProcessingEvent[UUID]) -> None:
        view = self._authorisations_for_update(event.subject_id)
        view.note_consent(event)
        self._recheck(view, None, event.given_at, processing_event)

    @policy.register
    def _(self, event: ConsentWithdrawn, processing_event: ProcessingEvent[UUID]) -> None:
        view = self._authorisations_for_update(event.subject_id)
        view.note_withdrawal(event.consent_id)
        self._recheck(view, HoldReason.CONSENT_WITHDRAWN, event.withdrawn_at, processing_event)

    @policy.register
    def _(
        self, event: EmergencyDisclosureRecorded, processing_event: ProcessingEvent[UUID]
    ) -> None:
        view = self._authorisations_for_update(event.subject_id)
        view.note_emergency_disclosure(event)
        self._recheck(view, None, event.decided_at, processing_event)

    @policy.register
    def _(
        self, event: UnbornChildDisclosureRecorded, processing_event: ProcessingEvent[UUID]
    ) -> None:
        """C-6 → C-11: an OSL 26:9 disclosure is a basis for sharing (not for a meeting)."""
        view = self._authorisations_for_update(event.subject_id)
        view.note_osl_disclosure(event)
        processing_event.collect_events(view)

    @policy.register
    def _(self, event: ConsentScopeChanged, processing_event: ProcessingEvent[UUID]) -> None:
        view = self._authorisations_for_update(event.subject_id)
        view.note_scope_change(event.consent_id, list(event.parties))
        reason = HoldReason.CONSENT_SCOPE_NARROWED
        self._recheck(view, reason, event.changed_at, processing_event)

    @policy.register
    def _(self, event: ConsentExpired, processing_event: ProcessingEvent[UUID]) -> None:
        view = self._authorisations_for_update(event.subject_id)
        view.note_expiry(event.consent_id)
        self._recheck(view, HoldReason.CONSENT_EXPIRED, event.expired_at, processing_event)

    @policy.register
    def _(self, event: EmergencyDisclosureExpired, processing_event: ProcessingEvent[UUID]) -> None:
        view = self._authorisations_for_update(event.subject_id)
        view.note_expiry(event.disclosure_id)
        reason = HoldReason.EMERGENCY_DISCLOSURE_EXPIRED
        self._recheck(view, reason, event.expired_at, processing_event)

    @policy.register
    def _(self, event: SubjectErased, processing_event: ProcessingEvent[UUID]) -> None:
        """GDPR art. 17: what escalation holds about the subject becomes unreadable; the
        facts (red threads, ladders, counts) stay. Only the tracking row is recorded, so a
        redelivered message is skipped, and erasing again would change nothing anyway."""
        self.erase_subject(event.subject_id, event.erased_at)

    @policy.register
    def _(self, event: SubjectErasedV2, processing_event: ProcessingEvent[UUID]) -> None:
        """Erasure on request or statutory culling: the same destruction of the key here."""
        self.erase_subject(event.subject_id, event.erased_at)

    @policy.register
    def _(self, event: AgeTransitionDue, processing_event: ProcessingEvent[UUID]) -> None:
        """K-4 → E-7: remember the transfer for the inventory of its term."""
        term = term_of(event.transition_on)
        transfers = self.find(transfers_id(event.unit, term), UpcomingTransfers)
        if transfers is None:
            transfers = UpcomingTransfers(unit=event.unit, term=term)
        transfers.note(
            case_id=event.case_id,
            subject_id=event.subject_id,
            transition_on=event.transition_on,
            announce_by=event.announce_by,
            at=event.due_at,
        )
        processing_event.collect_events(transfers)

    @policy.register
    def _(self, event: AgeTransitionAnnounced, processing_event: ProcessingEvent[UUID]) -> None:
        """K-4 → E-7: an announcement, early or late, names the unit taking over; one with
        no continued support takes the case off the inventory."""
        term = term_of(event.transition_on)
        transfers = self.find(transfers_id(event.from_unit, term), UpcomingTransfers)
        if transfers is None:
            transfers = UpcomingTransfers(unit=event.from_unit, term=term)
        transfers.note_announcement(
            case_id=event.case_id,
            subject_id=event.subject_id,
            transition_on=event.transition_on,
            to_unit=event.to_unit,
            continued_support_needed=event.continued_support_needed,
            at=event.announced_at,
        )
        processing_event.collect_events(transfers)

    @policy.register
    def _(
        self,
        event: CaseMeetingScheduled | CaseMeetingMoved,
        processing_event: ProcessingEvent[UUID],
    ) -> None:
        """K-8, K-9 → W-1: a meeting booked (or moved, W-2) in cases is in its units'
        calendar feeds at its time."""
        meeting_id = case_meeting_id(event.meeting_id, event.kind.value)
        meeting = self.find(meeting_id, CaseMeeting)
        units, starts_at, ends_at = list(event.units), event.starts_at, event.ends_at
        if meeting is None:
            meeting = CaseMeeting.book(
                meeting_id=event.meeting_id,
                kind=event.kind.value,
                units=units,
                starts_at=starts_at,
                ends_at=ends_at,
            )
        else:
            meeting.rebook(units=units, starts_at=starts_at, ends_at=ends_at)
        processing_event.collect_events(meeting)

    @policy.register
    def _(self, event: CaseMeetingCancelled, processing_event: ProcessingEvent[UUID]) -> None:
        """W-2: a meeting called off in cases stays in the feeds, cancelled."""
        meeting = self.find(case_meeting_id(event.meeting_id, event.kind.value), CaseMeeting)
        if meeting is not None:
            meeting.cancel(at=event.cancelled_at)
            processing_event.collect_events(meeting)

    def _recheck(
        self,
        view: SubjectAuthorisations,
        reason: HoldReason | None,
        at: datetime,
        processing_event: ProcessingEvent[UUID],
    ) -> None:
        """E-4 after scheduling: every pending meeting of the subject is checked against the
        view as it now stands. One whose basis no longer covers it goes ahead on another
        basis or is put on hold (`reason`); one on hold resumes if a basis covers it now."""
        for red_thread_id in list(view.reliances):
            red_thread = self.find(red_thread_id, RedThread)
            pending = red_thread.pending if red_thread else None
            if red_thread is None or pending is None:
                view.end_reliance(red_thread_id)
                continue
            alternative = view.basis_for_meeting(pending.invited_orgs, pending.at)
            if red_thread.hold is not None:
                red_thread.resume_if_possible(alternative, at=at)
            elif (
                reason is not None
                and pending.basis is not None
                and not view.holds(pending.basis.id, pending.invited_orgs, pending.at)
            ):
                red_thread.basis_lost(
                    basis_id=pending.basis.id, reason=reason, at=at, alternative=alternative
                )
            note_reliance(view, red_thread)
            processing_event.collect_events(red_thread)
        processing_event.collect_events(view)
