"""Loggkontroll in the consent service: every route that discloses personal data writes an
access record, found from the route table itself, so a new such route without one fails."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from contracts import OrgType, Role
from services.consent.api import router
from services.runtime.kernel.actor import Actor
from tests.consent_examples import refusal_body
from tests.integration.route_table import operations, personal
from tests.support import (
    HEALTH,
    PLATFORM_ADMIN,
    SOCIAL,
    ServiceProcess,
    call,
    consent_given,
    made_up_personnummer,
)

# The municipality's administrator: an administrator follows up their own organisation's staff.
ADMIN = Actor("SE2120000001-A001", "SE2120000001-IT01", OrgType.SOCIAL_SERVICES, Role.ADMIN)
NUMBER = made_up_personnummer("19910303", "789")
ERASED = made_up_personnummer("19920404", "123")


def routes() -> FastAPI:
    """The service's routes (no store behind them: only their table is read)."""
    app = FastAPI()
    app.include_router(router)
    return app


def test_every_read_about_an_individual_is_marked_as_personal_data() -> None:
    marked = personal(routes())
    reads_about_someone = {
        (method, path)
        for method, path in operations(routes())
        if method == "GET" and re.search(r"\{\w*_id\}", path)
    }
    assert reads_about_someone <= marked, f"unmarked: {reads_about_someone - marked}"
    assert ("POST", "/v1/history") in marked  # the POST variant of the history read
    # A decision says whether records about the person exist (C-9, C-10): logged too.
    assert {("GET", "/v1/decisions"), ("POST", "/v1/decisions")} <= marked
    # The log about the log: reading who looked is itself a read about the individual.
    assert {
        ("GET", "/v1/subjects/{subject_id}/access-log"),
        ("POST", "/v1/access-log/subject"),
        ("POST", "/v1/access-log/actor"),
    } <= marked


@pytest.fixture(scope="module")
def consent(module_platform: dict[str, ServiceProcess]) -> ServiceProcess:
    return module_platform["consent"]


def test_every_personal_data_route_writes_an_access_record(consent: ServiceProcess) -> None:
    given = consent_given(consent, NUMBER, form="oral")
    subject_id, consent_id = given["subject_id"], given["id"]
    question = {"from_org": SOCIAL.org_id, "to_org": HEALTH.org_id, "purpose": "sip"}
    parties = [SOCIAL.org_id, HEALTH.org_id]
    ask_again_on = date.today() + timedelta(days=30)
    # W-3: each record the writes below make is read back where its Location points.
    ids = {
        "subject_id": subject_id,
        "consent_id": consent_id,
        # C-12: with a day to ask again, the refusal waits on SOCIAL's work list (W-1).
        "refusal_id": made(
            consent,
            "/v1/consent-refusals",
            refusal_body(NUMBER, "sip", parties) | {"ask_again_on": ask_again_on.isoformat()},
        ),
        "emergency_disclosure_id": made(
            consent,
            "/v1/emergency-disclosures",
            {"personnummer": NUMBER, "parties": parties, "justification": "fara"},
        ),
        "unborn_child_disclosure_id": made(
            consent,
            "/v1/unborn-child-disclosures",
            {"personnummer": NUMBER, "parties": parties, "justification": "barnet"}
            | {"consent_sought": True},
        ),
    }
    requests = {
        ("GET", "/v1/consents/{consent_id}"): {},
        ("GET", "/v1/consent-refusals/{refusal_id}"): {},
        ("GET", "/v1/emergency-disclosures/{emergency_disclosure_id}"): {},
        ("GET", "/v1/unborn-child-disclosures/{unborn_child_disclosure_id}"): {},
        ("GET", "/v1/subjects/{subject_id}/history"): {},
        ("POST", "/v1/history"): {"json": {"personnummer": NUMBER}},
        ("GET", "/v1/subjects/{subject_id}/decisions"): {},
        ("GET", "/v1/decisions"): {"params": {"subject": subject_id} | question},
        # W-1: the refusal's day to ask again names the individual on the list (C-12).
        ("GET", "/v1/work-items"): {},
        ("POST", "/v1/decisions"): {"json": {"personnummer": NUMBER} | question},
    }
    log_reads = {
        ("GET", "/v1/subjects/{subject_id}/access-log"): {},
        ("POST", "/v1/access-log/subject"): {"json": {"personnummer": NUMBER}},
        ("POST", "/v1/access-log/actor"): {"json": {"hsa_id": SOCIAL.hsa_id}},
    }
    # The erasure is read back by the platform unit's administrators, about someone else:
    # erasing the subject above would blind the rest of this test.
    erasure = ("GET", "/v1/subjects/{subject_id}/erasure")
    # Writes whose answers tie the identity number to the record or show it back.
    writes = {
        ("POST", "/v1/consents"): {
            "json": {"personnummer": NUMBER, "purpose": "case_handover", "parties": parties}
            | {"form": "written", "informed": True}
        },
        ("POST", "/v1/consents/{consent_id}/scope"): {"json": {"add": ["SE2321000016-NVK1"]}},
        ("POST", "/v1/consent-refusals"): {
            "json": {"personnummer": NUMBER, "purpose": "sip", "parties": parties}
            | {"informed": True}
        },
        ("POST", "/v1/emergency-disclosures"): {
            "json": {"personnummer": NUMBER, "parties": parties, "justification": "fara"}
        },
        ("POST", "/v1/unborn-child-disclosures"): {
            "json": {"personnummer": NUMBER, "parties": parties, "justification": "barnet"}
            | {"consent_sought": True}
        },
    }
    for method, path in personal(routes()):
        assert (method, path) in requests | log_reads | writes | {erasure: {}}, (
            f"no request: {path}"
        )

    def access_log() -> list[dict[str, Any]]:
        """The log about the subject; this read of it is logged after it is answered."""
        entries: list[dict[str, Any]] = call(
            consent, ADMIN, "GET", f"/v1/subjects/{subject_id}/access-log"
        ).json()
        return entries

    for (method, path), kwargs in requests.items():
        before = len(access_log())
        url = path.format(**ids)
        response = call(consent, SOCIAL, method, url, **kwargs)
        assert response.status_code == 200, (path, response.text)
        log = access_log()
        assert len(log) == before + 2, path  # this read, and the administrator's read before
        assert log[-1]["actor_hsa_id"] == SOCIAL.hsa_id
        assert log[-1]["resource"] == f"{method} {path}"
        assert log[-1]["action"] == "read"

    for (method, path), kwargs in writes.items():
        before = len(access_log())
        url = path.format(**ids)
        response = call(consent, SOCIAL, method, url, **kwargs)
        assert response.status_code in (200, 201), (path, response.text)
        log = access_log()
        assert len(log) == before + 2, path  # this write, and the administrator's read before
        assert (log[-1]["actor_hsa_id"], log[-1]["action"]) == (SOCIAL.hsa_id, "changed")
        assert log[-1]["resource"] == f"{method} {path}"

    for (method, path), kwargs in log_reads.items():
        before = len(access_log())
        url = path.format(subject_id=subject_id)
        response = call(consent, ADMIN, method, url, **kwargs)
        assert response.status_code == 200, (path, response.text)
        log = access_log()
        assert len(log) == before + 2, path
        assert log[-1]["actor_hsa_id"] == ADMIN.hsa_id
        assert log[-1]["resource"] == f"{method} {path}"

    erased = consent_given(consent, ERASED, form="oral")["subject_id"]
    url = f"/v1/subjects/{erased}/erasure"
    assert call(consent, PLATFORM_ADMIN, "POST", url).status_code == 202
    assert call(consent, PLATFORM_ADMIN, "GET", url).status_code == 200
    log = call(consent, PLATFORM_ADMIN, "GET", f"/v1/subjects/{erased}/access-log").json()
    assert (log[-1]["actor_hsa_id"], log[-1]["action"]) == (PLATFORM_ADMIN.hsa_id, "read")
    assert log[-1]["resource"] == "GET /v1/subjects/{subject_id}/erasure"

    verified = call(consent, ADMIN, "GET", "/v1/access-log/verify").json()
    assert (verified["intact"], verified["first_broken_record"]) == (True, None), verified
    assert call(consent, SOCIAL, "GET", f"/v1/subjects/{subject_id}/access-log").status_code == 403


def made(consent: ServiceProcess, path: str, body: dict[str, Any]) -> str:
    """The id of the record `SOCIAL` makes by posting `body` to `path`."""
    answer = call(consent, SOCIAL, "POST", path, json=body)
    assert answer.status_code == 201, (path, answer.text)
    record_id: str = answer.json()["id"]
    return record_id
