"""What every escalation use case stands on: the store, erasure, loading, and retrying.

What is said about an individual (meeting notes, reasons, the name and story on
a case registration and its part of the monthly minutes, questions) is their
personal data; the domain says whose (services.escalation.domain.owners) and
the store's mapper seals it (services.runtime.store.sealing): erasure is
destroying one key. Minutes concern several people, so each case's part is its
own individual's and the general part the meeting's. Free text in a record
that names no one (an acute matter, a ladder matter or a consultation without
a personnummer) is the record's own, so culling the record (`erase_record`)
reaches it. No text is stored in clear.

Commands and the consent policy may change the same aggregates at the same
moment (a meeting scheduled as the consent is withdrawn). The store's
optimistic concurrency turns that into a conflict; the loser runs again on
fresh state (services.runtime.store.changes), so neither overwrites nor misses the other.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.projection import EventSourcedProjection

from services.escalation.domain import (
    FOLLOW_UP_BOOKING_DAYS,
    AcuteMatter,
    Consultation,
    CoordinationOffices,
    Escalation,
    MeetingSeries,
    MonthlyMeeting,
    RedThread,
    RoutineReview,
    SubjectAuthorisations,
    authorisations_id,
)
from services.escalation.domain.errors import (
    NoBasisForSharing,
    UnknownAcuteMatter,
    UnknownConsultation,
    UnknownEscalation,
    UnknownMonthlyMeeting,
    UnknownRedThread,
    UnknownRoutineReview,
)
from services.escalation.domain.owners import minutes_owner, record_owner, registration_owner
from services.escalation.views.calendar import UnitCalendars, calendar_view
from services.escalation.views.deadlines import Deadlines, deadline_view
from services.escalation.views.subject_records import EscalationRecords
from services.escalation.views.work_items import EscalationWork
from services.runtime.kernel.actor import Actor
from services.runtime.store.changes import ChangesAggregates, retrying
from services.runtime.store.read_models import Follower
from services.runtime.store.sealing import DEVELOPMENT_ONLY_MASTER_KEY, SealsPersonalData
from services.runtime.store.subject_records import subject_record_view
from services.runtime.store.work_items import work_list_view

A = TypeVar("A", bound=Aggregate)


class EscalationBase(SealsPersonalData, ChangesAggregates, EventSourcedProjection[UUID]):
    """The store and what the use cases of every concept share; each concept is a mixin of
    this (red threads, ladder, forums, matters, upstream) and EscalationApplication all
    of them."""

    unknown = {
        RedThread: (UnknownRedThread, "red thread"),
        Escalation: (UnknownEscalation, "escalation"),
        MeetingSeries: (UnknownMonthlyMeeting, "meeting series"),
        MonthlyMeeting: (UnknownMonthlyMeeting, "monthly meeting"),
        AcuteMatter: (UnknownAcuteMatter, "acute matter"),
        Consultation: (UnknownConsultation, "consultation"),
        RoutineReview: (UnknownRoutineReview, "routine review"),
    }

    def __init__(
        self,
        *args: Any,
        master_key: bytes = DEVELOPMENT_ONLY_MASTER_KEY,
        coordination_offices: CoordinationOffices | None = None,
        follow_up_booking_days: int = FOLLOW_UP_BOOKING_DAYS,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, master_key=master_key, **kwargs)
        self.offices = coordination_offices or CoordinationOffices()
        """Which municipalities each coordination office serves (E-3); none by default."""
        self.follow_up_booking_days = follow_up_booking_days
        """E-11: a held red-thread meeting's follow-up is booked within this many days."""
        self.deadlines = deadline_view(self)
        deadlines = Deadlines(self.deadlines, follow_up_booking_days=follow_up_booking_days)
        self._follower = Follower(self, deadlines, name=self.name)
        self.work_items = work_list_view(self)
        self._work_follower = Follower(
            self, EscalationWork(self.work_items), name=EscalationWork.name
        )
        self.calendars = calendar_view(self)
        self._calendar_follower = Follower(
            self, UnitCalendars(self.calendars), name=UnitCalendars.name
        )
        self.subject_records = subject_record_view(self)
        self._records_follower = Follower(
            self, EscalationRecords(self.subject_records), name=EscalationRecords.name
        )

    # --- changing: the step checks who acts, at which unit, in which role ---------------

    def _staff_step(
        self,
        kind: type[A],
        aggregate_id: UUID,
        step: Callable[..., object],
        actor: Actor,
        at: datetime,
        **arguments: Any,
    ) -> A:
        """`_change` by one `step` of the aggregate (`Escalation.agree`, say), taken by the
        actor at `at`: the step checks the person, their unit and their role (E-6, E-8)."""
        return self._change(
            kind,
            aggregate_id,
            lambda aggregate: step(
                aggregate,
                **arguments,
                by=actor.hsa_id,
                by_org=actor.org_id,
                by_role=actor.role,
                at=at,
            ),
        )

    # --- escalation's view of consent (E-4) ---------------------------------------------

    def _authorisations(self, subject_id: str) -> SubjectAuthorisations | None:
        return self.find(authorisations_id(subject_id), SubjectAuthorisations)

    def _authorisations_for_update(self, subject_id: str) -> SubjectAuthorisations:
        return self._authorisations(subject_id) or SubjectAuthorisations(subject_id=subject_id)

    def _created_on_basis(
        self,
        make: Callable[[], A],
        *,
        subject_id: str | None,
        parties: Callable[[A], list[str]],
        flow: str,
        at: datetime,
    ) -> A:
        """C-11: a new record (`make`, which checks it) that shares the subject's data with
        its `parties`, stored with the basis it relies on in one transaction; refused
        without one. A record about no one (an anonymous consultation, a matter without a
        personnummer) needs none. Run again on losing a race with the consent policy."""

        def run() -> A:
            record = make()
            if subject_id is None:
                return self._created(record)
            view = self._shared_on_basis(subject_id, parties(record), record.id, flow, at)
            self.save(record, view)
            return record

        return retrying(run)

    def _shared_on_basis(
        self, subject_id: str, parties: list[str], record_id: UUID, flow: str, at: datetime
    ) -> SubjectAuthorisations:
        """C-11: the subject's consent view, noting the basis `record_id` shares their data
        with `parties` on (to be saved with the record); refused without one."""
        view = self._authorisations(subject_id)
        basis = view.basis_for_sharing(parties, at) if view is not None else None
        if view is None or basis is None:
            raise NoBasisForSharing(
                f"sharing about the individual with {', '.join(parties)} needs their consent "
                "to information sharing naming those units, or an emergency or OSL 26:9 "
                "disclosure naming them (C-11): none is recorded"
            )
        view.note_sharing(record_id=record_id, flow=flow, parties=parties, basis=basis, at=at)
        return view

    def _save_with_reliance(
        self, red_thread: RedThread, view: SubjectAuthorisations | None
    ) -> None:
        """Save the red thread and, in the same transaction, what its next meeting relies on."""
        if view is None:
            self.save(red_thread)
            return
        note_reliance(view, red_thread)
        self.save(red_thread, view)

    # --- personal data -------------------------------------------------------------------

    def erase_subject(self, subject_id: str, at: datetime) -> None:
        """Destroy the subject's data key here (idempotent: erasing twice changes nothing)."""
        self.erase_personal_data(subject_id, at)

    def erase_record(self, record_id: UUID, at: datetime) -> None:
        """Cull one record that names no one: destroy the key its free text is sealed with
        (an acute matter, a ladder matter, a consultation; a monthly meeting's general
        minutes and the registrations on it made without a personnummer). What is sealed
        to a named individual goes with that individual's erasure instead."""
        self.erase_personal_data(record_owner(None, record_id), at)
        meeting = self.find(record_id, MonthlyMeeting)
        if meeting is not None:
            self.erase_personal_data(minutes_owner(meeting.id), at)
            for r in meeting.registrations:
                if r.subject_id is None:
                    self.erase_personal_data(registration_owner(None, r.registration_id), at)


def note_reliance(view: SubjectAuthorisations, red_thread: RedThread) -> None:
    """Keep in the consent view which basis the thread's next meeting relies on (E-4)."""
    pending = red_thread.pending
    if pending is None:
        view.end_reliance(red_thread.id)
    elif red_thread.hold is not None or pending.basis is None:
        view.note_reliance(red_thread.id, None)
    else:
        view.note_reliance(red_thread.id, pending.basis.id)
