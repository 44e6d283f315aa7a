"""Issue #23, item 1: one INFO line per request, enough to find a partner's complaint.

The line (logger ``samverkan.requests``, services.runtime.http.request_log)
names the method, the route's template, the status, the duration, the trace
id and the verified caller's HSA-id; never the raw path, the query string or
the body, so a personnummer sent in a body (or, by mistake, a query) is in no
log line.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from services.runtime.ops.json_logs import JsonFormatter
from services.runtime.settings import RuntimeSettings
from tests.integration.in_process import InProcessApp, serving
from tests.support import POLICE, SOCIAL, TEST_PERSONNUMMER, consent_body

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def consent(runtime_settings: RuntimeSettings) -> Iterator[InProcessApp]:
    yield from serving(InProcessApp, "consent", runtime_settings, NOW)


def _lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    """The request log's lines as the service writes them to stderr (JSON)."""
    formatter = JsonFormatter("consent")
    lines = []
    for record in caplog.records:
        if record.name == "samverkan.requests":
            line = formatter.format(record)
            digits = TEST_PERSONNUMMER.replace("-", "")
            assert TEST_PERSONNUMMER not in line
            assert digits not in line
            lines.append(json.loads(line))
    return lines


def test_each_request_is_one_line_with_route_status_trace_and_caller(
    consent: InProcessApp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="samverkan.requests")
    given = consent.call(
        SOCIAL,
        "POST",
        "/v1/consents",
        json=consent_body(TEST_PERSONNUMMER, form="written"),
    )
    assert given.status_code == 201, given.text
    consent_id = given.json()["id"]
    read = consent.call(
        POLICE, "GET", f"/v1/consents/{consent_id}?personnummer={TEST_PERSONNUMMER}"
    )
    unauthenticated = consent.client.get(f"/v1/consents/{consent_id}")
    assert unauthenticated.status_code == 401

    first, second, third = _lines(caplog)
    assert {k: first[k] for k in ("method", "route", "status", "hsa_id", "level")} == {
        "method": "POST",
        "route": "/v1/consents",
        "status": 201,
        "hsa_id": SOCIAL.hsa_id,
        "level": "INFO",
    }
    assert first["trace_id"] == given.headers["traceparent"].split("-")[1]
    assert isinstance(first["duration_ms"], float)
    assert first["duration_ms"] >= 0
    # The template, never the id or the query.
    assert second["route"] == "/v1/consents/{consent_id}"
    assert second["status"] == read.status_code
    assert second["hsa_id"] == POLICE.hsa_id
    assert consent_id not in json.dumps(second)
    assert second["trace_id"] == read.headers["traceparent"].split("-")[1]
    # A request that is refused before anyone is known names no one.
    assert (third["status"], third["hsa_id"]) == (401, None)
    assert third["trace_id"] == unauthenticated.headers["traceparent"].split("-")[1]


def test_an_unmatched_path_is_logged_without_it(
    consent: InProcessApp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="samverkan.requests")
    missing = consent.call(SOCIAL, "GET", f"/v1/nowhere/{TEST_PERSONNUMMER}")
    assert missing.status_code == 404
    [line] = _lines(caplog)
    assert (line["route"], line["status"]) == ("unmatched", 404)
