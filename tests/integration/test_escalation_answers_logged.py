"""Loggkontroll, escalation, on the clock of the test: every route marked as disclosing
personal data writes an access record about whom it discloses, writes and calendar
files included, through a red thread's whole life and a monthly meeting's.

The route list comes from the service's own OpenAPI document, so a route marked
later without a request here fails the test (tests/security/test_escalation_reads_logged.py
holds the marking itself to what the answers contain).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from contracts import OrgType, Role
from services.consent.service import Settings as ConsentSettings
from services.escalation.service import Settings as EscalationSettings
from services.runtime.kernel.actor import Actor
from services.runtime.kernel.stockholm_time import stockholm_date
from services.runtime.store.audit import AccessAudit
from tests.escalation_examples import (
    INDIVIDUAL,
    IOF_CASEWORKER,
    PARTIES,
    STEP_UP,
    agreed_actions,
    all_done,
    meeting_registration,
    named_consultation,
    red_thread_pull,
    sharing_allowed,
)
from tests.integration.route_table import personal
from tests.steps import escalation_raised, forum
from tests.support import (
    AOF,
    AOF_DEPUTY,
    COORDINATOR,
    HEALTH,
    IOF,
    IOF_DEPUTY,
    POLICE,
    SOCIAL,
    InProcessService,
    MovableClock,
    call,
    consent_given,
    wait_for,
)

AOF_HEAD = Actor("SE2120000001-A002", AOF, OrgType.SOCIAL_SERVICES, Role.DEPARTMENT_HEAD)

NOT_HERE = {
    ("POST", "/v1/access-log/subject"): "tests/integration/test_escalation_access_audit.py",
    ("POST", "/v1/access-log/actor"): "tests/integration/test_escalation_access_audit.py",
}
"""Marked routes this test leaves to another, and which."""


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def services(start_in_process: Callable[..., InProcessService]) -> dict[str, InProcessService]:
    return {
        "consent": start_in_process("consent", ConsentSettings(expiry_check_seconds=0.1)),
        "escalation": start_in_process("escalation", EscalationSettings(overdue_check_seconds=0.1)),
    }


class Walk:
    """Calls routes on the escalation service and remembers what each must have logged."""

    def __init__(self, service: InProcessService) -> None:
        self.service = service
        self.expected: dict[tuple[str, str], tuple[str, Actor]] = {}

    def call(
        self,
        actor: Actor,
        method: str,
        route: str,
        about: str | None = None,
        body: Any = None,
        **ids: str,
    ) -> Any:
        with self.service.client(actor) as client:
            response = client.request(method, route.format(**ids), json=body)
        assert response.status_code in (200, 201), (route, response.text)
        answer = response.json() if "json" in response.headers["content-type"] else None
        subject = about or (answer or {}).get("subject_id")
        assert subject, f"say whom {method} {route} is about"
        self.expected[(method, route)] = (subject, actor)
        return answer

    def app(self) -> FastAPI:
        assert self.service.server is not None
        app: FastAPI = self.service.server.config.app
        return app

    def audit(self) -> AccessAudit:
        audit: AccessAudit = self.app().state.access_audit
        return audit

    def marked(self) -> set[tuple[str, str]]:
        return personal(self.app())


def test_every_marked_route_logs_whom_its_answer_discloses(
    services: dict[str, InProcessService], clock: MovableClock
) -> None:
    consent, escalation = services["consent"], services["escalation"]
    walk = Walk(escalation)
    start = clock.now()

    # A red thread from the pull to the closing (E-1..E-5).
    thread = walk.call(POLICE, "POST", "/v1/red-threads", body=red_thread_pull(INDIVIDUAL))
    subject, ids = thread["subject_id"], {"red_thread_id": thread["id"]}
    walk.call(POLICE, "GET", "/v1/red-threads/{red_thread_id}", **ids)
    walk.call(COORDINATOR, "GET", "/v1/work-items", subject)  # W-1: the office learns of it
    walk.call(POLICE, "POST", "/v1/subject-records", body={"personnummer": INDIVIDUAL})  # W-3
    walk.call(COORDINATOR, "GET", "/v1/subjects/{subject_id}/records", subject_id=subject)
    walk.call(COORDINATOR, "POST", "/v1/red-threads/{red_thread_id}/coordinator", body={}, **ids)
    consent_given(
        consent, INDIVIDUAL, by=POLICE, purpose="red_thread_meeting", parties=PARTIES, form="oral"
    )
    meeting_at = start + timedelta(days=3)

    def convene() -> httpx.Response | None:
        with escalation.client(COORDINATOR) as client:
            response = client.post(
                f"/v1/red-threads/{thread['id']}/meeting",
                json={"meeting_at": meeting_at.isoformat(), "invited_orgs": PARTIES},
            )
        return None if response.status_code == 409 else response

    assert wait_for(convene, timeout=30).status_code == 200
    walk.expected[("POST", "/v1/red-threads/{red_thread_id}/meeting")] = (subject, COORDINATOR)
    # Plans change (W-2): moved, cancelled, convened again.
    walk.call(
        COORDINATOR,
        "POST",
        "/v1/red-threads/{red_thread_id}/meeting/move",
        body={"meeting_at": (meeting_at + timedelta(days=1)).isoformat(), "reason": "Krock."},
        **ids,
    )
    walk.call(
        COORDINATOR,
        "POST",
        "/v1/red-threads/{red_thread_id}/meeting/cancellation",
        body={"reason": "Ny tid."},
        **ids,
    )
    again = convene()
    assert again is not None
    assert again.status_code == 200, again.text
    walk.call(HEALTH, "GET", "/v1/red-threads/{red_thread_id}/meeting.ics", subject, **ids)
    walk.call(SOCIAL, "GET", "/v1/deadlines", subject)
    clock.advance(timedelta(days=3, hours=2))
    held = walk.call(
        COORDINATOR,
        "POST",
        "/v1/red-threads/{red_thread_id}/meeting/held",
        body={
            "attended_orgs": PARTIES,
            "outcome": "solutions_agreed",
            "notes": "Boendestöd.",
            "actions": agreed_actions(SOCIAL.org_id, meeting_at),
        },
        **ids,
    )
    follow_up_at = meeting_at + timedelta(days=14)
    walk.call(
        COORDINATOR,
        "POST",
        "/v1/red-threads/{red_thread_id}/follow-up",
        body={"follow_up_at": follow_up_at.isoformat()},
        **ids,
    )
    walk.call(
        COORDINATOR,
        "POST",
        "/v1/red-threads/{red_thread_id}/follow-up/move",
        body={"follow_up_at": (follow_up_at + timedelta(days=1)).isoformat(), "reason": "Krock."},
        **ids,
    )
    walk.call(
        COORDINATOR,
        "POST",
        "/v1/red-threads/{red_thread_id}/follow-up/cancellation",
        body={"reason": "Ny tid."},
        **ids,
    )
    walk.call(
        COORDINATOR,
        "POST",
        "/v1/red-threads/{red_thread_id}/follow-up",
        body={"follow_up_at": follow_up_at.isoformat()},
        **ids,
    )
    walk.call(SOCIAL, "GET", "/v1/red-threads/{red_thread_id}/follow-up.ics", subject, **ids)
    clock.advance(follow_up_at - clock.now() + timedelta(hours=1))
    walk.call(
        COORDINATOR,
        "POST",
        "/v1/red-threads/{red_thread_id}/follow-up/evaluation",
        body={"attended_orgs": PARTIES, "result": "improved", "actions": all_done(held)},
        **ids,
    )
    walk.call(COORDINATOR, "POST", "/v1/red-threads/{red_thread_id}/closure", **ids)

    # The ladder (E-6), about the individual, on their consent to share with ÄoF (C-11).
    sharing_allowed(escalation, INDIVIDUAL)
    ladder = escalation_raised(escalation, IOF_CASEWORKER, INDIVIDUAL, "Oenighet om boendestöd.")
    assert ladder.status_code == 201, ladder.text
    walk.expected[("POST", "/v1/escalations")] = (ladder.json()["subject_id"], IOF_CASEWORKER)
    ids["escalation_id"] = ladder.json()["id"]
    walk.call(IOF_CASEWORKER, "GET", "/v1/escalations/{escalation_id}", **ids)
    walk.call(AOF_DEPUTY, "POST", "/v1/escalations/{escalation_id}/agreements", **ids)
    walk.call(IOF_DEPUTY, "POST", "/v1/escalations/{escalation_id}/steps", body=STEP_UP, **ids)
    walk.call(
        IOF_CASEWORKER,
        "POST",
        "/v1/escalations/{escalation_id}/resolution",
        body={"resolution": "withdrawn", "notes": "Löst i linjen."},
        **ids,
    )

    # A cost question at the department heads (E-6): who pays, settled as E-12 says.
    cost = call(
        escalation,
        IOF_DEPUTY,
        "POST",
        "/v1/escalations",
        json={
            "track": "needs",
            "personnummer": INDIVIDUAL,
            "cost_question": True,
            "responsible_org": IOF,
            "counterpart_orgs": [AOF],
            "reason": "Vem bekostar behandlingen?",
        },
    )
    assert cost.status_code == 201, cost.text
    costs = {"escalation_id": cost.json()["id"]}
    to_heads = {"to_level": "department_head", "reason": "En kostnadsfråga."}
    walk.call(IOF_DEPUTY, "POST", "/v1/escalations/{escalation_id}/steps", body=to_heads, **costs)
    walk.call(
        AOF_HEAD,
        "POST",
        "/v1/escalations/{escalation_id}/cost-responsibility",
        body={"basis": "addiction_treatment", "payers": ["IOF"]},
        **costs,
    )

    # An acute matter naming no one (E-8): logged about the record itself.
    matter = walk.call(
        IOF_CASEWORKER,
        "POST",
        "/v1/acute-matters",
        "record:",  # completed below, once the id is known
        body={"to_org": AOF, "question": "Utskrivning i dag utan boende."},
    )
    record = f"record:{matter['id']}"
    walk.expected[("POST", "/v1/acute-matters")] = (record, IOF_CASEWORKER)
    ids["matter_id"] = matter["id"]
    walk.call(AOF_DEPUTY, "GET", "/v1/acute-matters/{matter_id}", record, **ids)
    walk.call(AOF_DEPUTY, "POST", "/v1/acute-matters/{matter_id}/taken", record, **ids)

    # A monthly meeting (E-7): planned, a case registered, held, minuted; a consultation (E-9).
    ids["series_id"] = forum(escalation)

    def plan(days_ahead: int) -> httpx.Response:
        """The forum's deputy plans its meeting `days_ahead` days from now (E-7)."""
        starts_at = clock.now() + timedelta(days=days_ahead)
        path = f"/v1/meeting-series/{ids['series_id']}/meetings"
        planned = call(
            escalation, IOF_DEPUTY, "POST", path, json={"starts_at": starts_at.isoformat()}
        )
        assert planned.status_code == 201, planned.text
        return planned

    ids["meeting_id"] = plan(5).json()["id"]
    registered = walk.call(
        IOF_DEPUTY,
        "POST",
        "/v1/monthly-meetings/{meeting_id}/registrations",
        body=meeting_registration(personnummer=INDIVIDUAL),
        **ids,
    )
    walk.call(AOF_DEPUTY, "GET", "/v1/monthly-meetings/{meeting_id}", subject, **ids)
    # Plans change (W-2): moved an hour within its month; the agenda it answers with is logged.
    planned_at = datetime.fromisoformat(
        walk.call(AOF_DEPUTY, "GET", "/v1/monthly-meetings/{meeting_id}", subject, **ids)[
            "starts_at"
        ]
    )
    hour = timedelta(hours=1)
    same_month = stockholm_date(planned_at + hour).month == stockholm_date(planned_at).month
    walk.call(
        AOF_DEPUTY,
        "POST",
        "/v1/monthly-meetings/{meeting_id}/move",
        subject,
        body={
            "starts_at": (planned_at + (hour if same_month else -hour)).isoformat(),
            "reason": "Krock.",
        },
        **ids,
    )
    clock.advance(timedelta(days=5, hours=2))
    walk.call(
        IOF_DEPUTY,
        "POST",
        "/v1/monthly-meetings/{meeting_id}/attendance",
        subject,
        body={"present_orgs": [IOF, AOF]},
        **ids,
    )
    with escalation.client(IOF_DEPUTY) as client:
        taker = client.get(f"/v1/monthly-meetings/{ids['meeting_id']}").json()["minute_taker"]
    minute_taker = IOF_DEPUTY if taker == IOF else AOF_DEPUTY
    walk.call(
        minute_taker,
        "POST",
        "/v1/monthly-meetings/{meeting_id}/minutes",
        subject,
        body={
            "text": "Rutinen ses över.",
            "cases": [{"registration_id": registered["id"], "text": "ÄoF tar över."}],
        },
        **ids,
    )
    # A later meeting of the forum: its agenda is empty, its answer discloses no one.
    later = {"meeting_id": plan(40).json()["id"]}
    walk.expected[("POST", "/v1/meeting-series/{series_id}/meetings")] = ("", IOF_DEPUTY)
    # Cancelled (W-2) with a case on its agenda: the answer names that case's individual.
    walk.call(
        IOF_DEPUTY,
        "POST",
        "/v1/monthly-meetings/{meeting_id}/registrations",
        body=meeting_registration(personnummer=INDIVIDUAL),
        **later,
    )
    walk.call(
        AOF_DEPUTY,
        "POST",
        "/v1/monthly-meetings/{meeting_id}/cancellation",
        subject,
        body={"reason": "Lokalen är upptagen."},
        **later,
    )
    consultation = walk.call(
        IOF_DEPUTY,
        "POST",
        "/v1/consultations",
        body=named_consultation(INDIVIDUAL, meeting_id=ids["meeting_id"]),
    )
    ids["consultation_id"] = consultation["id"]
    walk.call(AOF_DEPUTY, "GET", "/v1/consultations/{consultation_id}", **ids)

    unwalked = walk.marked() - set(walk.expected) - set(NOT_HERE)
    assert not unwalked, f"marked routes this test does not call: {sorted(unwalked)}"
    missing = []
    for (method, route), (about, actor) in walk.expected.items():
        if not about:
            continue  # an answer that names no one: nothing to log
        log = walk.audit().query(subject_ids=[about], actor_hsa_id=actor.hsa_id)
        if not any(r["resource"] == f"{method} {route}" for r in log):
            missing.append(f"{method} {route} by {actor.hsa_id} about {about}")
    assert not missing, "no access record for:\n" + "\n".join(missing)
    assert walk.audit().verify() is None
