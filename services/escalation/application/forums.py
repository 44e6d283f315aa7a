"""The monthly forums' use cases (E-7): series, meetings (moved or cancelled, W-2), case
registrations, attendance, minutes, and the termly inventory of transfers fed by the cases
topic (K-4).

A forum and its meetings are for its member units: whether the actor's unit is
one is decided here, where the series or meeting is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID, uuid4

from contracts import MonthlyMeetingKind
from services.escalation.application.base import EscalationBase
from services.escalation.domain import (
    MeetingSeries,
    MonthlyMeeting,
    MonthlyMeetingInvalid,
    NoBasisForSharing,
    Registration,
    Transfer,
    UpcomingTransfers,
    inventory_terms,
    transfers_id,
    upcoming,
)
from services.runtime.kernel.actor import Actor, require_party
from services.runtime.kernel.commands import arguments
from services.runtime.kernel.stockholm_time import stockholm_date
from services.runtime.store.changes import retrying


@dataclass(frozen=True)
class CreateMeetingSeries:
    name: str
    members: list[str]
    first_kind: MonthlyMeetingKind = MonthlyMeetingKind.ALIGNMENT


@dataclass(frozen=True)
class RegisterCase:
    meeting_id: UUID
    subject_id: str | None
    name: str
    age: int
    background: str
    current_situation: str
    problem_and_question: str
    summoned_orgs: list[str]


@dataclass(frozen=True)
class RecordMinutes:
    text: str
    """What concerns the forum as a whole."""
    cases: list[tuple[UUID, str]] = field(default_factory=list)
    """Each registered case's part: (registration id, text), one part a case."""


def _require_member(actor: Actor, members: list[str]) -> None:
    require_party(actor, members, what="this forum", rule="E-7")


class Forums(EscalationBase):
    """Monthly meetings of deputy unit managers, for their member units only."""

    def create_meeting_series(
        self, actor: Actor, command: CreateMeetingSeries, *, at: datetime
    ) -> MeetingSeries:
        """Only a member unit sets up a forum (E-7)."""
        _require_member(actor, command.members)
        return self._created(
            MeetingSeries.create(**arguments(command), created_by=actor.hsa_id, at=at)
        )

    def read_meeting_series(self, actor: Actor, series_id: UUID) -> MeetingSeries:
        series = self._load(MeetingSeries, series_id)
        _require_member(actor, series.members)
        return series

    def plan_monthly_meeting(
        self, actor: Actor, series_id: UUID, *, starts_at: datetime, at: datetime
    ) -> MonthlyMeeting:
        """The kind alternates, the minute-taker rotates (E-7)."""

        def run() -> MonthlyMeeting:
            series = self.read_meeting_series(actor, series_id)
            meeting_id = uuid4()
            planned = series.plan(meeting_id=meeting_id, starts_at=starts_at, now=at)
            meeting = MonthlyMeeting.plan(meeting_id=meeting_id, series=series, planned=planned)
            self.save(series, meeting)
            return meeting

        return retrying(run)

    def read_monthly_meeting(self, actor: Actor, meeting_id: UUID) -> MonthlyMeeting:
        meeting = self._load(MonthlyMeeting, meeting_id)
        _require_member(actor, meeting.members)
        return meeting

    def register_case(self, actor: Actor, command: RegisterCase, *, at: datetime) -> Registration:
        """By 12:00 (Europe/Stockholm) the day before the meeting, by a member unit (the
        domain checks both). The name and age go to every member unit, which reads the
        agenda: on a basis naming them all (C-11), so the individual is identified."""
        registration_id = uuid4()

        def run() -> Registration:
            meeting = self._load(MonthlyMeeting, command.meeting_id)
            registration = meeting.register_case(
                **arguments(command, leave_out={"meeting_id"}),
                registration_id=registration_id,
                registering_org=actor.org_id,
                registered_by=actor.hsa_id,
                now=at,
            )
            if command.subject_id is None:
                raise NoBasisForSharing(
                    "a registration names the individual to every member unit: give the "
                    "personnummer, so the basis for sharing it can be checked (C-11)",
                    field="body.personnummer",
                )
            members = list(meeting.members)
            view = self._shared_on_basis(
                command.subject_id, members, registration_id, "registration", at
            )
            self.save(meeting, view)
            return registration

        return retrying(run)

    def record_monthly_attendance(
        self, actor: Actor, meeting_id: UUID, *, present_orgs: list[str], at: datetime
    ) -> MonthlyMeeting:
        """Recorded by the unit keeping this meeting's minutes (the domain checks)."""
        return self._changing(
            lambda: self.read_monthly_meeting(actor, meeting_id),
            lambda meeting: meeting.record_attendance(
                present_orgs=present_orgs,
                recorded_by=actor.hsa_id,
                now=at,
                recorded_by_org=actor.org_id,
            ),
        )

    def record_minutes(
        self, actor: Actor, meeting_id: UUID, command: RecordMinutes, *, at: datetime
    ) -> MonthlyMeeting:
        """E-7. Each case's part is that individual's (or, registered without a
        personnummer, the registration's), the general part the meeting's: erasing one
        individual erases their part of the minutes and nobody else's."""

        def record(meeting: MonthlyMeeting) -> None:
            case_minutes = dict(command.cases)
            if len(case_minutes) != len(command.cases):
                raise MonthlyMeetingInvalid(
                    "a case appears twice: one part per registered case", field="body.cases"
                )
            meeting.record_minutes(
                text=command.text,
                recorded_by=actor.hsa_id,
                recorded_by_org=actor.org_id,
                now=at,
                case_minutes=case_minutes,  # a part for a case not on the agenda is refused
            )

        return self._changing(lambda: self.read_monthly_meeting(actor, meeting_id), record)

    def move_monthly_meeting(
        self, actor: Actor, meeting_id: UUID, *, to: datetime, reason: str, at: datetime
    ) -> MonthlyMeeting:
        """W-2: within its month, while it is still to come, with the reason (the domain
        checks); the registration cutoff follows the new time (E-7)."""
        return self._changing(
            lambda: self.read_monthly_meeting(actor, meeting_id),
            lambda meeting: meeting.move(to=to, reason=reason, moved_by=actor.hsa_id, now=at),
        )

    def cancel_monthly_meeting(
        self, actor: Actor, meeting_id: UUID, *, reason: str, at: datetime
    ) -> MonthlyMeeting:
        """W-2: while it is still to come, with the reason (the domain checks)."""
        return self._changing(
            lambda: self.read_monthly_meeting(actor, meeting_id),
            lambda meeting: meeting.cancel(reason=reason, cancelled_by=actor.hsa_id, now=at),
        )

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
