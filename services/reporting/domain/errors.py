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


# --- the annual report (D-5) -------------------------------------------------------


class YearNotBegun(CommandInvalid):
    rule = "D-5"
    title = "A year's report is published once the year has begun"


__all__ = [
    "AlreadySummarised",
    "DeviationCategoryRequired",
    "DeviationReportIncomplete",
    "NoSummaryProposed",
    "NotASideOfTheDeviation",
    "NotAnOrganisationUnit",
    "OnlyDeputyUnitManagerOrAboveMayReport",
    "SummaryNeedsBothSides",
    "UnknownDeviation",
    "YearNotBegun",
]
