"""Seed 004, the regional agreement, as the people in it work (W-1): nobody is told an id.

Psychiatry reports that a child may be harmed (K-10): the report reaches the
social services of the child's municipality — its child & youth unit finds it
on its own list, reads it where it points and acknowledges it. Adult care and
psychiatry disagree on who is responsible for a person (E-6): the dispute
waits on both units' lists at the line organisation, moves with each step up
the ladder and leaves the lists when it is settled.

Each actor uses only its own answers and work lists. Cases and escalation run in
this process on one clock the test moves.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from contracts import OrgType, Role
from services.cases.service import Settings as CasesSettings
from services.escalation.service import Settings as EscalationSettings
from services.runtime.kernel.actor import Actor
from tests.cases_examples import PSYCHIATRY
from tests.escalation_examples import sharing_allowed
from tests.support import (
    AOF,
    AOF_MANAGER,
    IOF_DEPUTY,
    InProcessService,
    MovableClock,
    call,
    made_up_personnummer,
    wait_for,
)

START = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
CHILD = made_up_personnummer("20150301", "234")
ADULT = made_up_personnummer("19850301", "234")
PSYCHIATRY_MANAGER = Actor(
    "SE2321000016-P202", PSYCHIATRY.org_id, OrgType.PSYCHIATRY, Role.UNIT_MANAGER
)


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(START)


@pytest.fixture
def platform(start_in_process: Callable[..., InProcessService]) -> dict[str, InProcessService]:
    return {
        "cases": start_in_process("cases", CasesSettings()),
        "escalation": start_in_process("escalation", EscalationSettings()),
    }


def work(service: InProcessService, actor: Actor, **query: Any) -> list[dict[str, Any]]:
    answer = call(service, actor, "GET", "/v1/work-items", params=query)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def the_one(service: InProcessService, actor: Actor, kind: str, **query: Any) -> Any:
    items = wait_for(lambda: work(service, actor, kind=kind, **query) or None, timeout=30)
    assert len(items) == 1, items
    return items[0]


def post(service: InProcessService, actor: Actor, path: str, body: Any = None) -> Any:
    answer = call(service, actor, "POST", path, json=body)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def test_seed_004_w1_a_child_welfare_report_and_a_dispute_are_found_from_work_lists(
    platform: dict[str, InProcessService], clock: MovableClock
) -> None:
    cases, escalation = platform["cases"], platform["escalation"]

    # K-10: psychiatry reports; the child's municipality's child & youth unit finds it.
    body = {"personnummer": CHILD, "municipality_code": "0180"}
    post(cases, PSYCHIATRY, "/v1/child-welfare-reports", body)
    report = the_one(cases, IOF_DEPUTY, "child_welfare_report")
    assert (report["rule"], report["state"]) == ("K-10", "made")
    assert work(cases, AOF_MANAGER, kind="child_welfare_report") == []  # adult care: not theirs
    read = call(cases, IOF_DEPUTY, "GET", report["href"])
    assert read.status_code == 200, read.text
    post(cases, IOF_DEPUTY, f"{report['href']}/acknowledgement")
    assert work(cases, IOF_DEPUTY, kind="child_welfare_report") == []

    # E-6: a dispute over responsibility waits on both units' lists at the line organisation.
    # Naming the person, it goes to psychiatry on their consent to share (C-11).
    sharing_allowed(escalation, ADULT, parties=[AOF, PSYCHIATRY.org_id])
    post(
        escalation,
        AOF_MANAGER,
        "/v1/escalations",
        {
            "track": "responsibility_dispute",
            "personnummer": ADULT,
            "responsible_org": AOF,
            "counterpart_orgs": [PSYCHIATRY.org_id],
            "reason": "Oenighet om vem som ansvarar för boendet.",
        },
    )
    for actor in (AOF_MANAGER, PSYCHIATRY_MANAGER):
        step = the_one(escalation, actor, "ladder_step")
        assert (step["rule"], step["state"]) == ("E-6", "line_organisation")

    # One step up, then settled by the other side: the list follows, then empties.
    post(
        escalation,
        AOF_MANAGER,
        f"{step['href']}/steps",
        {"to_level": "higher_management", "reason": "Ingen lösning i linjen."},
    )
    assert the_one(escalation, PSYCHIATRY_MANAGER, "ladder_step")["state"] == "higher_management"
    post(escalation, PSYCHIATRY_MANAGER, f"{step['href']}/resolution", {"resolution": "agreed"})
    for actor in (AOF_MANAGER, PSYCHIATRY_MANAGER):
        assert work(escalation, actor, kind="ladder_step") == []
