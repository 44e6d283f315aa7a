"""The yearly routine review (E-13, seed 003): "En gång per år ska avdelningarna …
träffas i syfte att förankra, revidera och levandegöra rutinen".

Once a year the municipality's departments (IoF and ÄoF, and whoever else the
routine binds) meet to anchor, revise and bring the collaboration routine to
life. Like the monthly meetings (E-7) it is scheduled, held with attendance and
minutes; unlike them it concerns no individual.

Readings, written down:

- One review a municipality a calendar year (Europe/Stockholm): its id is made
  of the two (`routine_review_id`), so a second one that year is refused naming
  E-13, even when two are scheduled at once.
- The members are the departments' units; their heads hold it. Held means at or after
  its time, once, with who came (a member not present is recorded absent) and minutes:
  what was said (`minutes`) and what was revised in the routine (`revisions`, one item
  each; none when nothing was changed, said so in the minutes).
- The text is about the routine, not a person; it is still sealed, as the review's
  own (`record_owner`), like every text escalation keeps, and never published.

Pure domain: no I/O, no clock.
"""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from services.escalation.domain.errors import (
    NotAReviewMember,
    RoutineReviewAlreadyHeld,
    RoutineReviewInvalid,
)
from services.escalation.domain.owners import record_owner
from services.runtime.kernel.aggregate import Aggregate, event
from services.runtime.kernel.personal import Personal
from services.runtime.kernel.stockholm_time import stockholm_date

MAX_REVISIONS = 100


def routine_review_id(municipality_code: str, year: int) -> UUID:
    """E-13: the one review of `municipality_code` in `year`."""
    return uuid5(NAMESPACE_URL, f"samverkan:escalation:routine-review:{municipality_code}:{year}")


def review_year(starts_at: datetime) -> int:
    """The year a review counts for: the Stockholm calendar year of its start."""
    return stockholm_date(starts_at).year


class RoutineReview(Aggregate):
    """One municipality's yearly meeting on the routine: members, attendance, minutes."""

    class Scheduled(Aggregate.Created):
        municipality_code: str
        year: int
        starts_at: datetime
        members: list[str]
        scheduled_by: str
        scheduled_by_org: str
        scheduled_at: datetime

    class Held(Aggregate.Event):
        municipality_code: str
        year: int
        present_orgs: list[str]
        absent_orgs: list[str]
        minutes: Personal
        revisions: list[Personal]
        recorded_by: str
        recorded_by_org: str
        held_at: datetime

    @staticmethod
    def create_id(municipality_code: str, year: int, **_: object) -> UUID:
        return routine_review_id(municipality_code, year)

    @classmethod
    def schedule(
        cls,
        *,
        municipality_code: str,
        members: list[str],
        starts_at: datetime,
        by: str,
        by_org: str,
        now: datetime,
    ) -> RoutineReview:
        """E-13: the year's review, in the future, for at least two departments, one of
        them the scheduler's own."""
        unique = list(dict.fromkeys(members))
        if len(unique) < 2:
            raise RoutineReviewInvalid(
                "the departments meet: name at least two member units", field="body.members"
            )
        if by_org not in unique:
            raise NotAReviewMember("a department schedules the review it takes part in")
        if starts_at <= now:
            raise RoutineReviewInvalid("starts_at is in the past", field="body.starts_at")
        review: RoutineReview = cls._create(
            cls.Scheduled,
            municipality_code=municipality_code,
            year=review_year(starts_at),
            starts_at=starts_at,
            members=unique,
            scheduled_by=by,
            scheduled_by_org=by_org,
            scheduled_at=now,
        )
        return review

    @event(Scheduled)
    def __init__(
        self,
        *,
        municipality_code: str,
        year: int,
        starts_at: datetime,
        members: list[str],
        scheduled_by: str,
        scheduled_by_org: str,
        scheduled_at: datetime,
    ) -> None:
        self.municipality_code = municipality_code
        self.year = year
        self.starts_at = starts_at
        self.members = members
        self.present_orgs: list[str] | None = None
        self.absent_orgs: list[str] = []
        self.minutes: Personal | None = None
        self.revisions: list[Personal] = []
        self.held_at: datetime | None = None

    def hold(
        self,
        *,
        present_orgs: list[str],
        minutes: str,
        revisions: list[str],
        by: str,
        by_org: str,
        now: datetime,
    ) -> None:
        """E-13: held once, at or after its time, by a member, with who came and minutes."""
        if by_org not in self.members:
            raise NotAReviewMember("a member department records its review")
        if self.held_at is not None:
            raise RoutineReviewAlreadyHeld(
                f"the review of {self.year} was held on {stockholm_date(self.held_at)}"
            )
        if now < self.starts_at:
            raise RoutineReviewInvalid("the review is recorded once it has started")
        present = list(dict.fromkeys(present_orgs))
        strangers = [org for org in present if org not in self.members]
        if strangers:
            raise NotAReviewMember(f"{', '.join(strangers)} are not members of the review")
        if not present:
            raise RoutineReviewInvalid("name who came", field="body.present_orgs")
        if not minutes.strip():
            raise RoutineReviewInvalid("the minutes are empty", field="body.minutes")
        changes = [r.strip() for r in revisions]
        if any(not r for r in changes):
            raise RoutineReviewInvalid("a revision is empty", field="body.revisions")
        if len(changes) > MAX_REVISIONS:
            raise RoutineReviewInvalid(f"at most {MAX_REVISIONS} revisions", field="body.revisions")
        owner = record_owner(None, self.id)
        self._held(
            municipality_code=self.municipality_code,
            year=self.year,
            present_orgs=present,
            absent_orgs=[org for org in self.members if org not in present],
            minutes=Personal(owner, minutes.strip()),
            revisions=[Personal(owner, r) for r in changes],
            recorded_by=by,
            recorded_by_org=by_org,
            held_at=now,
        )

    @event(Held)
    def _held(
        self,
        *,
        municipality_code: str,
        year: int,
        present_orgs: list[str],
        absent_orgs: list[str],
        minutes: Personal,
        revisions: list[Personal],
        recorded_by: str,
        recorded_by_org: str,
        held_at: datetime,
    ) -> None:
        self.present_orgs = present_orgs
        self.absent_orgs = absent_orgs
        self.minutes = minutes
        self.revisions = revisions
        self.held_at = held_at
