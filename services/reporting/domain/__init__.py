"""The reporting service's domain: deviations in two steps (D-1..D-3, D-7), the measures
the statistics count (D-6), disclosure control (D-5), and the annual report and its
publication (D-5).

Pure domain: no I/O, no clock, no SQL. Events stored before this package was
split name their classes ``services.reporting.domain:Deviation...``; they stay
readable because the classes are importable from here (and the application
still asks the store for them by that name, `LEGACY_TOPIC_MODULE`).
"""

from services.reporting.domain.annual_report import (
    AnnualReport,
    DeviationFacts,
    ReviewedDeviation,
    Table,
    annual_report,
    reviewed_subjects,
    scrub,
)
from services.reporting.domain.annual_review import (
    ActionLevel,
    AnnualReview,
    PlannedAction,
    ReviewStage,
    ReviewSummary,
    review_id,
    reviewed_report,
)
from services.reporting.domain.deviation import (
    DEVIATION_REPORTER_ROLES,
    LEGACY_TOPIC_MODULE,
    Deviation,
    affected_organisations,
    deviation_category,
    deviation_owner,
    may_report_deviation,
    sides_of_summary,
)
from services.reporting.domain.deviation_feedback import (
    FEEDBACK_DEADLINE_WORKING_DAYS,
    feedback_due,
)
from services.reporting.domain.disclosure import (
    TOTAL,
    DisclosureControl,
    suppress,
)
from services.reporting.domain.errors import (
    ActionPlanInvalid,
    AlreadySummarised,
    DeviationAlreadyClosed,
    DeviationCategoryRequired,
    DeviationReasonRequired,
    DeviationReportIncomplete,
    NoSummaryProposed,
    NotAnOrganisationUnit,
    NotASideOfTheDeviation,
    OnlyDeputyUnitManagerOrAboveMayReport,
    ProblemAreaUnknown,
    ReviewIncomplete,
    ReviewOutOfOrder,
    SummaryNeedsBothSides,
    UnknownDeviation,
    YearNotBegun,
)
from services.reporting.domain.measures import Row
from services.reporting.domain.publication import (
    AnnualReportPublication,
    PublishedCounts,
    publication_id,
    publishable_year,
    published_counts,
)
from services.reporting.domain.signatures import Signature, Signer, required_text
from services.reporting.domain.units import Controllers, organisation, require_unit

__all__ = [
    "DEVIATION_REPORTER_ROLES",
    "FEEDBACK_DEADLINE_WORKING_DAYS",
    "LEGACY_TOPIC_MODULE",
    "TOTAL",
    "ActionLevel",
    "ActionPlanInvalid",
    "AlreadySummarised",
    "AnnualReport",
    "AnnualReportPublication",
    "AnnualReview",
    "Controllers",
    "Deviation",
    "DeviationAlreadyClosed",
    "DeviationCategoryRequired",
    "DeviationFacts",
    "DeviationReasonRequired",
    "DeviationReportIncomplete",
    "DisclosureControl",
    "NoSummaryProposed",
    "NotASideOfTheDeviation",
    "NotAnOrganisationUnit",
    "OnlyDeputyUnitManagerOrAboveMayReport",
    "PlannedAction",
    "ProblemAreaUnknown",
    "PublishedCounts",
    "ReviewIncomplete",
    "ReviewOutOfOrder",
    "ReviewStage",
    "ReviewSummary",
    "ReviewedDeviation",
    "Row",
    "Signature",
    "Signer",
    "SummaryNeedsBothSides",
    "Table",
    "UnknownDeviation",
    "YearNotBegun",
    "affected_organisations",
    "annual_report",
    "deviation_category",
    "deviation_owner",
    "feedback_due",
    "may_report_deviation",
    "organisation",
    "publication_id",
    "publishable_year",
    "published_counts",
    "require_unit",
    "required_text",
    "review_id",
    "reviewed_report",
    "reviewed_subjects",
    "scrub",
    "sides_of_summary",
    "suppress",
]
