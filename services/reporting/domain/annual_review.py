"""The working group's review of the annual report (D-5) and the action plan it ends in (D-9).

Seed 002: the year's deviations are de-identified, the working group analyses
them, and the result goes as a report to the managers of the local
collaboration body. Seed 004: "Utifrån de brister/avvikelser som framkommer
ska en handlingsplan upprättas på såväl lokal som länsnivå" — an action plan
at both local and county level, with an owner and a date for each action.

One review per year and collaboration area (its id derived from both), in four
stages, each an event and each refused out of order:

    drafted -> analysed -> approved (with the action plan) -> published

The analysis may be rewritten until the report is approved; an approved
report is published (and may be published again: a new revision of the
counts, `services.reporting.domain.publication`), never re-approved.

The analysis and the actions are the working group's own text about the
de-identified report, not about any one individual.

Pure domain: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from contracts.vocabulary import DeviationCategory, ProblemArea
from services.reporting.domain.annual_report import (
    INVOLVEMENT,
    AnnualReport,
    controlled_table,
)
from services.reporting.domain.disclosure import DisclosureControl
from services.reporting.domain.errors import ActionPlanInvalid, ReviewIncomplete, ReviewOutOfOrder
from services.runtime.kernel.aggregate import Aggregate, event
from services.runtime.kernel.stockholm_time import stockholm_date

_NAMESPACE = uuid5(NAMESPACE_URL, "https://samverkan.se/reporting/annual-review")


def review_id(year: int, area: str) -> UUID:
    """The same year and area always name the same review."""
    return uuid5(_NAMESPACE, f"{year}/{area}")


class ReviewStage(StrEnum):
    """Where the year's report is in the working group's review (D-5)."""

    DRAFTED = "drafted"
    ANALYSED = "analysed"
    APPROVED = "approved"
    PUBLISHED = "published"


class ActionLevel(StrEnum):
    """D-9: the action plan is drawn up at local and at county level (lokal och länsnivå)."""

    LOCAL = "local"
    COUNTY = "county"


@dataclass(frozen=True)
class PlannedAction:
    """One action of the plan (D-9): what, who owns it, by when, at which level, and the
    failure it answers: a D-1 category or a D-5 problem area (or both)."""

    action: str
    owner: str
    """Who is responsible: a role or body, e.g. "Lokalt samråd" or "Länsstyrgruppen"."""
    due: date
    level: str
    category: str | None = None
    problem_area: str | None = None
    user_involvement: bool = False
    """Whether users (brukare) or their organisations take part in the action (D-9)."""

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "due": self.due.isoformat()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PlannedAction:
        return cls(**{**data, "due": date.fromisoformat(str(data["due"]))})


def action_plan(actions: Iterable[PlannedAction], approved_on: date) -> list[PlannedAction]:
    """D-9 (seed 004): the plan has actions at both local and county level; each has an
    owner, a due date after the day of approval, and answers a D-1 category or a D-5 area."""
    plan = list(actions)
    for n, a in enumerate(plan):
        field = f"body.actions.{n}"
        for name, text in (("action", a.action), ("owner", a.owner)):
            if not text.strip():
                raise ActionPlanInvalid(f"{name} must not be empty", field=f"{field}.{name}")
        if a.level not in set(ActionLevel):
            raise ActionPlanInvalid(f"level {a.level!r} is not local or county", field=field)
        if a.category is None and a.problem_area is None:
            raise ActionPlanInvalid(
                "an action answers a deviation category (D-1) or a problem area (D-5)",
                field=field,
            )
        if a.category is not None and a.category not in set(DeviationCategory):
            message = f"category {a.category[:40]!r} is not a D-1 category"
            raise ActionPlanInvalid(message, field=field)
        if a.problem_area is not None and a.problem_area not in set(ProblemArea):
            raise ActionPlanInvalid(
                f"problem area {a.problem_area[:40]!r} is not a D-5 area", field=field
            )
        if a.due <= approved_on:
            raise ActionPlanInvalid(f"due {a.due} is not after the approval", field=field)
    missing = [level.value for level in ActionLevel if level not in {a.level for a in plan}]
    if missing:
        raise ActionPlanInvalid(
            f"the action plan has no action at {' or '.join(missing)} level: D-9 asks for both",
            field="body.actions",
        )
    return plan


def _required(name: str, value: str) -> str:
    text = value.strip()
    if not text:
        raise ReviewIncomplete(f"{name} must not be empty", field=f"body.{name}")
    return text


class AnnualReview(Aggregate):
    """The working group's review of one year's report for one collaboration area."""

    class Drafted(Aggregate.Created):
        year: int
        area: str
        drafted_by: str
        drafted_by_org: str
        drafted_at: datetime

    class Analysed(Aggregate.Event):
        analysis: str
        analysed_by: str
        analysed_at: datetime

    class Approved(Aggregate.Event):
        approved_by: str
        approved_by_org: str
        approver_name: str
        approver_title: str
        actions: list[dict[str, Any]]
        approved_at: datetime

    class Published(Aggregate.Event):
        published_by_org: str
        published_at: datetime

    def __init__(
        self, *, year: int, area: str, drafted_by: str, drafted_by_org: str, drafted_at: datetime
    ) -> None:
        self.year = year
        self.area = area
        self.drafted_by = drafted_by
        self.drafted_by_org = drafted_by_org
        self.drafted_at = drafted_at
        self.stage = ReviewStage.DRAFTED
        self.analysis = ""
        self.analysed_at: datetime | None = None
        self.approved_by: str | None = None
        self.approver_name = ""
        self.approver_title = ""
        self.approved_at: datetime | None = None
        self.actions: list[PlannedAction] = []
        self.published_at: datetime | None = None

    @classmethod
    def draft(
        cls, *, year: int, area: str, drafted_by: str, drafted_by_org: str, drafted_at: datetime
    ) -> AnnualReview:
        """D-5: the year's de-identified report is drafted for the working group."""
        return cls._create(
            cls.Drafted,
            id=review_id(year, area),
            year=year,
            area=area,
            drafted_by=drafted_by,
            drafted_by_org=drafted_by_org,
            drafted_at=drafted_at,
        )

    def analyse(self, *, analysis: str, analysed_by: str, analysed_at: datetime) -> None:
        """D-5: the working group's analysis; rewritten freely until approval."""
        if self.stage not in (ReviewStage.DRAFTED, ReviewStage.ANALYSED):
            raise ReviewOutOfOrder(f"the {self.year} report is {self.stage}: its analysis is final")
        self._analyse(
            analysis=_required("analysis", analysis),
            analysed_by=analysed_by,
            analysed_at=analysed_at,
        )

    @event(Analysed)
    def _analyse(self, *, analysis: str, analysed_by: str, analysed_at: datetime) -> None:
        self.analysis = analysis
        self.analysed_at = analysed_at
        self.stage = ReviewStage.ANALYSED

    def approve(
        self,
        *,
        approved_by: str,
        approved_by_org: str,
        approver_name: str,
        approver_title: str,
        actions: Iterable[PlannedAction],
        approved_at: datetime,
    ) -> None:
        """D-5, D-9: the working group approves the analysed report and its action plan."""
        if self.stage is not ReviewStage.ANALYSED:
            raise ReviewOutOfOrder(
                f"the {self.year} report is {self.stage}: only an analysed report is approved"
            )
        plan = action_plan(actions, stockholm_date(approved_at))
        self._approve(
            approved_by=approved_by,
            approved_by_org=approved_by_org,
            approver_name=_required("approver_name", approver_name),
            approver_title=_required("approver_title", approver_title),
            actions=[a.as_dict() for a in plan],
            approved_at=approved_at,
        )

    @event(Approved)
    def _approve(
        self,
        *,
        approved_by: str,
        approved_by_org: str,
        approver_name: str,
        approver_title: str,
        actions: list[dict[str, Any]],
        approved_at: datetime,
    ) -> None:
        self.approved_by = approved_by
        self.approver_name = approver_name
        self.approver_title = approver_title
        self.actions = [PlannedAction.from_dict(a) for a in actions]
        self.approved_at = approved_at
        self.stage = ReviewStage.APPROVED

    def mark_published(self, *, published_by_org: str, published_at: datetime) -> None:
        """D-5: the approved report went to the local collaboration body (again: a revision)."""
        if self.stage not in (ReviewStage.APPROVED, ReviewStage.PUBLISHED):
            raise ReviewOutOfOrder(
                f"the {self.year} report is {self.stage}: it is published once approved"
            )
        self._publish(published_by_org=published_by_org, published_at=published_at)

    @event(Published)
    def _publish(self, *, published_by_org: str, published_at: datetime) -> None:
        self.published_at = published_at
        self.stage = ReviewStage.PUBLISHED


ACTIONS_TABLE = "actions_by_level_and_user_involvement"
"""D-9 (seed 004): user involvement (brukarmedverkan) as an indicator: the plan's actions
by level and whether users take part, under the report's disclosure control."""


@dataclass(frozen=True)
class ReviewSummary:
    """The review as the report shows it: stage, analysis, approval and plan (D-5, D-9)."""

    stage: str
    analysis: str
    approved_by: str
    """The approver's name and title, as they gave them; empty until approved."""
    approved_at: datetime | None
    published_at: datetime | None
    actions: list[PlannedAction]


def reviewed_report(
    report: AnnualReport, review: AnnualReview | None, control: DisclosureControl | None = None
) -> AnnualReport:
    """`report` with the working group's review and, once approved, the action plan and
    its actions by level and user involvement (D-9); unchanged while nothing is drafted."""
    if review is None:
        return report
    approved_by = ", ".join(p for p in (review.approver_name, review.approver_title) if p)
    summary = ReviewSummary(
        stage=review.stage.value,
        analysis=review.analysis,
        approved_by=approved_by,
        approved_at=review.approved_at,
        published_at=review.published_at,
        actions=list(review.actions),
    )
    tables = report.tables
    if review.actions:
        cells = [(a.level, INVOLVEMENT[a.user_involvement], 1) for a in review.actions]
        title = "Actions of the plan by level and user involvement (D-9)"
        tables = [*tables, controlled_table(title, cells, control, measure=ACTIONS_TABLE)]
    return replace(report, review=summary, tables=tables)
