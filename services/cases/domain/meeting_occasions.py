"""What a meeting's rules share (K-8, K-9, W-2, E-11): its occasions and what became of
each, what each kind of meeting can come to, the time rules, and the refusals.

`Meeting` (``meetings``) is the aggregate, with its events; the steps after an
occasion is booked (``meeting_plans``) are a part of it. `MeetingState` is the
meeting as that part sees it, so it is type-checked without importing the aggregate
it is part of (as `CaseState` is for the case's parts). Pure domain: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from contracts import CaseMeetingOutcome, MeetingKind
from services.cases.domain.errors import (
    CaseConflict,
    CaseForbidden,
    CaseNotFound,
    CaseRuleViolation,
)
from services.runtime.kernel.personal import Personal

CARE_PLANNING_FOLLOW_UP_WITHIN = timedelta(days=14)
"""K-9: the follow-up is planned "i nära anslutning" to the care-planning meeting;
read as within two weeks of its end."""

LONGEST_MEETING = timedelta(hours=8)


class MeetingInvalid(CaseRuleViolation):
    rule = "K-8"


class MeetingConflict(CaseConflict):
    rule = "K-8"


class MeetingWithoutConsent(CaseConflict):
    """C-11: a three-party meeting shares the person's data: consent or an emergency
    disclosure first."""

    rule = "C-11"


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
    """W-2: a meeting moved goes to another time."""

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


class MeetingState(Protocol):
    """The meeting as its parts see it (``meeting_plans``)."""

    subject_id: str
    case_id: UUID
    units: list[str]
    occasions: list[Occasion]

    def require_booked(self) -> None: ...

    def _require_party(self, unit: str) -> None: ...

    def occasion(self, kind: MeetingKind | None = None) -> Occasion: ...

    def _to_come(self, kind: MeetingKind | None) -> Occasion: ...

    def _require_follow_up_close(
        self, kind: MeetingKind, starts_at: datetime, ends_at: datetime
    ) -> None: ...

    # The methods that record an event (bound to it on Meeting), by the event:
    @property  # Moved
    def _moved(self) -> Callable[..., None]: ...
    @property  # Cancelled
    def _cancelled(self) -> Callable[..., None]: ...
    @property  # Held
    def _held(self) -> Callable[..., None]: ...
    @property  # OverdueRaised
    def _overdue_raised(self) -> Callable[..., None]: ...
