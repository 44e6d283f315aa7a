"""The red thread's use cases (E-1..E-5), and the deadlines it and the forums set (D-7).

Each takes the acting member of staff: the record names them and their unit,
and whether they may see or run *this* thread (E-3: its organisations see it;
the coordinators of the office serving its municipality run it) is decided
here, where it is loaded (services.escalation.domain.coordination).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from contracts import FollowUpResult, MeetingOutcome
from services.escalation.application.base import EscalationBase
from services.escalation.domain import (
    ActionEvaluation,
    AgreedAction,
    RedThread,
    SubjectAuthorisations,
)
from services.escalation.domain.coordination import (
    new_coordinator,
    require_coordinating,
    require_involved,
    require_may_hand_on,
)
from services.escalation.views.deadlines import Deadline, DeadlineKind
from services.runtime.kernel.actor import Actor
from services.runtime.kernel.commands import arguments
from services.runtime.store.changes import retrying


@dataclass(frozen=True)
class PullRedThread:
    subject_id: str
    measures_tried: list[str]
    burdened_orgs: list[str]
    municipality_code: str
    individual_harmed: bool = False
    """E-2: the individual is being harmed; a pull that does not say so is refused."""


@dataclass(frozen=True)
class AssignCoordinator:
    coordinator: str | None = None
    """Default: the actor takes the thread; else a colleague at the actor's own office."""
    office: str | None = None
    """The office `coordinator` works at: required when naming someone else."""


@dataclass(frozen=True)
class ScheduleMeeting:
    red_thread_id: UUID
    meeting_at: datetime
    invited_orgs: list[str]


@dataclass(frozen=True)
class MoveMeeting:
    """W-2: the meeting (or the follow-up) to a new time, and why."""

    red_thread_id: UUID
    to: datetime
    reason: str


@dataclass(frozen=True)
class RecordMeetingHeld:
    red_thread_id: UUID
    attended_orgs: list[str]
    outcome: MeetingOutcome
    notes: str
    actions: list[AgreedAction] = field(default_factory=list)
    """E-10: what was agreed, who does it, by when; required when solutions were agreed."""


@dataclass(frozen=True)
class EvaluateFollowUp:
    red_thread_id: UUID
    attended_orgs: list[str]
    result: FollowUpResult
    notes: str
    actions: list[ActionEvaluation] = field(default_factory=list)
    """E-10: how each agreed action stood; every one of them."""


class RedThreads(EscalationBase):
    """Pull, take, meet, follow up, close; overdue deadlines raised on the service's clock."""

    def pull_red_thread(self, actor: Actor, command: PullRedThread, *, at: datetime) -> RedThread:
        """E-1, E-2: who pulls is the actor's organisation type, checked by the domain."""
        return self._created(
            RedThread.pull(
                **arguments(command),
                pulled_at=at,
                pulled_by=actor.hsa_id,
                pulled_by_org=actor.org_id,
                pulled_by_org_type=actor.org_type.value,
            )
        )

    def read_red_thread(self, actor: Actor, red_thread_id: UUID) -> RedThread:
        """The thread, for its organisations and the serving office's coordinators (E-3)."""
        return self._load_checked(
            RedThread, red_thread_id, partial(require_involved, self.offices, actor)
        )

    def assign_coordinator(
        self, actor: Actor, red_thread_id: UUID, command: AssignCoordinator, *, at: datetime
    ) -> RedThread:
        """E-3: a coordinator of the office serving the thread's municipality takes it, or
        hands it to a colleague at the same office."""

        return self._changing(
            lambda: self._load_checked(
                RedThread, red_thread_id, partial(require_may_hand_on, self.offices, actor)
            ),
            lambda red_thread: red_thread.assign_coordinator(
                coordinator=new_coordinator(actor, command.coordinator, command.office),
                assigned_by=actor.hsa_id,
                at=at,
                office=actor.org_id,
            ),
        )

    def schedule_meeting(
        self, actor: Actor, command: ScheduleMeeting, *, at: datetime
    ) -> RedThread:
        """E-3, E-4; the convening coordinator takes the thread if no one has yet."""

        def schedule(red_thread: RedThread, view: SubjectAuthorisations | None) -> None:
            basis = (
                view.basis_for_meeting(command.invited_orgs, command.meeting_at) if view else None
            )
            if red_thread.coordinator is None:
                red_thread.assign_coordinator(
                    coordinator=actor.hsa_id,
                    assigned_by=actor.hsa_id,
                    at=at,
                    office=actor.org_id,
                )
            red_thread.schedule_meeting(
                meeting_at=command.meeting_at,
                invited_orgs=command.invited_orgs,
                basis=basis,
                scheduled_by=actor.hsa_id,
                now=at,
            )

        return self._coordinating(actor, command.red_thread_id, schedule)

    def move_meeting(self, actor: Actor, command: MoveMeeting, *, at: datetime) -> RedThread:
        return self._moving(actor, command, RedThread.move_meeting, at)

    def cancel_meeting(
        self, actor: Actor, red_thread_id: UUID, *, reason: str, at: datetime
    ) -> RedThread:
        return self._cancelling(actor, red_thread_id, RedThread.cancel_meeting, reason, at)

    def record_meeting_held(
        self, actor: Actor, command: RecordMeetingHeld, *, at: datetime
    ) -> RedThread:
        return self._record_held(actor, command, RedThread.record_meeting_held, at)

    def book_follow_up(
        self, actor: Actor, red_thread_id: UUID, *, follow_up_at: datetime, at: datetime
    ) -> RedThread:
        """E-5, on a basis that holds at the follow-up (E-4)."""

        def book(red_thread: RedThread, view: SubjectAuthorisations | None) -> None:
            basis = view.basis_for_meeting(red_thread.invited_orgs, follow_up_at) if view else None
            red_thread.book_follow_up(
                follow_up_at=follow_up_at, basis=basis, booked_by=actor.hsa_id, now=at
            )

        return self._coordinating(actor, red_thread_id, book)

    def move_follow_up(self, actor: Actor, command: MoveMeeting, *, at: datetime) -> RedThread:
        return self._moving(actor, command, RedThread.move_follow_up, at)

    def cancel_follow_up(
        self, actor: Actor, red_thread_id: UUID, *, reason: str, at: datetime
    ) -> RedThread:
        return self._cancelling(actor, red_thread_id, RedThread.cancel_follow_up, reason, at)

    def evaluate_follow_up(
        self, actor: Actor, command: EvaluateFollowUp, *, at: datetime
    ) -> RedThread:
        return self._record_held(actor, command, RedThread.evaluate_follow_up, at)

    def _record_held(
        self,
        actor: Actor,
        command: RecordMeetingHeld | EvaluateFollowUp,
        step: Callable[..., object],
        at: datetime,
    ) -> RedThread:
        """The meeting (E-3) or the follow-up (E-5) as held, with who came and what came of
        it, recorded by a coordinator running the thread."""
        return self._coordinating(
            actor,
            command.red_thread_id,
            lambda red_thread, _: step(
                red_thread,
                **arguments(command, leave_out={"red_thread_id"}),
                recorded_by=actor.hsa_id,
                now=at,
            ),
        )

    def _moving(
        self, actor: Actor, command: MoveMeeting, step: Callable[..., object], at: datetime
    ) -> RedThread:
        """The meeting (E-3) or the follow-up (E-5) to a new time, with the reason (W-2), on
        the basis the consent view has for everyone invited then (E-4): what it relies on
        follows the new time, saved with the move."""

        def move(red_thread: RedThread, view: SubjectAuthorisations | None) -> None:
            to = command.to
            basis = view.basis_for_meeting(red_thread.invited_orgs, to) if view else None
            step(
                red_thread,
                to=to,
                basis=basis,
                reason=command.reason,
                moved_by=actor.hsa_id,
                now=at,
            )

        return self._coordinating(actor, command.red_thread_id, move)

    def _cancelling(
        self,
        actor: Actor,
        red_thread_id: UUID,
        step: Callable[..., object],
        reason: str,
        at: datetime,
    ) -> RedThread:
        """The meeting (E-3) or the follow-up (E-5) called off, with the reason (W-2): it
        relies on no basis any more."""
        return self._coordinating(
            actor,
            red_thread_id,
            lambda red_thread, _: step(
                red_thread, reason=reason, cancelled_by=actor.hsa_id, now=at
            ),
        )

    def close_red_thread(
        self, actor: Actor, red_thread_id: UUID, *, at: datetime, reason: str | None = None
    ) -> RedThread:
        """E-5: after the follow-up was evaluated; W-2: before that early, with a reason (the
        domain checks)."""
        return self._coordinating(
            actor,
            red_thread_id,
            lambda red_thread, _: red_thread.close(closed_by=actor.hsa_id, now=at, reason=reason),
        )

    def _coordinating(
        self,
        actor: Actor,
        red_thread_id: UUID,
        change: Callable[[RedThread, SubjectAuthorisations | None], object],
    ) -> RedThread:
        """A change by a coordinator running the thread (E-3), loaded once for the check and
        the change, saved with what its next meeting relies on (E-4): `change` sees the
        subject's consent view as it stands. On losing a race, all of it again."""

        def run() -> RedThread:
            red_thread = self._load(RedThread, red_thread_id)
            require_coordinating(self.offices, actor, red_thread)
            view = self._authorisations(red_thread.subject_id)
            change(red_thread, view)
            self._save_with_reliance(red_thread, view)
            return red_thread

        return retrying(run)

    # --- deadlines (E-3, E-5, E-7, D-7) ---------------------------------------------------

    def raise_due(self, now: datetime) -> int:
        """Record RedThreadMeetingOverdue / RedThreadFollowUpOverdue, and E-11's
        RedThreadMeetingNotRecorded / RedThreadFollowUpNotBooked / RedThreadActionOverdue,
        for every deadline passed.

        Run on a schedule with the service's clock; the deadline read model says
        which red threads to look at, each red thread decides for itself.
        """
        self._follower.catch_up()
        raised = 0
        for deadline in self.deadlines.due(now):
            try:
                raised += retrying(partial(self._raise_overdue, deadline, now))
            except IntegrityError:
                continue  # still contended after retries: the next round tries again
        self._follower.catch_up()
        return raised

    def _raise_overdue(self, deadline: Deadline, now: datetime) -> int:
        red_thread = self.find(deadline.item_id, RedThread)
        if red_thread is None:
            return 0
        kind = deadline.kind
        if kind is DeadlineKind.RED_THREAD_MEETING:
            recorded = int(red_thread.raise_meeting_overdue_if_due(now))
        elif kind is DeadlineKind.RED_THREAD_FOLLOW_UP:
            recorded = int(red_thread.raise_follow_up_overdue_if_due(now))
        elif kind is DeadlineKind.RED_THREAD_MEETING_RECORD:
            recorded = int(red_thread.raise_meeting_not_recorded_if_due(now))
        elif kind is DeadlineKind.RED_THREAD_FOLLOW_UP_BOOKING:
            days = self.follow_up_booking_days
            recorded = int(red_thread.raise_follow_up_not_booked_if_due(now, days))
        else:
            recorded = red_thread.raise_actions_overdue_if_due(now)
        if recorded:
            self.save(red_thread)
        return int(recorded)

    def deadlines_for(self, actor: Actor, now: datetime) -> list[Deadline]:
        """Every deadline concerning the actor's organisation unit: what is coming, and what
        was missed."""
        self._follower.catch_up()
        return self.deadlines.of_org(actor.org_id, now)

    def red_threads_overdue(self, now: datetime) -> int:
        self._follower.catch_up()
        return self.deadlines.red_threads_overdue(now)
