"""D-6 indicators of K-15 and K-16, counted by the real statistics projection on a real
SQLite view and published under the same disclosure control as every other statistic
(D-5): "Rådgivning erbjuds vid behov" (advice offered after a screening at risk),
referrals made, the violence question asked at contacts, and support offered when
someone is exposed, each by target group. The expected figures are worked out here from
the known population, never from the view."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from itertools import count
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import Tracking
from eventsourcing.sqlite import SQLiteDatastore

from contracts import IntegrationEvent, ScreeningAdviceRecorded, ViolenceQuestionRecorded
from contracts.examples import EXAMPLES
from contracts.vocabulary import TargetGroup, ViolenceExposure
from services.reporting.api import statistics_csv, statistics_report
from services.reporting.domain.annual_report import annual_report
from services.reporting.domain.measures import INDICATORS, SHARES
from services.reporting.views.statistics import SQLiteStatisticsView, Statistics, StatisticsView

MONTH = "2026-03"
DAY = date(2026, 3, 10)
AT = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
PREGNANT = TargetGroup.PREGNANT_WITH_RISKY_USE
CO_MORBIDITY = TargetGroup.CO_MORBIDITY
VIOLENCE = TargetGroup.EXPOSED_TO_VIOLENCE
EXPOSED, NOT_EXPOSED = ViolenceExposure.EXPOSED, ViolenceExposure.NOT_EXPOSED
_ids = count(1)


def event(kind: type[IntegrationEvent], **update: Any) -> IntegrationEvent:
    n = next(_ids)
    return EXAMPLES[kind].model_copy(update={"subject_id": f"{n:064x}", **update})


def advice(offered: bool, referred: bool, *groups: TargetGroup) -> IntegrationEvent:
    return event(
        ScreeningAdviceRecorded,
        screening_id=UUID(int=next(_ids)),
        screened_on=DAY,
        advice_offered=offered,
        referred=referred,
        target_groups=groups,
    )


def question(
    asked: bool,
    adult: ViolenceExposure | None = None,
    children: ViolenceExposure | None = None,
    support: bool | None = None,
    *groups: TargetGroup,
) -> IntegrationEvent:
    return event(
        ViolenceQuestionRecorded,
        question_id=UUID(int=next(_ids)),
        contact_on=DAY,
        asked=asked,
        adult_exposure=adult,
        children_exposure=children,
        support_offered=support,
        target_groups=groups,
    )


def population() -> list[IntegrationEvent]:
    """Screenings at risk: pregnancy 20, advice offered at 15 and 10 referred;
    co-morbidity 10, advice at all, 5 referred; violence 2, advice at both, neither
    referred (small: suppressed). Contacts: violence 30, asked at 24, of whom 15 exposed
    (10 adults, 5 only through children) and support offered to 10; no target group
    12, asked at 6, none exposed."""
    events = [advice(n < 15, n < 10, PREGNANT) for n in range(20)]
    events += [advice(True, n < 5, CO_MORBIDITY) for n in range(10)]
    events += [advice(True, False, VIOLENCE) for _ in range(2)]
    events += [question(False, None, None, None, VIOLENCE) for _ in range(6)]
    events += [question(True, EXPOSED, NOT_EXPOSED, n < 5, VIOLENCE) for n in range(10)]
    events += [question(True, NOT_EXPOSED, EXPOSED, True, VIOLENCE) for _ in range(5)]
    events += [question(True, NOT_EXPOSED, NOT_EXPOSED, None, VIOLENCE) for _ in range(9)]
    events += [question(False) for _ in range(6)]
    events += [question(True, NOT_EXPOSED, ViolenceExposure.NO_CHILDREN) for _ in range(6)]
    return events


@pytest.fixture
def view(tmp_path: Path) -> Iterator[StatisticsView]:
    statistics = SQLiteStatisticsView(SQLiteDatastore(str(tmp_path / "statistics.db")))
    statistics.create_table()
    statistics.create_read_model()
    projection = Statistics(statistics)
    for position, e in enumerate(population(), start=1):
        projection.process_event(e, Tracking("/samverkan/cases#0", position))
    yield statistics
    statistics.datastore.close()


def cells(view: StatisticsView, measure: str) -> dict[str, int | None]:
    report = statistics_report(view.counts())
    return {c.dimension: c.count for c in report.measures[measure]}


def shares(view: StatisticsView, name: str) -> dict[str, float | None]:
    report = statistics_report(view.counts())
    return {r.target_group: r.share for r in report.shares[name] if r.month == MONTH}


def test_k15_d6_advice_offered_where_needed_by_target_group(view: StatisticsView) -> None:
    assert cells(view, "at_risk_screenings_advice_by_target_group") == {
        "co_morbidity:advice_offered": 10,
        "exposed_to_violence:advice_offered": None,  # 2: suppressed (D-5)
        "pregnant_with_risky_use:advice_offered": 15,
        # 5, hidden as well: else the 2 is the column total less the shown cells
        "pregnant_with_risky_use:no_advice": None,
    }
    # The share is taken of the published counts: a suppressed one suppresses it.
    assert shares(view, "advice_offered_where_needed") == {
        "co_morbidity": 1.0,
        "exposed_to_violence": None,
        "pregnant_with_risky_use": None,
    }


def test_k15_d6_referrals_made_by_target_group(view: StatisticsView) -> None:
    assert cells(view, "at_risk_screenings_referral_by_target_group") == {
        "co_morbidity:not_referred": None,  # 5, the cheapest complement of violence's 2
        "co_morbidity:referred": 5,
        "exposed_to_violence:not_referred": None,  # 2
        "pregnant_with_risky_use:not_referred": 10,
        "pregnant_with_risky_use:referred": 10,
    }
    assert shares(view, "at_risk_screenings_referred") == {
        "co_morbidity": None,
        "exposed_to_violence": None,
        "pregnant_with_risky_use": 0.5,
    }


def test_k16_d6_violence_question_asked_at_contacts_by_target_group(
    view: StatisticsView,
) -> None:
    assert cells(view, "contacts_violence_question_by_target_group") == {
        "exposed_to_violence:asked": 24,
        "exposed_to_violence:not_asked": 6,
        "no_target_group:asked": 6,
        "no_target_group:not_asked": 6,
    }
    assert shares(view, "violence_question_asked") == {
        "exposed_to_violence": 0.8,
        "no_target_group": 0.5,
    }


def test_k16_d6_support_offered_when_exposed_counts_only_the_exposed(
    view: StatisticsView,
) -> None:
    """An adult exposed, or children only: both count; those not exposed do not."""
    assert cells(view, "violence_exposed_support_by_target_group") == {
        "exposed_to_violence:no_support": 5,
        "exposed_to_violence:support_offered": 10,
    }
    assert shares(view, "support_offered_when_exposed") == {"exposed_to_violence": 0.667}


def test_k15_k16_d6_the_indicators_are_listed_under_prevention_with_their_shares() -> None:
    assert {
        "at_risk_screenings_advice_by_target_group",
        "at_risk_screenings_referral_by_target_group",
        "contacts_violence_question_by_target_group",
        "violence_exposed_support_by_target_group",
    } <= set(INDICATORS["prevention"])
    assert {
        "advice_offered_where_needed",
        "at_risk_screenings_referred",
        "violence_question_asked",
        "support_offered_when_exposed",
    } <= set(SHARES)


def test_k15_k16_d6_the_csv_and_the_annual_report_carry_them_disclosure_controlled(
    view: StatisticsView,
) -> None:
    csv = statistics_csv(statistics_report(view.counts()))
    assert "advice_offered_where_needed,total,co_morbidity,1.0,False" in csv
    assert "advice_offered_where_needed,total,exposed_to_violence,,True" in csv
    assert (
        "at_risk_screenings_referral_by_target_group,2026-03,exposed_to_violence:not_referred,,True"
        in csv
    )
    assert (
        "violence_exposed_support_by_target_group,2026-03,exposed_to_violence:no_support,5,False"
        in csv
    )

    report = annual_report(2026, "Samverkansområdet", [], indicators=view.counts())
    tables = {t.measure: t for t in report.tables if t.indicator == "prevention"}
    advice_table = tables["at_risk_screenings_advice_by_target_group"]
    assert advice_table.share == "advice_offered_where_needed"
    # The year's table (groups as rows) has its own complementary cell: co-morbidity's.
    assert advice_table.values["pregnant_with_risky_use"]["advice_offered"] == 15
    assert advice_table.values["exposed_to_violence"]["advice_offered"] is None
    assert advice_table.values["co_morbidity"]["advice_offered"] is None
    assert advice_table.shares["pregnant_with_risky_use"] == 0.75
    support = tables["violence_exposed_support_by_target_group"]
    assert support.values["exposed_to_violence"]["support_offered"] == 10
    assert support.shares["exposed_to_violence"] == 0.667
    assert tables["contacts_violence_question_by_target_group"].share == "violence_question_asked"
