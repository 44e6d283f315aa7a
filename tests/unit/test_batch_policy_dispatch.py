"""A consumer's batch calls the policy each event's class dispatches to, as a lone event does (#24).

`OutboxApplication.process_events` resolves a ``singledispatchmethod`` policy once
per event class instead of through the method's wrapper on every event. Which
handler runs must not change: the most specific registration (a subclass of a
registered class goes to its base's handler), the default for what is not
registered, eventsourcing's deferred registrations, a subclass's own `policy`,
and a policy that is a plain method.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.application import ProcessingEvent
from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import EventSourcedProjection

from services.runtime.store.application import OutboxApplication


@dataclass(frozen=True)
class Seen:
    n: int


class SeenAgain(Seen):
    """Registered nowhere: its base's handler takes it."""


@dataclass(frozen=True)
class Erased:
    n: int


@dataclass(frozen=True)
class Unknown:
    n: int


POPO = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
BATCH: list[Any] = [Seen(1), Unknown(2), SeenAgain(3), Erased(4), Seen(5)]


class Functools(OutboxApplication, EventSourcedProjection[UUID]):
    """As cases and escalation write their policies."""

    name = "functools"

    def __init__(self, **kwargs: Any) -> None:
        self.calls: list[tuple[str, int]] = []
        super().__init__(**kwargs)

    @functools.singledispatchmethod
    def policy(self, event: Any, processing_event: ProcessingEvent[UUID]) -> None:
        self.calls.append(("default", event.n))

    @policy.register
    def _(self, event: Seen, processing_event: ProcessingEvent[UUID]) -> None:
        assert isinstance(processing_event, ProcessingEvent)
        self.calls.append(("seen", event.n))

    @policy.register
    def _(self, event: Erased, processing_event: ProcessingEvent[UUID]) -> None:
        self.calls.append(("erased", event.n))


class Narrower(Functools):
    """A subclass with a policy of its own: it, not its base's, decides."""

    name = "narrower"

    @functools.singledispatchmethod
    def policy(self, event: Any, processing_event: ProcessingEvent[UUID]) -> None:
        self.calls.append(("narrow default", event.n))

    @policy.register
    def _(self, event: SeenAgain, processing_event: ProcessingEvent[UUID]) -> None:
        self.calls.append(("seen again", event.n))


class Deferred(OutboxApplication, EventSourcedProjection[UUID]):
    """As the benchmark and reporting's views write theirs (eventsourcing's dispatch)."""

    name = "deferred"

    def __init__(self, **kwargs: Any) -> None:
        self.calls: list[tuple[str, int]] = []
        super().__init__(**kwargs)

    @singledispatchmethod
    def policy(self, event: Any, processing_event: ProcessingEvent[UUID]) -> None:
        self.calls.append(("default", event.n))

    @policy.register
    def _(self, event: Seen, processing_event: ProcessingEvent[UUID]) -> None:
        self.calls.append(("seen", event.n))


class Plain(OutboxApplication, EventSourcedProjection[UUID]):
    name = "plain"

    def __init__(self, **kwargs: Any) -> None:
        self.calls: list[tuple[str, int]] = []
        super().__init__(**kwargs)

    def policy(self, event: Any, processing_event: ProcessingEvent[UUID]) -> None:
        self.calls.append((type(event).__name__, event.n))


def _batched_and_single(kind: type[Any]) -> tuple[Any, Any]:
    batched, single = kind(env=POPO), kind(env=POPO)
    trackings = [Tracking("upstream#0", n) for n in range(1, len(BATCH) + 1)]
    batched.process_events(list(zip(BATCH, trackings, strict=True)))
    for event, tracking in zip(BATCH, trackings, strict=True):
        single.process_event(event, tracking)
    return batched, single


def test_a_batch_dispatches_each_event_as_the_policy_method_does() -> None:
    batched, single = _batched_and_single(Functools)
    assert batched.calls == single.calls
    assert batched.calls == [
        ("seen", 1),
        ("default", 2),
        ("seen", 3),
        ("erased", 4),
        ("seen", 5),
    ]
    assert batched.recorder.max_tracking_id("upstream#0") == len(BATCH)


def test_a_subclasss_own_policy_decides() -> None:
    batched, single = _batched_and_single(Narrower)
    assert batched.calls == single.calls
    assert batched.calls == [
        ("narrow default", 1),
        ("narrow default", 2),
        ("seen again", 3),
        ("narrow default", 4),
        ("narrow default", 5),
    ]


def test_eventsourcings_deferred_registrations_and_a_plain_policy_dispatch_alike() -> None:
    batched, single = _batched_and_single(Deferred)
    assert batched.calls == single.calls
    assert [name for name, _ in batched.calls] == ["seen", "default", "seen", "default", "seen"]
    batched, single = _batched_and_single(Plain)
    assert batched.calls == single.calls
    assert [name for name, _ in batched.calls] == [type(e).__name__ for e in BATCH]


def test_a_policy_set_on_the_instance_is_the_one_called() -> None:
    """As `app.policy` finds it first (as test_event_flow.py sets a flaky one)."""
    app = Functools(env=POPO)
    seen: list[int] = []

    def noting(event: Any, processing_event: ProcessingEvent[UUID]) -> None:
        seen.append(event.n)

    app.policy = noting

    app.process_events([(e, Tracking("upstream#0", n)) for n, e in enumerate(BATCH, 1)])

    assert seen == [e.n for e in BATCH]
    assert app.calls == []
