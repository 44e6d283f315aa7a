"""Issue #23, item 1: one command followed, span by span, from HTTP into another service.

With the OpenTelemetry SDK configured (here with an in-memory exporter in the
test's process; in production over OTLP, services.runtime.ops.telemetry) a
command is one trace: the HTTP server span (the FastAPI instrumentation's),
the store append under it, the relay's producer span (child of the request's
span, which the stored event kept) and the consuming service's span (child of
the send, whose context the message carried), each with attributes that say
where, and none that names the individual. The request's log line at INFO
carries the same trace id and the caller's HSA-id.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from contracts import decode, events_topic
from services.runtime.kernel.tracing import use_tracer_provider
from services.runtime.messaging.consumer.target import Applier, Outcome, TrackedTarget
from services.runtime.settings import RuntimeSettings
from tests.faults.escalation_downstream import consents_published, escalation_store
from tests.support import (
    POLICE,
    SOCIAL,
    TEST_PERSONNUMMER,
    InProcessService,
    as_published,
    consent_body,
    oral_consent,
    read_topic,
    wait_for,
)

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN_ID = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{CALLER_SPAN_ID}-01"


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """The SDK, as configured OTEL_* variables install it, exporting to memory for this
    test only (the global provider is left alone)."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    use_tracer_provider(provider)
    yield exporter
    use_tracer_provider(None)
    provider.shutdown()


def _in_trace(exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    return [
        span
        for span in exporter.get_finished_spans()
        if span.context is not None and f"{span.context.trace_id:032x}" == TRACE_ID
    ]


def _one(found: list[ReadableSpan], what: str) -> ReadableSpan:
    assert len(found) == 1, f"{what}: {[(s.name, s.kind) for s in found]}"
    return found[0]


def _parent_id(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent is not None else None


def test_one_command_is_one_trace_from_http_through_the_relay_into_a_consumer(
    spans: InMemorySpanExporter,
    start_in_process: Callable[..., InProcessService],
    runtime_settings: RuntimeSettings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="samverkan.requests")
    consent = start_in_process("consent")
    start_in_process("escalation")
    consent_topic = events_topic("consent", prefix=runtime_settings.topic_prefix)
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
        # A query string (here, wrongly, with a personnummer) is cut from the span.
        read = police.get(
            f"/v1/consents/{given.json()['id']}?personnummer={TEST_PERSONNUMMER}",
            headers={"traceparent": TRACEPARENT},
        )
    assert read.status_code == 200, read.text

    def consumed() -> ReadableSpan | None:
        for span in _in_trace(spans):
            attributes = span.attributes or {}
            if (
                span.kind is SpanKind.CONSUMER
                and attributes.get("messaging.destination.name") == consent_topic
            ):
                return span
        return None

    consumer = wait_for(consumed, timeout=30.0)
    trace = _in_trace(spans)

    # The HTTP hop: the instrumentation's server span, child of the caller's, named by route.
    servers = {s.name: s for s in trace if s.kind is SpanKind.SERVER}
    assert set(servers) == {"POST /v1/consents", "GET /v1/consents/{consent_id}"}
    server = servers["POST /v1/consents"]
    assert server.parent is not None
    assert server.parent.is_remote
    assert f"{server.parent.span_id:016x}" == CALLER_SPAN_ID
    assert (server.attributes or {})["http.route"] == "/v1/consents"
    assert server.context is not None
    # ...and the answer names exactly this span (TraceContext made no second one).
    assert given.headers["traceparent"] == f"00-{TRACE_ID}-{server.context.span_id:016x}-01"

    append = _one([s for s in trace if s.name == "append events"], "store appends")
    assert _parent_id(append) == server.context.span_id
    assert (append.attributes or {})["db.system"] == "sqlite"

    # The relay's send: child of the request's span, which the stored event kept.
    producer = _one(
        [s for s in trace if s.kind is SpanKind.PRODUCER and s.name == f"send {consent_topic}"],
        "sends of the consent",
    )
    assert _parent_id(producer) == server.context.span_id
    sent = producer.attributes or {}
    assert sent["messaging.system"] == "kafka"
    assert sent["messaging.destination.name"] == consent_topic
    [message] = read_topic(runtime_settings.kafka_bootstrap, consent_topic)
    headers = dict(message.headers)
    assert sent["cloudevents.event_id"] == headers["ce_id"].decode()
    assert sent["cloudevents.event_type"] == headers["ce_type"].decode()
    assert sent["messaging.destination.partition.id"] == str(message.partition)
    assert sent["messaging.kafka.offset"] == message.offset
    # The message carries the send's context, so the consumer's span is its child.
    assert producer.context is not None
    assert headers["traceparent"] == f"00-{TRACE_ID}-{producer.context.span_id:016x}-01".encode()

    assert _parent_id(consumer) == producer.context.span_id
    handled = consumer.attributes or {}
    assert handled["cloudevents.event_id"] == sent["cloudevents.event_id"]
    assert handled["messaging.kafka.offset"] == message.offset
    assert handled["messaging.system"] == "kafka"

    # No span of the trace names the individual, in any attribute.
    digits = TEST_PERSONNUMMER.replace("-", "")
    for span in trace:
        for value in (span.attributes or {}).values():
            assert TEST_PERSONNUMMER not in str(value), span.name
            assert digits not in str(value), span.name

    # The request's log line at INFO: same trace, the caller, the route's template.
    [line] = [r for r in caplog.records if getattr(r, "route", None) == "/v1/consents"]
    logged: dict[str, Any] = vars(line)
    assert logged["trace_id"] == TRACE_ID
    assert logged["hsa_id"] == POLICE.hsa_id
    assert (logged["method"], logged["status"]) == ("POST", 201)


async def test_messages_applied_together_each_have_their_consumer_span(
    spans: InMemorySpanExporter, runtime_settings: RuntimeSettings
) -> None:
    """The fast path applies a run in one transaction: each message still gets a span of
    its own, in its own trace, child of the send its headers name."""
    sends = {n: f"00-{n:032x}-{n:016x}-01" for n in (1, 2)}
    published = []
    for n in (1, 2):
        key, value, headers = as_published(oral_consent(n, "8" * 64), n)
        published.append((key, value, [*headers, ("traceparent", sends[n].encode())]))
    topic = await consents_published(runtime_settings, published, partitions=[0, 0])
    records = read_topic(runtime_settings.kafka_bootstrap, topic)
    escalation = escalation_store(runtime_settings)
    try:
        applier = Applier(TrackedTarget.of(escalation, escalation.recorder), 3, 0.0)
        run = [(record, decode(record.value, record.headers)) for record in records]
        result = applier.apply_in_order(run, accept_gap=False)
    finally:
        escalation.close()
    assert result.outcomes == [Outcome.APPLIED, Outcome.APPLIED]

    consumed = [s for s in spans.get_finished_spans() if s.kind is SpanKind.CONSUMER]
    assert len(consumed) == 2
    # Applied together (one transaction), not one after the other: the spans overlap.
    first, second = sorted(consumed, key=lambda s: s.start_time or 0)
    assert (first.end_time or 0) > (second.start_time or 0)
    for span, record in zip(
        sorted(consumed, key=lambda s: (s.attributes or {})["messaging.kafka.offset"]),
        records,
        strict=True,
    ):
        n = 1 if record is records[0] else 2
        assert span.context is not None
        assert span.context.trace_id == n
        assert _parent_id(span) == n
        assert (span.attributes or {})["messaging.kafka.offset"] == record.offset
        assert (span.attributes or {})["cloudevents.event_id"] == dict(record.headers)[
            "ce_id"
        ].decode()
