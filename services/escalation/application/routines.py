"""The yearly routine review's use cases (E-13): schedule the year's review, read it, hold it
with attendance and minutes.

One a municipality a year: the review's id is made of the two, so a second one
that year is found (and refused, naming E-13) before it is made, and two made at
once collide in the store, the loser finding the winner's. A review is for its
member departments: whether the actor's unit is one is decided here, where it is
loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from services.escalation.application.base import EscalationBase
from services.escalation.domain import (
    RoutineReview,
    RoutineReviewAlreadyScheduled,
    review_year,
    routine_review_id,
)
from services.runtime.kernel.actor import Actor, require_party
from services.runtime.kernel.stockholm_time import stockholm_date
from services.runtime.store.changes import retrying


@dataclass(frozen=True)
class ScheduleRoutineReview:
    municipality_code: str
    members: list[str]
    starts_at: datetime


@dataclass(frozen=True)
class HoldRoutineReview:
    present_orgs: list[str]
    minutes: str
    revisions: list[str]


class RoutineReviews(EscalationBase):
    """The departments' yearly meeting on the routine, for its member units."""

    def schedule_routine_review(
        self, actor: Actor, command: ScheduleRoutineReview, *, at: datetime
    ) -> RoutineReview:
        """E-13: the year's one review of the municipality; a second that year is refused."""
        year = review_year(command.starts_at)
        review_id = routine_review_id(command.municipality_code, year)

        def run() -> RoutineReview:
            existing = self.find(review_id, RoutineReview)
            if existing is not None:
                raise RoutineReviewAlreadyScheduled(
                    f"the departments of {command.municipality_code} review the routine once a "
                    f"year, and {year}'s review is on "
                    f"{stockholm_date(existing.starts_at).isoformat()} ({review_id})",
                    field="body.starts_at",
                )
            return self._created(
                RoutineReview.schedule(
                    municipality_code=command.municipality_code,
                    members=command.members,
                    starts_at=command.starts_at,
                    by=actor.hsa_id,
                    by_org=actor.org_id,
                    now=at,
                )
            )

        return retrying(run)

    def read_routine_review(self, actor: Actor, review_id: UUID) -> RoutineReview:
        review = self._load(RoutineReview, review_id)
        require_party(actor, review.members, what="this routine review", rule="E-13")
        return review

    def hold_routine_review(
        self, actor: Actor, review_id: UUID, command: HoldRoutineReview, *, at: datetime
    ) -> RoutineReview:
        """E-13: held once, with who came and the minutes (the domain checks)."""
        return self._changing(
            lambda: self.read_routine_review(actor, review_id),
            lambda review: review.hold(
                present_orgs=command.present_orgs,
                minutes=command.minutes,
                revisions=command.revisions,
                by=actor.hsa_id,
                by_org=actor.org_id,
                now=at,
            ),
        )
