"""Every rule of reporting a caller can break, each naming its rule ID.

One module, so the problems the API documents (RFC 9457, `RuleViolation`'s rule
and status) can be read in one place: D-1 and D-2 for a deviation and its joint
summary, D-5 for publishing the annual report.
"""

from __future__ import annotations

from services.runtime.kernel.rules import CommandInvalid, NotAllowed, RuleViolation, UnknownRecord

# --- a deviation, step 1 (D-1, D-2) ------------------------------------------------


class OnlyDeputyUnitManagerOrAboveMayReport(NotAllowed):
    rule = "D-2"
    title = "Only a deputy unit manager or above may report a deviation"


class DeviationCategoryRequired(CommandInvalid):
    rule = "D-1"
    title = "A deviation needs one of the collaboration-failure categories"


class ProblemAreaUnknown(CommandInvalid):
    rule = "D-5"
    title = "A deviation's problem areas are mental illness, disability, harmful use, addiction"
    field = "body.problem_areas"


class DeviationReportIncomplete(CommandInvalid):
    rule = "D-2"


class UnknownDeviation(UnknownRecord):
    rule = "D-2"


class NotAnOrganisationUnit(NotAllowed):
    """The reporting or signing unit goes on a public event, which carries only HSA-ids."""

    rule = "D-2"
    title = "Forbidden"


# --- the joint summary, step 2 (D-2) -----------------------------------------------


class NotASideOfTheDeviation(NotAllowed):
    rule = "D-2"
    title = "Only the two sides of a deviation may sign its joint summary"


class SummaryNeedsBothSides(RuleViolation):
    rule = "D-2"
    title = "The joint summary needs signatures from both sides"


class AlreadySummarised(RuleViolation):
    rule = "D-2"
    title = "The deviation's joint summary is already signed"


class DeviationAlreadyClosed(RuleViolation):
    rule = "W-2"
    title = "The deviation was closed early"


class DeviationReasonRequired(CommandInvalid):
    """W-2: a deviation closed early says why."""

    rule = "W-2"
    field = "body.reason"


class NoSummaryProposed(RuleViolation):
    rule = "D-2"
    title = "No joint summary has been proposed yet"


# --- kept by the controller (D-8) ---------------------------------------------------


class DeviationNotFilledIn(RuleViolation):
    rule = "D-8"
    title = "Only a filled-in deviation report (both steps signed) is filed"


class DeviationAlreadyFiled(RuleViolation):
    rule = "D-8"
    title = "The deviation report is already filed"


# --- the annual report (D-5) -------------------------------------------------------


class YearNotBegun(CommandInvalid):
    rule = "D-5"
    title = "A year's report is published once the year has begun"


class ReviewOutOfOrder(RuleViolation):
    """D-5 (seed 002): drafted, analysed by the working group, approved, then published."""

    rule = "D-5"
    title = "The annual report goes drafted, analysed, approved, published, in that order"


class UnknownReview(UnknownRecord):
    """No review of that year's report has been drafted: nothing there to read (404)."""

    rule = "D-5"


class ReviewIncomplete(CommandInvalid):
    rule = "D-5"
    title = "The working group's analysis and approval name what and who"


class ActionPlanInvalid(CommandInvalid):
    """D-9 (seed 004): the approved report ends in an action plan, local and county."""

    rule = "D-9"
    title = "The action plan needs owned, dated actions at local and county level"
    field = "body.actions"


__all__ = [
    "ActionPlanInvalid",
    "AlreadySummarised",
    "DeviationAlreadyFiled",
    "DeviationCategoryRequired",
    "DeviationNotFilledIn",
    "DeviationReportIncomplete",
    "NoSummaryProposed",
    "NotASideOfTheDeviation",
    "NotAnOrganisationUnit",
    "OnlyDeputyUnitManagerOrAboveMayReport",
    "ProblemAreaUnknown",
    "ReviewIncomplete",
    "ReviewOutOfOrder",
    "SummaryNeedsBothSides",
    "UnknownDeviation",
    "YearNotBegun",
]
