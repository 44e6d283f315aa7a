"""D-3 sharpened: feedback "skyndsamt", within a configurable number of working days.

Seed 002: failures are solved first by the nearest officials and their managers,
quickly, with feedback to every affected party (D-3). "Skyndsamt" sets no time,
so the service setting `feedback_deadline_working_days` does (default 10
Swedish working days, `services.runtime.kernel.working_days`): counted from the
day the deviation was reported or detected, the joint summary must be signed —
which is when feedback goes to every party — by the end of that working day.

Unsolved past it (neither countersigned nor closed early, W-2) the deviation is
overdue, raised once by the service's clock-driven check: `DeviationFeedbackOverdue`
names its parties, the work items are marked overdue, and the overdue event is
itself a missed routine (D-7, `services.reporting.domain.routines`), unless the
deviation was one already (a deviation detected from a missed D-3 deadline is not
followed by another, or each would beget the next).

Declared here with how it changes the deviation (`apply`) and named on `Deviation`
(``FeedbackOverdue = deviation_feedback.FeedbackOverdue``), like closing early.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from services.runtime.kernel.aggregate import Aggregate
from services.runtime.kernel.working_days import end_of_day, working_days_after

FEEDBACK_DEADLINE_WORKING_DAYS = 10
"""The default for "skyndsamt" (D-3): two working weeks."""


def feedback_due(reported_at: datetime, working_days: int) -> datetime:
    """D-3: the first instant the feedback is late, `working_days` Swedish working days
    after the day the deviation was reported (or detected, D-7)."""
    return end_of_day(working_days_after(reported_at, working_days))


class _Deviation(Protocol):
    """What the rule reads of `Deviation`."""

    category: str
    subject_id: str | None
    rule: str | None
    reported_at: datetime
    summarised_at: datetime | None
    closed_at: datetime | None
    feedback_overdue_at: datetime | None

    def parties(self) -> list[str]: ...

    def trigger_event(self, event_class: Any, **kwargs: Any) -> None: ...


class FeedbackOverdue(Aggregate.Event):
    """D-3: the joint summary was not signed, nor the deviation closed, by its deadline."""

    concerned_orgs: list[str]
    category: str
    rule: str | None
    feedback_due: datetime
    overdue_at: datetime
    subject_id: str | None

    def apply(self, aggregate: Any) -> None:
        aggregate.feedback_overdue_at = self.overdue_at


class DeviationFeedback:
    """The feedback deadline: part of `Deviation`."""

    feedback_overdue_at: datetime | None = None
    """When the feedback was raised overdue (D-3); None while in time or never."""

    def feedback_due(self: _Deviation, working_days: int) -> datetime:
        return feedback_due(self.reported_at, working_days)

    def raise_feedback_overdue_if_due(self: _Deviation, now: datetime, working_days: int) -> bool:
        """D-3: raise the missed feedback deadline once, if it has passed while the
        deviation is neither summarised nor closed early. Returns whether it was raised."""
        due = feedback_due(self.reported_at, working_days)
        if now < due or self.feedback_overdue_at is not None:
            return False
        if self.summarised_at is not None or self.closed_at is not None:
            return False
        self.trigger_event(
            type(self).FeedbackOverdue,  # type: ignore[attr-defined]
            concerned_orgs=self.parties(),
            category=self.category,
            rule=self.rule,
            feedback_due=due,
            overdue_at=due,
            subject_id=self.subject_id,
        )
        return True
