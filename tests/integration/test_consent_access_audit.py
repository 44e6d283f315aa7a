"""Loggkontroll in the consent service: every route that discloses personal data writes an
access record, found from the route table itself, so a new such route without one fails."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.routing import APIRoute

from contracts import OrgType, Role
from services.consent.api import router
from services.runtime.auth import Actor
from tests.support import HEALTH, SOCIAL, ServiceProcess, made_up_personnummer

ADMIN = Actor("SE2321000016-A001", "SE2321000016-IT01", OrgType.SOCIAL_SERVICES, Role.ADMIN)
NUMBER = made_up_personnummer("19910303", "789")
NOT_PERSONAL = {"/v1/decisions"}  # answers yes/no; every question is in the decision log
META = re.compile(r"/access-log")  # the log about the log: administrators only


def personal_routes() -> list[APIRoute]:
    return [
        r
        for r in router.routes
        if isinstance(r, APIRoute) and (r.openapi_extra or {}).get("x-personal-data")
    ]


def test_every_read_about_an_individual_is_marked_as_personal_data() -> None:
    marked = {r.path for r in personal_routes()}
    reads_about_someone = {
        r.path
        for r in router.routes
        if isinstance(r, APIRoute)
        and "GET" in r.methods
        and re.search(r"\{(subject_id|consent_id)\}", r.path)
        and not META.search(r.path)
    }
    assert reads_about_someone <= marked, f"unmarked: {reads_about_someone - marked}"
    assert "/v1/history" in marked  # the POST variant of the history read


@pytest.fixture(scope="module")
def consent(module_platform: dict[str, ServiceProcess]) -> ServiceProcess:
    return module_platform["consent"]


def call(service: ServiceProcess, actor: Actor, method: str, path: str, **kwargs: Any) -> Any:
    with service.client(actor) as client:
        return client.request(method, path, **kwargs)


def test_every_personal_data_route_writes_an_access_record(consent: ServiceProcess) -> None:
    given = call(
        consent,
        SOCIAL,
        "POST",
        "/v1/consents",
        json={
            "personnummer": NUMBER,
            "purpose": "sip",
            "parties": [SOCIAL.org_id, HEALTH.org_id],
            "form": "oral",
            "informed": True,
        },
    ).json()
    subject_id, consent_id = given["subject_id"], given["id"]
    requests = {
        ("GET", "/v1/consents/{consent_id}"): {},
        ("GET", "/v1/subjects/{subject_id}/history"): {},
        ("POST", "/v1/history"): {"json": {"personnummer": NUMBER}},
        ("GET", "/v1/subjects/{subject_id}/decisions"): {},
    }
    for route in personal_routes():
        for method in route.methods:
            assert (method, route.path) in requests, f"no test request for {method} {route.path}"

    for (method, path), kwargs in requests.items():
        before = len(call(consent, ADMIN, "GET", f"/v1/subjects/{subject_id}/access-log").json())
        url = path.format(subject_id=subject_id, consent_id=consent_id)
        response = call(consent, SOCIAL, method, url, **kwargs)
        assert response.status_code == 200, (path, response.text)
        log = call(consent, ADMIN, "GET", f"/v1/subjects/{subject_id}/access-log").json()
        assert len(log) == before + 1, path
        assert log[-1]["actor_hsa_id"] == SOCIAL.hsa_id
        assert log[-1]["resource"] == f"{method} {path}"
        assert log[-1]["action"] == "read"

    verified = call(consent, ADMIN, "GET", "/v1/access-log/verify").json()
    assert verified == {"intact": True, "first_broken_record": None}
    assert call(consent, SOCIAL, "GET", f"/v1/subjects/{subject_id}/access-log").status_code == 403
