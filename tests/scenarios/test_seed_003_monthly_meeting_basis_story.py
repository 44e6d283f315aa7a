"""Seed 003, the monthly meeting of IoF's and ÄoF's deputy unit managers, on a basis (C-11).

A case is registered "med namn och ålder" (E-7): the name and age go to every member
unit, so the registration needs the individual's consent to information sharing naming
them (C-11). IoF's deputy tries before the consent is recorded and is refused; once the
consent service has it, the registration goes through and ÄoF reads the name and age on
the agenda. A consultation naming someone who gave no consent is refused; the same
question asked anonymously needs none (E-9). At the meeting ÄoF stays away: the absence
is published, and reporting finds it a "routines not followed" deviation naming ÄoF (D-7),
on ÄoF's own work list, from the topic alone.

Consent, escalation and reporting run in this process on one clock the test moves.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.consent.service import Settings as ConsentSettings
from services.escalation.service import Settings as EscalationSettings
from services.reporting.service import Settings as ReportingSettings
from tests.escalation_examples import meeting_registration
from tests.steps import sharing_consent_given
from tests.support import (
    AOF,
    AOF_DEPUTY,
    IOF,
    IOF_DEPUTY,
    InProcessService,
    MovableClock,
    call,
    made_up_personnummer,
    wait_for,
)

START = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)  # a Monday
YOUTH = made_up_personnummer("20080915", "234")
NOT_ASKED = made_up_personnummer("19700707", "707")
"""Someone IoF would like to consult ÄoF about, who has not been asked for consent."""


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(START)


@pytest.fixture
def platform(start_in_process: Callable[..., InProcessService]) -> dict[str, InProcessService]:
    return {
        "consent": start_in_process("consent", ConsentSettings()),
        "escalation": start_in_process("escalation", EscalationSettings()),
        "reporting": start_in_process("reporting", ReportingSettings()),
    }


def refused_naming(answer: httpx.Response, rule: str) -> None:
    assert answer.status_code == 409, answer.text
    assert answer.json()["rule"] == rule
    assert AOF in answer.json()["detail"], "names the unit the data would go to"


def test_seed_003_c11_e7_e9_d7_registration_on_consent_consultations_and_an_absence(
    platform: dict[str, InProcessService], clock: MovableClock
) -> None:
    consent, escalation, reporting = (
        platform["consent"],
        platform["escalation"],
        platform["reporting"],
    )

    def post(actor: Any, path: str, body: Any) -> httpx.Response:
        return call(escalation, actor, "POST", path, json=body)

    # E-7: the forum of IoF and ÄoF plans its meeting; IoF's deputy has a case for it.
    series = post(IOF_DEPUTY, "/v1/meeting-series", {"name": "IoF och ÄoF", "members": [IOF, AOF]})
    assert series.status_code == 201, series.text
    starts_at = START + timedelta(days=10)
    meeting = post(
        IOF_DEPUTY,
        f"/v1/meeting-series/{series.json()['id']}/meetings",
        {"starts_at": starts_at.isoformat()},
    ).json()
    path = f"/v1/monthly-meetings/{meeting['id']}"
    case = meeting_registration(personnummer=YOUTH)

    # C-11: without the young person's consent, their name and age do not go to ÄoF.
    refused_naming(post(IOF_DEPUTY, f"{path}/registrations", case), "C-11")

    # The consent to information sharing between IoF and ÄoF is recorded; once escalation
    # has heard of it from the consent topic, the registration goes through.
    sharing_consent_given(consent, YOUTH, parties=[IOF, AOF])

    def registered() -> httpx.Response | None:
        answer = post(IOF_DEPUTY, f"{path}/registrations", case)
        return None if answer.status_code == 409 else answer

    answer = wait_for(registered, timeout=30)
    assert answer.status_code == 201, answer.text
    agenda = call(escalation, AOF_DEPUTY, "GET", path).json()["agenda"]
    assert [(r["name"], r["age"]) for r in agenda] == [(case["name"], case["age"])]

    # E-9, C-11: a named consultation about someone who gave no consent is refused; asked
    # anonymously, the same question needs no basis (nothing identifies anyone).
    question = {"consulted_orgs": [AOF], "outcome": "parallel_investigation"}
    named = question | {"anonymous": False, "personnummer": NOT_ASKED}
    refused_naming(post(IOF_DEPUTY, "/v1/consultations", named), "C-11")
    anonymous = post(IOF_DEPUTY, "/v1/consultations", question | {"anonymous": True})
    assert anonymous.status_code == 201, anonymous.text
    assert anonymous.json()["subject_id"] is None

    # E-7: the alignment meeting is mandatory for every member; ÄoF does not come. IoF keeps
    # this meeting's minutes, so IoF records who came.
    clock.advance(starts_at - clock.now() + timedelta(hours=1))
    attended = post(IOF_DEPUTY, f"{path}/attendance", {"present_orgs": [IOF]})
    assert attended.status_code == 200, attended.text
    assert attended.json()["absent_orgs"] == [AOF]

    # D-7: reporting hears of the absence on the escalation topic: a detected deviation,
    # "routines not followed", naming ÄoF, on ÄoF's deputy's own work list.
    def detected() -> list[dict[str, Any]] | None:
        answer = call(
            reporting,
            AOF_DEPUTY,
            "GET",
            "/v1/work-items",
            params={"kind": "deviation_to_summarise"},
        )
        assert answer.status_code == 200, answer.text
        items: list[dict[str, Any]] = answer.json()["items"]
        return items or None

    (item,) = wait_for(detected, timeout=30)
    deviation = call(reporting, AOF_DEPUTY, "GET", item["href"])
    assert deviation.status_code == 200, deviation.text
    assert deviation.json()["category"] == "routines"
    assert deviation.json()["affected_orgs"] == [AOF]
    assert "E-7" in deviation.json()["what_happened"]
