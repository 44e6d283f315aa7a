"""Meetings between units about one individual: three-party (K-8) and care planning (K-9).

Seed 003, "Trepartsmöte vid behov av kontakt med ytterligare enhet" and
"Vårdplaneringar". Every meeting can be sent as an iCalendar invitation; that
rendering is in `services.cases.rendering`. Pure domain: no I/O, no clock.

This module holds the meeting's events and its steps until it is booked. Once booked,
each occasion is moved or cancelled (W-2), recorded as held (K-8, K-9) or raised
overdue (E-11): those rules are `meeting_plans`, a part of `Meeting`, with the
functions that apply their events, bound here; what the parts share (occasions,
outcomes, time rules, refusals) is `meeting_occasions`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from contracts import MeetingKind, Role
from services.cases.domain.meeting_occasions import (
    CARE_PLANNING_FOLLOW_UP_WITHIN,
    MeetingConflict,
    MeetingInvalid,
    MeetingNotBooked,
    MeetingWithoutConsent,
    NoDecisionsAtCarePlanning,
    NotInMeeting,
    Occasion,
    check_time,
)
from services.cases.domain.meeting_plans import (
    MeetingPlans,
    cancelled,
    held,
    moved,
    overdue_raised,
)
from services.cases.domain.units import others_than
from services.runtime.kernel.aggregate import Aggregate, event
from services.runtime.kernel.personal import OwnedBySubject, Personal


class Meeting(MeetingPlans, Aggregate):
    """A meeting about one individual's case between two or more units."""

    class Requested(OwnedBySubject, Aggregate.Created):
        """Version 1 (before C-11) named no basis for a three-party meeting: read as none."""

        class_version = 2

        subject_id: str
        case_id: UUID
        kind: str
        from_unit: str
        to_unit: str
        requested_at: datetime
        requested_by: str
        consent_id: UUID | None
        disclosure_id: UUID | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["consent_id"] = state["disclosure_id"] = None

    class CaseworkerAssigned(Aggregate.Event):
        subject_id: str
        caseworker: str
        assigned_at: datetime
        assigned_by: str

    class PreMeetingHeld(Aggregate.Event):
        subject_id: str
        case_id: UUID
        held_at: datetime
        recorded_by: str

    class Scheduled(Aggregate.Event):
        subject_id: str
        case_id: UUID
        kind: str
        units: list[str]
        starts_at: datetime
        ends_at: datetime
        location: Personal
        scheduled_at: datetime
        scheduled_by: str

        legacy_personal: ClassVar[tuple[str, ...]] = ("location",)

    class Moved(Aggregate.Event):
        subject_id: str
        case_id: UUID
        kind: str
        units: list[str]
        starts_at: datetime
        ends_at: datetime
        previous_starts_at: datetime
        reason: Personal
        moved_at: datetime
        moved_by: str

    class Cancelled(Aggregate.Event):
        subject_id: str
        case_id: UUID
        kind: str
        units: list[str]
        starts_at: datetime
        reason: Personal
        cancelled_at: datetime
        cancelled_by: str

    class Held(Aggregate.Event):
        subject_id: str
        case_id: UUID
        kind: str
        units: list[str]
        starts_at: datetime
        outcome: str
        minutes: Personal
        attended_units: list[str]
        recorded_at: datetime
        recorded_by: str

    class OverdueRaised(Aggregate.Event):
        subject_id: str
        case_id: UUID
        kind: str
        units: list[str]
        starts_at: datetime
        overdue_at: datetime

    # --- K-8: three-party meeting --------------------------------------------------------

    @classmethod
    def request_three_party(
        cls,
        *,
        subject_id: str,
        case_id: UUID,
        case_unit: str,
        unit: str,
        to_unit: str,
        consent_id: UUID | None,
        disclosure_id: UUID | None,
        at: datetime,
        by: str,
    ) -> Meeting:
        """K-8 (seed 003): the caseworker holding the case asks the other unit's deputy
        unit manager for a caseworker to a three-party meeting. C-11: the meeting shares
        the person's data between the two units, so it rests on a consent to
        `three_party_meeting` naming both, or an emergency disclosure between them (C-5)."""
        if unit != case_unit:
            raise NotInMeeting("the unit holding the case asks for a three-party meeting")
        if to_unit == unit:
            raise MeetingInvalid("ask another unit", field="body.to_unit")
        if consent_id is None and disclosure_id is None:
            raise MeetingWithoutConsent(
                f"no active consent to three_party_meeting naming {unit} and {to_unit}, and no "
                "emergency disclosure between them"
            )
        meeting: Meeting = cls(
            subject_id=subject_id,
            case_id=case_id,
            kind=MeetingKind.THREE_PARTY.value,
            from_unit=unit,
            to_unit=to_unit,
            requested_at=at,
            requested_by=by,
            consent_id=consent_id,
            disclosure_id=disclosure_id,
        )
        return meeting

    @classmethod
    def plan_care_planning(
        cls,
        *,
        subject_id: str,
        case_id: UUID,
        case_unit: str,
        unit: str,
        other_units: list[str],
        meeting: Occasion,
        follow_up: Occasion,
        at: datetime,
        by: str,
    ) -> Meeting:
        """K-9 (seed 003): both departments attend when both may need to act. No
        decisions are taken there, and a follow-up is planned close to it, at the
        same time as the meeting is booked."""
        if unit != case_unit:
            raise NotInMeeting("the unit holding the case books the meeting", rule="K-9")
        others = others_than(unit, other_units)
        if not others:
            raise MeetingInvalid("invite at least one other unit", field="body.units", rule="K-9")
        check_time(meeting.starts_at, meeting.ends_at, at, field="body.meeting", rule="K-9")
        check_time(follow_up.starts_at, follow_up.ends_at, at, field="body.follow_up", rule="K-9")
        if (
            not meeting.ends_at
            <= follow_up.starts_at
            <= meeting.ends_at + (CARE_PLANNING_FOLLOW_UP_WITHIN)
        ):
            raise MeetingInvalid(
                "plan the follow-up after the meeting, within two weeks of it",
                field="body.follow_up.starts_at",
                rule="K-9",
            )
        created: Meeting = cls(
            subject_id=subject_id,
            case_id=case_id,
            kind=MeetingKind.CARE_PLANNING.value,
            from_unit=unit,
            to_unit=others[0],
            requested_at=at,
            requested_by=by,
            consent_id=None,
            disclosure_id=None,
        )
        for occasion in (meeting, follow_up):
            created._scheduled(
                subject_id=subject_id,
                case_id=case_id,
                kind=occasion.kind.value,
                units=[unit, *others],
                starts_at=occasion.starts_at,
                ends_at=occasion.ends_at,
                location=Personal(subject_id, str(occasion.location).strip()),
                scheduled_at=at,
                scheduled_by=by,
            )
        return created

    @event(Requested)
    def __init__(
        self,
        *,
        subject_id: str,
        case_id: UUID,
        kind: str,
        from_unit: str,
        to_unit: str,
        requested_at: datetime,
        requested_by: str,
        consent_id: UUID | None,
        disclosure_id: UUID | None,
    ) -> None:
        self.subject_id = subject_id
        self.case_id = case_id
        self.kind = kind
        self.from_unit = from_unit
        self.to_unit = to_unit
        self.requested_at = requested_at
        self.requested_by = requested_by
        self.consent_id = consent_id
        self.disclosure_id = disclosure_id
        self.units: list[str] = [from_unit, to_unit]
        self.caseworker: str | None = None
        self.pre_meeting_at: datetime | None = None
        self.occasions: list[Occasion] = []

    def assign_caseworker(
        self, *, unit: str, role: Role, caseworker: str, at: datetime, by: str
    ) -> None:
        """K-8: the other unit's deputy manager gives the meeting to one of its caseworkers."""
        self._require_three_party()
        if unit != self.to_unit or role is not Role.DEPUTY_UNIT_MANAGER:
            raise NotInMeeting("the asked unit's deputy unit manager assigns a caseworker")
        if self.caseworker is not None:
            raise MeetingConflict("a caseworker is already assigned")
        self._caseworker_assigned(
            subject_id=self.subject_id, caseworker=caseworker, assigned_at=at, assigned_by=by
        )

    @event(CaseworkerAssigned)
    def _caseworker_assigned(
        self, *, subject_id: str, caseworker: str, assigned_at: datetime, assigned_by: str
    ) -> None:
        self.caseworker = caseworker

    def record_pre_meeting(self, *, unit: str, held_at: datetime, at: datetime, by: str) -> None:
        """K-8: the two caseworkers meet first, without the individual, to agree on the
        meeting's structure and purpose."""
        self._require_three_party()
        self._require_party(unit)
        if self.caseworker is None:
            raise MeetingConflict("the asked unit assigns a caseworker before the pre-meeting")
        if self.pre_meeting_at is not None:
            raise MeetingConflict("the pre-meeting is already recorded")
        if held_at > at:
            raise MeetingInvalid("record a pre-meeting once held", field="body.held_at")
        self._pre_meeting_held(
            subject_id=self.subject_id, case_id=self.case_id, held_at=held_at, recorded_by=by
        )

    @event(PreMeetingHeld)
    def _pre_meeting_held(
        self, *, subject_id: str, case_id: UUID, held_at: datetime, recorded_by: str
    ) -> None:
        self.pre_meeting_at = held_at

    def schedule_three_party(
        self,
        *,
        unit: str,
        starts_at: datetime,
        ends_at: datetime,
        location: str,
        at: datetime,
        by: str,
    ) -> None:
        """K-8: the three-party meeting is always preceded by a pre-meeting on a
        separate occasion: without one recorded, it is not booked."""
        self._require_three_party()
        self._require_party(unit)
        if self.pre_meeting_at is None:
            raise MeetingConflict(
                "a three-party meeting is preceded by a professional pre-meeting on a "
                "separate occasion; record the pre-meeting first"
            )
        if self.occasions:
            raise MeetingConflict("the three-party meeting is already booked")
        check_time(starts_at, ends_at, at, field="body", rule="K-8")
        self._scheduled(
            subject_id=self.subject_id,
            case_id=self.case_id,
            kind=MeetingKind.THREE_PARTY.value,
            units=list(self.units),
            starts_at=starts_at,
            ends_at=ends_at,
            location=Personal(self.subject_id, location.strip()),
            scheduled_at=at,
            scheduled_by=by,
        )

    @event(Scheduled)
    def _scheduled(
        self,
        *,
        subject_id: str,
        case_id: UUID,
        kind: str,
        units: list[str],
        starts_at: datetime,
        ends_at: datetime,
        location: Personal,
        scheduled_at: datetime,
        scheduled_by: str,
    ) -> None:
        self.units = list(units)
        self.occasions.append(Occasion(MeetingKind(kind), starts_at, ends_at, location))

    def require_booked(self) -> None:
        """An invitation needs a time to invite to (K-8: booked after the pre-meeting)."""
        if not self.occasions:
            raise MeetingNotBooked("the meeting is not booked yet")

    # --- after it is booked: each event bound to what applies it, beside its rules in
    # meeting_plans (W-2, K-8, K-9, E-11)

    _moved = event(Moved)(moved)
    _cancelled = event(Cancelled)(cancelled)
    _held = event(Held)(held)
    _overdue_raised = event(OverdueRaised)(overdue_raised)

    def _require_three_party(self) -> None:
        if self.kind != MeetingKind.THREE_PARTY.value:
            raise MeetingConflict("only a three-party meeting has this step")

    def _require_party(self, unit: str) -> None:
        if unit not in self.units:
            raise NotInMeeting("only the meeting's units take part")

    def refuse_decisions(self) -> None:
        """K-9: nothing is decided at a care-planning meeting."""
        if self.kind == MeetingKind.CARE_PLANNING.value:
            raise NoDecisionsAtCarePlanning(
                "care-planning meetings exchange information and take no decisions; decide in "
                "the case afterwards",
                field="body.meeting_id",
            )
