"""The tracing mapper stores the bytes it always stored, and reads what was stored before (#24).

`TracingMapper` maps an event to its stored form itself now (one copy of its
attributes, the trace context put in on the way, a consumed batch's context
read once) instead of handing the library's `Mapper` a copy of the event
carrying `STORED_KEY`. Stores hold events written both ways and the relay
parses stored payloads itself (services.runtime.messaging.stored_rows), so the
stored event must be the old way's exactly: same topic, id, version and
state bytes, with and without a trace context, for a ``class_version`` above
1, compressed or not.
"""

from __future__ import annotations

import uuid
from contextlib import nullcontext
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from eventsourcing.application import Application
from eventsourcing.compressor import ZlibCompressor
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import Mapper, StoredEvent
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from services.runtime.kernel.tracing import STORED_KEY, TracingMapper, current_traceparent
from services.runtime.store.application import OutboxApplication

SUBJECT = uuid.UUID("8c3f6a52-58d0-4a8e-9c65-0f6a1b2c3d4e")
AT = datetime(2026, 11, 23, 9, 0, 0, 123456, tzinfo=UTC)


class Noted(Aggregate):
    """An aggregate with the kinds of values services store."""

    @event("Opened")
    def __init__(self, subject: uuid.UUID, until: date, name: str) -> None:
        self.subject = subject
        self.until = until
        self.name = name
        self.amounts: list[Decimal] = []

    @event("Counted")
    def count(self, amount: Decimal, notes: dict[str, Any]) -> None:
        self.amounts.append(amount)

    class Revised(Aggregate.Event):
        """An event class upcast once: stored with its ``class_version``."""

        class_version = 2
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.name = self.reason


class _Store(OutboxApplication, Application[uuid.UUID]):
    """An application as every service's is built: its transcodings registered."""


def _events() -> list[Any]:
    noted = Noted(SUBJECT, date(2027, 1, 31), "Åsa Öberg")
    noted.count(Decimal("12.50"), {"by": "SE2120000001-SOC1", "many": [1, 2.5, None, True]})
    noted.trigger_event(Noted.Revised, reason="ändrad", timestamp=AT)
    return list(noted.collect_events())


def _old_way(mapper: Mapper[Any], domain_event: Any, traceparent: str | None) -> StoredEvent:
    """What `TracingMapper.to_stored_event` did until #24: the library's mapping of a copy of
    the event carrying the trace context."""
    if traceparent is None:
        return Mapper.to_stored_event(mapper, domain_event)
    carrier = object.__new__(type(domain_event))
    object.__setattr__(carrier, "__dict__", {**vars(domain_event), STORED_KEY: traceparent})
    return Mapper.to_stored_event(mapper, carrier)


def _traced() -> Any:
    context = SpanContext(
        trace_id=0x0AF7651916CD43DD8448EB211C80319C,
        span_id=0xB7AD6B7169203331,
        is_remote=True,
        trace_flags=TraceFlags(TraceFlags.SAMPLED),
    )
    return trace.use_span(NonRecordingSpan(context), end_on_exit=False)


@pytest.mark.parametrize("compressed", [False, True])
@pytest.mark.parametrize("in_trace", [False, True])
def test_events_are_stored_as_the_library_stored_them(compressed: bool, in_trace: bool) -> None:
    app: Any = _Store(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    mapper: TracingMapper = app.mapper
    if compressed:
        mapper.compressor = ZlibCompressor()
    events = _events()
    assert events[-1].class_version == 2
    with _traced() if in_trace else nullcontext():
        traceparent = current_traceparent()
        assert (traceparent is not None) is in_trace
        old = [_old_way(mapper, e, traceparent) for e in events]
        one_by_one = [mapper.to_stored_event(e) for e in events]
        batched = mapper.to_stored_events(events)
    assert one_by_one == old
    assert batched == old
    assert [type(s) for s in batched] == [StoredEvent] * len(events)
    for stored, domain_event in zip(batched, events, strict=True):
        read, read_traceparent = mapper.to_domain_event_traced(stored)
        assert read_traceparent == traceparent
        assert vars(read) == vars(domain_event)


def test_events_stored_before_read_back_identically() -> None:
    """Bytes the old mapping wrote (taken from it, with a trace context) read as they did."""
    app: Any = _Store(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    stored = StoredEvent(
        originator_id=SUBJECT,
        originator_version=3,
        topic="tests.unit.test_tracing_mapper:Noted.Revised",
        state=(
            b'{"timestamp":{"_type_":"datetime_iso","_data_":"2026-11-23T09:00:00.123456+00:00"},'
            b'"reason":"\xc3\xa4ndrad","_traceparent":'
            b'"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01","class_version":2}'
        ),
    )
    read, traceparent = app.mapper.to_domain_event_traced(stored)
    assert traceparent == "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    assert type(read) is Noted.Revised
    assert vars(read) == {
        "timestamp": AT,
        "reason": "ändrad",
        "originator_id": SUBJECT,
        "originator_version": 3,
    }
    with _traced():
        assert app.mapper.to_stored_event(read) == stored  # and written back the same


def test_a_subclass_that_maps_its_own_way_is_asked_for_each_event() -> None:
    """`to_stored_events` defers to a subclass's own `to_stored_event`."""

    class Marking(TracingMapper):
        def to_stored_event(self, domain_event: Any) -> StoredEvent:
            stored = super().to_stored_event(domain_event)
            return StoredEvent(stored.originator_id, 0, stored.topic, stored.state)

    app: Any = _Store(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    marking = Marking(transcoder=app.mapper.transcoder)
    assert {s.originator_version for s in marking.to_stored_events(_events())} == {0}
