"""Seed 003: who pays (E-12) and the yearly review of the routine (E-13), as the department
heads of individual and family care (IoF) and adult care (ÄoF) live them.

"Oklarheter avseende kostnader för insatser hanteras av avdelningschefer" (E-6): the
deputies take two cost questions straight to the department heads. "Kostnader för
behandling av missbruk och beroende beslutas och bekostas alltid av IoF" (E-12): ÄoF's
head cannot be recorded paying for the treatment; IoF pays. "Ett gemensamt
kostnadsansvar gäller när boendet har insatser från både IoF och ÄoF": the housing is
paid by both. "En gång per år ska avdelningarna … träffas i syfte att förankra, revidera
och levandegöra rutinen" (E-13): the review is on both heads' work lists, is held with
minutes of what was revised (overdue on their lists, not held by the end of its day), and a
second one that year is refused.

Escalation runs in this process on a clock the test moves; each head finds the review on
their own work list.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from contracts import OrgType, Role
from services.escalation.service import Settings as EscalationSettings
from services.runtime.kernel.actor import Actor
from tests.support import AOF, IOF, IOF_DEPUTY, InProcessService, MovableClock, call, wait_for

START = datetime(2027, 2, 1, 8, 0, tzinfo=UTC)  # a Monday
IOF_HEAD = Actor("SE2120000001-A001", IOF, OrgType.SOCIAL_SERVICES, Role.DEPARTMENT_HEAD)
AOF_HEAD = Actor("SE2120000001-A002", AOF, OrgType.SOCIAL_SERVICES, Role.DEPARTMENT_HEAD)


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(START)


@pytest.fixture
def escalation(start_in_process: Callable[..., InProcessService]) -> InProcessService:
    return start_in_process("escalation", EscalationSettings())


def post(service: InProcessService, actor: Actor, path: str, body: Any) -> httpx.Response:
    return call(service, actor, "POST", path, json=body)


def ok(response: httpx.Response) -> Any:
    assert response.status_code in (200, 201), response.text
    return response.json()


def work(service: InProcessService, actor: Actor, kind: str) -> list[dict[str, Any]]:
    answer = ok(call(service, actor, "GET", "/v1/work-items", params={"kind": kind}))
    items: list[dict[str, Any]] = answer["items"]
    return items


def cost_question_at_the_heads(service: InProcessService, reason: str) -> str:
    """E-6: a cost question goes from the deputies straight to the department heads."""
    matter = ok(
        post(
            service,
            IOF_DEPUTY,
            "/v1/escalations",
            {
                "track": "needs",
                "cost_question": True,
                "responsible_org": IOF,
                "counterpart_orgs": [AOF],
                "reason": reason,
            },
        )
    )
    path = f"/v1/escalations/{matter['id']}"
    step = {"to_level": "department_head", "reason": "En kostnadsfråga."}
    assert ok(post(service, IOF_DEPUTY, f"{path}/steps", step))["level"] == "department_head"
    return path


def test_seed_003_e12_e13_who_pays_and_the_yearly_review_of_the_routine(
    escalation: InProcessService, clock: MovableClock
) -> None:
    # E-12: treatment for addiction. ÄoF alone paying for it contradicts the routine.
    treatment = cost_question_at_the_heads(escalation, "Vem bekostar behandlingshemmet?")
    refused = post(
        escalation,
        AOF_HEAD,
        f"{treatment}/cost-responsibility",
        {"basis": "addiction_treatment", "payers": ["AOF"]},
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["rule"] == "E-12"
    assert refused.json()["errors"][0]["field"] == "body.payers"
    # A deputy does not settle it: the department heads do (E-6).
    by_deputy = post(
        escalation,
        IOF_DEPUTY,
        f"{treatment}/cost-responsibility",
        {"basis": "addiction_treatment", "payers": ["IOF"]},
    )
    assert by_deputy.status_code == 403, by_deputy.text
    settled = ok(
        post(
            escalation,
            AOF_HEAD,
            f"{treatment}/cost-responsibility",
            {"basis": "addiction_treatment", "payers": ["IOF"]},
        )
    )
    assert settled["cost"]["basis"] == "addiction_treatment"
    assert settled["cost"]["payers"] == ["IOF"]
    assert settled["cost"]["settled_by_org"] == AOF
    # The heads still see the matter, its cost settled, until they resolve it (E-6).
    steps = wait_for(
        lambda: (
            [i for i in work(escalation, IOF_HEAD, "ladder_step") if i["state"] == "cost_settled"]
            or None
        )
    )
    assert steps[0]["href"] == treatment
    ok(post(escalation, IOF_HEAD, f"{treatment}/resolution", {"resolution": "decided"}))

    # E-12: housing with interventions from both: one department alone is refused; both pay.
    housing = cost_question_at_the_heads(escalation, "Boende med insatser från båda.")
    alone = post(
        escalation,
        IOF_HEAD,
        f"{housing}/cost-responsibility",
        {"basis": "shared_housing", "payers": ["IOF"]},
    )
    assert alone.status_code == 422, alone.text
    assert alone.json()["rule"] == "E-12"
    shared = ok(
        post(
            escalation,
            IOF_HEAD,
            f"{housing}/cost-responsibility",
            {"basis": "shared_housing", "payers": ["IOF", "AOF"]},
        )
    )
    assert sorted(shared["cost"]["payers"]) == ["AOF", "IOF"]

    # E-13: IoF's head schedules the year's review; ÄoF's head finds it on their list.
    review_at = START + timedelta(days=30, hours=5)
    scheduled = post(
        escalation,
        IOF_HEAD,
        "/v1/routine-reviews",
        {"municipality_code": "0180", "members": [IOF, AOF], "starts_at": review_at.isoformat()},
    )
    review = ok(scheduled)
    path = scheduled.headers["Location"]
    assert review["year"] == 2027
    assert review["minutes"] is None
    item = wait_for(lambda: work(escalation, AOF_HEAD, "routine_review") or None)[0]
    assert item["href"] == path
    assert item["subject_id"] is None
    assert work(escalation, IOF_DEPUTY, "routine_review") == []  # the heads hold it

    assert item["overdue"] is False
    # Not recorded by the end of its day, it is overdue on the heads' lists: nothing stalls
    # silently. Held the next morning, with who came and what was revised in the routine.
    clock.advance(timedelta(days=31, hours=1))
    late = wait_for(lambda: work(escalation, IOF_HEAD, "routine_review") or None)[0]
    assert late["overdue"] is True
    held = ok(
        post(
            escalation,
            AOF_HEAD,
            f"{path}/held",
            {
                "present_orgs": [IOF, AOF],
                "minutes": "Rutinen gicks igenom med båda avdelningarna och förankrades.",
                "revisions": ["Kontaktlistan uppdaterad.", "Eskaleringstrappan förtydligad."],
            },
        )
    )
    assert held["absent_orgs"] == []
    assert held["revisions"][1] == "Eskaleringstrappan förtydligad."
    assert ok(call(escalation, IOF_HEAD, "GET", path))["minutes"].startswith("Rutinen")
    wait_for(lambda: work(escalation, AOF_HEAD, "routine_review") == [] or None)

    # A second review in the same year is refused, naming E-13.
    again = post(
        escalation,
        AOF_HEAD,
        "/v1/routine-reviews",
        {
            "municipality_code": "0180",
            "members": [IOF, AOF],
            "starts_at": (START + timedelta(days=200)).isoformat(),
        },
    )
    assert again.status_code == 409, again.text
    assert again.json()["rule"] == "E-13"
    # Next year's is the next one.
    next_year = datetime(2028, 3, 1, 9, 0, tzinfo=UTC)
    body = {"municipality_code": "0180", "members": [IOF, AOF], "starts_at": next_year.isoformat()}
    assert ok(post(escalation, AOF_HEAD, "/v1/routine-reviews", body))["year"] == 2028
