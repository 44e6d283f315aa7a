"""Escalation use cases, one method each, and the policies that react to upstream events.

Upstream: the consent topic keeps escalation's own view of consent current and
re-checks every pending red-thread meeting that relies on what changed (E-4);
the cases topic brings the transfers the termly inventory lists (E-7, K-4).
`SubjectErased` destroys the subject's data key here too.

What is said about an individual (meeting notes, reasons, the name and story on
a case registration and its part of the monthly minutes, questions) is sealed to
them before it enters an event and unsealed on read (services.runtime.store.privacy):
erasure is destroying one key. Minutes concern several people, so each case's
part is sealed to its own individual and the general part to the meeting. Free
text in a record that names no one (an acute matter, a ladder matter or a
consultation without a personnummer) is about someone all the same: it is
sealed to the record itself (`record_owner`), so culling the record
(`erase_record`) reaches it. No text is stored in clear.

Commands and the consent policy may change the same aggregates at the same
moment (a meeting scheduled as the consent is withdrawn). The store's
optimistic concurrency turns that into a conflict; the loser runs again on
fresh state, so neither overwrites nor misses the other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial, singledispatchmethod
from typing import Any, TypeVar, overload
from uuid import UUID, uuid4

from eventsourcing.application import ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.projection import EventSourcedProjection

from contracts import (
    AgeTransitionDue,
    ConsentExpired,
    ConsentGiven,
    ConsentScopeChanged,
    ConsentWithdrawn,
    ConsultationOutcome,
    EmergencyDisclosureExpired,
    EmergencyDisclosureRecorded,
    EscalationLevel,
    EscalationResolution,
    EscalationTrack,
    FollowUpResult,
    HoldReason,
    MeetingOutcome,
    MonthlyMeetingKind,
    Role,
    SubjectErased,
    SubjectErasedV2,
)
from services.escalation.deadlines import Deadline, DeadlineKind, Deadlines, deadline_view
from services.escalation.domain import (
    AcuteMatter,
    Consultation,
    Escalation,
    MeetingSeries,
    MonthlyMeeting,
    RedThread,
    Registration,
    SubjectAuthorisations,
    Transfer,
    UpcomingTransfers,
    authorisations_id,
    inventory_terms,
    term_of,
    transfers_id,
    upcoming,
)
from services.runtime.kernel.rules import RuleViolation
from services.runtime.kernel.stockholm_time import stockholm_date
from services.runtime.store.application import OutboxApplication
from services.runtime.store.privacy import Sealer, SubjectKeys
from services.runtime.store.read_models import Follower

T = TypeVar("T")
A = TypeVar("A", bound=Aggregate)

DEVELOPMENT_ONLY_MASTER_KEY = bytes(32)
"""For tests that build the application directly; the service passes the configured key."""

CONFLICT_ATTEMPTS = 5
"""How often a command or policy runs again after losing a race on the same aggregate."""


class StillContended(RuntimeError):
    """An upstream event kept losing races with commands: try it again later."""


class UnknownRedThread(RuleViolation):
    rule = "E-1"
    status = 404


class UnknownEscalation(RuleViolation):
    rule = "E-6"
    status = 404


class UnknownMonthlyMeeting(RuleViolation):
    rule = "E-7"
    status = 404


class UnknownAcuteMatter(RuleViolation):
    rule = "E-8"
    status = 404


class UnknownConsultation(RuleViolation):
    rule = "E-9"
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
    office: str | None = None
    """The convening coordinator's office: it takes the thread if no one has yet (E-3)."""


@dataclass(frozen=True)
class RecordMeetingHeld:
    red_thread_id: UUID
    attended_orgs: list[str]
    outcome: MeetingOutcome
    notes: str
    recorded_by: str


@dataclass(frozen=True)
class EvaluateFollowUp:
    red_thread_id: UUID
    attended_orgs: list[str]
    result: FollowUpResult
    notes: str
    recorded_by: str


@dataclass(frozen=True)
class RaiseEscalation:
    track: EscalationTrack
    subject_id: str | None
    cost_question: bool
    raised_by: str
    raised_by_org: str
    raised_by_role: Role
    responsible_org: str
    counterpart_orgs: list[str]
    reason: str


@dataclass(frozen=True)
class Escalate:
    escalation_id: UUID
    to_level: EscalationLevel
    by: str
    by_org: str
    by_role: Role
    reason: str
    written_summary: str | None
    agreed_by_orgs: list[str]


@dataclass(frozen=True)
class RegisterCase:
    meeting_id: UUID
    subject_id: str | None
    registering_org: str
    registered_by: str
    name: str
    age: int
    background: str
    current_situation: str
    problem_and_question: str
    summoned_orgs: list[str]


@dataclass(frozen=True)
class HoldConsultation:
    subject_id: str | None
    consulting_org: str
    consulted_orgs: list[str]
    meeting_id: UUID | None
    outcome: ConsultationOutcome
    notes: str
    recorded_by: str


def _retrying(command: Callable[[], T]) -> T:
    """Run a command again when a concurrent save changed one of its aggregates first."""
    for _ in range(CONFLICT_ATTEMPTS - 1):
        try:
            return command()
        except IntegrityError:
            continue
    return command()


class EscalationApplication(OutboxApplication, EventSourcedProjection[UUID]):
    """Red threads, the ladder, monthly meetings; a consent view fed by the consent topic."""

    name = "escalation"

    def __init__(
        self, *args: Any, master_key: bytes = DEVELOPMENT_ONLY_MASTER_KEY, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.sealer = Sealer(SubjectKeys(self.recorder.datastore, master_key))  # type: ignore[attr-defined]
        self.deadlines = deadline_view(self)
        self._follower = Follower(self, Deadlines(self.deadlines), name=self.name)

    # --- the red thread (E-1..E-5) ----------------------------------------------------

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

    def assign_coordinator(
        self,
        red_thread_id: UUID,
        *,
        coordinator: str,
        assigned_by: str,
        at: datetime,
        office: str | None = None,
    ) -> RedThread:
        """E-3: `coordinator`, of the coordination office `office`, takes the thread."""

        def run() -> RedThread:
            red_thread = self.get_red_thread(red_thread_id)
            red_thread.assign_coordinator(
                coordinator=coordinator, assigned_by=assigned_by, at=at, office=office
            )
            self.save(red_thread)
            return red_thread

        return _retrying(run)

    def schedule_meeting(self, command: ScheduleMeeting, *, at: datetime) -> RedThread:
        """E-3, E-4; the convening coordinator takes the thread if no one has yet."""

        def run() -> RedThread:
            red_thread = self.get_red_thread(command.red_thread_id)
            view = self._authorisations(red_thread.subject_id)
            basis = (
                view.basis_for_meeting(command.invited_orgs, command.meeting_at) if view else None
            )
            if red_thread.coordinator is None:
                red_thread.assign_coordinator(
                    coordinator=command.scheduled_by,
                    assigned_by=command.scheduled_by,
                    at=at,
                    office=command.office,
                )
            red_thread.schedule_meeting(
                meeting_at=command.meeting_at,
                invited_orgs=command.invited_orgs,
                basis=basis,
                scheduled_by=command.scheduled_by,
                now=at,
            )
            self._save_with_reliance(red_thread, view)
            return red_thread

        return _retrying(run)

    def record_meeting_held(self, command: RecordMeetingHeld, *, at: datetime) -> RedThread:
        def run() -> RedThread:
            red_thread = self.get_red_thread(command.red_thread_id)
            red_thread.record_meeting_held(
                attended_orgs=command.attended_orgs,
                outcome=command.outcome,
                notes=self._sealed(red_thread.subject_id, command.notes),
                recorded_by=command.recorded_by,
                now=at,
            )
            self._save_with_reliance(red_thread, self._authorisations(red_thread.subject_id))
            return red_thread

        return _retrying(run)

    def book_follow_up(
        self, red_thread_id: UUID, *, follow_up_at: datetime, booked_by: str, at: datetime
    ) -> RedThread:
        """E-5, on a basis that holds at the follow-up (E-4)."""

        def run() -> RedThread:
            red_thread = self.get_red_thread(red_thread_id)
            view = self._authorisations(red_thread.subject_id)
            basis = view.basis_for_meeting(red_thread.invited_orgs, follow_up_at) if view else None
            red_thread.book_follow_up(
                follow_up_at=follow_up_at, basis=basis, booked_by=booked_by, now=at
            )
            self._save_with_reliance(red_thread, view)
            return red_thread

        return _retrying(run)

    def evaluate_follow_up(self, command: EvaluateFollowUp, *, at: datetime) -> RedThread:
        def run() -> RedThread:
            red_thread = self.get_red_thread(command.red_thread_id)
            red_thread.evaluate_follow_up(
                attended_orgs=command.attended_orgs,
                result=command.result,
                notes=self._sealed(red_thread.subject_id, command.notes),
                recorded_by=command.recorded_by,
                now=at,
            )
            self._save_with_reliance(red_thread, self._authorisations(red_thread.subject_id))
            return red_thread

        return _retrying(run)

    def close_red_thread(self, red_thread_id: UUID, *, closed_by: str, at: datetime) -> RedThread:
        def run() -> RedThread:
            red_thread = self.get_red_thread(red_thread_id)
            red_thread.close(closed_by=closed_by, now=at)
            self._save_with_reliance(red_thread, self._authorisations(red_thread.subject_id))
            return red_thread

        return _retrying(run)

    def raise_due(self, now: datetime) -> int:
        """Record RedThreadMeetingOverdue / RedThreadFollowUpOverdue for every deadline passed.

        Run on a schedule with the service's clock; the deadline read model says
        which red threads to look at, each red thread decides for itself.
        """
        self._follower.catch_up()
        raised = 0
        for deadline in self.deadlines.due(now):
            try:
                raised += _retrying(partial(self._raise_overdue, deadline, now))
            except IntegrityError:
                continue  # still contended after retries: the next round tries again
        self._follower.catch_up()
        return raised

    def _raise_overdue(self, deadline: Deadline, now: datetime) -> int:
        red_thread = self.find(deadline.item_id, RedThread)
        if red_thread is None:
            return 0
        if deadline.kind is DeadlineKind.RED_THREAD_MEETING:
            recorded = red_thread.raise_meeting_overdue_if_due(now)
        else:
            recorded = red_thread.raise_follow_up_overdue_if_due(now)
        if recorded:
            self.save(red_thread)
        return int(recorded)

    def get_red_thread(self, red_thread_id: UUID) -> RedThread:
        return self._get(red_thread_id, RedThread, UnknownRedThread, "red thread")

    def deadlines_for(self, org_id: str, now: datetime) -> list[Deadline]:
        """Every deadline concerning one organisation: what is coming, and what was missed."""
        self._follower.catch_up()
        return self.deadlines.of_org(org_id, now)

    def red_threads_overdue(self, now: datetime) -> int:
        self._follower.catch_up()
        return self.deadlines.red_threads_overdue(now)

    # --- the ladder (E-6) -------------------------------------------------------------

    def raise_escalation(self, command: RaiseEscalation, *, at: datetime) -> UUID:
        escalation_id = uuid4()
        owner = record_owner(command.subject_id, escalation_id)
        escalation = Escalation.raise_matter(
            track=command.track,
            subject_id=command.subject_id,
            cost_question=command.cost_question,
            raised_by=command.raised_by,
            raised_by_org=command.raised_by_org,
            raised_by_role=command.raised_by_role,
            responsible_org=command.responsible_org,
            counterpart_orgs=command.counterpart_orgs,
            reason=self._sealed(owner, command.reason),
            at=at,
            record_id=escalation_id,
        )
        self.save(escalation)
        return escalation.id

    def escalate(self, command: Escalate, *, at: datetime) -> Escalation:
        def run() -> Escalation:
            escalation = self.get_escalation(command.escalation_id)
            owner = record_owner(escalation.subject_id, escalation.id)
            escalation.escalate(
                to_level=command.to_level,
                by=command.by,
                by_org=command.by_org,
                by_role=command.by_role,
                reason=self._sealed(owner, command.reason),
                written_summary=(
                    self._sealed(owner, command.written_summary)
                    if command.written_summary is not None
                    else None
                ),
                agreed_by_orgs=command.agreed_by_orgs,
                at=at,
            )
            self.save(escalation)
            return escalation

        return _retrying(run)

    def agree_to_escalate(
        self, escalation_id: UUID, *, by: str, by_org: str, by_role: Role, at: datetime
    ) -> Escalation:
        """E-6: one party's own agreement that the matter goes further."""

        def run() -> Escalation:
            escalation = self.get_escalation(escalation_id)
            escalation.agree(by=by, by_org=by_org, by_role=by_role, at=at)
            self.save(escalation)
            return escalation

        return _retrying(run)

    def resolve_escalation(
        self,
        escalation_id: UUID,
        *,
        resolution: EscalationResolution,
        notes: str,
        by: str,
        by_org: str,
        by_role: Role,
        at: datetime,
    ) -> Escalation:
        def run() -> Escalation:
            escalation = self.get_escalation(escalation_id)
            escalation.resolve(
                resolution=resolution,
                notes=self._sealed(record_owner(escalation.subject_id, escalation.id), notes),
                by=by,
                by_org=by_org,
                by_role=by_role,
                at=at,
            )
            self.save(escalation)
            return escalation

        return _retrying(run)

    def get_escalation(self, escalation_id: UUID) -> Escalation:
        return self._get(escalation_id, Escalation, UnknownEscalation, "escalation")

    # --- monthly meetings (E-7) -------------------------------------------------------

    def create_meeting_series(
        self,
        *,
        name: str,
        members: list[str],
        first_kind: MonthlyMeetingKind,
        created_by: str,
        at: datetime,
    ) -> UUID:
        series = MeetingSeries.create(
            name=name, members=members, first_kind=first_kind, created_by=created_by, at=at
        )
        self.save(series)
        return series.id

    def plan_monthly_meeting(
        self, series_id: UUID, *, starts_at: datetime, at: datetime
    ) -> MonthlyMeeting:
        def run() -> MonthlyMeeting:
            series = self.get_meeting_series(series_id)
            meeting_id = uuid4()
            planned = series.plan(meeting_id=meeting_id, starts_at=starts_at, now=at)
            meeting = MonthlyMeeting.plan(meeting_id=meeting_id, series=series, planned=planned)
            self.save(series, meeting)
            return meeting

        return _retrying(run)

    def register_case(self, command: RegisterCase, *, at: datetime) -> Registration:
        registration_id = uuid4()
        owner = registration_owner(command.subject_id, registration_id)

        def run() -> Registration:
            meeting = self.get_monthly_meeting(command.meeting_id)
            registration = meeting.register_case(
                registration_id=registration_id,
                subject_id=command.subject_id,
                registering_org=command.registering_org,
                registered_by=command.registered_by,
                name=self._sealed(owner, command.name),
                age=command.age,
                background=self._sealed(owner, command.background),
                current_situation=self._sealed(owner, command.current_situation),
                problem_and_question=self._sealed(owner, command.problem_and_question),
                summoned_orgs=command.summoned_orgs,
                now=at,
            )
            self.save(meeting)
            return registration

        return _retrying(run)

    def record_monthly_attendance(
        self,
        meeting_id: UUID,
        *,
        present_orgs: list[str],
        recorded_by: str,
        at: datetime,
        recorded_by_org: str | None = None,
    ) -> MonthlyMeeting:
        def run() -> MonthlyMeeting:
            meeting = self.get_monthly_meeting(meeting_id)
            meeting.record_attendance(
                present_orgs=present_orgs,
                recorded_by=recorded_by,
                now=at,
                recorded_by_org=recorded_by_org,
            )
            self.save(meeting)
            return meeting

        return _retrying(run)

    def record_minutes(
        self,
        meeting_id: UUID,
        *,
        text: str,
        recorded_by: str,
        recorded_by_org: str,
        at: datetime,
        case_minutes: dict[UUID, str] | None = None,
    ) -> MonthlyMeeting:
        """E-7. Each case's part is sealed to that individual (or, registered without a
        personnummer, to the registration), the general part to the meeting: erasing one
        individual erases their part of the minutes and nobody else's."""

        def run() -> MonthlyMeeting:
            meeting = self.get_monthly_meeting(meeting_id)
            owners = {
                r.registration_id: registration_owner(r.subject_id, r.registration_id)
                for r in meeting.registrations
            }
            meeting.record_minutes(
                text=self._sealed(minutes_owner(meeting_id), text),
                recorded_by=recorded_by,
                recorded_by_org=recorded_by_org,
                now=at,
                # A part for a case not on the agenda is refused by the domain, unstored.
                case_minutes={
                    registration_id: self._sealed(owners[registration_id], part)
                    if registration_id in owners
                    else part
                    for registration_id, part in (case_minutes or {}).items()
                },
            )
            self.save(meeting)
            return meeting

        return _retrying(run)

    def inventory(self, meeting: MonthlyMeeting) -> list[Transfer] | None:
        """E-7: at the term's inventory meeting, the known transfers out of the member
        units from the meeting's day on (K-4); None at any other meeting."""
        if not meeting.inventory:
            return None
        on = stockholm_date(meeting.starts_at)
        found: list[Transfer] = []
        for unit in meeting.members:
            for term in inventory_terms(on):
                transfers = self.find(transfers_id(unit, term), UpcomingTransfers)
                if transfers is not None:
                    found.extend(transfers.transfers.values())
        return upcoming(found, on)

    def get_meeting_series(self, series_id: UUID) -> MeetingSeries:
        return self._get(series_id, MeetingSeries, UnknownMonthlyMeeting, "meeting series")

    def get_monthly_meeting(self, meeting_id: UUID) -> MonthlyMeeting:
        return self._get(meeting_id, MonthlyMeeting, UnknownMonthlyMeeting, "monthly meeting")

    # --- acute matters (E-8) and consultations (E-9) ----------------------------------

    def raise_acute_matter(
        self,
        *,
        subject_id: str | None,
        from_org: str,
        to_org: str,
        raised_by: str,
        question: str,
        at: datetime,
    ) -> UUID:
        matter_id = uuid4()
        matter = AcuteMatter.raise_matter(
            subject_id=subject_id,
            from_org=from_org,
            to_org=to_org,
            raised_by=raised_by,
            question=self._sealed(record_owner(subject_id, matter_id), question),
            at=at,
            record_id=matter_id,
        )
        self.save(matter)
        return matter.id

    def take_acute_matter(
        self, matter_id: UUID, *, by: str, by_org: str, by_role: Role, at: datetime
    ) -> AcuteMatter:
        def run() -> AcuteMatter:
            matter = self.get_acute_matter(matter_id)
            matter.take(by=by, by_org=by_org, by_role=by_role, at=at)
            self.save(matter)
            return matter

        return _retrying(run)

    def get_acute_matter(self, matter_id: UUID) -> AcuteMatter:
        return self._get(matter_id, AcuteMatter, UnknownAcuteMatter, "acute matter")

    def hold_consultation(self, command: HoldConsultation, *, at: datetime) -> UUID:
        if command.meeting_id is not None:
            self.get_monthly_meeting(command.meeting_id)
        consultation_id = uuid4()
        consultation = Consultation.hold(
            subject_id=command.subject_id,
            consulting_org=command.consulting_org,
            consulted_orgs=command.consulted_orgs,
            meeting_id=command.meeting_id,
            outcome=command.outcome,
            notes=self._sealed(record_owner(command.subject_id, consultation_id), command.notes),
            recorded_by=command.recorded_by,
            at=at,
            record_id=consultation_id,
        )
        self.save(consultation)
        return consultation.id

    def get_consultation(self, consultation_id: UUID) -> Consultation:
        return self._get(consultation_id, Consultation, UnknownConsultation, "consultation")

    # --- personal data -----------------------------------------------------------------

    def _sealed(self, owner: str, text: str) -> str:
        """Free text, sealed to whom it is about (`record_owner`, or a meeting's minutes).
        Blank text is no one's data and stays blank, so the domain's own check of it
        still holds."""
        text = text.strip()
        return self.sealer.seal(owner, text) if text else text

    @overload
    def unseal(self, subject_id: str | None, sealed: str) -> str: ...
    @overload
    def unseal(self, subject_id: str | None, sealed: None) -> None: ...
    def unseal(self, subject_id: str | None, sealed: str | None) -> str | None:
        """Personal data as stored, readable until the subject is erased."""
        if subject_id is None or sealed is None:
            return sealed
        return self.sealer.unseal(subject_id, sealed)

    def erase_subject(self, subject_id: str, at: datetime) -> None:
        """Destroy the subject's data key here (idempotent: erasing twice changes nothing)."""
        self.sealer.erase(subject_id, at)

    def erase_record(self, record_id: UUID, at: datetime) -> None:
        """Cull one record that names no one: destroy the key its free text is sealed with
        (an acute matter, a ladder matter, a consultation; a monthly meeting's general
        minutes and the registrations on it made without a personnummer). What is sealed
        to a named individual goes with that individual's erasure instead."""
        self.sealer.erase(record_owner(None, record_id), at)
        meeting = self.find(record_id, MonthlyMeeting)
        if meeting is not None:
            self.sealer.erase(minutes_owner(meeting.id), at)
            for r in meeting.registrations:
                if r.subject_id is None:
                    self.sealer.erase(registration_owner(None, r.registration_id), at)

    # --- helpers ----------------------------------------------------------------------

    def _get(self, aggregate_id: UUID, kind: type[A], error: type[RuleViolation], what: str) -> A:
        aggregate = self.find(aggregate_id, kind)
        if aggregate is None:
            raise error(f"no {what} {aggregate_id}")
        return aggregate

    def _authorisations(self, subject_id: str) -> SubjectAuthorisations | None:
        return self.find(authorisations_id(subject_id), SubjectAuthorisations)

    def _authorisations_for_update(self, subject_id: str) -> SubjectAuthorisations:
        return self._authorisations(subject_id) or SubjectAuthorisations(subject_id=subject_id)

    def _save_with_reliance(
        self, red_thread: RedThread, view: SubjectAuthorisations | None
    ) -> None:
        """Save the red thread and, in the same transaction, what its next meeting relies on."""
        if view is None:
            self.save(red_thread)
            return
        _note_reliance(view, red_thread)
        self.save(red_thread, view)

    # --- policies: upstream events ----------------------------------------------------

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
            _note_reliance(view, red_thread)
            processing_event.collect_events(red_thread)
        processing_event.collect_events(view)


def minutes_owner(meeting_id: UUID) -> str:
    """Whom the general part of a meeting's minutes is sealed to: the meeting itself. It is
    meant for what concerns no one individual, and is encrypted at rest all the same."""
    return f"monthly-meeting:{meeting_id}"


def record_owner(subject_id: str | None, record_id: UUID) -> str:
    """Whom a record's free text is sealed to, and whom its reading is logged about: the
    individual it names, or, naming no one, the record itself (``record:<id>``), whose key
    is destroyed when the record is culled (`EscalationApplication.erase_record`)."""
    return subject_id or f"record:{record_id}"


def registration_owner(subject_id: str | None, registration_id: UUID) -> str:
    """Whom a case registration's name and story are sealed to: the individual, or, when
    registered without a personnummer, the registration itself (still encrypted at rest)."""
    return subject_id or f"registration:{registration_id}"


def _note_reliance(view: SubjectAuthorisations, red_thread: RedThread) -> None:
    pending = red_thread.pending
    if pending is None:
        view.end_reliance(red_thread.id)
    elif red_thread.hold is not None or pending.basis is None:
        view.note_reliance(red_thread.id, None)
    else:
        view.note_reliance(red_thread.id, pending.basis.id)
