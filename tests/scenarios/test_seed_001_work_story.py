"""Seed 001, the coordinated individual plan (SIP), as the people in it work (W-1): nobody is
told an id.

Psychiatry (the region) proposes a SIP with adult social care on the person's
consent (K-6, C-7); adult care's deputy finds the plan to establish on the unit's
own list and establishes it. Its first follow-up date passes unrecorded: both
units see it overdue on their lists (K-7, D-7) until psychiatry records it.
The person then moves away and the plan is closed early, with the reason
(W-2): it leaves every list.

Each actor uses only its own answers and work lists. Consent and cases run in
this process on one clock the test moves.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.cases.service import Settings as CasesSettings
from services.consent.service import Settings as ConsentSettings
from services.runtime.kernel.actor import Actor
from tests.cases_examples import ESTABLISHMENT, PSYCHIATRY, sip_proposal
from tests.support import (
    AOF,
    AOF_MANAGER,
    InProcessService,
    MovableClock,
    call,
    call_once_consent_known,
    consent_given,
    made_up_personnummer,
    wait_for,
)

START = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
ADULT = made_up_personnummer("19850301", "234")


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(START)


@pytest.fixture
def platform(start_in_process: Callable[..., InProcessService]) -> dict[str, InProcessService]:
    return {
        "consent": start_in_process("consent", ConsentSettings()),
        "cases": start_in_process("cases", CasesSettings(deadline_check_seconds=0.1)),
    }


def work(cases: InProcessService, actor: Actor, **query: Any) -> list[dict[str, Any]]:
    answer = call(cases, actor, "GET", "/v1/work-items", params=query)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def the_one(cases: InProcessService, actor: Actor, kind: str, **query: Any) -> Any:
    items = wait_for(lambda: work(cases, actor, kind=kind, **query) or None, timeout=30)
    assert len(items) == 1, items
    return items[0]


def test_seed_001_w1_a_sip_is_found_established_followed_up_and_closed_from_work_lists(
    platform: dict[str, InProcessService], clock: MovableClock
) -> None:
    cases = platform["cases"]
    units = [AOF, PSYCHIATRY.org_id]

    # C-7, K-6: the person consents; psychiatry proposes the plan once cases knows of it.
    consent_given(platform["consent"], ADULT, by=PSYCHIATRY, purpose="sip", parties=units)
    proposed = call_once_consent_known(
        cases, PSYCHIATRY, "POST", "/v1/sips", json=sip_proposal(ADULT)
    )
    assert proposed.status_code == 201, proposed.text

    # Adult care's deputy finds it on the unit's list and establishes it where it points.
    to_establish = the_one(cases, AOF_MANAGER, "sip_establishment")
    first_follow_up = (clock.now() + timedelta(days=14)).date()
    established = call(
        cases,
        AOF_MANAGER,
        "POST",
        f"{to_establish['href']}/establishment",
        json=ESTABLISHMENT | {"first_follow_up_on": first_follow_up.isoformat()},
    )
    assert established.status_code == 200, established.text
    assert work(cases, AOF_MANAGER, kind="sip_establishment") == []
    for actor in (AOF_MANAGER, PSYCHIATRY):
        follow_up = the_one(cases, actor, "sip_follow_up")
        assert (follow_up["rule"], follow_up["overdue"]) == ("K-7", False)

    # K-7, D-7: the day passes unrecorded; both units see it overdue.
    clock.advance(timedelta(days=16))
    for actor in (AOF_MANAGER, PSYCHIATRY):
        assert (
            the_one(cases, actor, "sip_follow_up", overdue="true")["item_id"]
            == follow_up["item_id"]
        )
    held_on = clock.now().date().isoformat()
    recorded = call(
        cases,
        PSYCHIATRY,
        "POST",
        f"{follow_up['href']}/follow-ups",
        json={"held_on": held_on, "outcome": "Boendestödet har kommit igång."},
    )
    assert recorded.status_code == 201, recorded.text
    assert the_one(cases, PSYCHIATRY, "sip_follow_up")["overdue"] is False

    # W-2: the person moves away; the plan is closed early and leaves every list.
    closed = call(
        cases,
        AOF_MANAGER,
        "POST",
        f"{follow_up['href']}/closure",
        json={"reason": "Personen har flyttat till en annan region."},
    )
    assert closed.status_code == 200, closed.text
    for actor in (AOF_MANAGER, PSYCHIATRY):
        assert [i for i in work(cases, actor) if i["item_id"] == follow_up["item_id"]] == []
