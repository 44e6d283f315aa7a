"""A command's saves held until its answer is made, then stored with that answer's access
records in one transaction (#24).

A route that changes records about individuals answers only once the change and the
access records of its answer are stored (loggkontroll). Most routes learn whom the
change is about only from the record the use case returns, after the use case has
saved it, so the records used to follow in a second commit: two commits in series
per command, and a crash between them kept a change whose answer was never logged.
While a route's change runs `holding_saves`, the application's saves collect their
events here instead of storing them; once the route has named its access records,
`store` writes everything in one transaction (services.runtime.store.logged_changes
appends the records there). Reads of an aggregate by id (the application's `find`)
see what the held saves changed, as a consumed batch's policies do.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol

from eventsourcing.application import ProcessingEvent

__all__ = ["HeldSaves", "held_by", "holding_saves"]


class StoresHeld(Protocol):
    """The application side (services.runtime.store.application.OutboxApplication)."""

    def store_processing(self, processing: ProcessingEvent[Any]) -> object:
        """Store what `processing` collected, as a save does."""
        ...


class HeldSaves:
    """The saves one block of work made on one application, not stored yet."""

    def __init__(self, application: StoresHeld) -> None:
        self.application = application
        self.processing: ProcessingEvent[Any] | None = None
        """What the saves collected, in order (the application makes it at the first save)."""

    @property
    def aggregates(self) -> dict[Any, Any]:
        return {} if self.processing is None else self.processing.aggregates

    def store(self) -> None:
        """Store the held events in one transaction; nothing when nothing was saved (as
        before, a save of no events stored nothing either)."""
        processing, self.processing = self.processing, None
        if processing is not None and processing.events:
            self.application.store_processing(processing)


_held: ContextVar[HeldSaves | None] = ContextVar("held_saves", default=None)


def held_by(application: object) -> HeldSaves | None:
    """The saves of `application` being held in this context, if they are."""
    held = _held.get()
    return held if held is not None and held.application is application else None


@contextmanager
def holding_saves(application: StoresHeld) -> Iterator[HeldSaves]:
    """Hold the saves `application` makes in the block (the routes' worker thread copies
    the context, so a save in another request is not held); the caller `store`s them."""
    held = HeldSaves(application)
    token = _held.set(held)
    try:
        yield held
    finally:
        _held.reset(token)
