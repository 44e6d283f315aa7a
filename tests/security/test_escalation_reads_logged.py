"""Issue #18 item 5, escalation: every answer that discloses personal data leaves a trace.

The attack is the quiet one: read a red thread's calendar file, the deadlines
list (subject ids of everyone with a red thread against the unit) or simply the
answer to a write, and nothing in the access log says so. Against the
escalation service as its own process (and consent, for the meeting's legal
basis), every such answer is followed to the service's access log, read from
the store file as a database operator would.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.runtime.kernel.actor import Actor
from tests.escalation_examples import (
    INDIVIDUAL,
    IOF_CASEWORKER,
    STEP_UP,
    meeting_registration,
    named_consultation,
    red_thread_pull,
)
from tests.steps import escalation_raised, monthly_meeting_planned, sharing_consent_given
from tests.support import (
    AOF,
    AOF_DEPUTY,
    COORDINATOR,
    HEALTH,
    IOF_DEPUTY,
    POLICE,
    SOCIAL,
    ServiceProcess,
    consent_given,
    wait_for,
)

Logged = set[tuple[str, str, str]]
"""(subject id, resource, actor HSA-id) of every access record."""


@pytest.fixture
def platform(
    start_services: Callable[..., dict[str, ServiceProcess]],
) -> dict[str, ServiceProcess]:
    return start_services("consent", "escalation")


def call(
    service: ServiceProcess, actor: Actor, method: str, path: str, body: Any = None
) -> httpx.Response:
    with service.client(actor) as client:
        response = client.request(method, path, json=body)
    assert response.status_code in (200, 201), (method, path, response.text)
    return response


def access_log(service: ServiceProcess) -> Logged:
    """The access log as stored, read straight from the service's database file."""
    path = service.settings.var_dir / f"{service.service}.db"
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT subject_id, resource, actor_hsa_id FROM access_audit").fetchall()
    return {(str(s), str(r), str(a)) for s, r, a in rows}


def test_every_answer_with_personal_data_writes_an_access_record(
    platform: dict[str, ServiceProcess],
) -> None:
    consent, escalation = platform["consent"], platform["escalation"]
    expected: Logged = set()

    def expect(response: httpx.Response, actor: Actor, route: str, subject: str) -> Any:
        expected.add((subject, f"{response.request.method} {route}", actor.hsa_id))
        return response.json() if "json" in response.headers["content-type"] else None

    def walk(
        actor: Actor, method: str, route: str, subject: str, body: Any = None, **ids: str
    ) -> Any:
        """`actor` calls `route` (its template, filled from `ids`); the answer is about
        `subject`, so the access log must say so."""
        response = call(escalation, actor, method, route.format(**ids), body)
        return expect(response, actor, route, subject)

    # The red thread: every answer names the individual (subject id) and what was done.
    pulled = call(escalation, POLICE, "POST", "/v1/red-threads", red_thread_pull(INDIVIDUAL))
    thread = expect(pulled, POLICE, "/v1/red-threads", pulled.json()["subject_id"])
    subject, at_thread = thread["subject_id"], {"red_thread_id": thread["id"]}
    walk(
        COORDINATOR, "POST", "/v1/red-threads/{red_thread_id}/coordinator", subject, {}, **at_thread
    )
    consent_given(
        consent,
        INDIVIDUAL,
        by=POLICE,
        purpose="red_thread_meeting",
        parties=[POLICE.org_id, SOCIAL.org_id, HEALTH.org_id],
        form="oral",
    )
    meeting_at = (datetime.now(UTC) + timedelta(days=3)).isoformat()

    def schedule() -> httpx.Response | None:
        with escalation.client(COORDINATOR) as client:
            response = client.post(
                f"/v1/red-threads/{thread['id']}/meeting",
                json={"meeting_at": meeting_at, "invited_orgs": [SOCIAL.org_id]},
            )
        return response if response.status_code == 200 else None

    scheduled = wait_for(schedule, timeout=30)
    expect(scheduled, COORDINATOR, "/v1/red-threads/{red_thread_id}/meeting", subject)
    walk(SOCIAL, "GET", "/v1/red-threads/{red_thread_id}/meeting.ics", subject, **at_thread)
    deadlines = call(escalation, SOCIAL, "GET", "/v1/deadlines")
    assert subject in {d["subject_id"] for d in deadlines.json()}
    expect(deadlines, SOCIAL, "/v1/deadlines", subject)

    # The ladder, named and not: the reason is about someone either way. Named, it goes to
    # ÄoF on the individual's consent to share (C-11), once escalation has heard of it.
    sharing_consent_given(consent, INDIVIDUAL)
    raised = wait_for(
        lambda: (
            answer
            if (
                answer := escalation_raised(
                    escalation, IOF_CASEWORKER, INDIVIDUAL, "Oenighet om boendestöd efter 19 år."
                )
            ).status_code
            != 409
            else None
        ),
        timeout=30,
    )
    ladder = expect(raised, IOF_CASEWORKER, "/v1/escalations", subject)
    at_ladder = {"escalation_id": ladder["id"]}
    walk(AOF_DEPUTY, "POST", "/v1/escalations/{escalation_id}/agreements", subject, **at_ladder)
    walk(IOF_DEPUTY, "POST", "/v1/escalations/{escalation_id}/steps", subject, STEP_UP, **at_ladder)
    resolution = {"resolution": "withdrawn", "notes": "Löst i linjen."}
    walk(
        IOF_CASEWORKER,
        "POST",
        "/v1/escalations/{escalation_id}/resolution",
        subject,
        resolution,
        **at_ladder,
    )

    # Acute matters: about a named individual, or (no personnummer) about the record itself.
    named = {"to_org": AOF, "personnummer": INDIVIDUAL, "question": "Utskrivning i dag."}
    walk(IOF_CASEWORKER, "POST", "/v1/acute-matters", subject, named)
    unnamed = call(
        escalation,
        IOF_CASEWORKER,
        "POST",
        "/v1/acute-matters",
        {"to_org": AOF, "question": "Testa Testsson, 19 år, skrivs ut i dag utan boende."},
    )
    record, at_matter = f"record:{unnamed.json()['id']}", {"matter_id": unnamed.json()["id"]}
    expect(unnamed, IOF_CASEWORKER, "/v1/acute-matters", record)
    walk(AOF_DEPUTY, "POST", "/v1/acute-matters/{matter_id}/taken", record, **at_matter)
    walk(AOF_DEPUTY, "GET", "/v1/acute-matters/{matter_id}", record, **at_matter)

    # Monthly meetings and consultations.
    monthly = monthly_meeting_planned(escalation, datetime.now(UTC) + timedelta(days=10))
    walk(
        IOF_DEPUTY,
        "POST",
        "/v1/monthly-meetings/{meeting_id}/registrations",
        subject,
        meeting_registration(personnummer=INDIVIDUAL),
        meeting_id=monthly["id"],
    )
    consultation = named_consultation(INDIVIDUAL, notes="Samsjuklighet.")
    walk(IOF_DEPUTY, "POST", "/v1/consultations", subject, consultation)

    missing = expected - access_log(escalation)
    assert not missing, "answers with personal data and no access record:\n" + "\n".join(
        sorted(f"{resource} by {who} about {about}" for about, resource, who in missing)
    )


def test_every_route_that_answers_with_a_subject_is_marked_as_personal_data(
    start_service: Callable[..., ServiceProcess],
) -> None:
    """The marker (x-personal-data) is what the access-log checks follow: a route whose
    answer names a subject, or that exports a red thread's calendar, carries it."""
    escalation = start_service("escalation")
    document = httpx.get(f"{escalation.url}/openapi.json").json()
    schemas = document["components"]["schemas"]

    def names_a_subject(schema: Any, seen: frozenset[str] = frozenset()) -> bool:
        if isinstance(schema, dict):
            ref = schema.get("$ref")
            if isinstance(ref, str):
                name = ref.rsplit("/", 1)[-1]
                return name not in seen and names_a_subject(schemas[name], seen | {name})
            if "subject_id" in schema.get("properties", {}):
                return True
            return any(names_a_subject(value, seen) for value in schema.values())
        if isinstance(schema, list):
            return any(names_a_subject(value, seen) for value in schema)
        return False

    unmarked = []
    for route, item in document["paths"].items():
        for method, operation in item.items():
            answers = [
                content.get("schema")
                for status, response in operation.get("responses", {}).items()
                if status.startswith("2")
                for content in response.get("content", {}).values()
            ]
            personal = any(names_a_subject(s) for s in answers) or (
                route.startswith("/v1/red-threads/") and route.endswith(".ics")
            )
            if personal and not operation.get("x-personal-data"):
                unmarked.append(f"{method.upper()} {route}")
    assert not unmarked, f"answer about someone, not marked x-personal-data: {unmarked}"
