"""What a coordinated individual plan (SIP) states and keeps, as values: the plan's five
parts (K-6), who takes part, each follow-up (K-7) and each version. The aggregate that
changes them is `services.cases.domain.sip.Sip`; events store these as plain dicts, so
where the classes live is not part of any stored event.

Pure domain: no I/O, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from services.cases.domain.dates import end_of_day
from services.cases.domain.errors import (
    NotInSip,
    SipAlreadyClosed,
    SipIncomplete,
    SipPartNotFound,
    SipWithoutConsent,
)
from services.runtime.kernel.personal import Personal
from services.runtime.kernel.stockholm_time import stockholm_date


@dataclass(frozen=True)
class Responsibility:
    """Which interventions one unit (its principal) answers for (K-6 part 2)."""

    unit: str
    interventions: str


@dataclass(frozen=True)
class SipPlan:
    """What the plan states (K-6, seed 004, "Av planen ska det framgå"):

    1. the problem, and the interventions for short- and long-term goals;
    2. which interventions each principal or unit answers for;
    3. measures taken by others than the region and the municipality;
    4. which principal has the overall responsibility;
    5. who coordinates and follows up.

    Part 3 may well be "none", but the plan must say so. K-13 (seed 001): the plan starts
    from the person: their answer to "Vad är viktigt för dig?" (`what_matters`) and their
    own goals (`own_goals`), in their words; both are mandatory in a plan made or revised.
    """

    what_matters: str
    own_goals: str
    problem: str
    short_term_goals_and_interventions: str
    long_term_goals_and_interventions: str
    responsibilities: tuple[Responsibility, ...]
    measures_by_others: str
    overall_responsibility: str
    follow_up_by: str

    TEXTS = (
        "problem",
        "short_term_goals_and_interventions",
        "long_term_goals_and_interventions",
        "measures_by_others",
    )

    PERSON = ("what_matters", "own_goals")
    """K-13: the person's own words, which the plan starts from."""

    def check(self, units: list[str]) -> None:
        """K-6: every part given, and every unit named is one of the plan's units. K-13:
        what matters to the person and their own goals given."""
        for part in self.PERSON:
            if not getattr(self, part).strip():
                raise SipIncomplete(
                    "the plan starts from the person's own words (Vad är viktigt för dig?)",
                    field=f"body.plan.{part}",
                    rule="K-13",
                )
        for part in self.TEXTS:
            if not getattr(self, part).strip():
                raise SipIncomplete("this part of the plan is mandatory", field=f"body.plan.{part}")
        if not self.responsibilities:
            raise SipIncomplete(
                "say which interventions each unit answers for",
                field="body.plan.responsibilities",
            )
        for index, responsibility in enumerate(self.responsibilities):
            where = f"body.plan.responsibilities.{index}"
            if responsibility.unit not in units:
                raise SipIncomplete(f"{responsibility.unit} is not in the plan", field=where)
            if not responsibility.interventions.strip():
                raise SipIncomplete("name the interventions", field=f"{where}.interventions")
        if self.overall_responsibility not in units:
            raise SipIncomplete(
                "the overall responsibility lies with one of the plan's units",
                field="body.plan.overall_responsibility",
            )

    def as_record(self, owner: str) -> dict[str, Any]:
        """As the events carry it: the texts the individual's personal data; unit ids and
        who follows up as they are."""
        record: dict[str, Any] = {
            "overall_responsibility": self.overall_responsibility,
            "follow_up_by": self.follow_up_by,
        }
        for part in (*self.PERSON, *self.TEXTS):
            record[part] = Personal(owner, getattr(self, part).strip())
        record["responsibilities"] = [
            {"unit": r.unit, "interventions": Personal(owner, r.interventions.strip())}
            for r in self.responsibilities
        ]
        return record


@dataclass(frozen=True)
class Participants:
    """Who takes part (K-6): the individual where possible; relatives only if the
    individual does not object."""

    individual: bool
    relatives: bool
    individual_objects_to_relatives: bool

    def check(self) -> None:
        if self.relatives and self.individual_objects_to_relatives:
            raise SipIncomplete(
                "relatives take part only if the individual does not object",
                field="body.participants.relatives",
            )


@dataclass
class FollowUp:
    held_on: date
    outcome: Personal
    recorded_at: datetime
    recorded_by: str


@dataclass
class PlanVersion:
    number: int
    plan: dict[str, Any]
    made_at: datetime
    made_by: str
    after_follow_up_on: date | None = None


class SipParts:
    """What a `Sip` answers about itself, without changing: its parts by number, its
    dates, and the checks its steps begin with. A part of `Sip`."""

    id: UUID
    units: list[str]
    adult_from: date
    established_at: datetime | None
    next_follow_up_on: date | None
    versions: list[PlanVersion]
    follow_ups: list[FollowUp]
    closed_at: datetime | None

    @property
    def plan_date(self) -> date | None:
        """The day the plan was made, in Sweden."""
        return stockholm_date(self.established_at) if self.established_at else None

    def follow_up(self, number: int) -> FollowUp:
        """The plan's `number`th follow-up (from 1, in the order held and recorded; none is
        ever removed, so the number names one for good, W-3)."""
        if not 1 <= number <= len(self.follow_ups):
            raise SipPartNotFound(f"SIP {self.id} has no follow-up {number}")
        return self.follow_ups[number - 1]

    def plan_version(self, number: int) -> PlanVersion:
        """The plan's version `number` (1 is the established plan; K-7 keeps every one)."""
        found = next((v for v in self.versions if v.number == number), None)
        if found is None:
            raise SipPartNotFound(f"SIP {self.id} has no version {number}")
        return found

    @property
    def current(self) -> PlanVersion | None:
        return self.versions[-1] if self.versions else None

    def follow_up_overdue_at(self) -> datetime | None:
        """When the planned follow-up is overdue: once its day has passed (K-7)."""
        if self.next_follow_up_on is None:
            return None
        return end_of_day(self.next_follow_up_on)

    def _require_open(self) -> None:
        if self.closed_at is not None:
            raise SipAlreadyClosed(
                f"the plan was closed at {self.closed_at.isoformat()}; propose a new one"
            )

    def _require_party(self, unit: str) -> None:
        if unit not in self.units:
            raise NotInSip("only the plan's units work on it")

    def adult_on(self, day: date) -> bool:
        return day >= self.adult_from


def require_consent(adult: bool, consent_id: UUID | None) -> None:
    """C-7 (seed 003, 004): an adult's SIP cannot be made without consent to `sip`
    between the plan's units."""
    if adult and consent_id is None:
        raise SipWithoutConsent(
            "no active consent to sip covering the plan's units; an adult's SIP cannot be "
            "made without the individual's consent"
        )


PLAN_TEXTS = (
    *(f"plan.{part}" for part in SipPlan.TEXTS),
    "plan.responsibilities[].interventions",
)
"""Where a plan stored before `Personal` keeps its texts (sealed, or plain)."""
