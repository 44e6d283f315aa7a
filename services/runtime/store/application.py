"""What every service's eventsourcing application shares: wake-ups, transcodings, tracing."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import (
    JSONTranscoder,
    Mapper,
    Recording,
    Tracking,
    Transcoder,
    Transcoding,
)

from services.runtime.kernel.tracing import TracingMapper, store_append_span
from services.runtime.store.held_saves import held_by
from services.runtime.store.json_encoding import OneEncoderJSONTranscoder
from services.runtime.store.prefetch import Prefetched, prefetch
from services.runtime.store.recorders import EARLIER_TRACKING, batch_positions

A = TypeVar("A", bound=Aggregate)


class DateAsISO(Transcoding):
    """Calendar dates (deadlines, end dates) stored as ISO strings."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class CollectedEvents(ProcessingEvent[Any]):
    """eventsourcing's `ProcessingEvent`, collecting from aggregates without two
    runtime-checkable Protocol `isinstance` checks per object. On Python 3.11
    each costs ~50-150 µs, more than storing the event; `Aggregate` subclasses
    (all of ours) take a plain class check, anything else the library's way."""

    def collect_events(self, *objs: Any, **kwargs: Any) -> None:
        for obj in objs:
            if isinstance(obj, Aggregate):
                self.events.extend(obj.collect_events())
                self.aggregates[obj.id] = obj
            elif obj is not None:
                super().collect_events(obj)
        self.saved_kwargs.update(kwargs)


class _PolicyOf:
    """An application's ``policy`` for each kind of event, resolved once per batch.

    A ``singledispatchmethod`` builds a new wrapper function (``update_wrapper``
    and all) on every attribute access, then dispatches: for a consumer's batch
    that was as much as a tenth of applying a simple event. Here the handler is
    looked up once per event class and bound as the method would bind it; a
    policy that is not a ``singledispatchmethod`` (or one set on the instance)
    is called as it is.
    """

    def __init__(self, app: Any) -> None:
        self._app = app
        self._bound: Any = app.policy  # also runs eventsourcing's deferred registrations
        self._dispatcher: Any = None
        if "policy" in vars(app):  # set on the instance: called as it is, like `app.policy`
            return
        for cls in type(app).__mro__:
            if "policy" in cls.__dict__:
                method = cls.__dict__["policy"]
                if isinstance(method, functools.singledispatchmethod):
                    self._dispatcher = method.dispatcher
                break
        self._handlers: dict[type, Callable[..., None]] = {}

    def __call__(self, event: Any) -> Callable[..., None]:
        if self._dispatcher is None:
            return self._bound  # type: ignore[no-any-return]
        kind = event.__class__  # as the method dispatches
        handler = self._handlers.get(kind)
        if handler is None:
            app = self._app
            handler = self._handlers[kind] = self._dispatcher.dispatch(kind).__get__(app, type(app))
        return handler


class OutboxApplication:
    """Mixin for a service's eventsourcing application: its notification log is the outbox.

    Saves wake the outbox relay (no polling latency), domain events may
    carry calendar dates, and each stored event keeps the trace context of
    the request (or consumed message) that caused it, for the relay to pass
    on (services.runtime.kernel.tracing).
    """

    save_listeners: list[Callable[[], None]]
    mapper_class: type[Mapper[Any]] = TracingMapper

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.save_listeners = []
        self._in_batch = threading.local()
        super().__init__(*args, **kwargs)

    def construct_mapper(self) -> Mapper[Any]:
        return self.factory.mapper(  # type: ignore[attr-defined,no-any-return]
            transcoder=self.construct_transcoder(),
            mapper_class=self.mapper_class,
        )

    def construct_transcoder(self) -> Transcoder:
        """eventsourcing's JSON transcoder with its encoder made once (the same bytes,
        services.runtime.store.json_encoding), unless the environment names another."""
        factory: Any = self.factory  # type: ignore[attr-defined]
        if factory.env.get(factory.TRANSCODER_TOPIC):
            return super().construct_transcoder()  # type: ignore[misc,no-any-return]
        transcoder = OneEncoderJSONTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)  # type: ignore[misc]
        transcoder.register(DateAsISO())

    @property
    def _store_system(self) -> str:
        """The database the events go to, as a span's ``db.system`` names it."""
        module: str = type(self.recorder).__module__  # type: ignore[attr-defined]
        return "postgresql" if "postgres" in module else "sqlite"

    def find(self, aggregate_id: UUID, kind: type[A]) -> A | None:
        """The aggregate of that kind, or None: unknown ids and ids of another kind
        look the same to callers, so ids cannot be probed across kinds."""
        batch: ProcessingEvent[Any] | None = getattr(self._in_batch, "processing", None)
        if batch is not None and aggregate_id in batch.aggregates:
            # Changed earlier in this batch and not stored yet: the newer state counts.
            aggregate = batch.aggregates[aggregate_id]
            return aggregate if isinstance(aggregate, kind) else None
        held = held_by(self)
        if held is not None and aggregate_id in held.aggregates:
            # Saved earlier in this command, held until its answer is made: as above.
            aggregate = held.aggregates[aggregate_id]
            return aggregate if isinstance(aggregate, kind) else None
        prefetched: Prefetched | None = getattr(self._in_batch, "prefetched", None)
        if prefetched is not None and aggregate_id in prefetched:
            return prefetched.take(aggregate_id, kind)
        try:
            aggregate = self.repository.get(aggregate_id)  # type: ignore[attr-defined]
        except AggregateNotFoundError:
            return None
        return aggregate if isinstance(aggregate, kind) else None

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[Any]]:
        """As eventsourcing's `Application.save`, with the faster `CollectedEvents`; while
        the saves are held (services.runtime.store.held_saves), only collected: stored
        later, with the command's other saves, and nothing is recorded yet."""
        held = held_by(self)
        if held is not None:
            if held.processing is None:
                held.processing = CollectedEvents()
            held.processing.collect_events(*objs, **kwargs)
            return []
        processing = CollectedEvents()
        processing.collect_events(*objs, **kwargs)
        return self.store_processing(processing)

    def store_processing(self, processing: ProcessingEvent[Any]) -> list[Recording[Any]]:
        """Store what a save collected, in one transaction, and tell the listeners."""
        with store_append_span(self._store_system, len(processing.events)):
            recordings: list[Recording[Any]] = self._record(processing)  # type: ignore[attr-defined]
        self._take_snapshots(processing)  # type: ignore[attr-defined]
        self._notify(recordings)
        return recordings

    def aggregate_ids(self, domain_event: Any) -> Iterable[UUID]:
        """The aggregates the policy will `find` for this upstream event, as far as the
        event alone tells: `process_events` loads those of a whole batch in one query
        (services.runtime.store.prefetch). None by default; an id named here that the
        policy does not look up costs a row read, one it looks up unnamed a query."""
        return ()

    def process_events(self, batch: Sequence[tuple[Any, Tracking]]) -> None:
        """Apply several upstream events from one partition in ONE transaction
        (`process_partitions` of that one partition)."""
        self.process_partitions([batch])

    def process_partitions(self, runs: Sequence[Sequence[tuple[Any, Tracking]]]) -> None:
        """Apply several partitions' runs of upstream events in ONE transaction: the
        consumer's whole fetch is one commit (#24).

        For an `EventSourcedProjection`: its policy runs for each event, a run
        after another and each in its order (partitions are independent, as on
        the broker), against one processing event; the effects of all and each
        partition's first and last positions (`batch_positions`) are recorded
        together, so a run that starts where another owner of its partition
        already got to refuses the whole batch. Policies that look aggregates up
        with `find` see what earlier events in the batch changed. If anything
        fails, nothing is recorded and the consumer falls back to a partition,
        then an event, at a time. The aggregates the events name
        (`aggregate_ids`) are read first, all in one query.
        """
        positions = batch_positions(runs)
        processing: ProcessingEvent[Any] = CollectedEvents(tracking=positions[-1])
        if len(positions) > 1:
            processing.saved_kwargs[EARLIER_TRACKING] = positions[:-1]
        events = [event for run in runs for event, _ in run]
        ids = [aggregate_id for event in events for aggregate_id in self.aggregate_ids(event)]
        self._in_batch.prefetched = (
            prefetch(self.events, self.snapshots, ids)  # type: ignore[attr-defined]
            if ids
            else None
        )
        self._in_batch.processing = processing
        policy = _PolicyOf(self)
        try:
            for event in events:
                policy(event)(event, processing)
        finally:
            self._in_batch.processing = None
            self._in_batch.prefetched = None
        self._store_batch(processing)

    def _store_batch(self, processing: ProcessingEvent[Any]) -> None:
        """Store a consumed batch's events and positions: the library's `_record`,
        `_take_snapshots` and `_notify`, without a `Recording` (and its
        `Notification`) made for each stored event that nothing reads (~2 µs an
        event, #24). The library's `Application._notify` does nothing with them
        and the save listeners take none; an application whose ``_notify`` is
        another's gets them made as before."""
        if not self._notify_ignores_recordings:
            with store_append_span(self._store_system, len(processing.events)):
                recordings = self._record(processing)  # type: ignore[attr-defined]
            self._take_snapshots(processing)  # type: ignore[attr-defined]
            self._notify(recordings)
            return
        mapper: Any = self.mapper  # type: ignore[attr-defined]
        if isinstance(mapper, TracingMapper):  # the batch's trace context read once
            stored = mapper.to_stored_events(processing.events)
        else:
            stored = [mapper.to_stored_event(event) for event in processing.events]
        with store_append_span(self._store_system, len(stored)):
            self.recorder.insert_events(  # type: ignore[attr-defined]
                stored, tracking=processing.tracking, **processing.saved_kwargs
            )
        repository = self.repository  # type: ignore[attr-defined]
        if repository.cache and not repository.fastforward:
            for aggregate_id, aggregate in processing.aggregates.items():
                repository.cache.put(aggregate_id, aggregate)
        self._take_snapshots(processing)  # type: ignore[attr-defined]
        self._wake_listeners()

    @property
    def _notify_ignores_recordings(self) -> bool:
        """Whether `_notify` is this class's over the library's no-op (no other class's
        ``_notify`` wants the recordings)."""
        return (
            type(self)._notify is OutboxApplication._notify
            and super()._notify.__func__ is Application._notify  # type: ignore[misc]
        )

    def _notify(self, recordings: list[Recording[Any]]) -> None:
        super()._notify(recordings)  # type: ignore[misc]
        self._wake_listeners()

    def _wake_listeners(self) -> None:
        for listener in self.save_listeners:
            listener()
