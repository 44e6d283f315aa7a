"""POST /v1/consents has a lean lane beside its route (#24): the platform's command on the
hot path, answered without FastAPI's routing, dependencies and extra worker threads.

The lane gives a consent as the route gives it (C-1..C-3, its access record with it), leaves
to the route every request it would not answer the same before anything is stored, and once
it has begun answers a refusal in the route's words instead of handing the request on (the
route would record a second consent). Two apps on one store kind: the service as served,
and the same service with no lanes, whose answers are the route's.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message

from services.consent.api.giving import LANE
from services.runtime.http.lanes import LaneRoute
from services.runtime.kernel.actor import Actor
from services.runtime.settings import RuntimeSettings
from tests.integration.in_process import InProcessApp, serving
from tests.support import PLATFORM_ADMIN, SOCIAL, consent_body, made_up_personnummer, token

NOW = datetime(2027, 4, 1, 9, 0, tzinfo=UTC)
PERSON = made_up_personnummer("19870707", "135")
JSON = "application/json"


@pytest.fixture
def consent(runtime_settings: RuntimeSettings) -> Iterator[InProcessApp]:
    yield from serving(InProcessApp, "consent", runtime_settings, NOW)


@pytest.fixture
def by_route(tmp_path: Any, runtime_settings: RuntimeSettings) -> Iterator[InProcessApp]:
    """The same service on a store (and development keys) of its own, without lanes."""
    settings = runtime_settings.model_copy(update={"var_dir": tmp_path / "route-var"})
    for served in serving(InProcessApp, "consent", settings, NOW):
        served.app.state.lanes = ()
        yield served


def stored(app: InProcessApp) -> int:
    top: int = app.app.state.application.recorder.max_notification_id() or 0
    return top


def post(
    app: InProcessApp, actor: Actor | None, body: bytes, content_type: str | None = JSON
) -> httpx.Response:
    headers = {"content-type": content_type} if content_type else {}
    if actor is not None:
        headers["authorization"] = f"Bearer {token(app.settings, actor)}"
    return app.client.post("/v1/consents", content=body, headers=headers)


def lane_answer(
    app: InProcessApp, actor: Actor | None, body: bytes, content_type: str = JSON
) -> tuple[Response | None, list[Message]]:
    """The lane's answer to the request inside the app's guards, and what it left unread."""
    headers = [(b"content-type", content_type.encode())]
    if actor is not None:
        headers.append((b"authorization", f"Bearer {token(app.settings, actor)}".encode()))
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/v1/consents",
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "app": app.app,
        "route": LaneRoute("/v1/consents"),
        "state": {},
    }
    messages: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> Message:
        return messages.pop(0)

    async def answer() -> Response | None:
        return await LANE.answer(Request(scope, receive))

    return asyncio.run(answer()), messages


def test_c1_the_lane_gives_a_consent_as_the_route_does_with_its_access_record(
    consent: InProcessApp, by_route: InProcessApp
) -> None:
    body = json.dumps(consent_body(PERSON)).encode()
    answered, _ = lane_answer(consent, SOCIAL, body)
    assert answered is not None
    assert answered.status_code == 201
    lane_given = json.loads(bytes(answered.body))
    assert answered.headers["location"] == f"/v1/consents/{lane_given['id']}"

    route = post(by_route, SOCIAL, body)
    served = post(consent, SOCIAL, body)  # through the served app's guards, into the lane

    assert route.status_code == served.status_code == 201, (route.text, served.text)
    assert served.json()["subject_id"] == lane_given["subject_id"]
    for answer in (route, served):
        given = answer.json()
        assert set(given) == {"id", "subject_id"}
        assert answer.headers["location"] == f"/v1/consents/{given['id']}"
        assert answer.headers["content-type"] == answered.media_type == JSON
    records = [
        (r["action"], r["purpose"], r["resource"], r["actor_hsa_id"])
        for r in consent.audit.about_subject(lane_given["subject_id"])
    ]
    assert records == [("changed", "consent given", "POST /v1/consents", SOCIAL.hsa_id)] * 2
    assert [
        (r["action"], r["purpose"], r["resource"], r["actor_hsa_id"])
        for r in by_route.audit.about_subject(route.json()["subject_id"])
    ] == records[:1]
    assert consent.app.state.application.read_consent(SOCIAL, UUID(lane_given["id"])).informed


@pytest.mark.parametrize(
    ("actor", "body", "content_type", "status"),
    [
        pytest.param(None, consent_body(PERSON), JSON, 401, id="no-token"),
        pytest.param(PLATFORM_ADMIN, consent_body(PERSON), JSON, 403, id="refused-by-the-policy"),
        pytest.param(SOCIAL, {**consent_body(PERSON), "form": "telepathy"}, JSON, 422, id="form"),
        pytest.param(SOCIAL, b'{"personnummer": ', JSON, 400, id="not-json"),
        pytest.param(SOCIAL, consent_body(PERSON), "text/plain", 422, id="not-declared-json"),
    ],
)
def test_the_lane_leaves_to_the_route_what_it_would_not_answer_the_same(
    consent: InProcessApp,
    by_route: InProcessApp,
    actor: Actor | None,
    body: dict[str, Any] | bytes,
    content_type: str,
    status: int,
) -> None:
    sent = body if isinstance(body, bytes) else json.dumps(body).encode()
    before = stored(consent)
    assert lane_answer(consent, actor, sent, content_type)[0] is None
    assert stored(consent) == before  # declined before anything is stored

    served = post(consent, actor, sent, content_type)
    route = post(by_route, actor, sent, content_type)

    assert served.status_code == route.status_code == status, served.text
    assert served.headers["content-type"] == "application/problem+json"
    assert served.json() == route.json()
    assert stored(consent) == before


def test_a_body_the_lane_read_and_left_reaches_the_route_whole(consent: InProcessApp) -> None:
    """The lane reads the body before it declines; the route is given it again, and names
    the field at fault in it (an empty body would be refused as missing)."""
    body = json.dumps({**consent_body(PERSON), "form": "telepathy"}).encode()
    served = post(consent, SOCIAL, body)
    assert served.status_code == 422, served.text
    assert [error["field"] for error in served.json()["errors"]] == ["body.form"]


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        pytest.param({"informed": False}, "C-2", id="uninformed-C-2"),
        pytest.param({"personnummer": "19870707-1234"}, "personnummer", id="bad-check-digit"),
    ],
)
def test_a_refusal_once_begun_is_answered_by_the_lane_in_the_route_s_words(
    consent: InProcessApp, by_route: InProcessApp, changes: dict[str, Any], rule: str
) -> None:
    """An uninformed consent (C-2), or an identity number that is no number, is refused
    after the lane began its work: it is answered there (the route, given it again, would
    run the command again), as the route's problem document, and nothing is stored."""
    body = json.dumps({**consent_body(PERSON), **changes}).encode()
    before = stored(consent)
    answered, _ = lane_answer(consent, SOCIAL, body)
    assert answered is not None

    route = post(by_route, SOCIAL, body)
    assert route.status_code == 422, route.text
    assert answered.status_code == route.status_code
    assert answered.media_type == route.headers["content-type"] == "application/problem+json"
    assert json.loads(bytes(answered.body)) == route.json()
    assert rule in json.dumps(route.json())
    assert stored(consent) == before
