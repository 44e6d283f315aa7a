"""A keyed consent (POST /v1/consents with an Idempotency-Key, as real clients send it) is
given in the lean lane, and its answer is kept in the transaction of its events (#24).

Before, a keyed consent made three writes one after the other: the key's claim,
the events (with the key marked "applied" and the access record), and the kept
answer after the route had answered, each a wait for a grouped batch (SQLite) or
a round trip (PostgreSQL). The route now says how it will answer before it saves
(`answering_created`), so the answer is stored with the events and nothing is
written after them; a retry gets that answer again (the consent read back
through its route, as every replay is) and gives nothing a second time (C-1).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from starlette.requests import Request
from starlette.responses import Response

from services.consent.api.giving import LANE
from services.runtime.http.idempotency.store import IdempotencyStore
from services.runtime.http.lanes import Lane
from services.runtime.settings import RuntimeSettings
from tests.integration.in_process import InProcessApp, serving
from tests.support import SOCIAL, auth, consent_body, made_up_personnummer

NOW = datetime(2027, 4, 1, 9, 0, tzinfo=UTC)
BODY = consent_body(made_up_personnummer("19880808", "246"))


@pytest.fixture
def consent(backend_settings: RuntimeSettings) -> Iterator[InProcessApp]:
    yield from serving(InProcessApp, "consent", backend_settings, NOW)


def keyed(app: InProcessApp, key: str) -> Any:
    headers = {**auth(app.settings, SOCIAL), "Idempotency-Key": key}
    return app.client.post(
        "/v1/consents",
        content=json.dumps(BODY),
        headers={**headers, "content-type": "application/json"},
    )


def test_c1_a_keyed_consent_is_given_in_the_lane_with_its_answer_in_its_events_commit(
    consent: InProcessApp, store_backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    laned: list[str] = []

    async def counted(request: Request) -> Response | None:
        laned.append(request.url.path)
        return await LANE.answer(request)

    consent.app.state.lanes = (Lane(LANE.method, LANE.path, counted),)
    answers_written: list[int] = []
    for name in ("answer", "answering"):  # after the commit: the thread's or the loop's
        original = getattr(IdempotencyStore, name, None)
        if original is not None:

            def written(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
                answers_written.append(args[2])
                return _original(*args, **kwargs)

            monkeypatch.setattr(IdempotencyStore, name, written)
    writes = consent.app.state.application.recorder.write_group
    grouped: list[str] = []
    for name in ("run", "submit"):
        original = getattr(writes, name)

        def counting(*args: Any, _name: str = name, _original: Any = original, **kw: Any) -> Any:
            grouped.append(_name)
            return _original(*args, **kw)

        monkeypatch.setattr(writes, name, counting)
    recorder = consent.app.state.application.recorder

    first = keyed(consent, "give-once")

    assert first.status_code == 201, first.text
    assert laned == ["/v1/consents"]  # the lane answered it, key and all
    assert answers_written == []  # kept with the events: no write after them
    if store_backend == "sqlite":  # one writer: the claim, then the events with the answer
        assert len(grouped) == 2, grouped
    given = recorder.max_notification_id()
    again = keyed(consent, "give-once")
    assert again.status_code == 201, again.text
    assert again.headers["idempotent-replayed"] == "true"
    assert {name: again.json()[name] for name in first.json()} == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert recorder.max_notification_id() == given  # not given a second time
    assert answers_written == []
