"""A minimal event-sourced aggregate for tests of the store's machinery (grouped writes,
idempotency claims): what they save matters less than that it is a real aggregate."""

from __future__ import annotations

from eventsourcing.domain import Aggregate, event


class Note(Aggregate):
    """A text written once and amended any number of times."""

    @event("Written")
    def __init__(self, text: str) -> None:
        self.text = text

    @event("Amended")
    def amend(self, text: str) -> None:
        self.text = text
