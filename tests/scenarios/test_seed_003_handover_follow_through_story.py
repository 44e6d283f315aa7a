"""Seed 003, after the handover: decisions under the delegation order and told to the young
person (K-11), and the joint officials' meeting the receiving unit holds (K-12).

"Ärenden beslutas enligt gällande delegationsordning och på den enhet där insats och
delegation finns. Beslut meddelas därefter den enskilde av den enhet där beslut fattas."
"Biträdande enhetschef på mottagande enhet ansvarar för att hålla ett gemensamt
tjänstemannamöte och att klienten därefter informeras om ärendets gång. Om det finns
andra vårdgivare eller/och förvaltare/godemän skall även dessa vara med."

The municipality delegates granting interventions to its deputy unit managers, not its
caseworkers: IoF's caseworker opens the investigation, is refused the grant, and the
deputy grants it; IoF tells the young person of each decision from its work list. IoF
hands the case over to ÄoF (the young person has a god man); ÄoF acknowledges and takes
responsibility; ÄoF's deputy unit manager finds the follow-through on the work list,
books the joint officials' meeting with IoF and the god man, holds it, makes a new plan,
and tells the young person how the case goes on. Nobody is told an id: each actor uses
its own answers and work lists. Consent and cases run in this process on one clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.cases.service import Settings as CasesSettings
from services.consent.service import Settings as ConsentSettings
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
YOUTH = made_up_personnummer("20080915", "234")  # 18: a child's case at IoF
CONTENT = {
    "background_and_family": "Bor på HVB-hem.",
    "guardian": "God man: Karin Lund, 070-000 00 00",
    "current_situation": "Vill ha eget boende efter 19 år.",
    "problems_and_earlier_investigations": "Missbruk, utrett 2026.",
    "ongoing_interventions_and_planning": "Öppenvård två gånger i veckan.",
}
DELEGATION_ORDER = (
    "investigation_opened=caseworker|deputy_unit_manager,"
    "investigation_completed=caseworker|deputy_unit_manager,"
    "intervention_granted=deputy_unit_manager|unit_manager,"
    "intervention_refused=deputy_unit_manager|unit_manager"
)
"""The municipality's delegation order (K-11): caseworkers investigate, deputies grant."""


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(START)


@pytest.fixture
def platform(start_in_process: Callable[..., InProcessService]) -> dict[str, InProcessService]:
    return {
        "consent": start_in_process("consent", ConsentSettings()),
        "cases": start_in_process("cases", CasesSettings(delegation_order=DELEGATION_ORDER)),
    }


class Desk:
    """One member of staff at cases: their calls, and what their work list shows them."""

    def __init__(self, platform: dict[str, InProcessService], actor: Actor) -> None:
        self.cases = platform["cases"]
        self.actor = actor

    def work(self, **query: Any) -> list[dict[str, Any]]:
        answer = call(self.cases, self.actor, "GET", "/v1/work-items", params=query)
        assert answer.status_code == 200, answer.text
        items: list[dict[str, Any]] = answer.json()["items"]
        return items

    def the_one(self, kind: str) -> dict[str, Any]:
        items = wait_for(lambda: self.work(kind=kind) or None)
        assert len(items) == 1, items
        return items[0]

    def send(self, method: str, path: str, body: Any = None) -> httpx.Response:
        return call(self.cases, self.actor, method, path, json=body)

    def post(self, path: str, body: Any = None) -> Any:
        answer = self.send("POST", path, body)
        assert answer.status_code in (200, 201), answer.text
        return answer.json()


def refused(answer: httpx.Response, status: int, rule: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = answer.json()
    assert problem["rule"] == rule, problem
    return problem


def test_seed_003_k11_k12_decided_by_delegation_told_and_followed_through(
    platform: dict[str, InProcessService], clock: MovableClock
) -> None:
    iof, iof_deputy, aof_deputy = (
        Desk(platform, IOF_CASEWORKER),
        Desk(platform, IOF_DEPUTY),
        Desk(platform, AOF_DEPUTY),
    )
    registered = iof.post(
        "/v1/cases",
        {"personnummer": YOUTH, "needs": ["child_welfare"], "municipality_code": "0180"},
    )
    case_path = f"/v1/cases/{registered['cases'][0]['id']}"

    # K-11: the caseworker opens the investigation; granting is the deputy's by delegation.
    iof.post(f"{case_path}/decisions", _decision("investigation_opened"))
    problem = refused(
        iof.send("POST", f"{case_path}/decisions", _decision("intervention_granted")), 403, "K-11"
    )
    assert "caseworker" in problem["detail"]
    iof_deputy.post(f"{case_path}/decisions", _decision("intervention_granted"))

    # K-11: IoF, where the decisions were taken, tells the young person, from its list.
    def both_to_tell() -> list[dict[str, Any]] | None:
        items = iof.work(kind="decision_to_tell")
        return items if len(items) == 2 else None

    to_tell = wait_for(both_to_tell)
    assert {item["rule"] for item in to_tell} == {"K-11"}
    assert {item["addressed_to"] for item in to_tell} == {IOF}
    for item in to_tell:
        told = {"told_at": clock.now().isoformat(), "manner": "in_person"}
        iof.post(f"{item['href']}/told", told)
    assert wait_for(lambda: iof.work(kind="decision_to_tell") == [] or None)
    decision = call(platform["cases"], IOF_CASEWORKER, "GET", f"{case_path}/decisions/2").json()
    assert (decision["decision"], decision["told_how"]) == ("intervention_granted", "in_person")

    # K-5, C-8: handed over on consent; ÄoF acknowledges and takes responsibility.
    handover_consent_given(platform["consent"], YOUTH)

    def handed_over() -> Any:
        body = {"to_unit": AOF, "content": CONTENT}
        answer = iof.send("POST", f"{case_path}/handovers", body)
        return answer.json() if answer.status_code == 201 else None  # once consent is heard

    wait_for(handed_over, timeout=30)
    waiting = aof_deputy.the_one("handover_acknowledgement")
    aof_deputy.post(
        f"{waiting['href']}/acknowledgement", {"receiving_caseworker": "SE2120000001-S202"}
    )
    aof_deputy.post(f"{aof_deputy.the_one('handover_transfer')['href']}/transfer")

    # K-12: ÄoF's deputy finds the follow-through on the list; the god man is invited.
    follow_through = aof_deputy.the_one("handover_follow_through")
    assert (follow_through["rule"], follow_through["state"]) == ("K-12", "to_book")
    assert iof.work(kind="handover_follow_through") == []  # not the sending unit's
    starts_at = clock.now() + timedelta(days=2)
    booking = {
        "other_units": [IOF],
        "trustee_invited": False,
        "starts_at": starts_at.isoformat(),
        "ends_at": (starts_at + timedelta(hours=1)).isoformat(),
        "location": "ÄoF, rum 2",
    }
    path = follow_through["href"]
    problem = refused(aof_deputy.send("POST", path, booking), 422, "K-12")
    assert "body.trustee_invited" in [error["field"] for error in problem["errors"]]
    booked = aof_deputy.post(path, {**booking, "trustee_invited": True})
    assert booked["units"] == [AOF, IOF]
    assert aof_deputy.the_one("handover_follow_through")["state"] == "booked"

    # K-12: held with IoF and the god man; it makes a new plan. Without him, it is not held.
    clock.advance(timedelta(days=2, minutes=30))
    held = {"attended_units": [IOF], "trustee_attended": False, "plan": "Eget boende med stöd."}
    problem = refused(aof_deputy.send("POST", f"{path}/held", held), 422, "K-12")
    assert "body.trustee_attended" in [error["field"] for error in problem["errors"]]
    aof_deputy.post(f"{path}/held", {**held, "trustee_attended": True})
    assert aof_deputy.the_one("handover_follow_through")["state"] == "client_to_inform"

    # K-12: the young person is told how the case goes on; nothing waits any more.
    informed = {"informed_at": clock.now().isoformat(), "manner": "in_person"}
    aof_deputy.post(f"{path}/client-informed", informed)
    assert wait_for(lambda: aof_deputy.work(kind="handover_follow_through") == [] or None)
    read = call(platform["cases"], IOF_CASEWORKER, "GET", path).json()  # invited, so it reads
    assert (read["status"], read["plan"], read["trustee_attended"]) == (
        "client_informed",
        "Eget boende med stöd.",
        True,
    )


def _decision(kind: str) -> dict[str, Any]:
    return {"decision": kind, "affects_planning": False, "child_perspective_considered": True}
