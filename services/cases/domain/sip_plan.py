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

from services.cases.domain.errors import SipIncomplete
from services.runtime.kernel.personal import Personal


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

    Part 3 may well be "none", but the plan must say so.
    """

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

    def check(self, units: list[str]) -> None:
        """K-6: every part given, and every unit named is one of the plan's units."""
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
        for part in self.TEXTS:
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


PLAN_TEXTS = (
    *(f"plan.{part}" for part in SipPlan.TEXTS),
    "plan.responsibilities[].interventions",
)
"""Where a plan stored before `Personal` keeps its texts (sealed, or plain)."""
