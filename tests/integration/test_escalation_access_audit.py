"""Loggkontroll in the escalation service: every route that discloses personal data about
an individual writes an access record, found from the route table itself, so a new such
route without one fails."""

from __future__ import annotations

from fastapi import FastAPI

from contracts import OrgType, Role
from services.runtime.kernel.actor import Actor
from services.runtime.store.audit import AccessAudit
from tests.escalation_examples import IOF_CASEWORKER
from tests.integration.route_table import personal, reads_by_id
from tests.integration.test_escalation_api import (
    call,
    clock,  # noqa: F401  (a fixture)
    escalation,  # noqa: F401  (a fixture)
    pull,
    recorded_about,
)
from tests.support import IOF_DEPUTY, POLICE, InProcessService, made_up_personnummer

# The municipality's administrator: an administrator follows up their own organisation's staff.
ADMIN = Actor("SE2120000001-A001", "SE2120000001-IT01", OrgType.SOCIAL_SERVICES, Role.ADMIN)

NOT_PERSONAL = {
    "/v1/meeting-series/{series_id}": "a forum: its name, members and calendar",
    "/v1/monthly-meetings/{meeting_id}/calendar.ics": "times and ids only",
    "/v1/routine-reviews/{review_id}": "the yearly review of the routine (E-13): departments, "
    "dates and what was revised in the routine, about no individual",
}
"""Reads about something with an id that disclose nothing personal, and why."""


def app_of(service: InProcessService) -> FastAPI:
    assert service.server is not None
    app: FastAPI = service.server.config.app
    return app


def test_every_read_about_an_individual_is_marked_as_personal_data(
    escalation: InProcessService,  # noqa: F811
) -> None:
    marked = personal(app_of(escalation))
    reads_about_someone = reads_by_id(app_of(escalation), NOT_PERSONAL)
    assert reads_about_someone <= marked, f"unmarked: {reads_about_someone - marked}"
    assert ("GET", "/v1/monthly-meetings/{meeting_id}") in marked


def test_every_personal_data_route_writes_an_access_record(
    escalation: InProcessService,  # noqa: F811
) -> None:
    person = made_up_personnummer("20080301", "456")
    red_thread = pull(escalation)
    recorded = recorded_about(
        escalation,
        person,
        reason="Oenighet om boendestöd efter 19 år.",
        question="Utskrivning i dag utan boende.",
        notes="Samsjuklighet.",
    )
    meeting, raised = recorded["meeting"], recorded["escalation"]
    matter, consultation = recorded["matter"], recorded["consultation"]
    subject_id = raised["subject_id"]
    assert recorded["registration"]["subject_id"] == matter["subject_id"] == subject_id

    ids = {
        "red_thread_id": red_thread["id"],
        "escalation_id": raised["id"],
        "meeting_id": meeting["id"],
        "matter_id": matter["id"],
        "consultation_id": consultation["id"],
        "subject_id": subject_id,
    }
    requests: dict[tuple[str, str], tuple[Actor, str]] = {
        ("GET", "/v1/red-threads/{red_thread_id}"): (POLICE, red_thread["subject_id"]),
        ("GET", "/v1/escalations/{escalation_id}"): (IOF_CASEWORKER, subject_id),
        ("GET", "/v1/monthly-meetings/{meeting_id}"): (IOF_DEPUTY, subject_id),
        ("GET", "/v1/acute-matters/{matter_id}"): (IOF_CASEWORKER, subject_id),
        ("GET", "/v1/consultations/{consultation_id}"): (IOF_DEPUTY, subject_id),
        ("GET", "/v1/subjects/{subject_id}/records"): (IOF_CASEWORKER, subject_id),  # W-3
        # The log about the log (loggkontroll): reading who looked is a read about them too.
        ("POST", "/v1/access-log/subject"): (ADMIN, subject_id),
        ("POST", "/v1/access-log/actor"): (ADMIN, subject_id),
    }
    bodies = {
        "/v1/access-log/subject": {"personnummer": person},
        "/v1/access-log/actor": {"hsa_id": IOF_DEPUTY.hsa_id},
    }
    # The reads by id and the log about the log; writes, calendar files and the deadlines
    # are walked by tests/integration/test_escalation_answers_logged.py.
    for method, path in personal(app_of(escalation)):
        if (method == "GET" and "{" in path and not path.endswith(".ics")) or "access-log" in path:
            assert (method, path) in requests, f"no test request for {method} {path}"

    audit: AccessAudit = app_of(escalation).state.access_audit
    for (method, path), (actor, about) in requests.items():
        before = len(audit.about_subject(about))
        response = call(escalation, actor, method, path.format(**ids), bodies.get(path))
        assert response.status_code == 200, (path, response.text)
        log = audit.about_subject(about)
        assert len(log) == before + 1, path
        assert log[-1]["actor_hsa_id"] == actor.hsa_id
        assert log[-1]["actor_org_id"] == actor.org_id
        assert log[-1]["resource"] == f"{method} {path}"
        assert log[-1]["action"] == "read"
    assert audit.verify() is None
