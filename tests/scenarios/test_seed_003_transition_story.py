"""Seed 003's age transition through the work lists, with the cases service's clock in the
test's hand (K-4, W-1).

A youth at child & youth turns 19 on 15 October 2026. The reminder comes the
configured lead (30 days) before the six-month announcement date; the youth unit
announces the case early to adult care, which is public (`AgeTransitionAnnounced`,
what escalation's termly inventory lists, E-7) and waits on adult care's work list
as something to take over, due at the birthday. Before the birthday the youth unit
decides in the case; from the birthday adult care decides and the youth unit is
refused with K-4.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from contracts import AgeTransitionAnnounced, AgeTransitionDue
from services.cases.service import Settings
from services.runtime.kernel.actor import Actor
from services.runtime.settings import RuntimeSettings
from tests.scenarios.test_cases_story import move_to, post, published
from tests.support import (
    AOF,
    AOF_MANAGER,
    IOF,
    IOF_CASEWORKER,
    InProcessService,
    MovableClock,
    made_up_personnummer,
)

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
YOUTH = made_up_personnummer("20071015", "345")  # 19 on 15 Oct 2026: announce by 15 Apr
CHILD_D6 = {"child_perspective_considered": True}


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(START)


@pytest.fixture
def cases(start_in_process: Callable[..., InProcessService]) -> InProcessService:
    return start_in_process("cases", Settings(deadline_check_seconds=0.1))


def work_items(cases: InProcessService, actor: Actor) -> list[dict[str, Any]]:
    with cases.client(actor) as client:
        response: httpx.Response = client.get("/v1/work-items")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def decide(cases: InProcessService, actor: Actor, case_id: str) -> httpx.Response:
    body = {"decision": "investigation_opened", **CHILD_D6}
    with cases.client(actor) as client:
        response: httpx.Response = client.post(f"/v1/cases/{case_id}/decisions", json=body)
    return response


def test_seed_003_k4_announced_taken_over_and_decided_by_the_receiving_unit_from_the_birthday(
    cases: InProcessService, clock: MovableClock, runtime_settings: RuntimeSettings
) -> None:
    # 1. A child-welfare need: a child & youth case at IOF (K-1), its transition scheduled.
    registered = post(
        cases,
        IOF_CASEWORKER,
        "/v1/cases",
        {"municipality_code": "0180", "personnummer": YOUTH, "needs": ["child_welfare"]},
    )
    case_id = registered["cases"][0]["id"]

    # 2. Thirty days before 15 April (00:00 in Stockholm on 16 March) the reminder comes,
    #    and the announcement waits on the youth unit's list (K-4).
    move_to(clock, datetime(2026, 3, 15, 23, 0, tzinfo=UTC))
    due = published(runtime_settings, AgeTransitionDue, case_id)
    assert due.announce_by.isoformat() == "2026-04-15"
    assert [i["kind"] for i in work_items(cases, IOF_CASEWORKER)] == ["age_transition_announcement"]

    # 3. Announced to adult care, a month before the deadline: public, and on adult care's
    #    list as a case to take over from the birthday.
    move_to(clock, datetime(2026, 3, 17, 9, 0, tzinfo=UTC))
    post(
        cases,
        IOF_CASEWORKER,
        f"/v1/cases/{case_id}/age-transition/announcement",
        {"to_unit": AOF, "continued_support_needed": True},
    )
    announced = published(runtime_settings, AgeTransitionAnnounced, case_id)
    assert (announced.from_unit, announced.to_unit, announced.transition_on.isoformat()) == (
        IOF,
        AOF,
        "2026-10-15",
    )
    assert work_items(cases, IOF_CASEWORKER) == []
    (takeover,) = work_items(cases, AOF_MANAGER)
    assert takeover["kind"] == "age_transition_takeover"
    assert takeover["href"] == f"/v1/cases/{case_id}"
    with cases.client(AOF_MANAGER) as client:
        assert client.get(takeover["href"]).status_code == 200

    # 4. Before the birthday the youth unit decides; adult care does not yet.
    move_to(clock, datetime(2026, 10, 14, 12, 0, tzinfo=UTC))
    assert decide(cases, IOF_CASEWORKER, case_id).status_code == 201
    assert decide(cases, AOF_MANAGER, case_id).status_code == 403

    # 5. From the birthday (00:00 on 15 October in Stockholm) adult care decides and the
    #    youth unit is refused, naming the rule.
    move_to(clock, datetime(2026, 10, 14, 22, 0, tzinfo=UTC))
    assert decide(cases, AOF_MANAGER, case_id).status_code == 201
    refused = decide(cases, IOF_CASEWORKER, case_id)
    assert refused.status_code == 403, refused.text
    assert refused.json()["rule"] == "K-4"
