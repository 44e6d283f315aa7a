"""One example of every event the reporting service publishes."""

from datetime import UTC, datetime
from uuid import UUID

from contracts import (
    DeviationCategory,
    DeviationClosed,
    DeviationDetected,
    DeviationFeedbackOverdue,
    DeviationFeedbackSent,
    DeviationReported,
    DeviationSummarised,
    IntegrationEvent,
    OrgType,
)
from contracts.examples.ids import AT, PSYCHIATRY, SOCIAL_SERVICES, SUBJECT
from contracts.reporting import (
    AnnualReportPublished,
    CategoryCount,
    IndicatorCount,
    InvolvementCount,
    ProblemAreaCount,
)
from contracts.vocabulary import (
    ProblemArea,
    TargetGroup,
)

REPORTING_EXAMPLES: dict[type[IntegrationEvent], IntegrationEvent] = {
    DeviationReported: DeviationReported(
        deviation_id=UUID("c0ffee00-1234-4abc-8def-0123456789ab"),
        subject_id=SUBJECT,
        category=DeviationCategory.NO_SIP,
        reported_at=AT,
        reporting_org=SOCIAL_SERVICES,
        reporting_org_type=OrgType.SOCIAL_SERVICES,
        affected_orgs=(PSYCHIATRY,),
        problem_areas=(ProblemArea.MENTAL_ILLNESS, ProblemArea.HARMFUL_USE),
        user_involvement=True,
    ),
    DeviationDetected: DeviationDetected(
        deviation_id=UUID("c0ffee00-1234-4abc-8def-0123456789ac"),
        subject_id=SUBJECT,
        category=DeviationCategory.ROUTINES,
        detected_at=AT,
        rule="E-3",
        source_type="se.samverkan.escalation.RedThreadMeetingOverdue.v1",
        source_event_id=UUID("5d1c9e2a-3b4f-5a6b-8c7d-9e0f1a2b3c4d"),
        affected_orgs=(SOCIAL_SERVICES, PSYCHIATRY),
    ),
    DeviationSummarised: DeviationSummarised(
        deviation_id=UUID("c0ffee00-1234-4abc-8def-0123456789ab"),
        subject_id=SUBJECT,
        category=DeviationCategory.NO_SIP,
        reported_at=AT,
        summarised_at=datetime(2026, 3, 20, 10, 0, tzinfo=UTC),
        signed_by_orgs=(SOCIAL_SERVICES, PSYCHIATRY),
    ),
    DeviationClosed: DeviationClosed(
        deviation_id=UUID("c0ffee00-1234-4abc-8def-0123456789ab"),
        subject_id=SUBJECT,
        category=DeviationCategory.NO_SIP,
        closed_by_org=SOCIAL_SERVICES,
        closed_at=datetime(2026, 3, 18, 10, 0, tzinfo=UTC),
    ),
    DeviationFeedbackSent: DeviationFeedbackSent(
        deviation_id=UUID("c0ffee00-1234-4abc-8def-0123456789ab"),
        subject_id=SUBJECT,
        party=PSYCHIATRY,
        sent_at=datetime(2026, 3, 20, 10, 0, tzinfo=UTC),
    ),
    DeviationFeedbackOverdue: DeviationFeedbackOverdue(
        deviation_id=UUID("c0ffee00-1234-4abc-8def-0123456789ab"),
        subject_id=SUBJECT,
        category=DeviationCategory.NO_SIP,
        concerned_orgs=(SOCIAL_SERVICES, PSYCHIATRY),
        # Ten Swedish working days after Monday 2 March 2026: the end of 16 March.
        feedback_due=datetime(2026, 3, 16, 23, 0, tzinfo=UTC),
        overdue_at=datetime(2026, 3, 16, 23, 0, tzinfo=UTC),
    ),
}

# --- reporting: the published annual report (D-5, D-6) ------------------------------------

REPORTING_EXAMPLES[AnnualReportPublished] = AnnualReportPublished(
    publication_id=UUID("a22ea1e0-2026-5000-8000-0000000000d5"),
    year=2026,
    area="SE2321000016",
    revision=1,
    published_by_org=SOCIAL_SERVICES,
    disclosure_method="suppression",
    deviations=23,
    deviations_by_category=(
        CategoryCount(category=DeviationCategory.NO_SIP, count=14),
        CategoryCount(category=DeviationCategory.ROUTINES, count=None),
        CategoryCount(category=DeviationCategory.COMMUNICATION, count=None),
    ),
    indicators=(
        IndicatorCount(
            indicator="quality",
            measure="decisions_child_perspective_by_target_group",
            row=TargetGroup.CO_MORBIDITY.value,
            column="considered",
            count=9,
        ),
        IndicatorCount(
            indicator="quality",
            measure="decisions_child_perspective_by_target_group",
            row=TargetGroup.CO_MORBIDITY.value,
            column="not_considered",
            count=None,
        ),
    ),
    published_at=datetime(2027, 2, 1, 9, 0, tzinfo=UTC),
    deviations_by_problem_area=(
        ProblemAreaCount(problem_area=ProblemArea.MENTAL_ILLNESS, count=12),
        ProblemAreaCount(problem_area=ProblemArea.ADDICTION, count=None),
        ProblemAreaCount(problem_area="unspecified", count=8),
    ),
    user_involvement=(
        InvolvementCount(of="deviations", involvement="involved", count=15),
        InvolvementCount(of="deviations", involvement="not_involved", count=8),
        InvolvementCount(of="actions", involvement="involved", count=None),
    ),
)
