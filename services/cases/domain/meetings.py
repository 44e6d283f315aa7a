"""Meetings between units about one individual: three-party (K-8) and care planning (K-9).

Seed 003, "Trepartsmöte vid behov av kontakt med ytterligare enhet" and
"Vårdplaneringar". Every meeting can be sent as an iCalendar invitation; that
rendering is in `services.cases.rendering`. Pure domain: no I/O, no clock.

Once booked, each occasion (the meeting; a care-planning meeting's follow-up too) is
moved or cancelled with a reason (W-2), recorded as held with its outcome, minutes and
attendance (K-8, K-9), or, not recorded by the end of the working day after its date,
raised overdue (E-11, D-7). A reason and the minutes are about the individual: theirs,
sealed at rest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from contracts import Role
from contracts.cases import CaseMeetingOutcome, MeetingKind
from services.cases.domain.dates import meeting_record_overdue_at
from services.cases.domain.errors import (
    CaseConflict,
    CaseForbidden,
    CaseNotFound,
    CaseRuleViolation,
)
from services.cases.domain.units import others_than
from services.runtime.kernel.personal import OwnedBySubject, Personal

CARE_PLANNING_FOLLOW_UP_WITHIN = timedelta(days=14)
"""K-9: the follow-up is planned "i nära anslutning" to the care-planning meeting;
read as within two weeks of its end."""

LONGEST_MEETING = timedelta(hours=8)


class MeetingInvalid(CaseRuleViolation):
    rule = "K-8"


class MeetingConflict(CaseConflict):
    rule = "K-8"


class NotInMeeting(CaseForbidden):
    rule = "K-8"


class MeetingNotFound(CaseNotFound):
    rule = "K-8"


class MeetingNotBooked(CaseConflict):
    """K-8, K-9: a meeting is sent as an invitation once it has a booked time."""

    rule = "K-8"
    title = "Conflict"


class NoDecisionsAtCarePlanning(CaseConflict):
    """K-9: a care-planning meeting exchanges information; it takes no decisions."""

    rule = "K-9"


class MeetingNotToCome(CaseConflict):
    """W-2: only an occasion still to take place (not held, not cancelled) is moved or
    cancelled."""

    rule = "W-2"


class MeetingChangeInvalid(CaseRuleViolation):
    """W-2: a plan changed says why, and moves to another time."""

    rule = "W-2"


OUTCOMES: dict[MeetingKind, frozenset[CaseMeetingOutcome]] = {
    MeetingKind.THREE_PARTY: frozenset(
        {
            CaseMeetingOutcome.INFORMATION_GIVEN,
            CaseMeetingOutcome.APPLICATION_MADE,
            CaseMeetingOutcome.RAISED_TO_DEPUTY_MANAGERS,
        }
    ),
    MeetingKind.CARE_PLANNING: frozenset({CaseMeetingOutcome.INFORMATION_EXCHANGED}),
    MeetingKind.CARE_PLANNING_FOLLOW_UP: frozenset(
        {
            CaseMeetingOutcome.JOINT_RESPONSIBILITY,
            CaseMeetingOutcome.SINGLE_RESPONSIBILITY,
            CaseMeetingOutcome.RAISED_TO_DEPUTY_MANAGERS,
        }
    ),
}
"""What each occasion can come to (seed 003): a three-party meeting informs the individual
and makes an application possible (K-8); a care-planning meeting only exchanges
information, deciding nothing (K-9); its follow-up looks over the shared responsibility.
A question the caseworkers cannot settle is raised to the deputy unit managers."""


def rule_of(kind: MeetingKind) -> str:
    """The rule an occasion is booked and held by: K-8 three-party, K-9 care planning."""
    return "K-8" if kind is MeetingKind.THREE_PARTY else "K-9"


@dataclass(frozen=True)
class HeldRecord:
    """What was recorded of an occasion once held (K-8, K-9)."""

    outcome: CaseMeetingOutcome
    minutes: Personal | str
    """Free text about the individual: theirs, sealed at rest; clear text once read."""
    attended_units: list[str]
    recorded_at: datetime
    recorded_by: str


@dataclass(frozen=True)
class Occasion:
    """One booked time of a meeting, and what became of it."""

    kind: MeetingKind
    starts_at: datetime
    ends_at: datetime
    location: Personal | str
    """The place: clear text as asked for, the individual's personal data once kept."""
    revision: int = 0
    """How many times it was moved or cancelled (W-2): its invitation's SEQUENCE."""
    cancelled_at: datetime | None = None
    held: HeldRecord | None = None
    overdue_raised: bool = False
    """E-11: raised overdue at its current time (moved, it may be raised again)."""

    @property
    def to_come(self) -> bool:
        """Still to be held: neither recorded as held nor cancelled."""
        return self.held is None and self.cancelled_at is None


def reason_given(owner: str, reason: str) -> Personal:
    """W-2: a plan changed says why; what it says is the individual's (sealed)."""
    text = reason.strip()
    if not text:
        raise MeetingChangeInvalid("say why the plan changes", field="body.reason")
    return Personal(owner, text)


def check_time(
    starts_at: datetime, ends_at: datetime, now: datetime, *, field: str, rule: str
) -> None:
    """A meeting is booked ahead, ends after it starts, and lasts at most eight hours."""
    if starts_at <= now:
        raise MeetingInvalid(
            "a meeting is booked ahead of time", field=f"{field}.starts_at", rule=rule
        )
    if not starts_at < ends_at <= starts_at + LONGEST_MEETING:
        raise MeetingInvalid(
            "a meeting ends after it starts, the same working day",
            field=f"{field}.ends_at",
            rule=rule,
        )


class Meeting(Aggregate):
    """A meeting about one individual's case between two or more units."""

    class Requested(OwnedBySubject, Aggregate.Created):
        subject_id: str
        case_id: UUID
        kind: str
        from_unit: str
        to_unit: str
        requested_at: datetime
        requested_by: str

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
        at: datetime,
        by: str,
    ) -> Meeting:
        """K-8 (seed 003): the caseworker holding the case asks the other unit's deputy
        unit manager for a caseworker to a three-party meeting."""
        if unit != case_unit:
            raise NotInMeeting("the unit holding the case asks for a three-party meeting")
        if to_unit == unit:
            raise MeetingInvalid("ask another unit", field="body.to_unit")
        meeting: Meeting = cls(
            subject_id=subject_id,
            case_id=case_id,
            kind=MeetingKind.THREE_PARTY.value,
            from_unit=unit,
            to_unit=to_unit,
            requested_at=at,
            requested_by=by,
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
    ) -> None:
        self.subject_id = subject_id
        self.case_id = case_id
        self.kind = kind
        self.from_unit = from_unit
        self.to_unit = to_unit
        self.requested_at = requested_at
        self.requested_by = requested_by
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

    # --- plans change (W-2), meetings held (K-8, K-9), nothing stalls (E-11) -----------------

    def occasion(self, kind: MeetingKind | None = None) -> Occasion:
        """The booked occasion of `kind`; without one, the meeting itself (its first)."""
        self.require_booked()
        if kind is None:
            return self.occasions[0]
        for occasion in self.occasions:
            if occasion.kind is kind:
                return occasion
        raise MeetingInvalid(
            f"this meeting has no {kind.value} occasion",
            field="body.occasion",
            rule=rule_of(self.occasions[0].kind),
        )

    def _to_come(self, kind: MeetingKind | None) -> Occasion:
        """W-2: only what is still to take place is moved or cancelled."""
        occasion = self.occasion(kind)
        if occasion.held is not None:
            raise MeetingNotToCome("the meeting was already recorded as held")
        if occasion.cancelled_at is not None:
            raise MeetingNotToCome("the meeting was cancelled")
        return occasion

    def move(
        self,
        *,
        occasion: MeetingKind | None,
        starts_at: datetime,
        ends_at: datetime,
        reason: str,
        unit: str,
        at: datetime,
        by: str,
    ) -> None:
        """W-2: one of the meeting's units moves an occasion still to come to a new time,
        with the reason, by the rules it was booked by (K-8, K-9: ahead, within a day;
        a care-planning follow-up within two weeks after the meeting)."""
        self._require_party(unit)
        current = self._to_come(occasion)
        why = reason_given(self.subject_id, reason)
        if (starts_at, ends_at) == (current.starts_at, current.ends_at):
            raise MeetingChangeInvalid(
                f"the meeting is already booked for {starts_at.isoformat()}",
                field="body.starts_at",
            )
        check_time(starts_at, ends_at, at, field="body", rule=rule_of(current.kind))
        self._require_follow_up_close(current.kind, starts_at, ends_at)
        self._moved(
            subject_id=self.subject_id,
            case_id=self.case_id,
            kind=current.kind.value,
            units=list(self.units),
            starts_at=starts_at,
            ends_at=ends_at,
            previous_starts_at=current.starts_at,
            reason=why,
            moved_at=at,
            moved_by=by,
        )

    def _require_follow_up_close(
        self, kind: MeetingKind, starts_at: datetime, ends_at: datetime
    ) -> None:
        """K-9: moved, a care-planning meeting and its follow-up still to come stay close:
        the follow-up after the meeting, within two weeks of it."""
        others = {o.kind: o for o in self.occasions if o.to_come}
        if kind is MeetingKind.CARE_PLANNING:
            follow_up = others.get(MeetingKind.CARE_PLANNING_FOLLOW_UP)
            if follow_up is None:
                return
            meeting_ends, follow_up_starts = ends_at, follow_up.starts_at
        elif kind is MeetingKind.CARE_PLANNING_FOLLOW_UP:
            meeting = self.occasion(MeetingKind.CARE_PLANNING)
            meeting_ends, follow_up_starts = meeting.ends_at, starts_at
        else:
            return
        if not meeting_ends <= follow_up_starts <= meeting_ends + CARE_PLANNING_FOLLOW_UP_WITHIN:
            raise MeetingInvalid(
                "the follow-up stays after the meeting, within two weeks of it; move both",
                field="body.starts_at",
                rule="K-9",
            )

    @event(Moved)
    def _moved(
        self,
        *,
        subject_id: str,
        case_id: UUID,
        kind: str,
        units: list[str],
        starts_at: datetime,
        ends_at: datetime,
        previous_starts_at: datetime,
        reason: Personal,
        moved_at: datetime,
        moved_by: str,
    ) -> None:
        self._change_occasion(
            kind,
            lambda o: replace(
                o,
                starts_at=starts_at,
                ends_at=ends_at,
                revision=o.revision + 1,
                overdue_raised=False,
            ),
        )

    def cancel(
        self, *, occasion: MeetingKind | None, reason: str, unit: str, at: datetime, by: str
    ) -> None:
        """W-2: one of the meeting's units cancels an occasion still to come, with the
        reason. A care-planning meeting cancelled takes its follow-up along (K-9: it
        follows the meeting up); a follow-up may be cancelled alone."""
        self._require_party(unit)
        current = self._to_come(occasion)
        why = reason_given(self.subject_id, reason)
        cancelled = [current]
        if current.kind is MeetingKind.CARE_PLANNING:
            cancelled += [
                o
                for o in self.occasions
                if o.kind is MeetingKind.CARE_PLANNING_FOLLOW_UP and o.to_come
            ]
        for each in cancelled:
            self._cancelled(
                subject_id=self.subject_id,
                case_id=self.case_id,
                kind=each.kind.value,
                units=list(self.units),
                starts_at=each.starts_at,
                reason=why,
                cancelled_at=at,
                cancelled_by=by,
            )

    @event(Cancelled)
    def _cancelled(
        self,
        *,
        subject_id: str,
        case_id: UUID,
        kind: str,
        units: list[str],
        starts_at: datetime,
        reason: Personal,
        cancelled_at: datetime,
        cancelled_by: str,
    ) -> None:
        self._change_occasion(
            kind, lambda o: replace(o, cancelled_at=cancelled_at, revision=o.revision + 1)
        )

    def record_held(
        self,
        *,
        occasion: MeetingKind | None,
        outcome: CaseMeetingOutcome,
        minutes: str,
        attended_units: list[str],
        unit: str,
        at: datetime,
        by: str,
    ) -> None:
        """K-8, K-9: one of the meeting's units records an occasion as held, once it has
        started: what came of it (an outcome its kind can have: a care-planning meeting
        decides nothing), the minutes, and which of the units attended. Not twice, and
        not once cancelled."""
        self._require_party(unit)
        current = self.occasion(occasion)
        rule = rule_of(current.kind)
        if current.cancelled_at is not None:
            raise MeetingConflict("a cancelled meeting is not held", rule=rule)
        if current.held is not None:
            raise MeetingConflict("the meeting is already recorded as held", rule=rule)
        if current.starts_at > at:
            raise MeetingConflict(
                f"the meeting starts at {current.starts_at.isoformat()}; record it once held",
                rule=rule,
            )
        if outcome not in OUTCOMES[current.kind]:
            allowed = ", ".join(sorted(o.value for o in OUTCOMES[current.kind]))
            raise MeetingInvalid(
                f"a {current.kind.value} meeting comes to one of: {allowed}",
                field="body.outcome",
                rule=rule,
            )
        attended = list(dict.fromkeys(attended_units))
        strangers = [u for u in attended if u not in self.units]
        if strangers or not attended:
            raise MeetingInvalid(
                "name the meeting's units that attended, at least one",
                field="body.attended_units",
                rule=rule,
            )
        if not minutes.strip():
            raise MeetingInvalid("write the minutes", field="body.minutes", rule=rule)
        self._held(
            subject_id=self.subject_id,
            case_id=self.case_id,
            kind=current.kind.value,
            units=list(self.units),
            starts_at=current.starts_at,
            outcome=outcome.value,
            minutes=Personal(self.subject_id, minutes.strip()),
            attended_units=attended,
            recorded_at=at,
            recorded_by=by,
        )

    @event(Held)
    def _held(
        self,
        *,
        subject_id: str,
        case_id: UUID,
        kind: str,
        units: list[str],
        starts_at: datetime,
        outcome: str,
        minutes: Personal,
        attended_units: list[str],
        recorded_at: datetime,
        recorded_by: str,
    ) -> None:
        record = HeldRecord(
            CaseMeetingOutcome(outcome), minutes, list(attended_units), recorded_at, recorded_by
        )
        self._change_occasion(kind, lambda o: replace(o, held=record))

    def raise_due(self, now: datetime) -> list[str]:
        """E-11: every occasion still to come that was not recorded as held by the end of
        the working day after its date is raised overdue, once for each time it had."""
        raised: list[str] = []
        for occasion in list(self.occasions):
            overdue_at = meeting_record_overdue_at(occasion.starts_at)
            if occasion.to_come and not occasion.overdue_raised and overdue_at <= now:
                self._overdue_raised(
                    subject_id=self.subject_id,
                    case_id=self.case_id,
                    kind=occasion.kind.value,
                    units=list(self.units),
                    starts_at=occasion.starts_at,
                    overdue_at=overdue_at,
                )
                raised.append("meeting_overdue")
        return raised

    @event(OverdueRaised)
    def _overdue_raised(
        self,
        *,
        subject_id: str,
        case_id: UUID,
        kind: str,
        units: list[str],
        starts_at: datetime,
        overdue_at: datetime,
    ) -> None:
        self._change_occasion(kind, lambda o: replace(o, overdue_raised=True))

    def _change_occasion(self, kind: str, change: Callable[[Occasion], Occasion]) -> None:
        self.occasions = [change(o) if o.kind.value == kind else o for o in self.occasions]

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
