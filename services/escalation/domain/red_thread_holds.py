"""E-4 after scheduling: a pending meeting whose legal basis ends is put on hold, or
goes ahead on another basis (C-9), and resumes when a basis covers it again.

A meeting is never held on a basis that no longer holds at its time; one that
took place before the basis ended was lawful and is left alone.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from contracts import HoldReason, MeetingStage
from services.escalation.domain.authorisations import Basis
from services.escalation.domain.red_thread_state import Hold, RedThreadState


def hold_message(hold: Hold) -> str:
    what = "follow-up" if hold.stage is MeetingStage.FOLLOW_UP else "meeting"
    return (
        f"the {what} is on hold since {hold.since.isoformat()}: "
        f"{hold.reason.value.replace('_', ' ')} (basis {hold.basis_id}); "
        "it goes ahead when a new consent or an emergency "
        "disclosure covers everyone invited"
    )


class RedThreadHolds:
    """The red thread's pending meeting losing and regaining its basis: part of `RedThread`."""

    def basis_lost(
        self: RedThreadState,
        *,
        basis_id: UUID,
        reason: HoldReason,
        at: datetime,
        alternative: Basis | None,
    ) -> None:
        """E-4 re-checked: the basis `basis_id` ended at `at`.

        A pending meeting that relies on it and takes place at or after `at`
        goes ahead on `alternative` if there is one (C-9: the new basis is
        recorded), else it is put on hold. A meeting that took place before
        the basis ended was lawful and is left alone.
        """
        pending = self.pending
        if pending is None or pending.basis is None or pending.basis.id != basis_id:
            return
        if self.hold is not None or pending.at < at:
            return
        if alternative is not None:
            self._basis_replaced(
                subject_id=self.subject_id,
                stage=pending.stage.value,
                legal_basis=alternative.kind.value,
                basis_id=alternative.id,
                replaced_basis_id=basis_id,
                replaced_at=at,
            )
            return
        self._put_on_hold(
            subject_id=self.subject_id,
            stage=pending.stage.value,
            meeting_at=pending.at,
            reason=reason.value,
            basis_id=basis_id,
            held_since=at,
        )

    def resume_if_possible(self: RedThreadState, basis: Basis | None, *, at: datetime) -> bool:
        """E-4, C-5: a meeting on hold goes ahead again once a basis covers it.

        Only a meeting still to come: one whose time passed while on hold did not
        take place lawfully and is scheduled (or booked) anew instead.
        """
        pending = self.pending
        if self.hold is None or pending is None or basis is None or pending.at < at:
            return False
        self._resumed(
            subject_id=self.subject_id,
            stage=pending.stage.value,
            meeting_at=pending.at,
            legal_basis=basis.kind.value,
            basis_id=basis.id,
            resumed_at=at,
        )
        return True
