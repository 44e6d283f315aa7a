"""What every service's eventsourcing application shares: wake-ups, transcodings, a clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, Protocol, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import JSONTranscoder, Recording, Transcoding

A = TypeVar("A", bound=Aggregate)


class DateAsISO(Transcoding):
    """Calendar dates (deadlines, end dates) stored as ISO strings."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class OutboxApplication:
    """Mixin for a service's eventsourcing application: its notification log is the outbox.

    Saves wake the outbox relay (no polling latency), and domain events may
    carry calendar dates.
    """

    save_listeners: list[Callable[[], None]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.save_listeners = []
        super().__init__(*args, **kwargs)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)  # type: ignore[misc]
        transcoder.register(DateAsISO())

    def find(self, aggregate_id: UUID, kind: type[A]) -> A | None:
        """The aggregate of that kind, or None: unknown ids and ids of another kind
        look the same to callers, so ids cannot be probed across kinds."""
        try:
            aggregate = self.repository.get(aggregate_id)  # type: ignore[attr-defined]
        except AggregateNotFoundError:
            return None
        return aggregate if isinstance(aggregate, kind) else None

    def _notify(self, recordings: list[Recording[Any]]) -> None:
        super()._notify(recordings)  # type: ignore[misc]
        for listener in self.save_listeners:
            listener()


class Clock(Protocol):
    """Time is passed into the domain, never read there; tests move their own clock."""

    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)
