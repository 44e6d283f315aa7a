"""Meetings about one individual's case: three-party (K-8) and care planning (K-9).

The unit holding the case asks for or books a meeting; the meeting checks each
later step against the actor's unit (and, for the assignment, their role).
Reading a meeting, or sending it as an invitation, is for the units that meet,
decided here where it is loaded. Once booked, the units that meet move or cancel
an occasion with a reason (W-2) and record it as held (K-8, K-9); the schedule
raises one not recorded in time (E-11, `Cases.raise_due`). Where a meeting is
held, why it changed and its minutes are sealed to the individual.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import Any
from uuid import UUID

from contracts import CaseMeetingOutcome, MeetingKind, Purpose
from services.cases.application.base import CasesBase
from services.cases.domain import Case, Meeting, Occasion
from services.cases.domain.parties import require_meeting_party
from services.runtime.kernel.actor import Actor
from services.runtime.kernel.commands import arguments
from services.runtime.kernel.personal import Personal


@dataclass(frozen=True)
class ScheduleThreePartyMeeting:
    """K-8: the three-party meeting's time and place, after the pre-meeting."""

    starts_at: datetime
    ends_at: datetime
    location: str


@dataclass(frozen=True)
class PlanCarePlanningMeeting:
    """K-9: the meeting with the other units, and its follow-up close to it."""

    other_units: list[str]
    meeting: Occasion
    follow_up: Occasion


@dataclass(frozen=True)
class MoveMeeting:
    """W-2: an occasion (None: the meeting itself) to a new time, and why."""

    occasion: MeetingKind | None
    starts_at: datetime
    ends_at: datetime
    reason: str


@dataclass(frozen=True)
class RecordMeetingHeld:
    """K-8, K-9: what came of an occasion (None: the meeting itself), and who attended."""

    occasion: MeetingKind | None
    outcome: CaseMeetingOutcome
    minutes: str
    attended_units: list[str]


class Meetings(CasesBase):
    """Three-party and care-planning meetings; read and exported by the units that meet."""

    def request_three_party_meeting(
        self, actor: Actor, case_id: UUID, *, to_unit: str, at: datetime
    ) -> Meeting:
        """K-8: the unit holding the case (the meeting checks) asks `to_unit`, on the
        person's consent to `three_party_meeting` naming both units or an emergency
        disclosure between them (C-11, C-5)."""
        about = self._about_case(case_id)
        asked = self.units.require(to_unit, field="body.to_unit", rule="K-8").hsa_id
        units = [actor.org_id, asked]
        consents = self.consents_of(about["subject_id"])
        disclosure = consents.disclosure_for(units, at) if consents else None
        return self._created(
            Meeting.request_three_party(
                **about,
                unit=actor.org_id,
                to_unit=asked,
                consent_id=self._consent_id_for(
                    Purpose.THREE_PARTY_MEETING, about["subject_id"], units, at
                ),
                disclosure_id=disclosure.disclosure_id if disclosure else None,
                at=at,
                by=actor.hsa_id,
            )
        )

    def assign_meeting_caseworker(
        self, actor: Actor, meeting_id: UUID, *, caseworker: str, at: datetime
    ) -> Meeting:
        """K-8: the asked unit's deputy unit manager (the meeting checks)."""
        return self._unit_step(
            Meeting,
            meeting_id,
            Meeting.assign_caseworker,
            actor,
            at,
            role=actor.role,
            caseworker=caseworker,
        )

    def record_pre_meeting(
        self, actor: Actor, meeting_id: UUID, *, held_at: datetime, at: datetime
    ) -> Meeting:
        """K-8: by one of the meeting's units (the meeting checks)."""
        return self._unit_step(
            Meeting, meeting_id, Meeting.record_pre_meeting, actor, at, held_at=held_at
        )

    def schedule_three_party_meeting(
        self,
        actor: Actor,
        meeting_id: UUID,
        command: ScheduleThreePartyMeeting,
        *,
        at: datetime,
    ) -> Meeting:
        """K-8: by one of the meeting's units, after the pre-meeting (the meeting checks)."""
        return self._unit_step(
            Meeting, meeting_id, Meeting.schedule_three_party, actor, at, **arguments(command)
        )

    def plan_care_planning_meeting(
        self, actor: Actor, case_id: UUID, command: PlanCarePlanningMeeting, *, at: datetime
    ) -> Meeting:
        """K-9: booked by the unit holding the case (the meeting checks)."""
        return self._created(
            Meeting.plan_care_planning(
                **self._about_case(case_id),
                unit=actor.org_id,
                **arguments(command),
                at=at,
                by=actor.hsa_id,
            )
        )

    def move_meeting(
        self, actor: Actor, meeting_id: UUID, command: MoveMeeting, *, at: datetime
    ) -> Meeting:
        """W-2: by one of the meeting's units, with the reason (the meeting checks)."""
        return self._unit_step(Meeting, meeting_id, Meeting.move, actor, at, **arguments(command))

    def cancel_meeting(
        self,
        actor: Actor,
        meeting_id: UUID,
        *,
        occasion: MeetingKind | None,
        reason: str,
        at: datetime,
    ) -> Meeting:
        """W-2: by one of the meeting's units, with the reason (the meeting checks)."""
        return self._unit_step(
            Meeting, meeting_id, Meeting.cancel, actor, at, occasion=occasion, reason=reason
        )

    def record_meeting_held(
        self, actor: Actor, meeting_id: UUID, command: RecordMeetingHeld, *, at: datetime
    ) -> Meeting:
        """K-8, K-9: by one of the meeting's units, once it started (the meeting checks)."""
        return self._unit_step(
            Meeting, meeting_id, Meeting.record_held, actor, at, **arguments(command)
        )

    def _about_case(self, case_id: UUID) -> dict[str, Any]:
        """What a new meeting says of the case it is about: whose, which, and the unit holding
        it (the one that asks for or books the meeting, K-8, K-9)."""
        case = self._load(Case, case_id)
        return {"subject_id": case.subject_id, "case_id": case.id, "case_unit": case.unit}

    def read_meeting(self, actor: Actor, meeting_id: UUID) -> Meeting:
        """The meeting, for the units that meet (K-8, K-9)."""
        return self._load_checked(Meeting, meeting_id, partial(require_meeting_party, actor))

    def export_meeting(self, actor: Actor, meeting_id: UUID) -> Meeting:
        """The meeting to send as an invitation: for the units that meet, once booked."""
        meeting = self.read_meeting(actor, meeting_id)
        meeting.require_booked()
        return meeting

    def occasions_of(self, meeting: Meeting) -> list[Occasion]:
        """The meeting's booked occasions with their places and minutes in clear (or
        "[erased]")."""
        return [
            replace(
                o,
                location=_clear(o.location),
                held=o.held and replace(o.held, minutes=_clear(o.held.minutes)),
            )
            for o in meeting.occasions
        ]


def _clear(value: Personal | str) -> str:
    return value.text if isinstance(value, Personal) else value
