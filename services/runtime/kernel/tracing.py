"""W3C trace context from an HTTP request, through the event store and Kafka, into every log.

One command should be followable across services: the request's
``traceparent`` (or a new one when it has none) becomes the current
OpenTelemetry context while the request is handled; the events it stores keep
it (`TracingMapper`, beside the event's state, never in a public payload);
the outbox relay puts it in the Kafka headers (`message_headers`); each
consumer makes it current again while it handles that message
(`consuming`), so its log lines carry the same ``trace_id``
(services.runtime.ops.json_logs) and the events *it* stores continue the trace.

Only the OpenTelemetry API is used. Without an SDK the API records nothing
and makes no span ids of its own, so each hop makes its own span id here
(same trace id, new parent id), as a recording SDK would; with an SDK
installed and configured, its spans are used and can be exported.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.persistence import Mapper, StoredEvent
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import NonRecordingSpan, Span, SpanContext, SpanKind, TraceFlags
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

TRACEPARENT = "traceparent"
"""The W3C header, on HTTP requests and responses and on Kafka messages."""
CE_TRACEPARENT = "ce_traceparent"
"""The same value as the CloudEvents distributed-tracing extension (Kafka binary mode)."""
STORED_KEY = "_traceparent"
"""Where a stored event keeps the trace context of the request that caused it."""

_propagator = TraceContextTextMapPropagator()
_tracer = trace.get_tracer("samverkan")


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
    span = _tracer.start_span(name, context=parent, kind=kind)
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
    """The request's trace context made current; yields the ``traceparent`` to answer with."""
    span = _span(name, _propagator.extract(headers), SpanKind.SERVER)
    with trace.use_span(span, end_on_exit=True):
        yield current_traceparent() or ""


@contextmanager
def consuming(name: str, headers: Sequence[tuple[str, bytes | None]]) -> Iterator[None]:
    """A consumed message's trace context made current while it is handled.

    A message without one (an older producer, a partner) is handled outside
    any trace.
    """
    carrier = {
        key: value.decode("latin-1")
        for key, value in headers
        if key in (TRACEPARENT, "tracestate") and value
    }
    if TRACEPARENT not in carrier:
        yield
        return
    span = _span(name, _propagator.extract(carrier), SpanKind.CONSUMER)
    with trace.use_span(span, end_on_exit=True):
        yield


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
        traceparent = current_traceparent()
        if traceparent is None:
            return super().to_stored_event(domain_event)
        carrier = object.__new__(type(domain_event))
        object.__setattr__(carrier, "__dict__", {**vars(domain_event), STORED_KEY: traceparent})
        return super().to_stored_event(carrier)

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
