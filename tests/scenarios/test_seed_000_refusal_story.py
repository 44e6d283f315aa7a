"""Seed 000 after a refusal (C-12): "kan motivationsarbete … behövas".

Social services asks the individual for consent to a red-thread meeting with health
care; she says no. The caseworker records the refusal with the day to ask again and
the motivational work planned until then. The day waits on social services' own work
list — not health care's, though it is named — and is overdue once it has passed. Asked
again, she consents; the item leaves the list, and the sharing she consented to is
allowed from then on (C-9).

Each actor uses only its own answers and work list. Consent runs in this process on a
clock the test moves.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.consent.service import Settings as ConsentSettings
from services.runtime.kernel.actor import Actor
from tests.consent_examples import refusal_body
from tests.support import (
    HEALTH,
    SOCIAL,
    InProcessService,
    MovableClock,
    call,
    consent_body,
    decision,
    made_up_personnummer,
)

START = datetime(2027, 5, 3, 8, 0, tzinfo=UTC)
PERSON = made_up_personnummer("19800312", "234")
PARTIES = [SOCIAL.org_id, HEALTH.org_id]


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(START)


@pytest.fixture
def consent(start_in_process: Callable[..., InProcessService]) -> InProcessService:
    return start_in_process("consent", ConsentSettings())


def work(consent: InProcessService, actor: Actor, **query: Any) -> list[dict[str, Any]]:
    answer = call(consent, actor, "GET", "/v1/work-items", params=query)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def post(consent: InProcessService, actor: Actor, path: str, body: Any) -> Any:
    answer = call(consent, actor, "POST", path, json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_seed_000_c12_a_refusal_waits_to_be_asked_again_and_leaves_the_list_on_consent(
    consent: InProcessService, clock: MovableClock
) -> None:
    # C-4, C-12: she refuses; the caseworker plans motivational work and a day to ask again.
    plan = {
        "ask_again_on": "2027-05-17",
        "motivational_work": "Motiverande samtal varje vecka, samma handläggare.",
    }
    refused = post(
        consent,
        SOCIAL,
        "/v1/consent-refusals",
        refusal_body(PERSON, "red_thread_meeting", PARTIES) | plan,
    )
    subject_id = refused["subject_id"]
    asked = decision(consent, subject_id, "red_thread_meeting").json()
    assert asked["allowed"] is False

    # W-1: social services finds the day on its own list; health care has nothing to do.
    (item,) = work(consent, SOCIAL)
    assert (item["kind"], item["rule"], item["state"], item["overdue"]) == (
        "ask_again",
        "C-12",
        "refused",
        False,
    )
    assert item["item_id"] == refused["id"]
    assert work(consent, HEALTH) == []
    read = call(consent, SOCIAL, "GET", item["href"])
    assert read.status_code == 200, read.text
    assert read.json()["motivational_work"] == plan["motivational_work"]
    history = call(consent, SOCIAL, "GET", f"/v1/subjects/{subject_id}/history").json()
    (entry,) = history["events"]
    assert (entry["type"], entry["details"]["ask_again_on"]) == ("ConsentRefused", "2027-05-17")
    assert entry["details"]["motivational_work"] == plan["motivational_work"]

    # The day passes without asking: the item is overdue, nearest the top of the list.
    clock.advance(timedelta(days=15))
    (late,) = work(consent, SOCIAL, overdue="true")
    assert late["item_id"] == refused["id"]

    # Asked again, she consents: nothing waits any more, and the sharing is allowed.
    given = post(
        consent,
        SOCIAL,
        "/v1/consents",
        consent_body(PERSON, purpose="red_thread_meeting", parties=PARTIES),
    )
    assert work(consent, SOCIAL) == []
    allowed = decision(consent, subject_id, "red_thread_meeting").json()
    assert (allowed["allowed"], allowed["basis"]) == (True, {"kind": "consent", "id": given["id"]})
