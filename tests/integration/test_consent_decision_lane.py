"""C-9's hot read: GET /v1/decisions has a lean lane beside its route (#24).

The lane answers what the route would answer, and leaves everything else (every refusal)
to the route; a decision's log entry and its access record are stored in one
transaction, so neither is kept, and nothing is answered, without the other. On a real
consent service in this process, its SQLite store read directly.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response

from services.consent.api.decisions import LANE
from services.consent.service import Settings as ConsentSettings
from services.runtime.http.lanes import LaneRoute
from services.runtime.kernel.actor import Actor
from services.runtime.settings import RuntimeSettings
from tests.support import (
    HEALTH,
    PLATFORM_ADMIN,
    POLICE,
    SOCIAL,
    InProcessService,
    MovableClock,
    consent_given,
    decision,
    made_up_personnummer,
    token,
    wait_for,
)

NUMBER = made_up_personnummer("19800808", "246")


@pytest.fixture
def consent(start_in_process: Callable[..., InProcessService]) -> InProcessService:
    return start_in_process("consent", ConsentSettings())


@pytest.fixture
def subject(consent: InProcessService) -> str:
    given: str = consent_given(consent, NUMBER)["subject_id"]
    return given


def store(settings: RuntimeSettings) -> Path:
    return settings.var_dir / "consent.db"


def counts(settings: RuntimeSettings, subject: str) -> tuple[int, int]:
    """(decision-log entries, access records) about `subject`, read from the store."""
    with sqlite3.connect(store(settings)) as db:
        logged = db.execute("SELECT COUNT(*) FROM decision_log WHERE subject_id = ?", (subject,))
        accessed = db.execute(
            "SELECT COUNT(*) FROM access_audit WHERE subject_id = ? AND resource = ?",
            (subject, "GET /v1/decisions"),
        )
        return logged.fetchone()[0], accessed.fetchone()[0]


def query(subject_id: str, /, **changes: str) -> dict[str, str]:
    return {
        "subject": subject_id,
        "from_org": SOCIAL.org_id,
        "to_org": HEALTH.org_id,
        "purpose": "sip",
    } | changes


def in_lane(
    consent: InProcessService, params: list[tuple[str, str]], actor: Actor | None
) -> Request:
    """The request as the lane sees it inside the served app's guards."""
    headers = (
        [(b"authorization", f"Bearer {token(consent.settings, actor)}".encode())] if actor else []
    )
    assert consent.server is not None
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/v1/decisions",
        "root_path": "",
        "query_string": urlencode(params).encode(),
        "headers": headers,
        "app": consent.server.config.app,
        "route": LaneRoute("/v1/decisions"),
    }
    return Request(scope)


def lane_answer(request: Request) -> Response | None:
    async def answer() -> Response | None:
        return await LANE.answer(request)

    return asyncio.run(answer())


def test_c9_the_lane_answers_what_the_route_answers_and_logs_it_once(
    consent: InProcessService, subject: str, clock: MovableClock
) -> None:
    at = clock.now().isoformat()
    answered = lane_answer(in_lane(consent, [*query(subject, at=at).items()], SOCIAL))
    assert answered is not None
    assert answered.status_code == 200
    assert counts(consent.settings, subject) == (1, 1)
    # An unknown parameter is the route's (it ignores it): the same answer, in the same words.
    by_route = decision(consent, subject, at=at, unknown="1")
    assert by_route.status_code == 200, by_route.text
    assert bytes(answered.body) == by_route.content
    assert answered.media_type == by_route.headers["content-type"]
    assert by_route.json()["allowed"] is True
    assert counts(consent.settings, subject) == (2, 2)
    # Through the served app, which takes it into the lane.
    assert decision(consent, subject, at=at).json() == by_route.json()
    assert counts(consent.settings, subject) == (3, 3)


@pytest.mark.parametrize(
    ("actor", "changes", "repeated", "status"),
    [
        pytest.param(None, {}, [], 401, id="no-token"),
        pytest.param(PLATFORM_ADMIN, {}, [], 403, id="refused-by-the-policy"),
        pytest.param(POLICE, {}, [], 403, id="not-a-party-C-9"),
        pytest.param(SOCIAL, {"to_org": SOCIAL.org_id}, [], 422, id="same-unit-twice-C-9"),
        pytest.param(SOCIAL, {"subject": NUMBER}, [], 422, id="personnummer-in-the-url"),
        pytest.param(SOCIAL, {"purpose": "gossip"}, [], 422, id="unknown-purpose"),
        pytest.param(SOCIAL, {"at": "2026-01-02T03:04:05"}, [], 422, id="at-without-zone"),
        pytest.param(SOCIAL, {}, [("purpose", "sip")], 200, id="repeated-parameter"),
        pytest.param(SOCIAL, {"page": "2"}, [], 200, id="unknown-parameter"),
    ],
)
def test_c9_the_lane_leaves_to_the_route_what_it_would_not_answer_the_same(
    consent: InProcessService,
    subject: str,
    actor: Actor | None,
    changes: dict[str, str],
    repeated: list[tuple[str, str]],
    status: int,
) -> None:
    params = [*query(subject, **changes).items(), *repeated]
    before = counts(consent.settings, subject)
    assert lane_answer(in_lane(consent, params, actor)) is None
    assert counts(consent.settings, subject) == before  # declined before anything is stored
    answered = _get(consent, params, actor)
    assert answered.status_code == status, answered.text
    if status != 200:
        assert answered.headers["content-type"] == "application/problem+json"


def _get(
    consent: InProcessService, params: list[tuple[str, str]], actor: Actor | None
) -> httpx.Response:
    with consent.client(actor) as client:
        return client.get(f"/v1/decisions?{urlencode(params)}")


@pytest.fixture
def decision_log_away(consent: InProcessService) -> Iterator[Callable[[], None]]:
    """Takes the decision log's table out of the store (a real write failure) until the
    returned function, or the test's end, puts it back."""
    path = store(consent.settings)
    with sqlite3.connect(path) as db:
        db.execute("ALTER TABLE decision_log RENAME TO decision_log_away")
    away = True

    def back() -> None:
        nonlocal away
        if away:
            with sqlite3.connect(path) as db:
                db.execute("ALTER TABLE decision_log_away RENAME TO decision_log")
            away = False

    yield back
    back()


def test_c9_without_its_decision_log_entry_a_decision_is_neither_answered_nor_access_logged(
    consent: InProcessService, subject: str, decision_log_away: Callable[[], None]
) -> None:
    with sqlite3.connect(store(consent.settings)) as db:
        accessed = db.execute("SELECT COUNT(*) FROM access_audit WHERE subject_id = ?", (subject,))
        records_before = accessed.fetchone()[0]
    refused = decision(consent, subject)
    assert refused.status_code == 503, refused.text
    with sqlite3.connect(store(consent.settings)) as db:
        accessed = db.execute("SELECT COUNT(*) FROM access_audit WHERE subject_id = ?", (subject,))
        assert accessed.fetchone()[0] == records_before  # the record went with the entry
    decision_log_away()
    answered = wait_for(lambda: (r := decision(consent, subject)).status_code == 200 and r)
    assert answered.json()["allowed"] is True
    assert counts(consent.settings, subject) == (1, 1)


def test_c9_a_decision_in_the_lane_has_its_request_log_line_naming_the_caller(
    consent: InProcessService, subject: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="samverkan.requests")
    answered = decision(consent, subject)
    assert answered.status_code == 200, answered.text
    # Written once the answer is sent, by the server's thread: waited for.
    [line] = wait_for(
        lambda: [
            record
            for record in caplog.records
            if record.name == "samverkan.requests"
            and getattr(record, "route", None) == "/v1/decisions"
        ]
    )
    assert (line.status, line.hsa_id) == (200, SOCIAL.hsa_id)
    assert subject not in line.getMessage()
