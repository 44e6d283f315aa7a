"""Issue #10: one command followed across services by its W3C trace context.

The HTTP request's ``traceparent`` is stored with the events it causes (not in
their public payload), travels in the Kafka headers, and is in the log lines
of every consumer that handles the event.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from fastapi import FastAPI
from fastapi.testclient import TestClient
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from contracts import events_topic
from services.runtime.http.operations import TraceContext
from services.runtime.kernel.tracing import STORED_KEY, TracingMapper, current_traceparent
from services.runtime.settings import RuntimeSettings
from services.runtime.store.application import OutboxApplication
from services.runtime.store.database import store_env
from tests.support import POLICE, SOCIAL, TEST_PERSONNUMMER, consent_body, read_topic, wait_for

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


class Noted(Aggregate):
    @event("Opened")
    def __init__(self, text: str) -> None:
        self.text = text


class Notes(OutboxApplication, Application[Any]):
    """A minimal application on the runtime's mixin: its events are stored as a service's are."""


def _span(trace_id: int) -> NonRecordingSpan:
    return NonRecordingSpan(
        SpanContext(trace_id, 0x1234, is_remote=True, trace_flags=TraceFlags(1))
    )


def test_an_event_keeps_the_trace_context_it_was_stored_in(
    runtime_settings: RuntimeSettings,
) -> None:
    runtime_settings.var_dir.mkdir(parents=True, exist_ok=True)
    notes = Notes(env=store_env(runtime_settings, "notes"))
    with trace.use_span(_span(int(TRACE_ID, 16))):
        traced = Noted("in a request")
        notes.save(traced)
        expected = current_traceparent()
    untraced = Noted("outside any request")
    notes.save(untraced)

    assert isinstance(notes.mapper, TracingMapper)
    first, second = notes.recorder.select_notifications(1, 10)
    event_one, traceparent = notes.mapper.to_domain_event_traced(first)
    assert traceparent == expected
    assert traceparent is not None
    assert TRACE_ID in traceparent
    assert STORED_KEY not in vars(event_one)  # never part of the domain event
    assert notes.mapper.to_domain_event_traced(second)[1] is None
    # Aggregates read back as they were stored.
    assert notes.repository.get(traced.id).text == "in a request"
    notes.close()


def test_one_command_is_followed_through_kafka_into_a_consumers_log(
    start_service: Any, runtime_settings: RuntimeSettings
) -> None:
    debug = {"SAMVERKAN_LOG_LEVEL": "DEBUG"}
    consent = start_service("consent", **debug)
    escalation = start_service("escalation", **debug)
    with consent.client(POLICE) as police:
        given = police.post(
            "/v1/consents",
            headers={"traceparent": TRACEPARENT},
            json=consent_body(
                TEST_PERSONNUMMER,
                purpose="red_thread_meeting",
                parties=[POLICE.org_id, SOCIAL.org_id],
            ),
        )
        assert given.status_code == 201, given.text
        # The response names this hop: same trace, its own span id.
        version, trace_id, span_id, _ = given.headers["traceparent"].split("-")
        assert (version, trace_id) == ("00", TRACE_ID)
        assert span_id != "00f067aa0ba902b7"
        # A request without one starts a trace of its own.
        fresh = police.get("/healthz").headers["traceparent"].split("-")[1]
        assert fresh not in (TRACE_ID, "0" * 32)

    topic = events_topic("consent", prefix=runtime_settings.topic_prefix)
    [message] = wait_for(lambda: read_topic(runtime_settings.kafka_bootstrap, topic))
    headers = dict(message.headers)
    assert headers["traceparent"] == given.headers["traceparent"].encode()
    assert headers["ce_traceparent"] == headers["traceparent"]
    assert TRACE_ID not in message.value.decode()  # the public payload is unchanged
    ce_id = headers["ce_id"].decode()

    def handled_line() -> dict[str, Any] | None:
        for line in escalation.logs().splitlines():
            if ce_id in line and line.startswith("{"):
                entry: dict[str, Any] = json.loads(line)
                if entry.get("ce_id") == ce_id:
                    return entry
        return None

    entry = wait_for(handled_line)
    assert entry["trace_id"] == TRACE_ID
    assert entry["service"] == "escalation"
    assert "ConsentGiven" in entry["message"]


@pytest.mark.parametrize("header", ["not-a-traceparent", "00-" + "0" * 32 + "-" + "0" * 16 + "-01"])
def test_an_invalid_traceparent_starts_a_new_trace(header: str) -> None:
    http = FastAPI()
    http.add_middleware(TraceContext)

    @http.get("/seen")
    def seen() -> dict[str, str | None]:
        return {"inside": current_traceparent()}

    with TestClient(http) as client:
        answer = client.get("/seen", headers={"traceparent": header})
    assert answer.status_code == 200
    assert answer.json()["inside"] == answer.headers["traceparent"]
    assert answer.headers["traceparent"].split("-")[1] != "0" * 32
