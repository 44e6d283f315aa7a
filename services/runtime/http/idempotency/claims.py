"""The keyed request being handled, and whose it is: a claim of its key, held by the
request's work (a context variable), so the saves it makes mark the key "applied" (or
keep its answer, where the route said beforehand what it will be) and an erasure of
the individuals it touched forgets the key."""

from __future__ import annotations

import hashlib
import itertools
import secrets
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from starlette.responses import Response

from services.runtime.kernel.actor import Actor

RUNNING = -1
"""Status of a key whose command is running (claimed, nothing stored yet)."""
CLAIMED = 0
"""Status of a key whose command stored its effect but whose answer is not remembered yet."""


_PROCESS = secrets.token_hex(12)
"""This process's part of every holder it names: random, drawn once."""
_CLAIMS = itertools.count()


def _new_holder() -> str:
    """A holder no other claim has, on any replica: this process's random part and a
    count. Not a fresh random draw per claim: ``os.urandom`` lets go of the GIL, and on
    the event loop, with the command's threads busy, taking it back cost a keyed
    command ~0.25 ms of waiting (#24). A holder is never shown to anyone; it only tells
    claims apart."""
    return f"{_PROCESS}{next(_CLAIMS):08x}"


@dataclass
class IdempotencyClaim:
    """The keyed request being handled; its key is written with the command's events."""

    key: str
    request_hash: str
    holder: str = field(default_factory=_new_holder)
    expires_at: float = 0.0
    changed: tuple[str, ...] = ()
    """What the request's committed saves changed (aggregate ids), for a retry whose
    answer was lost: the caller can then read what it did instead of doing it again."""
    subjects: dict[str, None] = field(default_factory=dict)
    """The individuals (subject ids) the request touched: erasing one forgets the key."""
    answer_for: Callable[[UUID], Response] | None = None
    """The answer the route will give once the record it creates is stored, declared
    before it saves (`answering_created`): the save keeps it with the events."""
    kept: tuple[int, dict[str, Any], str] | None = None
    """The answer (status, what is remembered of it, the subjects column) a committed
    save kept with the events; the middleware writes one only if the route's differs."""

    def changing(self, stored_events: Any) -> tuple[str, ...]:
        """`changed` once `stored_events` are stored too (in the order first changed)."""
        ids = dict.fromkeys(self.changed)
        ids.update(dict.fromkeys(str(event.originator_id) for event in stored_events))
        return tuple(ids)

    def subjects_column(self, also: Iterable[str] = ()) -> str:
        """' id1 id2 ' (so ``LIKE '% id %'`` finds one), with the subjects `also` named."""
        subjects = {**self.subjects, **dict.fromkeys(also)}
        return f" {' '.join(subjects)} " if subjects else ""


current_claim: ContextVar[IdempotencyClaim | None] = ContextVar("idempotency_claim", default=None)


@contextmanager
def holding(claim: IdempotencyClaim) -> Iterator[None]:
    """Do the request's work as the holder of `claim`: the saves it makes check that
    it still holds the key, and mark the key "applied" with their events."""
    token = current_claim.set(claim)
    try:
        yield
    finally:
        current_claim.reset(token)


@contextmanager
def answering_created(answer_for: Callable[[UUID], Response]) -> Iterator[None]:
    """Declare, before the block saves a new record, how the route will answer once it
    is stored: `answer_for(the record's id)`. A keyed request then keeps that answer in
    the very transaction of the record's events, instead of remembering it in a write
    of its own after the commit (#24): one commit, and never events without their
    answer. Without a keyed request (or if the saves make anything other than one new
    record) nothing changes; the middleware checks the route's real answer against it."""
    claim = current_claim.get()
    if claim is None:
        yield
        return
    claim.answer_for = answer_for
    try:
        yield
    finally:
        claim.answer_for = None


def note_subjects(subject_ids: Iterable[str]) -> None:
    """Tie the current keyed request (if any) to these individuals, so erasing one of
    them forgets its key. Called where a subject id enters a request
    (services.runtime.http.identification)."""
    claim = current_claim.get()
    if claim is not None:
        claim.subjects.update(dict.fromkeys(subject_ids))


@dataclass(frozen=True)
class Held:
    """Someone else's claim of a key: what a retry is answered from."""

    request_hash: str
    status: int
    answer: dict[str, Any]


def scoped_key(principal: Actor, method: str, path: str, key: bytes) -> str:
    """The stored key: a hash of who asked (HSA-id and unit), what and the client's key,
    so the table names no one and one caller's key never meets another's."""
    parts = [principal.hsa_id, principal.org_id, method, path, key.decode("latin-1")]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()
