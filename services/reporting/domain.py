"""Deviations (avvikelser, brister i samverkan) and how their statistics may be shown.

Pure domain: no I/O, no clock. Times come in as arguments.

A deviation report has two steps (D-2, seed 003). This module holds step 1:
the unit that noticed the failure reports it. Step 2, the joint summary after
dialogue with the other unit, comes later.
"""

from __future__ import annotations

from datetime import datetime

from eventsourcing.domain import Aggregate, event

from contracts.vocabulary import DeviationCategory, Role
from services.runtime.rules import RuleViolation

DEVIATION_REPORTER_ROLES = frozenset(
    {Role.DEPUTY_UNIT_MANAGER, Role.UNIT_MANAGER, Role.DEPARTMENT_HEAD}
)
"""Roles on the line-management ladder from deputy unit manager upwards (E-6)."""

SMALLEST_SHOWN_COUNT = 5
"""Counts from 1 up to (not including) this are suppressed (D-5)."""


def may_report_deviation(role: Role) -> bool:
    """D-2 (seed 003): a deviation is reported by the unit that noticed it, by someone
    who is at least deputy unit manager (biträdande enhetschef).

    So deputy unit managers, unit managers (enhetschef) and department heads
    (avdelningschef) may report; caseworkers may not, they raise the failure
    with their manager instead. Coordinators, first responders and
    administrators are not on the unit's management ladder and may not either.
    """
    return role in DEVIATION_REPORTER_ROLES


def suppress(count: int) -> int | None:
    """D-5: statistics leave the platform de-identified, with small-cell suppression.

    In a small municipality "one deviation about routines at the youth unit
    in March" can point to one known family. Counts 1-4 are therefore shown
    as suppressed (None); 0 reveals no one and 5 or more is large enough to
    hide the individual, so those are shown as they are.
    """
    if count < 0:
        raise ValueError(f"a count is never negative: {count}")
    return None if 0 < count < SMALLEST_SHOWN_COUNT else count


class OnlyDeputyUnitManagerOrAboveMayReport(RuleViolation):
    rule = "D-2"
    status = 403
    title = "Only a deputy unit manager or above may report a deviation"


class DeviationCategoryRequired(RuleViolation):
    rule = "D-1"
    status = 422
    title = "A deviation needs one of the collaboration-failure categories"


class DeviationReportIncomplete(RuleViolation):
    rule = "D-2"
    status = 422


def deviation_category(category: str) -> str:
    """D-1 (seed 002): every deviation is filed under one of the seven categories."""
    try:
        return DeviationCategory(category).value
    except ValueError:
        known = ", ".join(c.value for c in DeviationCategory)
        raise DeviationCategoryRequired(
            f"category {category[:40]!r} is not one of: {known}"
        ) from None


def affected_organisations(affected_orgs: list[str], reporting_org: str) -> list[str]:
    """D-2 step 1 names the *other* organisations affected: at least one.

    The reporting unit is recorded as the reporter; listing it as affected too
    would make the report look like a failure between a unit and itself, so
    it is refused rather than silently dropped. Repeats are removed, the
    order given is kept.
    """
    unique = list(dict.fromkeys(affected_orgs))
    if reporting_org in unique:
        raise DeviationReportIncomplete(
            "affected_orgs names the other organisations; your own unit is the reporter"
        )
    if not unique:
        raise DeviationReportIncomplete("name at least one affected organisation (HSA-id)")
    return unique


def _required_text(name: str, value: str) -> str:
    text = value.strip()
    if not text:
        raise DeviationReportIncomplete(f"{name} must not be empty")
    return text


class Deviation(Aggregate):
    """A collaboration failure reported by the unit that noticed it (D-2 step 1).

    It records the reporting unit, the affected organisations, the category
    (D-1), what happened and how it was perceived, an improvement proposal,
    and the reporter's name, title and date. The free text stays in this
    service's store; only ids, codes and timestamps are published.
    `subject_id` is set when the deviation concerns one individual.
    """

    @classmethod
    def report(
        cls,
        *,
        reporter_role: Role,
        reported_by: str,
        reporting_org: str,
        reporting_org_type: str,
        affected_orgs: list[str],
        category: str,
        what_happened: str,
        perceived_as: str,
        improvement_proposal: str,
        reporter_name: str,
        reporter_title: str,
        reported_at: datetime,
        subject_id: str | None = None,
    ) -> Deviation:
        if not may_report_deviation(reporter_role):
            raise OnlyDeputyUnitManagerOrAboveMayReport(
                f"a {reporter_role} may not report a deviation; ask your deputy unit "
                "manager or unit manager to report it"
            )
        deviation: Deviation = cls(
            reported_by=reported_by,
            reporting_org=reporting_org,
            reporting_org_type=reporting_org_type,
            affected_orgs=affected_organisations(affected_orgs, reporting_org),
            category=deviation_category(category),
            what_happened=_required_text("what_happened", what_happened),
            perceived_as=_required_text("perceived_as", perceived_as),
            improvement_proposal=_required_text("improvement_proposal", improvement_proposal),
            reporter_name=_required_text("reporter_name", reporter_name),
            reporter_title=_required_text("reporter_title", reporter_title),
            reported_at=reported_at,
            subject_id=subject_id,
        )
        return deviation

    class Reported(Aggregate.Created):
        reported_by: str
        reporting_org: str
        reporting_org_type: str
        affected_orgs: list[str]
        category: str
        what_happened: str
        perceived_as: str
        improvement_proposal: str
        reporter_name: str
        reporter_title: str
        reported_at: datetime
        subject_id: str | None

    @event(Reported)
    def __init__(
        self,
        *,
        reported_by: str,
        reporting_org: str,
        reporting_org_type: str,
        affected_orgs: list[str],
        category: str,
        what_happened: str,
        perceived_as: str,
        improvement_proposal: str,
        reporter_name: str,
        reporter_title: str,
        reported_at: datetime,
        subject_id: str | None,
    ) -> None:
        self.reported_by = reported_by
        self.reporting_org = reporting_org
        self.reporting_org_type = reporting_org_type
        self.affected_orgs = list(affected_orgs)
        self.category = category
        self.what_happened = what_happened
        self.perceived_as = perceived_as
        self.improvement_proposal = improvement_proposal
        self.reporter_name = reporter_name
        self.reporter_title = reporter_title
        self.reported_at = reported_at
        self.subject_id = subject_id

    def concerns(self, org_id: str) -> bool:
        """The reporting unit and the affected organisations may read the report."""
        return org_id == self.reporting_org or org_id in self.affected_orgs


__all__ = [
    "DEVIATION_REPORTER_ROLES",
    "Deviation",
    "DeviationCategoryRequired",
    "DeviationReportIncomplete",
    "OnlyDeputyUnitManagerOrAboveMayReport",
    "affected_organisations",
    "deviation_category",
    "may_report_deviation",
    "suppress",
]
