"""Every error a service returns is an RFC 9457 problem document, never a bare 500."""

import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from eventsourcing.persistence import IntegrityError, OperationalError
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from services.runtime.http.problems import Problem, RuleViolation, install_problem_handlers

PROBLEM_JSON = "application/problem+json"


class MeetingTooLate(RuleViolation):
    rule = "E-3"


class OnlyBlueLightMayPull(RuleViolation):
    rule = "E-1"
    status = 403
    title = "Only blue-light services may pull the red thread"


class Referral(BaseModel):
    personnummer: str
    urgent: bool


def raising(error: Exception) -> Callable[[], None]:
    """An endpoint that fails with `error`, as a service's would."""

    def endpoint() -> None:
        raise error

    return endpoint


def problem_document(response: httpx.Response, status: int) -> dict[str, Any]:
    """`response`'s body, once the response is a problem document (RFC 9457) with `status`."""
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM_JSON
    document: dict[str, Any] = response.json()
    return document


@pytest.fixture
def client() -> TestClient:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/referrals")
    def refer(referral: Referral) -> dict[str, bool]:
        return {"urgent": referral.urgent}

    app.post("/meetings")(
        raising(MeetingTooLate("the meeting must be held within 14 days of the pull"))
    )
    app.post("/red-threads")(raising(OnlyBlueLightMayPull("school may not pull the red thread")))
    app.get("/secret")(
        raising(
            Problem(403, "Forbidden", "no consent", rule="C-1", headers={"X-Reason": "consent"})
        )
    )
    app.get("/bug")(raising(RuntimeError("19121212-1212 leaked into an exception")))
    app.get("/down")(raising(OperationalError("connection refused")))
    app.post("/race")(raising(IntegrityError("duplicate key")))
    return TestClient(app, raise_server_exceptions=False)


def test_validation_error_names_each_field_and_hides_the_input(client: TestClient) -> None:
    response = client.post("/referrals", json={"personnummer": 19121212, "urgent": "maybe"})
    problem = problem_document(response, 422)
    assert problem["title"] == "Invalid request"
    assert problem["instance"] == "/referrals"
    assert [error["field"] for error in problem["errors"]] == [
        "body.personnummer",
        "body.urgent",
    ]
    assert "19121212" not in response.text


def test_missing_field_is_named(client: TestClient) -> None:
    problem = problem_document(client.post("/referrals", json={"urgent": True}), 422)
    assert problem["errors"][0]["field"] == "body.personnummer"


def test_malformed_json_is_a_400_problem(client: TestClient) -> None:
    response = client.post(
        "/referrals",
        content=b'{"personnummer": "19121212-1212", ',
        headers={"Content-Type": "application/json"},
    )
    assert "not valid JSON" in problem_document(response, 400)["detail"]
    assert "19121212" not in response.text


def test_rule_violation_is_409_with_the_rule(client: TestClient) -> None:
    assert problem_document(client.post("/meetings"), 409) == {
        "type": "https://samverkan.se/problems/rule/E-3",
        "title": "Meeting too late",
        "status": 409,
        "detail": "the meeting must be held within 14 days of the pull",
        "instance": "/meetings",
        "rule": "E-3",
    }


def test_rule_violation_subclass_sets_status_and_title(client: TestClient) -> None:
    problem = problem_document(client.post("/red-threads"), 403)
    assert problem["title"] == "Only blue-light services may pull the red thread"
    assert problem["rule"] == "E-1"


def test_rule_violation_needs_a_rule_id() -> None:
    with pytest.raises(TypeError, match="rule id"):
        RuleViolation("no rule")
    assert RuleViolation("explicit", rule="K-5").rule == "K-5"


def test_problem_exception_keeps_its_members_and_headers(client: TestClient) -> None:
    response = client.get("/secret")
    assert response.headers["x-reason"] == "consent"
    assert problem_document(response, 403) == {
        "type": "about:blank",
        "title": "Forbidden",
        "status": 403,
        "detail": "no consent",
        "instance": "/secret",
        "rule": "C-1",
    }


def test_unknown_route_is_404_problem(client: TestClient) -> None:
    problem = problem_document(client.get("/nowhere"), 404)
    assert problem["title"] == "Not Found"
    assert problem["instance"] == "/nowhere"


def test_wrong_method_is_405_problem(client: TestClient) -> None:
    response = client.get("/meetings")
    problem_document(response, 405)
    assert "allow" in response.headers


def test_unexpected_error_is_a_logged_generic_500_problem(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="services.runtime.http.problems"):
        response = client.get("/bug")
    problem_document(response, 500)
    assert "19121212" not in response.text
    assert any(record.exc_info for record in caplog.records)


def test_a_store_outage_is_a_503_with_retry_after_not_a_500(client: TestClient) -> None:
    response = client.get("/down")
    problem_document(response, 503)
    assert response.headers["retry-after"] == "2"


def test_a_concurrent_change_is_a_409_conflict(client: TestClient) -> None:
    assert problem_document(client.post("/race"), 409)["title"] == "Conflict"
