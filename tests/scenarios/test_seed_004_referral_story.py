"""Seed 004's referrals through the work lists: nobody is told an id by phone (W-1).

K-14: a midwife discovers that a pregnant woman has a misuse problem. In consultation
with her, and on her consent to information sharing given at the consent service and
learnt by cases over Kafka (C-11), she refers her to the social services of her
municipality and to specialist maternity care; each finds the referral on its own
work list, reads it and acknowledges it.

K-10: a school reports that a child may be harmed. The report reaches the child &
youth unit of the child's municipality, which acknowledges it from its work list and
so opens a child & youth case; the next report about the same child joins that case.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from contracts import OrgType, Role
from services.cases.service import Settings
from services.runtime.kernel.actor import Actor
from tests.scenarios.test_cases_story import post
from tests.support import (
    IOF,
    IOF_CASEWORKER,
    InProcessService,
    MovableClock,
    ServiceProcess,
    consent_given,
    made_up_personnummer,
    wait_for,
)

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
WOMAN = made_up_personnummer("19960412", "246")
CHILD = made_up_personnummer("20150315", "246")

MIDWIFE = Actor("SE2321000016-B001", "SE2321000016-BMM1", OrgType.HEALTH_CARE, Role.CASEWORKER)
"""A midwife at a maternity clinic (barnmorskemottagning)."""
MATERNITY = Actor("SE2321000016-M001", "SE2321000016-MVC1", OrgType.HEALTH_CARE, Role.CASEWORKER)
"""Specialist maternity care (specialistmödravården) at the region."""
TEACHER = Actor("SE2120000001-T001", "SE2120000001-SKL1", OrgType.SCHOOL, Role.CASEWORKER)


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(START)


@pytest.fixture
def cases(start_in_process: Callable[..., InProcessService]) -> InProcessService:
    return start_in_process("cases", Settings(deadline_check_seconds=0.1))


@pytest.fixture
def consent(start_service: Callable[..., ServiceProcess]) -> ServiceProcess:
    return start_service("consent")


def work_items(cases: InProcessService, actor: Actor) -> list[dict[str, Any]]:
    with cases.client(actor) as client:
        response: httpx.Response = client.get("/v1/work-items")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_seed_004_k14_a_referral_reaches_social_services_and_maternity_care(
    cases: InProcessService, consent: ServiceProcess
) -> None:
    referral_body = {
        "personnummer": WOMAN,
        "municipality_code": "0180",
        "maternity_unit": MATERNITY.org_id,
        "in_consultation_with_woman": True,
    }
    with cases.client(MIDWIFE) as client:
        refused = client.post("/v1/pregnancy-referrals", json=referral_body)
    assert refused.status_code == 409, refused.text  # no basis yet (C-11)
    assert refused.json()["rule"] == "K-14"

    # She consents to information sharing with both (C-1..C-3); cases learns it over Kafka.
    consent_given(
        consent,
        WOMAN,
        by=MIDWIFE,
        purpose="information_sharing",
        parties=[MIDWIFE.org_id, IOF, MATERNITY.org_id],
    )

    def referred() -> Any:
        with cases.client(MIDWIFE) as client:
            response = client.post("/v1/pregnancy-referrals", json=referral_body)
        return response if response.status_code == 201 else None

    made = wait_for(referred, timeout=20, interval=0.3)
    assert made.headers["Location"] == f"/v1/pregnancy-referrals/{made.json()['id']}"
    assert made.json()["basis"] == "consent"

    for recipient, kind in (
        (IOF_CASEWORKER, "pregnancy_referral_social_services"),
        (MATERNITY, "pregnancy_referral_maternity_care"),
    ):
        (item,) = work_items(cases, recipient)
        assert item["kind"] == kind
        with cases.client(recipient) as client:
            read = client.get(item["href"]).json()
            assert read["in_consultation_with_woman"]
            assert read["discovered_by_unit"] == MIDWIFE.org_id
        post(cases, recipient, f"{item['href']}/acknowledgement")
        assert work_items(cases, recipient) == []
    with cases.client(MIDWIFE) as client:
        acknowledged = client.get(made.headers["Location"]).json()["acknowledgements"]
    assert set(acknowledged) == {IOF, MATERNITY.org_id}


def test_seed_004_k10_a_child_welfare_report_opens_a_case_then_the_next_joins_it(
    cases: InProcessService,
) -> None:
    report = {"personnummer": CHILD, "municipality_code": "0180"}
    post(cases, TEACHER, "/v1/child-welfare-reports", report)

    (item,) = work_items(cases, IOF_CASEWORKER)
    assert item["kind"] == "child_welfare_report"
    acknowledged = post(cases, IOF_CASEWORKER, f"{item['href']}/acknowledgement")
    case_id = acknowledged["case_id"]
    assert case_id is not None
    with cases.client(IOF_CASEWORKER) as client:
        case = client.get(f"/v1/cases/{case_id}").json()
    assert (case["unit"], case["child_and_youth"]) == (IOF, True)

    post(cases, TEACHER, "/v1/child-welfare-reports", report)
    (again,) = work_items(cases, IOF_CASEWORKER)
    joined = post(cases, IOF_CASEWORKER, f"{again['href']}/acknowledgement")
    assert joined["case_id"] == case_id
