"""Issue #18 item 2: a red thread cannot be taken over from the office responsible for it.

The attack, against the escalation service as its own process: a coordinator of
a coordination office that serves another municipality reads a red thread
pulled in Stockholm (0180) and hands it to an arbitrary HSA-id, locking out
the office that serves Stockholm. E-3: coordinators act only for the
municipalities their office serves (``SAMVERKAN_ESCALATION_COORDINATION_OFFICES``);
a thread is handed on only within that office, to a well-formed HSA-id issued
by the office's own organisation.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from contracts import OrgType, Role
from services.runtime.kernel.actor import Actor
from tests.escalation_examples import red_thread_pull
from tests.steps import monthly_meeting_planned
from tests.support import (
    AOF,
    AOF_DEPUTY,
    COORDINATOR,
    HEALTH,
    IOF,
    POLICE,
    SOCIAL,
    TEST_PERSONNUMMER,
    ServiceProcess,
)

STOCKHOLM, BORAS = "0180", "1490"
OFFICE = COORDINATOR.org_id
"""Serves Stockholm: the red threads below are its to run."""
OTHER_OFFICE = "SE2321000016-NVK2"
OFFICES = {OFFICE: [STOCKHOLM], OTHER_OFFICE: [BORAS]}

COLLEAGUE = Actor("SE2321000016-K002", OFFICE, OrgType.COORDINATION_OFFICE, Role.COORDINATOR)
INTRUDER = Actor("SE2321000016-K201", OTHER_OFFICE, OrgType.COORDINATION_OFFICE, Role.COORDINATOR)
"""A real coordinator, of an office that serves Borås, not Stockholm."""
NOWHERE = Actor(
    "SE2321000016-K901", "SE2321000016-NVK9", OrgType.COORDINATION_OFFICE, Role.COORDINATOR
)
"""A coordinator of an office the mapping does not know: it serves no municipality."""


@pytest.fixture
def escalation(start_service: Callable[..., ServiceProcess]) -> ServiceProcess:
    return start_service(
        "escalation", SAMVERKAN_ESCALATION_COORDINATION_OFFICES=json.dumps(OFFICES)
    )


def call(
    service: ServiceProcess, actor: Actor, method: str, path: str, body: Any = None
) -> httpx.Response:
    with service.client(actor) as client:
        return client.request(method, path, json=body)


def refused(response: httpx.Response, status: int = 403, rule: str = "E-3") -> None:
    assert response.status_code == status, response.text
    assert response.json()["rule"] == rule, response.json()


def invalid(response: httpx.Response, field: str) -> None:
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]], response.json()


def pull(service: ServiceProcess, municipality_code: str = STOCKHOLM) -> str:
    body = red_thread_pull(TEST_PERSONNUMMER, municipality_code=municipality_code)
    pulled = call(service, POLICE, "POST", "/v1/red-threads", body)
    assert pulled.status_code == 201, pulled.text
    return f"/v1/red-threads/{pulled.json()['id']}"


def meeting(days: int = 3) -> dict[str, Any]:
    at = datetime.now(UTC) + timedelta(days=days)
    return {"meeting_at": at.isoformat(), "invited_orgs": [SOCIAL.org_id]}


def test_e3_a_coordinator_of_another_office_neither_reads_nor_takes_a_red_thread(
    escalation: ServiceProcess,
) -> None:
    thread = pull(escalation)

    # Waiting for a coordinator, the thread is still not every office's to see or take.
    for intruder in (INTRUDER, NOWHERE):
        refused(call(escalation, intruder, "GET", thread))
        refused(call(escalation, intruder, "GET", f"{thread}/meeting.ics"))
        refused(call(escalation, intruder, "GET", f"{thread}/follow-up.ics"))
        refused(call(escalation, intruder, "POST", f"{thread}/coordinator", {"coordinator": None}))
        refused(
            call(
                escalation,
                intruder,
                "POST",
                f"{thread}/coordinator",
                {"coordinator": "SE2321000016-X666", "office": intruder.org_id},
            )
        )
        refused(call(escalation, intruder, "POST", f"{thread}/meeting", meeting()))
        refused(call(escalation, intruder, "POST", f"{thread}/closure"))
    assert call(escalation, POLICE, "GET", thread).json()["coordinator"] is None

    # The office that serves Stockholm takes it; the intruder still cannot take it over.
    taken = call(escalation, COORDINATOR, "POST", f"{thread}/coordinator", {})
    assert taken.status_code == 200, taken.text
    refused(call(escalation, INTRUDER, "POST", f"{thread}/coordinator", {}))
    refused(call(escalation, INTRUDER, "GET", thread))
    assert call(escalation, POLICE, "GET", thread).json()["coordinator"] == COORDINATOR.hsa_id

    # The intruder's own municipality is theirs: the mapping is what decides.
    own = pull(escalation, BORAS)
    assert call(escalation, INTRUDER, "POST", f"{own}/coordinator", {}).status_code == 200
    refused(call(escalation, COORDINATOR, "GET", own))


def test_e3_a_thread_is_handed_on_only_within_the_office_to_a_valid_hsa_id(
    escalation: ServiceProcess,
) -> None:
    thread = pull(escalation)

    def hand_on(body: dict[str, Any]) -> httpx.Response:
        """The coordinator names who runs the thread now, and at which office (E-3)."""
        return call(escalation, COORDINATOR, "POST", f"{thread}/coordinator", body)

    assigned = hand_on({})
    assert assigned.status_code == 200, assigned.text

    # Naming someone else, the request says which office they work at: the caller's own.
    invalid(hand_on({"coordinator": COLLEAGUE.hsa_id}), "body.office")
    refused(hand_on({"coordinator": INTRUDER.hsa_id, "office": OTHER_OFFICE}))
    for malformed in ("nobody", "SE2321000016", "SE2321000016-K1; DROP", "x" * 300):
        invalid(hand_on({"coordinator": malformed, "office": OFFICE}), "body.coordinator")
    # Staff of the office have HSA-ids of its organisation (SE2321000016-…), not another's.
    invalid(hand_on({"coordinator": "SE5560000000-K002", "office": OFFICE}), "body.coordinator")
    invalid(hand_on({"coordinator": COLLEAGUE.hsa_id, "office": "not an office"}), "body.office")
    assert call(escalation, POLICE, "GET", thread).json()["coordinator"] == COORDINATOR.hsa_id

    handed = hand_on({"coordinator": COLLEAGUE.hsa_id, "office": OFFICE})
    assert handed.status_code == 200, handed.text
    assert handed.json()["coordinator"] == COLLEAGUE.hsa_id
    # The colleague runs it now; the office is never locked out of its own thread.
    refused(call(escalation, COORDINATOR, "POST", f"{thread}/meeting", meeting()))
    assert call(escalation, COLLEAGUE, "GET", thread).status_code == 200
    back = hand_on({})
    assert back.status_code == 200, back.text
    assert back.json()["coordinator"] == COORDINATOR.hsa_id
    refused(call(escalation, INTRUDER, "POST", f"{thread}/coordinator", {}))


def test_e7_a_consultation_is_not_linked_to_another_forums_meeting(
    escalation: ServiceProcess,
) -> None:
    """The same class of hole on the monthly meetings: a unit that is no member of a forum
    cannot attach its consultation to the forum's meeting (nor learn that it exists)."""
    planned = monthly_meeting_planned(escalation, datetime.now(UTC) + timedelta(days=10))

    linked = call(
        escalation,
        HEALTH,
        "POST",
        "/v1/consultations",
        {
            "anonymous": True,
            "consulted_orgs": [IOF],
            "meeting_id": planned["id"],
            "outcome": "parallel_investigation",
        },
    )
    refused(linked, 403, "E-7")


def test_e7_attendance_is_recorded_by_the_unit_keeping_the_minutes_not_any_member(
    escalation: ServiceProcess,
) -> None:
    """A member unit that is not this meeting's minute-taker cannot write the forum's record
    of who came (and so mark the other units absent): the documentation is the turn of one
    unit at a time (E-7), attendance as much as the minutes."""
    planned = monthly_meeting_planned(escalation, datetime.now(UTC) + timedelta(days=10))
    assert planned["minute_taker"] == IOF
    refused(
        call(
            escalation,
            AOF_DEPUTY,
            "POST",
            f"/v1/monthly-meetings/{planned['id']}/attendance",
            {"present_orgs": [AOF]},
        ),
        403,
        "E-7",
    )
