"""A booked meeting's plans change and it is held (W-2, K-8, K-9), or it stalls (E-11).

Once booked, each occasion (the meeting; a care-planning meeting's follow-up too) is
moved or cancelled by one of the meeting's units with a reason (W-2), recorded as held
with its outcome, minutes and attendance (K-8, K-9), or, not recorded by the end of the
working day after its date, raised overdue (E-11, D-7). A reason and the minutes are
about the individual: theirs, sealed at rest.

`MeetingPlans` holds these rules, a part of `Meeting`; the functions below apply their
events, and `Meeting` binds each to its event (declared on the aggregate, so stored as
``services.cases.domain.meetings:Meeting.<Event>``), as `Case` does its parts'. Pure
domain: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from contracts import CaseMeetingOutcome, MeetingKind
from services.cases.domain.dates import meeting_record_overdue_at
from services.cases.domain.meeting_occasions import (
    CARE_PLANNING_FOLLOW_UP_WITHIN,
    OUTCOMES,
    HeldRecord,
    MeetingChangeInvalid,
    MeetingConflict,
    MeetingInvalid,
    MeetingNotToCome,
    MeetingState,
    Occasion,
    check_time,
    rule_of,
)
from services.cases.domain.reasons import reason_given
from services.runtime.kernel.personal import Personal


class MeetingPlans:
    """Moving, cancelling, recording as held and raising overdue: part of `Meeting`."""

    def occasion(self: MeetingState, kind: MeetingKind | None = None) -> Occasion:
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

    def _to_come(self: MeetingState, kind: MeetingKind | None) -> Occasion:
        """W-2: only what is still to take place is moved or cancelled."""
        occasion = self.occasion(kind)
        if occasion.held is not None:
            raise MeetingNotToCome("the meeting was already recorded as held")
        if occasion.cancelled_at is not None:
            raise MeetingNotToCome("the meeting was cancelled")
        return occasion

    # --- W-2: plans change ----------------------------------------------------------------

    def move(
        self: MeetingState,
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
        self: MeetingState, kind: MeetingKind, starts_at: datetime, ends_at: datetime
    ) -> None:
        """K-9: moved, a care-planning meeting and its follow-up still to come stay close:
        the follow-up after the meeting, within two weeks of it."""
        if kind is MeetingKind.CARE_PLANNING:
            follow_up = next(
                (
                    o
                    for o in self.occasions
                    if o.kind is MeetingKind.CARE_PLANNING_FOLLOW_UP and o.to_come
                ),
                None,
            )
            if follow_up is None:
                return
            meeting_ends, follow_up_starts = ends_at, follow_up.starts_at
        elif kind is MeetingKind.CARE_PLANNING_FOLLOW_UP:
            meeting_ends = self.occasion(MeetingKind.CARE_PLANNING).ends_at
            follow_up_starts = starts_at
        else:
            return
        if not meeting_ends <= follow_up_starts <= meeting_ends + CARE_PLANNING_FOLLOW_UP_WITHIN:
            raise MeetingInvalid(
                "the follow-up stays after the meeting, within two weeks of it; move both",
                field="body.starts_at",
                rule="K-9",
            )

    def cancel(
        self: MeetingState,
        *,
        occasion: MeetingKind | None,
        reason: str,
        unit: str,
        at: datetime,
        by: str,
    ) -> None:
        """W-2: one of the meeting's units cancels an occasion still to come, with the
        reason. A care-planning meeting cancelled takes its follow-up along (K-9: it
        follows the meeting up); a follow-up may be cancelled alone."""
        self._require_party(unit)
        current = self._to_come(occasion)
        why = reason_given(self.subject_id, reason)
        called_off = [current]
        if current.kind is MeetingKind.CARE_PLANNING:
            called_off += [
                o
                for o in self.occasions
                if o.kind is MeetingKind.CARE_PLANNING_FOLLOW_UP and o.to_come
            ]
        for each in called_off:
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

    # --- K-8, K-9: held ---------------------------------------------------------------------

    def record_held(
        self: MeetingState,
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
        if not attended or any(u not in self.units for u in attended):
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

    # --- E-11: nothing stalls silently ------------------------------------------------------

    def raise_due(self: MeetingState, now: datetime) -> list[str]:
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


# --- how each of their events changes the meeting (Meeting binds each to its event) ----------


def _change_occasion(
    meeting: MeetingState, kind: str, change: Callable[[Occasion], Occasion]
) -> None:
    meeting.occasions = [change(o) if o.kind.value == kind else o for o in meeting.occasions]


def moved(
    self: MeetingState,
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
    """Moved, it may be raised overdue again at its new time (E-11)."""

    def to_new_time(o: Occasion) -> Occasion:
        return replace(
            o, starts_at=starts_at, ends_at=ends_at, revision=o.revision + 1, overdue_raised=False
        )

    _change_occasion(self, kind, to_new_time)


def cancelled(
    self: MeetingState,
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
    _change_occasion(
        self, kind, lambda o: replace(o, cancelled_at=cancelled_at, revision=o.revision + 1)
    )


def held(
    self: MeetingState,
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
    _change_occasion(self, kind, lambda o: replace(o, held=record))


def overdue_raised(
    self: MeetingState,
    *,
    subject_id: str,
    case_id: UUID,
    kind: str,
    units: list[str],
    starts_at: datetime,
    overdue_at: datetime,
) -> None:
    _change_occasion(self, kind, lambda o: replace(o, overdue_raised=True))
