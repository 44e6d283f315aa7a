"""W3C trace context from an HTTP request, through the event store and Kafka, into every log.

One command should be followable across services: the request's
``traceparent`` (or a new one when it has none) becomes the current
OpenTelemetry context while the request is handled; the events it stores keep
it (`TracingMapper`, beside the event's state, never in a public payload);
the outbox relay puts it in the Kafka headers (`message_headers`); each
consumer makes it current again while it handles that message
(`consuming`), so its log lines carry the same ``trace_id``
(services.runtime.ops.json_logs) and the events *it* stores continue the trace.

Only the OpenTelemetry API is used here. Without an SDK the API records
nothing and makes no span ids of its own, so each hop makes its own span id
here (same trace id, new parent id), as a recording SDK would. When the SDK is
configured (services.runtime.ops.telemetry, from the standard ``OTEL_*``
variables) its provider makes the spans (`use_tracer_provider`): the HTTP
server span (the FastAPI instrumentation's), a span per store append, a
producer span per message the relay sends (whose context, not the stored
one, then travels in the headers, so the consumer's span is its child) and
a consumer span per message handled. Their attributes name routes, topics,
partitions, offsets and CloudEvents ids and types: never personal data.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import get_topic
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import (
    NonRecordingSpan,
    Span,
    SpanContext,
    SpanKind,
    Status,
    StatusCode,
    TraceFlags,
    Tracer,
    TracerProvider,
)
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.util.types import AttributeValue

TRACEPARENT = "traceparent"
"""The W3C header, on HTTP requests and responses and on Kafka messages."""
CE_TRACEPARENT = "ce_traceparent"
"""The same value as the CloudEvents distributed-tracing extension (Kafka binary mode)."""
STORED_KEY = "_traceparent"
"""Where a stored event keeps the trace context of the request that caused it."""

TRACER_NAME = "samverkan"

_propagator = TraceContextTextMapPropagator()

_new_stored_event = object.__new__
_set_attribute = object.__setattr__


@dataclass
class _Tracing:
    """The provider this module's spans come from: a configured SDK's, else the global one."""

    provider: TracerProvider | None = None
    tracer: Tracer = field(default_factory=lambda: trace.get_tracer(TRACER_NAME))


_tracing = _Tracing()


def use_tracer_provider(provider: TracerProvider | None) -> None:
    """Make `provider` (an SDK's, configured by services.runtime.ops.telemetry or a test)
    make every span here; None goes back to the global provider (no SDK: the API's
    no-op). Not only `trace.set_tracer_provider`, which may be called once per process:
    a test installs an in-memory exporter for itself and takes it away again."""
    _tracing.provider = provider
    _tracing.tracer = (
        provider.get_tracer(TRACER_NAME) if provider else trace.get_tracer(TRACER_NAME)
    )


def tracer_provider() -> TracerProvider | None:
    """The SDK provider spans are recorded with (None: none is configured)."""
    return _tracing.provider


def recording() -> bool:
    """Whether spans may be recorded at all: an SDK provider is configured here or
    globally. False spares the hot paths (every message, every store append) work
    whose spans the API would drop anyway."""
    return _tracing.provider is not None or not isinstance(
        trace.get_tracer_provider(), trace.ProxyTracerProvider | trace.NoOpTracerProvider
    )


def current_traceparent() -> str | None:
    """The current context as a ``traceparent`` value, or None outside any trace.

    Formatted here rather than through the propagator's `inject`: it runs for
    every request and every stored event, and the W3C format is fixed.
    """
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return f"00-{context.trace_id:032x}-{context.span_id:016x}-{context.trace_flags:02x}"


def current_trace_ids() -> tuple[str, str] | None:
    """(trace id, span id) in hex of the current span, for log lines; None outside a trace."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return f"{context.trace_id:032x}", f"{context.span_id:016x}"


def _random_id(bits: int) -> int:
    """A non-zero random id. Trace ids must be unique, not secret: like the
    OpenTelemetry SDK's generator, use the fast PRNG, not the OS's."""
    return random.getrandbits(bits) or 1


def _span(name: str, parent: Context, kind: SpanKind) -> Span:
    """A span of this hop, child of `parent` (or the root of a new trace)."""
    span = _tracing.tracer.start_span(name, context=parent, kind=kind)
    parent_context = trace.get_current_span(parent).get_span_context()
    made = span.get_span_context()
    if made.is_valid and made.span_id != parent_context.span_id:
        return span  # an SDK is installed: its span, recorded and exported as configured
    if parent_context.is_valid:
        trace_id, flags, state = (
            parent_context.trace_id,
            parent_context.trace_flags,
            parent_context.trace_state,
        )
    else:
        trace_id, flags, state = _random_id(128), TraceFlags(TraceFlags.DEFAULT), None
    return NonRecordingSpan(
        SpanContext(
            trace_id=trace_id,
            span_id=_random_id(64),
            is_remote=False,
            trace_flags=flags,
            trace_state=state,
        )
    )


@contextmanager
def server_span(name: str, headers: Mapping[str, str]) -> Iterator[str]:
    """The request's trace context made current; yields the ``traceparent`` to answer with.

    When the FastAPI instrumentation already made the request's server span
    (the SDK is configured), that span is the hop: no second one is made.
    """
    current = trace.get_current_span()
    if current.is_recording() and current.get_span_context().is_valid:
        yield current_traceparent() or ""
        return
    span = _span(name, _propagator.extract(headers), SpanKind.SERVER)
    with trace.use_span(span, end_on_exit=True):
        yield current_traceparent() or ""


Attributes = Mapping[str, AttributeValue]


def _carrier(headers: Sequence[tuple[str, bytes | None]]) -> dict[str, str]:
    return {
        key: value.decode("latin-1")
        for key, value in headers
        if key in (TRACEPARENT, "tracestate") and value
    }


@contextmanager
def consuming(
    name: str, headers: Sequence[tuple[str, bytes | None]], attributes: Attributes | None = None
) -> Iterator[None]:
    """A consumed message's trace context made current while it is handled.

    A message without one (an older producer, a partner) is handled outside
    any trace. `attributes` (topic, partition, offset, CloudEvents id and
    type) go on the consumer span when the SDK records it.
    """
    carrier = _carrier(headers)
    if TRACEPARENT not in carrier:
        yield
        return
    span = _span(name, _propagator.extract(carrier), SpanKind.CONSUMER)
    if attributes and span.is_recording():
        span.set_attributes(attributes)
    with trace.use_span(span, end_on_exit=True):
        yield


def consumer_spans(
    messages: Sequence[tuple[str, Sequence[tuple[str, bytes | None]], Attributes]],
) -> list[Span | None]:
    """Recording consumer spans for messages handled together (one transaction), none
    made current: each message is in a trace of its own. One per message, None for a
    message without a trace context and for every message without an SDK. End them
    with `end_spans`."""
    if not recording():
        return [None] * len(messages)
    spans: list[Span | None] = []
    for name, headers, attributes in messages:
        carrier = _carrier(headers)
        span = (
            _tracing.tracer.start_span(
                name,
                context=_propagator.extract(carrier),
                kind=SpanKind.CONSUMER,
                attributes=attributes,
            )
            if TRACEPARENT in carrier
            else None
        )
        spans.append(span if span is not None and span.is_recording() else None)
    return spans


def producer_span(
    name: str, headers: Sequence[tuple[str, bytes]], attributes: Attributes
) -> Span | None:
    """A recording PRODUCER span for a message about to be sent, child of the trace its
    headers carry (the stored event's) or the root of a new one; None without an SDK.

    The caller sends the message with `traced_headers` (so its consumers are
    children of this span), and ends it with `end_spans` when the broker has
    answered.
    """
    if not recording():
        return None
    span = _tracing.tracer.start_span(
        name,
        context=_propagator.extract(_carrier(headers)),
        kind=SpanKind.PRODUCER,
        attributes=attributes,
    )
    if not span.is_recording():
        return None
    return span


def traced_headers(headers: Sequence[tuple[str, bytes]], span: Span) -> list[tuple[str, bytes]]:
    """`headers` with the trace context of `span` instead of the one they carried."""
    with trace.use_span(span, end_on_exit=False):
        ours = message_headers(current_traceparent())
    kept = [(key, value) for key, value in headers if key not in (TRACEPARENT, CE_TRACEPARENT)]
    return [*kept, *ours]


def end_spans(spans: Sequence[Span], error: BaseException | None = None) -> None:
    """End spans begun for work that is now done, marked failed when `error` is given.

    Only the error's type is recorded, not its message: a message may quote
    what was being handled.
    """
    for span in spans:
        if error is not None:
            span.set_attribute("error.type", type(error).__name__)
            span.set_status(Status(StatusCode.ERROR, type(error).__name__))
        span.end()


@contextmanager
def store_append_span(system: str, events: int) -> Iterator[None]:
    """A span around one append to the event store, child of the current span and not
    made current (the stored events keep the request's context); nothing without an
    SDK. `system` is ``sqlite`` or ``postgresql``."""
    if not recording():
        yield
        return
    span = _tracing.tracer.start_span(
        "append events",
        kind=SpanKind.CLIENT,
        attributes={
            "db.system": system,
            "db.system.name": system,
            "db.operation.name": "append",
            "samverkan.events": events,
        },
    )
    if not span.is_recording():
        yield
        return
    try:
        yield
    except BaseException as error:
        end_spans([span], error)
        raise
    span.end()


def message_headers(traceparent: str | None) -> list[tuple[str, bytes]]:
    """The Kafka headers that carry a stored event's trace context (none without one)."""
    if not traceparent:
        return []
    value = traceparent.encode("ascii")
    return [(TRACEPARENT, value), (CE_TRACEPARENT, value)]


class TracingMapper(Mapper[Any]):
    """Stores the current ``traceparent`` with each domain event, beside its state.

    The value goes into the stored state under `STORED_KEY` and is taken out
    again when the event is read, so aggregates, projections and the public
    events never see it; events stored before this existed simply have none.
    """

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        return self._stored(domain_event, current_traceparent())

    def to_stored_events(self, domain_events: Sequence[Any]) -> list[StoredEvent]:
        """Several events stored under the same trace context (a consumed batch's, one
        transaction): the context is read once, not once per event (#24)."""
        if type(self).to_stored_event is not TracingMapper.to_stored_event:
            return [self.to_stored_event(domain_event) for domain_event in domain_events]
        traceparent = current_traceparent()
        stored = self._stored
        return [stored(domain_event, traceparent) for domain_event in domain_events]

    def _stored(self, domain_event: Any, traceparent: str | None) -> StoredEvent:
        """The library's `Mapper.to_stored_event`, the trace context put in on the way.

        The same state in the same key order, so the same bytes (the library's
        own mapping of a copy carrying `STORED_KEY`, which this was until #24;
        tests/unit/test_tracing_mapper.py holds it to that): the event's
        attributes without its id and version, then `STORED_KEY`, then a
        ``class_version`` above 1. One copy of the event's attributes instead
        of two and a carrier object, and the frozen `StoredEvent` made without
        its dataclass ``__init__`` (four ``object.__setattr__``): ~1 µs of the
        ~5 µs it took to map a small event.
        """
        cls = type(domain_event)
        state = vars(domain_event).copy()
        originator_id = state.pop("originator_id")
        originator_version = state.pop("originator_version")
        if traceparent is not None:
            state[STORED_KEY] = traceparent
        class_version = getattr(cls, "class_version", 1)
        if class_version > 1:
            state["class_version"] = class_version
        stored_state = self.transcoder.encode(state)
        if self.compressor:
            stored_state = self.compressor.compress(stored_state)
        if self.cipher:
            stored_state = self.cipher.encrypt(stored_state)
        stored = _new_stored_event(StoredEvent)
        _set_attribute(
            stored,
            "__dict__",
            {
                "originator_id": originator_id,
                "originator_version": originator_version,
                "topic": get_topic(cls),
                "state": stored_state,
            },
        )
        return stored

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        return self.to_domain_event_traced(stored_event)[0]

    def to_domain_event_traced(self, stored_event: StoredEvent) -> tuple[Any, str | None]:
        """The domain event and the ``traceparent`` it was stored with (None if none)."""
        domain_event = super().to_domain_event(stored_event)
        traceparent: str | None = vars(domain_event).pop(STORED_KEY, None)
        return domain_event, traceparent


def to_domain_event_traced(
    mapper: Mapper[Any], stored_event: StoredEvent
) -> tuple[Any, str | None]:
    """Like `TracingMapper.to_domain_event_traced`, for any mapper (others know no trace)."""
    if isinstance(mapper, TracingMapper):
        return mapper.to_domain_event_traced(stored_event)
    return mapper.to_domain_event(stored_event), None
