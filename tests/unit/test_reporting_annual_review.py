"""The annual report's D-5 breakdown and the working group's review ending in the D-9
action plan, on the domain alone (no I/O, no clock)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from contracts.reporting import AnnualReportPublished
from services.reporting.domain import (
    ActionPlanInvalid,
    AnnualReportPublication,
    AnnualReview,
    DeviationFacts,
    PlannedAction,
    ProblemAreaUnknown,
    ReviewOutOfOrder,
    annual_report,
    published_counts,
    reviewed_report,
)
from services.reporting.domain.annual_report import (
    ANNUAL_INDICATORS,
    PROBLEM_AREA_TABLE,
    USER_INVOLVEMENT_TABLE,
)
from services.reporting.domain.annual_review import ACTIONS_TABLE
from services.reporting.domain.deviation import deviation_problem_areas
from services.reporting.domain.measures import SHARES
from services.reporting.rendering.annual_report import report_csv
from services.reporting.rendering.labels import CODES, TABLE_TITLES, label
from services.reporting.translate import to_integration_event

AT = datetime(2026, 2, 3, 9, 0, tzinfo=UTC)
LOCAL = PlannedAction("Rutin för SIP", "Lokalt samråd", date(2026, 9, 1), "local", "no_sip")
COUNTY = PlannedAction(
    "Utbildning", "Länsstyrgruppen", date(2026, 12, 1), "county", problem_area="addiction"
)


def facts(n: int, areas: tuple[str, ...], involved: bool | None) -> list[DeviationFacts]:
    return [
        DeviationFacts(
            reported_at=AT + timedelta(days=i),
            category="no_sip",
            detected=False,
            summarised=False,
            what_happened="Ingen SIP.",
            improvement_proposal="",
            solution="",
            remaining_problems="",
            names=(),
            problem_areas=areas,
            user_involvement=involved,
        )
        for i in range(n)
    ]


def drafted() -> AnnualReview:
    return AnnualReview.draft(
        year=2026, area="all", drafted_by="SE1-U1", drafted_by_org="SE1-O1", drafted_at=AT
    )


def approve(review: AnnualReview, *actions: PlannedAction) -> None:
    review.approve(
        approved_by="SE1-U2",
        approved_by_org="SE1-O1",
        approver_name="Ordförande",
        approver_title="Socialchef",
        actions=actions,
        approved_at=AT,
    )


def test_d5_the_report_breaks_failures_down_by_problem_area_under_disclosure_control() -> None:
    report = annual_report(
        2026,
        "all",
        facts(6, ("mental_illness", "addiction"), True)
        + facts(2, ("disability",), None)
        + facts(5, (), False),
    )
    [areas] = [t for t in report.tables if t.measure == PROBLEM_AREA_TABLE]
    assert areas.rows == ["mental_illness", "disability", "addiction", "unspecified", "total"]
    assert areas.values["mental_illness"]["no_sip"] == 6
    assert areas.values["addiction"]["no_sip"] == 6
    assert areas.values["total"]["no_sip"] == 6 + 2 + 6 + 5  # mentions, not deviations
    assert areas.values["disability"]["no_sip"] is None  # 2 deviations: suppressed (D-5)
    assert report.deviations == 13
    assert "deviations_by_problem_area" in str(report.as_json())


def test_d9_user_involvement_is_counted_under_disclosure_control() -> None:
    report = annual_report(2026, "all", facts(7, (), True) + facts(6, (), False))
    [involvement] = [t for t in report.tables if t.measure == USER_INVOLVEMENT_TABLE]
    assert involvement.values["no_sip"] == {"involved": 7, "not_involved": 6, "total": 13}
    report = annual_report(2026, "all", facts(7, (), True) + facts(3, (), False))
    [involvement] = [t for t in report.tables if t.measure == USER_INVOLVEMENT_TABLE]
    assert involvement.values["no_sip"]["not_involved"] is None  # 3: suppressed (D-5)


def test_d5_a_deviation_names_only_the_four_problem_areas() -> None:
    assert deviation_problem_areas(["addiction", "mental_illness", "addiction"]) == (
        "mental_illness",
        "addiction",
    )
    with pytest.raises(ProblemAreaUnknown) as refused:
        deviation_problem_areas(["homelessness"])
    assert refused.value.rule == "D-5"
    assert refused.value.field == "body.problem_areas"


def test_d5_the_review_goes_drafted_analysed_approved_published_and_no_step_is_skipped() -> None:
    review = drafted()
    with pytest.raises(ReviewOutOfOrder) as early:
        approve(review, LOCAL, COUNTY)
    assert early.value.rule == "D-5"
    with pytest.raises(ReviewOutOfOrder):
        review.mark_published(published_by_org="SE1-O1", published_at=AT)
    review.analyse(analysis="Utkast.", analysed_by="SE1-U1", analysed_at=AT)
    review.analyse(analysis="Brister vid utskrivning.", analysed_by="SE1-U1", analysed_at=AT)
    with pytest.raises(ReviewOutOfOrder):
        review.mark_published(published_by_org="SE1-O1", published_at=AT)
    approve(review, LOCAL, COUNTY)
    assert review.stage == "approved"
    with pytest.raises(ReviewOutOfOrder):
        review.analyse(analysis="Ändrad.", analysed_by="SE1-U1", analysed_at=AT)
    with pytest.raises(ReviewOutOfOrder):
        approve(review, LOCAL, COUNTY)
    review.mark_published(published_by_org="SE1-O1", published_at=AT)
    review.mark_published(published_by_org="SE1-O1", published_at=AT)  # a revision
    assert review.stage == "published"
    kinds = [type(e).__name__ for e in review.collect_events()]
    assert kinds == ["Drafted", "Analysed", "Analysed", "Approved", "Published", "Published"]


def test_d9_the_action_plan_has_actions_at_local_and_county_level() -> None:
    review = drafted()
    review.analyse(analysis="Brister.", analysed_by="SE1-U1", analysed_at=AT)
    with pytest.raises(ActionPlanInvalid) as one_level:
        approve(review, LOCAL)
    assert one_level.value.rule == "D-9"
    assert "county" in one_level.value.message
    with pytest.raises(ActionPlanInvalid):
        approve(review)


@pytest.mark.parametrize(
    ("action", "field"),
    [
        (PlannedAction("Rutin", "Samrådet", date(2026, 9, 1), "local"), "body.actions.0"),
        (PlannedAction("Rutin", " ", date(2026, 9, 1), "local", "no_sip"), "body.actions.0.owner"),
        (PlannedAction("Rutin", "Samrådet", date(2026, 2, 3), "local", "no_sip"), "body.actions.0"),
        (
            PlannedAction("Rutin", "Samrådet", date(2026, 9, 1), "region", "no_sip"),
            "body.actions.0",
        ),
        (PlannedAction("Rutin", "Samrådet", date(2026, 9, 1), "local", "other"), "body.actions.0"),
    ],
)
def test_d9_an_action_has_an_owner_a_later_due_date_a_level_and_a_d1_or_d5_link(
    action: PlannedAction, field: str
) -> None:
    review = drafted()
    review.analyse(analysis="Brister.", analysed_by="SE1-U1", analysed_at=AT)
    with pytest.raises(ActionPlanInvalid) as refused:
        approve(review, action, COUNTY)
    assert refused.value.rule == "D-9"
    assert refused.value.field == field


def test_d9_the_approved_report_ends_in_the_action_plan_in_json_and_csv() -> None:
    review = drafted()
    review.analyse(analysis="Brister.", analysed_by="SE1-U1", analysed_at=AT)
    many = [
        PlannedAction(f"Åtgärd {n}", "Samrådet", date(2026, 9, 1), "local", "no_sip", None, True)
        for n in range(5)
    ]
    approve(review, *many, COUNTY)
    report = reviewed_report(annual_report(2026, "all", facts(5, (), None)), review)
    document = report.as_json()
    assert document["review"]["stage"] == "approved"  # type: ignore[index]
    assert document["review"]["actions"][5]["due"] == "2026-12-01"  # type: ignore[index]
    [actions] = [t for t in report.tables if t.measure == ACTIONS_TABLE]
    assert actions.rows == ["local", "county", "total"]
    assert actions.values["local"]["involved"] == 5
    assert set(actions.values["county"].values()) == {None}  # one action: suppressed (D-5)
    lines = report_csv(report).splitlines()
    assert "action_plan,action 6,level,county,False" in lines
    assert "action_plan,action 6,problem_area,addiction,False" in lines


def test_d5_every_code_has_a_swedish_label_and_an_unknown_one_falls_back_to_words() -> None:
    assert label("opioid_dependence") == "Opiatberoende"
    assert label("no_sip") == "Ingen SIP upprättad"
    assert label("mental_illness") == "Psykisk ohälsa"
    assert label("2026-03") == "mar 2026"
    assert label("a_group_added_later") == "A group added later"


def test_d5_d9_the_publication_carries_the_problem_areas_and_user_involvement() -> None:
    review = drafted()
    review.analyse(analysis="Brister.", analysed_by="SE1-U1", analysed_at=AT)
    approve(review, LOCAL, COUNTY)
    report = reviewed_report(
        annual_report(2026, "all", facts(6, ("mental_illness",), True) + facts(5, (), False)),
        review,
    )
    publication = AnnualReportPublication.publish(
        year=2026,
        area="all",
        published_by_org="SE2321000016-E0001",
        counts=published_counts(report, "suppression"),
        published_at=AT,
    )
    [event] = [to_integration_event(e) for e in publication.collect_events()]
    assert isinstance(event, AnnualReportPublished)
    areas = {a.problem_area: a.count for a in event.deviations_by_problem_area}
    assert areas == {"mental_illness": 6, "unspecified": 5}
    involvement = {(i.of, i.involvement): i.count for i in event.user_involvement}
    assert involvement[("deviations", "involved")] == 6
    assert involvement[("deviations", "not_involved")] == 5
    assert involvement[("actions", "not_involved")] is None  # two actions: suppressed (D-5)


def test_d6_every_annual_table_and_every_share_outcome_has_a_swedish_name() -> None:
    """The page shows no English title and no code: a table or an outcome added to the
    indicators (K-15's advice, K-16's violence question) comes with its Swedish name."""
    tables = [measure for group in ANNUAL_INDICATORS.values() for measure, _ in group]
    assert [measure for measure in tables if measure not in TABLE_TITLES] == []
    unnamed = {o for s in SHARES.values() for o in (s.part, s.other) if o not in CODES}
    assert unnamed == set()
