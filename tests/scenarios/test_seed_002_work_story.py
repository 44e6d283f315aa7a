"""Seed 002, deviations in the collaboration, as the people in it work (W-1): nobody is told
an id.

A red thread stalls: fourteen days pass with no meeting, and the deviation the
platform detects (D-7) waits on the lists of the organisations concerned. A
deputy unit manager at health care reports a deviation of their own (D-2),
naming social services: social services' manager finds it on the unit's list
and proposes the summary; the reporter finds that on theirs and countersigns,
and the deviation leaves every list (D-3: everyone affected has the feedback).

Each actor uses only its own answers and work lists. Escalation and reporting run
in this process on one clock the test moves; reporting learns from the topic.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from contracts import OrgType, Role
from services.escalation.service import Settings as EscalationSettings
from services.reporting.service import Settings as ReportingSettings
from services.runtime.kernel.actor import Actor
from tests.escalation_examples import INDIVIDUAL, red_thread_pull
from tests.support import (
    HEALTH,
    POLICE,
    SOCIAL,
    InProcessService,
    MovableClock,
    call,
    wait_for,
)

START = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
SOCIAL_MANAGER = Actor(
    "SE2120000001-M001", SOCIAL.org_id, OrgType.SOCIAL_SERVICES, Role.DEPUTY_UNIT_MANAGER
)
POLICE_MANAGER = Actor("SE2321000016-M001", POLICE.org_id, OrgType.POLICE, Role.DEPUTY_UNIT_MANAGER)
SIGNED = {"signer_name": "Prova Provsson", "signer_title": "Biträdande enhetschef"}


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(START)


@pytest.fixture
def platform(start_in_process: Callable[..., InProcessService]) -> dict[str, InProcessService]:
    return {
        "escalation": start_in_process("escalation", EscalationSettings(overdue_check_seconds=0.1)),
        "reporting": start_in_process("reporting", ReportingSettings()),
    }


def work(reporting: InProcessService, actor: Actor, **query: Any) -> list[dict[str, Any]]:
    answer = call(reporting, actor, "GET", "/v1/work-items", params=query)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def the_one(reporting: InProcessService, actor: Actor, kind: str, **query: Any) -> Any:
    items = wait_for(lambda: work(reporting, actor, kind=kind, **query) or None, timeout=30)
    assert len(items) == 1, items
    return items[0]


def test_seed_002_w1_deviations_detected_and_reported_are_found_and_handled_from_lists(
    platform: dict[str, InProcessService], clock: MovableClock
) -> None:
    escalation, reporting = platform["escalation"], platform["reporting"]

    # D-7: a red thread nobody convenes stalls; the detected deviation reaches the lists
    # of the organisations concerned, from the topic alone.
    pulled = call(escalation, POLICE, "POST", "/v1/red-threads", json=red_thread_pull(INDIVIDUAL))
    assert pulled.status_code == 201, pulled.text
    clock.advance(timedelta(days=15))
    detected = the_one(reporting, POLICE_MANAGER, "deviation_to_summarise", state="detected")
    assert detected["rule"] == "D-2"
    read = call(reporting, POLICE_MANAGER, "GET", detected["href"])
    assert read.status_code == 200, read.text
    assert read.json()["id"] == detected["item_id"]

    # D-2: health care's deputy reports a deviation naming social services.
    reported = call(
        reporting,
        HEALTH,
        "POST",
        "/v1/deviations",
        json={
            "category": "routines",
            "affected_orgs": [SOCIAL.org_id],
            "what_happened": "Kallelsen till samverkansmötet kom en dag före.",
            "perceived_as": "Allvarligt",
            "improvement_proposal": "Kalla senast en vecka före.",
            "reporter_name": "Testa Testsson",
            "reporter_title": "Biträdande enhetschef",
        },
    )
    assert reported.status_code == 201, reported.text

    # Social services' manager finds it on the unit's own list and proposes the summary ...
    to_summarise = the_one(reporting, SOCIAL_MANAGER, "deviation_to_summarise", state="reported")
    proposed = call(
        reporting,
        SOCIAL_MANAGER,
        "PUT",
        f"{to_summarise['href']}/summary",
        json={"solution": "Gemensam kallelserutin.", "remaining_problems": "Inga.", **SIGNED},
    )
    assert proposed.status_code == 204, proposed.text

    # ... the reporter finds it to countersign on theirs; once signed, it leaves every list.
    to_sign = the_one(reporting, HEALTH, "summary_to_countersign")
    assert to_sign["item_id"] == to_summarise["item_id"]
    signed = call(
        reporting, HEALTH, "POST", f"{to_sign['href']}/summary/countersignature", json=SIGNED
    )
    assert signed.status_code == 200, signed.text
    for actor in (HEALTH, SOCIAL_MANAGER):
        assert [i for i in work(reporting, actor) if i["item_id"] == to_sign["item_id"]] == []
