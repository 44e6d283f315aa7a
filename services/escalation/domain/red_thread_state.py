"""The red thread as its rule modules see it: what it knows, and the events they record.

The rules after the pull are one module per concept (`red_thread_meetings`,
`red_thread_holds`, `red_thread_deadlines`), each a part of `RedThread`. The
events they record are declared on the aggregate itself, where their stored
topic (``services.escalation.domain.red_thread:RedThread.<Event>``) names them;
`RedThreadState` is what those parts may read and call, so each is type-checked
without importing the aggregate it is part of. `Hold` and `Pending` are values of
that state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID

from contracts import HoldReason, MeetingStage
from services.escalation.domain.authorisations import Basis
from services.escalation.domain.red_thread_actions import Action
from services.runtime.kernel.personal import Personal


@dataclass(frozen=True)
class Hold:
    """Why the pending meeting may not go ahead (E-4), since when."""

    stage: MeetingStage
    reason: HoldReason
    basis_id: UUID
    since: datetime


@dataclass(frozen=True)
class Pending:
    """The red thread's next meeting: what it needs a legal basis for (E-4)."""

    stage: MeetingStage
    at: datetime
    invited_orgs: list[str]
    basis: Basis | None


class RedThreadState(Protocol):
    subject_id: str
    pulled_at: datetime
    invited_orgs: list[str]
    meeting_at: datetime | None
    cancelled_meeting_at: datetime | None
    basis: Basis | None
    meeting_held: bool
    follow_up_at: datetime | None
    cancelled_follow_up_at: datetime | None
    follow_up_basis: Basis | None
    follow_up_evaluated: bool
    actions: tuple[Action, ...]
    hold: Hold | None
    closed_at: datetime | None
    closing_reason: Personal | None
    meeting_overdue_since: datetime | None
    follow_up_overdue_since: datetime | None
    meeting_not_recorded_since: datetime | None
    follow_up_not_booked_since: datetime | None

    @property
    def id(self) -> UUID: ...

    @property
    def concerned_orgs(self) -> list[str]: ...

    @property
    def pending(self) -> Pending | None: ...

    @property
    def meeting_deadline(self) -> date: ...

    def meeting_overdue(self, now: datetime) -> bool: ...

    def follow_up_overdue(self, now: datetime) -> bool: ...

    def _require_open(self) -> None: ...

    def _meeting_time_allowed(
        self, meeting_at: datetime, basis: Basis | None, now: datetime
    ) -> Basis: ...

    def _meeting_to_come(self) -> datetime: ...

    def _follow_up_time_allowed(
        self, follow_up_at: datetime, basis: Basis | None, now: datetime
    ) -> Basis: ...

    def _follow_up_to_come(self) -> datetime: ...

    def _record_absences(
        self, absent: list[str], stage: MeetingStage, at: datetime, recorded_by: str
    ) -> None: ...

    # The methods that record an event (RedThread's @event methods), by the event:
    def _scheduled(self, *args: Any, **kwargs: Any) -> None: ...  # MeetingScheduled
    def _held(self, *args: Any, **kwargs: Any) -> None: ...  # MeetingHeld
    def _absence(self, *args: Any, **kwargs: Any) -> None: ...  # AbsenceRecorded
    def _basis_replaced(self, *args: Any, **kwargs: Any) -> None: ...  # BasisReplaced
    def _put_on_hold(self, *args: Any, **kwargs: Any) -> None: ...  # PutOnHold
    def _resumed(self, *args: Any, **kwargs: Any) -> None: ...  # Resumed
    def _follow_up_booked(self, *args: Any, **kwargs: Any) -> None: ...  # FollowUpBooked
    def _evaluated(self, *args: Any, **kwargs: Any) -> None: ...  # FollowUpEvaluated
    def _meeting_overdue(self, *args: Any, **kwargs: Any) -> None: ...  # MeetingOverdue
    def _follow_up_overdue(self, *args: Any, **kwargs: Any) -> None: ...  # FollowUpOverdue
    def _closed(self, *args: Any, **kwargs: Any) -> None: ...  # Closed

    # The events declared with their own `apply` (red_thread_plans), as the aggregate names
    # them (`_record`), and eventsourcing's trigger underneath:
    def _record(self, event: type[Any], **fields: Any) -> None: ...
    def trigger_event(self, event_class: type[Any], **kwargs: Any) -> None: ...
