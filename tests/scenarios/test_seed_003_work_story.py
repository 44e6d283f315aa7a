"""Seed 003, the routine between individual and family care (IoF) and adult care (ÄoF), as
the people in it work (W-1): nobody is told an id.

IoF hands a young person's case over to ÄoF on their consent (C-8, K-5); it
sends it to the wrong caseworker's unit first and withdraws it (W-2). ÄoF's
deputy unit manager finds the handover on the unit's own work list, and lets
it stall: three working days pass unacknowledged, and it is overdue on the
list (K-5, D-7) before ÄoF acknowledges it and takes responsibility. An acute
matter IoF sends goes straight to ÄoF's deputy's list (E-8); the forum's
monthly meeting is on both deputies' lists until its cutoff (E-7).

Each actor uses only its own answers and work lists: the test hands no id from
one to another. Consent, cases and escalation run in this process on one clock
the test moves.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.cases.service import Settings as CasesSettings
from services.consent.service import Settings as ConsentSettings
from services.escalation.service import Settings as EscalationSettings
from services.runtime.kernel.actor import Actor
from tests.steps import handover_consent_given
from tests.support import (
    AOF,
    AOF_DEPUTY,
    IOF,
    IOF_CASEWORKER,
    IOF_DEPUTY,
    InProcessService,
    MovableClock,
    call,
    made_up_personnummer,
    wait_for,
)

START = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)  # a Monday
YOUTH = made_up_personnummer("20080915", "234")  # 19 in September 2027
CONTENT = {
    "background_and_family": "Bor med pappa.",
    "guardian": None,
    "current_situation": "Vill ha eget boende efter 19 år.",
    "problems_and_earlier_investigations": "Missbruk, utrett 2026.",
    "ongoing_interventions_and_planning": "Öppenvård två gånger i veckan.",
}


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(START)


@pytest.fixture
def platform(start_in_process: Callable[..., InProcessService]) -> dict[str, InProcessService]:
    return {
        "consent": start_in_process("consent", ConsentSettings()),
        "cases": start_in_process("cases", CasesSettings(deadline_check_seconds=0.1)),
        "escalation": start_in_process("escalation", EscalationSettings()),
    }


class Desk:
    """One member of staff: their calls, and what their work lists show them."""

    def __init__(self, platform: dict[str, InProcessService], actor: Actor) -> None:
        self.platform = platform
        self.actor = actor

    def work(self, service: str, **query: Any) -> list[dict[str, Any]]:
        answer = call(self.platform[service], self.actor, "GET", "/v1/work-items", params=query)
        assert answer.status_code == 200, answer.text
        items: list[dict[str, Any]] = answer.json()["items"]
        return items

    def the_one(self, service: str, kind: str, **query: Any) -> dict[str, Any]:
        items = wait_for(lambda: self.work(service, kind=kind, **query) or None)
        assert len(items) == 1, items
        return items[0]

    def post(self, service: str, path: str, body: Any = None) -> Any:
        answer = call(self.platform[service], self.actor, "POST", path, json=body)
        assert answer.status_code in (200, 201), answer.text
        return answer.json()


def test_seed_003_w1_the_handover_the_acute_matter_and_the_forum_are_found_from_work_lists(
    platform: dict[str, InProcessService], clock: MovableClock
) -> None:
    iof, iof_deputy = Desk(platform, IOF_CASEWORKER), Desk(platform, IOF_DEPUTY)
    aof_deputy = Desk(platform, AOF_DEPUTY)

    # K-2, C-8: IoF has the young person's case and their consent to hand it over.
    registered = iof.post(
        "cases",
        "/v1/cases",
        {"personnummer": YOUTH, "needs": ["child_welfare"], "municipality_code": "0180"},
    )
    case_id = registered["cases"][0]["id"]
    handover_consent_given(platform["consent"], YOUTH)

    def handed_over() -> Any:
        answer = call(
            platform["cases"],
            IOF_CASEWORKER,
            "POST",
            f"/v1/cases/{case_id}/handovers",
            json={"to_unit": AOF, "content": CONTENT},
        )
        return answer.json() if answer.status_code == 201 else None  # once consent is heard

    # W-2: handed over, then withdrawn (the wrong week); ÄoF's list follows each step.
    first = wait_for(handed_over, timeout=30)
    assert aof_deputy.the_one("cases", "handover_acknowledgement")["state"] == "requested"
    handover_path = f"/v1/cases/{case_id}/handovers/{first['id']}"
    iof.post("cases", f"{handover_path}/withdrawal", {"reason": "Skickad för tidigt."})
    assert aof_deputy.work("cases", kind="handover_acknowledgement") == []
    wait_for(handed_over)

    # K-5, D-7: ÄoF's deputy finds it, and lets three working days pass: overdue.
    waiting = aof_deputy.the_one("cases", "handover_acknowledgement")
    assert (waiting["rule"], waiting["addressed_to"], waiting["overdue"]) == ("K-5", AOF, False)
    clock.advance(timedelta(days=4))  # Friday: Tuesday, Wednesday and Thursday have passed
    overdue = aof_deputy.the_one("cases", "handover_acknowledgement", overdue="true")
    assert overdue["item_id"] == waiting["item_id"]

    # K-5: ÄoF reads it where the list points, acknowledges and takes responsibility.
    read = call(platform["cases"], AOF_DEPUTY, "GET", overdue["href"])
    assert read.status_code == 200, read.text
    aof_deputy.post(
        "cases", f"{overdue['href']}/acknowledgement", {"receiving_caseworker": "SE2120000001-S202"}
    )
    assert aof_deputy.work("cases", kind="handover_acknowledgement") == []
    transfer = aof_deputy.the_one("cases", "handover_transfer")
    aof_deputy.post("cases", f"{transfer['href']}/transfer")

    # E-8: an acute matter from IoF reaches ÄoF's deputy's list, and leaves it when taken.
    iof.post("escalation", "/v1/acute-matters", {"to_org": AOF, "question": "Boende i natt?"})
    matter = aof_deputy.the_one("escalation", "acute_matter")
    aof_deputy.post("escalation", f"{matter['href']}/taken")
    assert aof_deputy.work("escalation", kind="acute_matter") == []

    # E-7: the forum's monthly meeting waits on both deputies' lists until its cutoff.
    series = iof_deputy.post(
        "escalation", "/v1/meeting-series", {"name": "IoF och ÄoF", "members": [IOF, AOF]}
    )
    starts_at = clock.now() + timedelta(days=10)
    iof_deputy.post(
        "escalation",
        f"/v1/meeting-series/{series['id']}/meetings",
        {"starts_at": starts_at.isoformat()},
    )
    for deputy in (iof_deputy, aof_deputy):
        registration = deputy.the_one("escalation", "monthly_meeting_registration")
        assert registration["rule"] == "E-7"
    clock.advance(timedelta(days=10))
    assert aof_deputy.work("escalation", kind="monthly_meeting_registration") == []
