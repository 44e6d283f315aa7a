"""Personal data as the domain sees it: clear text, and whose it is.

Aggregates put what is said about an individual (free text, a guardian's or a
signer's name) into their events as `Personal` values, in clear, so domain
rules read the text itself (C-5's written justification, D-2's required
text) and never ciphertext. The *owner* is whose key seals it at rest: the
individual's subject id, or a record's own key (``record:<id>``) when the
record names no one, so that erasing the one or culling the other reaches it.
Sealing and unsealing are the store's business
(services.runtime.store.sealing): nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

ERASED = "[erased]"
"""What personal data reads as once its owner's key has been destroyed."""

RECORD_OWNER = "record:"
"""Prefix of an owner that is one record, not an individual."""


@dataclass(frozen=True, slots=True)
class Personal:
    """Text about one owner; its ``repr`` never shows the text (logs, tracebacks)."""

    owner: str
    text: str

    def __repr__(self) -> str:
        return f"Personal(owner={self.owner!r}, text=<{len(self.text)} characters>)"

    @property
    def erased(self) -> bool:
        return self.text == ERASED


def record_owner(record_id: object) -> str:
    """The owner of what a record says about no one in particular: the record itself."""
    return f"{RECORD_OWNER}{record_id}"


def text_of(value: Personal | None) -> str | None:
    """The clear text, or None when there is none."""
    return None if value is None else value.text


def in_clear(value: object) -> object:
    """A record (dicts and lists, as events carry them) with its `Personal` values as their
    clear text: for views that show what the record says."""
    if isinstance(value, Personal):
        return value.text
    if isinstance(value, dict):
        return {key: in_clear(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [in_clear(item) for item in value]
    return value


class _NamesSubject(Protocol):
    subject_id: str


class OwnedBySubject:
    """Mixin for an aggregate's first event when all the aggregate says is about the one
    individual it names: their subject id owns it (the store's mapper asks the first
    event's ``personal_owner()`` whose key opens text stored before `Personal`)."""

    def personal_owner(self: _NamesSubject) -> str:
        return self.subject_id
