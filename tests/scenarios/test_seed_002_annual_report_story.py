"""Seed 002 and 004 as a story: a year's deviations, each naming what it concerns of mental
illness, disability, harmful use and addiction, become the annual report; the working
group drafts, analyses and approves it with an action plan at local and county level,
and only then is it published to the local collaboration body (D-5, D-9).

Through the service's HTTP API with a clock the test moves. Every step out of order is
refused naming its rule; the report's JSON, CSV and Swedish HTML page show the D-5
breakdown, user involvement and the D-9 action plan.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support import (
    APPROVED_ACTIONS,
    HEALTH,
    SOCIAL,
    InProcessService,
    MovableClock,
    wait_for,
)

AREAS = [["mental_illness", "addiction"], ["disability"], ["harmful_use", "addiction"], []]
REVIEW = "/v1/annual-reports/2026/review"


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(datetime(2026, 1, 7, 9, 0, tzinfo=UTC))


@pytest.fixture
def reporting(start_in_process: Callable[..., InProcessService]) -> InProcessService:
    return start_in_process("reporting")


def deviation(n: int) -> dict[str, Any]:
    return {
        "category": ["no_sip", "communication"][n % 2],
        "affected_orgs": [SOCIAL.org_id],
        "what_happened": "Ingen SIP gjordes före utskrivningen.",
        "perceived_as": "Allvarligt.",
        "improvement_proposal": "Kalla till SIP i tid.",
        "reporter_name": "Rapportör",
        "reporter_title": "Biträdande enhetschef",
        "problem_areas": AREAS[n % 4],
        "user_involvement": n % 3 != 0,
    }


def test_d5_d9_deviations_by_problem_area_become_a_reviewed_report_with_an_action_plan(
    reporting: InProcessService, clock: MovableClock
) -> None:
    with reporting.client(HEALTH) as manager:
        for n in range(40):
            created = manager.post("/v1/deviations", json=deviation(n))
            assert created.status_code == 201, created.text
            clock.advance(timedelta(days=8))
        read = manager.get(created.headers["Location"]).json()
        assert (read["problem_areas"], read["user_involvement"]) == ([], False)  # n = 39

        # D-5: a problem area is one of the four.
        wrong = manager.post("/v1/deviations", json={**deviation(0), "problem_areas": ["x"]})
        assert wrong.status_code == 422
        assert [e["field"] for e in wrong.json()["errors"]] == ["body.problem_areas.0"]

        def report() -> dict[str, Any] | None:
            document: dict[str, Any] = manager.get("/v1/annual-reports/2026").json()
            return document if len(document["reviewed"]) == 40 else None

        document = wait_for(report, timeout=30)
        assert document["review"] is None

        # D-5: drafted, analysed, approved, published — nothing skipped; no review to read yet.
        nothing = manager.get(REVIEW)
        assert (nothing.status_code, nothing.json()["rule"]) == (404, "D-5")
        refused = manager.post("/v1/annual-reports", json={"year": 2026, "area": "all"})
        assert (refused.status_code, refused.json()["rule"]) == (409, "D-5")
        assert manager.post(REVIEW, json={"area": "all"}).status_code == 201
        assert manager.post(REVIEW, json={"area": "all"}).json()["rule"] == "D-5"
        approval: dict[str, Any] = {
            "approver_name": "Ordförande",
            "approver_title": "Socialchef",
            "actions": APPROVED_ACTIONS,
        }
        early = manager.put(f"{REVIEW}/approval", json=approval)
        assert (early.status_code, early.json()["rule"]) == (409, "D-5")
        refused = manager.post("/v1/annual-reports", json={"year": 2026, "area": "all"})
        assert (refused.status_code, refused.json()["rule"]) == (409, "D-5")
        analysis = {"analysis": "Flest brister gäller utskrivning utan SIP vid beroende."}
        assert manager.put(f"{REVIEW}/analysis", json=analysis).status_code == 204

        # D-9: actions at both levels, each with an owner, a later date and a link.
        local_only = manager.put(
            f"{REVIEW}/approval", json={**approval, "actions": APPROVED_ACTIONS[:1]}
        )
        assert (local_only.status_code, local_only.json()["rule"]) == (422, "D-9")
        assert local_only.json()["errors"][0]["field"] == "body.actions"
        unlinked = {**APPROVED_ACTIONS[1], "problem_area": None}
        no_link = manager.put(
            f"{REVIEW}/approval", json={**approval, "actions": [APPROVED_ACTIONS[0], unlinked]}
        )
        assert (no_link.status_code, no_link.json()["rule"]) == (422, "D-9")
        assert no_link.json()["errors"][0]["field"] == "body.actions.1"
        with reporting.client(SOCIAL) as caseworker:
            forbidden = caseworker.put(f"{REVIEW}/approval", json=approval)
        assert (forbidden.status_code, forbidden.json()["rule"]) == (403, "D-5")
        assert manager.put(f"{REVIEW}/approval", json=approval).status_code == 204
        again = manager.put(f"{REVIEW}/analysis", json=analysis)
        assert (again.status_code, again.json()["rule"]) == (409, "D-5")

        published = manager.post("/v1/annual-reports", json={"year": 2026, "area": "all"})
        assert published.status_code == 201, published.text
        review = manager.get(REVIEW).json()
        assert review["stage"] == "published"
        assert review["approved_by"] == "Ordförande, Socialchef"
        assert [a["level"] for a in review["actions"]] == ["local", "county"]

        document = manager.get("/v1/annual-reports/2026").json()
        page = manager.get("/v1/annual-reports/2026", params={"format": "html"}).text
        csv_text = manager.get("/v1/annual-reports/2026", params={"format": "csv"}).text

    # JSON: the breakdown by problem area (D-5), user involvement and the plan (D-9).
    tables = {t["measure"]: t for t in document["tables"] if t["measure"]}
    areas = tables["deviations_by_problem_area"]
    assert areas["values"]["addiction"]["total"] == 20
    assert areas["values"]["mental_illness"]["no_sip"] == 10
    assert areas["values"]["disability"]["communication"] == 10
    assert areas["values"]["unspecified"]["communication"] == 10
    involvement = tables["deviations_by_user_involvement"]["values"]["total"]
    assert (involvement["involved"], involvement["not_involved"]) == (26, 14)
    assert document["review"]["stage"] == "published"
    assert document["review"]["analysis"].startswith("Flest brister")
    assert [a["owner"] for a in document["review"]["actions"]] == [
        "Lokalt samråd",
        "Länsstyrgruppen",
    ]

    # CSV: the breakdown's counts and the plan's rows.
    lines = csv_text.splitlines()
    assert any(line.startswith("Deviations by problem area (D-5)") for line in lines)
    assert "action_plan,action 2,level,county,False" in lines
    assert "action_plan,action 1,category,no_sip,False" in lines

    # HTML: Swedish throughout.
    for swedish in (
        "Psykisk ohälsa",
        "Funktionsnedsättning",
        "Skadligt bruk",
        "Beroende",
        "Ingen SIP upprättad",
        "Handlingsplan",
        "Länsnivå",
        "Med brukarmedverkan",
        "Status: Publicerad.",
    ):
        assert swedish in page, swedish
    for code in ("no_sip", "mental_illness", "Deviations", "share"):
        assert code not in page, code
