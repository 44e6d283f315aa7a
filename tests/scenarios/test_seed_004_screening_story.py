"""Seed 004, prevention at the visit: AUDIT/DUDIT with advice and referral (K-15), the
violence question (K-16), and the indicators that follow them up (D-6).

Maternal health care screens pregnant women with risky use whose cases social services
hold: each screening at risk says whether brief advice was offered and whether the
woman was referred on to more qualified interventions; one that says neither is
refused. Social services ask the violence question at contacts with people exposed to
violence, recording only the answers' categories, and offer support. Reporting counts
it all by target group: while few women are screened the counts are suppressed (D-5);
once five or more, the shares show, in the statistics and in the annual report.

Cases and reporting run in this process on one clock; each actor uses only its own
answers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from services.cases.service import Settings as CasesSettings
from services.reporting.service import Settings as ReportingSettings
from services.runtime.kernel.actor import Actor
from tests.cases_examples import registration
from tests.support import (
    AOF_MANAGER,
    HEALTH,
    IOF_CASEWORKER,
    InProcessService,
    MovableClock,
    call,
    made_up_personnummer,
    wait_for,
)

START = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
TODAY = "2027-03-01"
PREGNANT = [made_up_personnummer(f"199{n}0412", "282") for n in range(6)]
EXPOSED = [made_up_personnummer(f"198{n}0907", "342") for n in range(6)]


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(START)


@pytest.fixture
def platform(start_in_process: Callable[..., InProcessService]) -> dict[str, InProcessService]:
    return {
        "cases": start_in_process("cases", CasesSettings()),
        "reporting": start_in_process("reporting", ReportingSettings()),
    }


def post(service: InProcessService, actor: Actor, path: str, body: Any) -> Any:
    answer = call(service, actor, "POST", path, json=body)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def in_group(cases: InProcessService, personnummer: str, need: str, group: str) -> None:
    """Social services hold the person's case and know their target group (D-6)."""
    case = post(cases, IOF_CASEWORKER, "/v1/cases", registration(personnummer, [need]))
    case_id = case["cases"][0]["id"]
    path = f"/v1/cases/{case_id}/target-groups"
    answer = call(cases, IOF_CASEWORKER, "PUT", path, json={"target_groups": [group]})
    assert answer.status_code == 200, answer.text


def screening(personnummer: str, **answers: Any) -> dict[str, Any]:
    return {
        "personnummer": personnummer,
        "instrument": "AUDIT",
        "occasion": "new_visit",
        "outcome": "done",
        "screened_on": TODAY,
        "score": 14,
    } | answers


def statistics(reporting: InProcessService) -> dict[str, Any]:
    answer = call(reporting, IOF_CASEWORKER, "GET", "/v1/statistics")
    assert answer.status_code == 200, answer.text
    report: dict[str, Any] = answer.json()
    return report


def showing(reporting: InProcessService, wanted: dict[str, dict[str, Any]]) -> Any:
    """The statistics once every measure in `wanted` shows those cells (reporting counts
    what cases publish a moment later)."""
    report = statistics(reporting)
    return report if all(cells(report, m) == c for m, c in wanted.items()) else None


def cells(report: dict[str, Any], measure: str) -> dict[str, Any]:
    return {c["dimension"]: c["count"] for c in report["measures"][measure]}


def shares(report: dict[str, Any], name: str) -> dict[str, Any]:
    return {s["target_group"]: s["share"] for s in report["shares"][name] if s["month"] != "total"}


def test_seed_004_k15_k16_d6_screening_advice_referral_and_the_violence_question(
    platform: dict[str, InProcessService], clock: MovableClock
) -> None:
    cases, reporting = platform["cases"], platform["reporting"]
    for woman in PREGNANT:
        in_group(cases, woman, "substance_misuse", "pregnant_with_risky_use")
    for person in EXPOSED:
        in_group(cases, person, "relationship_violence", "exposed_to_violence")

    # K-15: a screening at risk that says nothing of advice or referral is refused.
    refused = call(cases, HEALTH, "POST", "/v1/screenings", json=screening(PREGNANT[0]))
    assert refused.status_code == 422, refused.text
    assert refused.json()["rule"] == "K-15"

    # The first two women: advice offered, referred on. Two is too few to show (D-5).
    for woman in PREGNANT[:2]:
        recorded = post(
            cases, HEALTH, "/v1/screenings", screening(woman, advice_offered=True, referred=True)
        )
        assert (recorded["at_risk"], recorded["advice_offered"]) == (True, True)
    early = wait_for(
        lambda: showing(
            reporting,
            {
                "at_risk_screenings_advice_by_target_group": {
                    "pregnant_with_risky_use:advice_offered": None
                }
            },
        ),
        timeout=30,
    )
    assert shares(early, "advice_offered_where_needed") == {"pregnant_with_risky_use": None}

    # Four more: all offered advice, three referred, one not.
    for n, woman in enumerate(PREGNANT[2:]):
        answers = {"advice_offered": True, "referred": n < 3}
        post(cases, HEALTH, "/v1/screenings", screening(woman, **answers))

    # K-16: social services ask the violence question at contacts; five adults are
    # exposed and offered support, one declines to answer. Categories only.
    for n, person in enumerate(EXPOSED):
        adult = "exposed" if n < 5 else "declined_to_answer"
        asked = {
            "personnummer": person,
            "contact_on": TODAY,
            "asked": True,
            "adult_exposure": adult,
            "children_exposure": "no_children" if n % 2 else "not_exposed",
            "support_offered": True if n < 5 else None,
        }
        post(cases, IOF_CASEWORKER, "/v1/violence-questions", asked)
    with_details = asked | {"details": "vad som hände"}
    refused = call(cases, IOF_CASEWORKER, "POST", "/v1/violence-questions", json=with_details)
    assert refused.status_code == 422, refused.text

    everything = {
        "at_risk_screenings_advice_by_target_group": {"pregnant_with_risky_use:advice_offered": 6},
        "contacts_violence_question_by_target_group": {"exposed_to_violence:asked": 6},
    }
    report = wait_for(lambda: showing(reporting, everything), timeout=30)
    # D-6 "Rådgivning erbjuds vid behov": six of six pregnant women at risk.
    assert cells(report, "at_risk_screenings_advice_by_target_group") == {
        "pregnant_with_risky_use:advice_offered": 6
    }
    assert shares(report, "advice_offered_where_needed") == {"pregnant_with_risky_use": 1.0}
    # Referrals: the one not referred is suppressed, and the five with it, so that the
    # one cannot be worked out from the total of six.
    assert cells(report, "at_risk_screenings_referral_by_target_group") == {
        "pregnant_with_risky_use:not_referred": None,
        "pregnant_with_risky_use:referred": None,
    }
    assert shares(report, "at_risk_screenings_referred") == {"pregnant_with_risky_use": None}
    # "Våldsfrågan ställd" at every contact, and support to each of the five exposed.
    assert cells(report, "contacts_violence_question_by_target_group") == {
        "exposed_to_violence:asked": 6
    }
    assert shares(report, "violence_question_asked") == {"exposed_to_violence": 1.0}
    assert cells(report, "violence_exposed_support_by_target_group") == {
        "exposed_to_violence:support_offered": 5
    }
    assert shares(report, "support_offered_when_exposed") == {"exposed_to_violence": 1.0}

    # The annual report's prevention indicators carry them, as JSON, CSV and HTML.
    annual = call(reporting, AOF_MANAGER, "GET", "/v1/annual-reports/2027")
    assert annual.status_code == 200, annual.text
    tables = {t["measure"]: t for t in annual.json()["tables"] if t["indicator"] == "prevention"}
    advice = tables["at_risk_screenings_advice_by_target_group"]
    assert advice["values"]["pregnant_with_risky_use"]["advice_offered"] == 6
    assert advice["shares"]["pregnant_with_risky_use"] == 1.0
    support = tables["violence_exposed_support_by_target_group"]
    assert support["values"]["exposed_to_violence"]["support_offered"] == 5
    referral = tables["at_risk_screenings_referral_by_target_group"]
    assert referral["values"]["pregnant_with_risky_use"]["not_referred"] is None
    csv = call(reporting, AOF_MANAGER, "GET", "/v1/annual-reports/2027", params={"format": "csv"})
    assert advice["title"] in csv.text
    page = call(reporting, AOF_MANAGER, "GET", "/v1/annual-reports/2027", params={"format": "html"})
    assert "Rådgivning erbjuds vid behov" in page.text
    assert "Våldsfrågan ställd" in page.text
