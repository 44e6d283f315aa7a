"""Idempotent writes (``Idempotency-Key``) that keep secrets and have exactly one effect.

A client that did not get its answer retries with the same key; the command
must not run twice, and what is kept to recognise the retry must not become
a second, unguarded copy of personal data (issue #18). So:

- The key is scoped by the *verified* principal (HSA-id and unit), never by
  how the ``Authorization`` header is spelt: a refreshed token is the same
  caller. A request without a valid token never reaches the store; the app
  answers its 401 as always.
- Only the status, the ``Location`` and the ids an answer names are kept,
  never its body. A replay reads the resource back through its own route
  (authorised and access-logged under the caller's current token); where
  there is nothing to read, it answers the status and the ids.
- A key is claimed in the database *before* the command runs (one insert
  that only one replica can win); a concurrent retry gets 409 "in progress"
  with Retry-After. A claim carries a lease, so a holder that died blocks the
  key only until the lease runs out; the command's own transaction checks it
  still holds the claim, so a holder that was overtaken stores nothing.
- The command's transaction also marks the key "applied", so a retry after
  a lost answer is refused (409, naming what was changed), never run again.
- Keys expire after ``idempotency_ttl_seconds`` (purged in bounded batches
  with later claims and on a schedule) and are deleted with their subjects
  on erasure (`forget_subject`, called where every erasure ends).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from eventsourcing.persistence import IntegrityError, StoredEvent
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.runtime.http.guards import (
    STORE_DOWN,
    WRITE_METHODS,
    read_body,
    replaying,
    request_header,
    send_problem,
    verified_principal,
)
from services.runtime.http.problems import (
    PROBLEM_TYPE_BASE,
    STORE_RETRY_AFTER_SECONDS,
    mark_store_unavailable,
)
from services.runtime.kernel.actor import Actor
from services.runtime.store.group_commit import GroupedWrites
from services.runtime.store.recorders import HookedInserts
from services.runtime.store.sql import row_values, sql_for

log = logging.getLogger(__name__)

RUNNING = -1
"""Status of a key whose command is running (claimed, nothing stored yet)."""
CLAIMED = 0
"""Status of a key whose command stored its effect but whose answer is not remembered yet."""
LEASE_SECONDS = 60.0
"""How long a running claim holds its key against other replicas; far longer than any
command takes (the store's own timeouts end a stuck one well before)."""
IN_PROGRESS_RETRY_AFTER_SECONDS = 1
PURGE_BATCH = 100
"""Expired keys deleted per round: bounded work, however many have piled up."""

_ID_SHAPE = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-f]{16,128}"
)
"""What a remembered id may look like: an object's UUID or a pseudonymous subject id;
never a name, free text or a member of staff's HSA-id."""
_NOTHING_TO_READ = frozenset({403, 404, 405, 410})
"""Read-back answers after which a replay answers with the status and ids alone: no
such resource to read, or one the caller may write but not read."""
_EXCHANGED_HEADERS = frozenset(
    {b"content-length", b"content-type", b"idempotency-key", b"transfer-encoding"}
)


@dataclass
class IdempotencyClaim:
    """The keyed request being handled; its key is written with the command's events."""

    key: str
    request_hash: str
    holder: str = field(default_factory=lambda: secrets.token_hex(16))
    expires_at: float = 0.0
    changed: tuple[str, ...] = ()
    """What the request's committed saves changed (aggregate ids), for a retry whose
    answer was lost: the caller can then read what it did instead of doing it again."""
    subjects: dict[str, None] = field(default_factory=dict)
    """The individuals (subject ids) the request touched: erasing one forgets the key."""

    def changing(self, stored_events: Any) -> tuple[str, ...]:
        """`changed` once `stored_events` are stored too (in the order first changed)."""
        ids = dict.fromkeys(self.changed)
        ids.update(dict.fromkeys(str(event.originator_id) for event in stored_events))
        return tuple(ids)

    def subjects_column(self) -> str:
        """' id1 id2 ' (so ``LIKE '% id %'`` finds one)."""
        return f" {' '.join(self.subjects)} " if self.subjects else ""


_claim: ContextVar[IdempotencyClaim | None] = ContextVar("idempotency_claim", default=None)


@contextmanager
def holding(claim: IdempotencyClaim) -> Iterator[None]:
    """Do the request's work as the holder of `claim`: the saves it makes check that
    it still holds the key, and mark the key "applied" with their events."""
    token = _claim.set(claim)
    try:
        yield
    finally:
        _claim.reset(token)


def note_subjects(subject_ids: Iterable[str]) -> None:
    """Tie the current keyed request (if any) to these individuals, so erasing one of
    them forgets its key. Called where a subject id enters a request
    (services.runtime.http.identification)."""
    claim = _claim.get()
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


class IdempotencyStore:
    """Claims and remembered answers of idempotent writes, in the service's database."""

    def __init__(
        self,
        datastore: Any,
        writes: GroupedWrites | None = None,
        ttl_seconds: float = 86_400,
    ) -> None:
        self._datastore = datastore
        self._writes = writes
        self._ttl = ttl_seconds
        sql = sql_for(datastore)
        columns = "key, request_hash, holder, status, answer, subjects, expires_at, lease_until"

        def spell(statement: str) -> str:
            return sql.spell(
                statement,
                "idempotent_request",
                "idempotency",
                columns=columns,
                running=str(RUNNING),
                claimed=str(CLAIMED),
                purge_batch=str(PURGE_BATCH),
            )

        self._claim = spell(
            "INSERT INTO {idempotent_request} ({columns}) "
            "VALUES (?, ?, ?, {running}, '{{}}', '', ?, ?) "
            "ON CONFLICT (key) DO NOTHING RETURNING holder"
        )
        self._select = spell(
            "SELECT request_hash, status, answer, expires_at, lease_until "
            "FROM {idempotent_request} WHERE key = ?"
        )
        self._take_over = spell(
            "UPDATE {idempotent_request} SET request_hash = ?, holder = ?, status = {running}, "
            "answer = '{{}}', subjects = '', expires_at = ?, lease_until = ? "
            "WHERE key = ? AND (expires_at < ? OR (status = {running} AND lease_until < ?)) "
            "RETURNING holder"
        )
        self._answer = spell(
            "UPDATE {idempotent_request} SET status = ?, answer = ?, subjects = ?, "
            "lease_until = 0 WHERE key = ? AND holder = ?"
        )
        self._release = spell(
            "DELETE FROM {idempotent_request} WHERE key = ? AND holder = ? AND status = {running}"
        )
        self._applied = spell(
            "INSERT INTO {idempotent_request} AS held ({columns}) "
            "VALUES (?, ?, ?, {claimed}, ?, ?, ?, 0) ON CONFLICT (key) DO UPDATE "
            "SET status = {claimed}, answer = excluded.answer, subjects = excluded.subjects, "
            "lease_until = 0 WHERE held.holder = excluded.holder RETURNING holder"
        )
        self._forget = spell("DELETE FROM {idempotent_request} WHERE subjects LIKE ?")
        self._purge = spell(
            "DELETE FROM {idempotent_request} WHERE key IN (SELECT key FROM {idempotent_request} "
            "WHERE expires_at < ? LIMIT {purge_batch})"
        )
        with datastore.transaction(commit=True) as cursor:
            # The table before this one kept whole answers (personal data in clear).
            cursor.execute(spell("DROP TABLE IF EXISTS {idempotency}"))
            cursor.execute(
                spell(
                    "CREATE TABLE IF NOT EXISTS {idempotent_request} (key TEXT PRIMARY KEY, "
                    "request_hash TEXT NOT NULL, holder TEXT NOT NULL, status INTEGER NOT NULL, "
                    "answer TEXT NOT NULL, subjects TEXT NOT NULL, expires_at {real} NOT NULL, "
                    "lease_until {real} NOT NULL)"
                )
            )
            cursor.execute(
                spell(
                    "CREATE INDEX IF NOT EXISTS idempotent_request_expiry "
                    "ON {idempotent_request} (expires_at)"
                )
            )

    def _write(self, work: Callable[[Any], Any]) -> Any:
        if self._writes is not None:  # with the other callers' writes (SQLite)
            return self._writes.run(work)
        with self._datastore.transaction(commit=True) as cursor:
            return work(cursor)

    def claim(self, key: str, request_hash: str) -> tuple[IdempotencyClaim | None, Held | None]:
        """(our claim, None) when this request may run; else (None, the key's holder).

        The first insert wins, on any replica; the others read the winner's row
        without waiting for its locks (its command's transaction holds them) and
        are answered at once. A key expired, or held by a claim whose lease ran
        out, is taken over. (None, None): the holder vanished meanwhile; the
        caller answers "in progress".
        """
        now = time.time()
        claim = IdempotencyClaim(key, request_hash, expires_at=now + self._ttl)
        lease = now + LEASE_SECONDS

        def insert(cursor: Any) -> bool:
            cursor.execute(self._claim, (key, request_hash, claim.holder, claim.expires_at, lease))
            return cursor.fetchone() is not None

        def take_over(cursor: Any) -> bool:
            values = (request_hash, claim.holder, claim.expires_at, lease, key, now, now)
            cursor.execute(self._take_over, values)
            return cursor.fetchone() is not None

        # Read first: an insert would wait for the locks of the holder's running command.
        row = self._held(key)
        if row is None:
            self.purge_expired(now)  # bounded, with each new key: expiry keeps up with use
            if self._write(insert):
                return claim, None
            row = self._held(key)
            if row is None:
                return None, None
        request, status, answer, expires_at, lease_until = row
        lapsed = expires_at < now or (status == RUNNING and lease_until < now)
        if lapsed:  # ours, unless another retry took it over first
            return (claim, None) if self._write(take_over) else (None, None)
        return None, Held(request, int(status), _loads(answer))

    def _held(self, key: str) -> tuple[Any, ...] | None:
        with self._datastore.transaction(commit=False) as cursor:
            cursor.execute(self._select, (key,))
            row = cursor.fetchone()
        if row is None:
            return None
        return row_values(row)

    def answer(self, claim: IdempotencyClaim, status: int, answer: dict[str, Any]) -> None:
        """Remember the answer's status and ids (the claim's holder only)."""
        values = (status, json.dumps(answer), claim.subjects_column(), claim.key, claim.holder)
        self._write(lambda cursor: cursor.execute(self._answer, values))

    def release(self, claim: IdempotencyClaim) -> None:
        """Let go of a claim whose command stored nothing (a retry may run it)."""
        self._write(lambda cursor: cursor.execute(self._release, (claim.key, claim.holder)))

    def forget_subject(self, subject_id: str) -> None:
        """Delete every key tied to this individual (on their erasure or culling)."""
        self._write(lambda cursor: cursor.execute(self._forget, (f"% {subject_id} %",)))

    def purge_expired(self, now: float | None = None) -> None:
        """Delete up to `PURGE_BATCH` expired keys."""
        at = time.time() if now is None else now
        self._write(lambda cursor: cursor.execute(self._purge, (at,)))

    def tie_to(self, recorder: object) -> None:
        """Mark the current request's key "applied" in every transaction that stores
        events, and store nothing if another request has taken the claim over."""
        if not isinstance(recorder, HookedInserts):
            msg = f"idempotency needs the store's own recorder, not {type(recorder).__name__}"
            raise TypeError(msg)
        recorder.insert_hooks.append(self)

    def in_transaction(self, cursor: Any, stored_events: Sequence[StoredEvent]) -> None:
        """The request's claim becomes "applied" with the events, or nothing is stored."""
        claim = _claim.get()
        if claim is None:
            return
        answer = json.dumps({"changed": claim.changing(stored_events)})
        cursor.execute(
            self._applied,
            (
                claim.key,
                claim.request_hash,
                claim.holder,
                answer,
                claim.subjects_column(),
                claim.expires_at,
            ),
        )
        if cursor.fetchone() is None:
            msg = "another request took this Idempotency-Key over; nothing was stored"
            raise IntegrityError(msg)

    def committed(self, stored_events: Sequence[StoredEvent]) -> None:
        claim = _claim.get()
        if claim is not None:
            claim.changed = claim.changing(stored_events)


def _loads(answer: str) -> dict[str, Any]:
    try:
        loaded = json.loads(answer)
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def answer_ids(body: bytes) -> dict[str, Any]:
    """The ids an answer names (``id``, ``*_id``, ``*_ids`` at its top level), and
    nothing else: what is remembered of an answer must hold no personal data."""
    try:
        answer = json.loads(body)
    except ValueError:
        return {}
    if not isinstance(answer, dict):
        return {}
    ids: dict[str, Any] = {}
    for name, value in answer.items():
        if name == "id" or name.endswith("_id"):
            if isinstance(value, str) and _ID_SHAPE.fullmatch(value):
                ids[name] = value
        elif name.endswith("_ids") and isinstance(value, list):
            kept = [v for v in value if isinstance(v, str) and _ID_SHAPE.fullmatch(v)]
            if len(kept) == len(value):
                ids[name] = kept
    return ids


class Idempotency:
    """Runs a keyed write once; a retry gets its answer again (module docstring).

    The same key with a different body is a client error (422). Only
    successful answers of requests that stored something are remembered: a
    refusal, or a read asked by POST, had no effect, so a retry simply runs.
    """

    def __init__(self, app: ASGIApp, store: IdempotencyStore) -> None:
        self._app = app
        self._store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key_header = request_header(scope, b"idempotency-key")
        if scope["type"] != "http" or scope["method"] not in WRITE_METHODS or key_header is None:
            await self._app(scope, receive, send)
            return
        principal = verified_principal(scope)
        if principal is None:  # the app answers 401; nothing is stored for it
            await self._app(scope, receive, send)
            return
        if not 1 <= len(key_header) <= 200:
            await send_problem(
                send,
                422,
                "Invalid request",
                "header.Idempotency-Key: must be 1-200 characters",
                _key_problem(scope, "must be 1-200 characters"),
            )
            return
        key = scoped_key(principal, scope["method"], scope["path"], key_header)
        body = await read_body(receive)
        request_hash = hashlib.sha256(body).hexdigest()
        try:
            claim, held = await asyncio.to_thread(self._store.claim, key, request_hash)
        except STORE_DOWN as error:
            # Out here the app's problem handlers cannot turn it into a 503;
            # nothing has run yet, so the client may simply retry.
            log.warning("idempotency store unavailable for %s: %r", scope["path"], error)
            mark_store_unavailable(scope)
            await send_problem(
                send,
                503,
                "Service Unavailable",
                "the service's store is unavailable; nothing was stored, retry shortly",
                retry_after=str(STORE_RETRY_AFTER_SECONDS),
            )
            return
        if claim is None:
            await self._answer_retry(scope, send, held, request_hash)
            return
        with holding(claim):
            await self._first(scope, receive, body, send, claim)

    async def _answer_retry(
        self, scope: Scope, send: Send, held: Held | None, request_hash: str
    ) -> None:
        if held is not None and held.request_hash != request_hash:
            await send_problem(
                send,
                422,
                "Invalid request",
                "header.Idempotency-Key: this key was used with another body",
                _key_problem(scope, "this key was used with another body"),
            )
        elif held is None or held.status == RUNNING:
            await send_problem(
                send,
                409,
                "Conflict",
                "the first request with this key is still running: in progress here or on "
                "another replica; retry after Retry-After seconds",
                retry_after=str(IN_PROGRESS_RETRY_AFTER_SECONDS),
            )
        elif held.status == CLAIMED:
            await send_problem(
                send,
                409,
                "Conflict",
                "the first request with this key was applied, but its answer was lost "
                "(the service stopped); it is not applied again; `changed` names what it "
                "created or changed",
                {"changed": list(held.answer.get("changed", []))},
            )
        else:
            await self._replay(scope, send, held)

    async def _replay(self, scope: Scope, send: Send, held: Held) -> None:
        """The first answer again: read back through its route when it has a Location."""
        location = held.answer.get("location")
        headers = [(b"idempotent-replayed", b"true")]
        if isinstance(location, str):
            headers.append((b"location", location.encode("latin-1")))
            status, read_headers, body = await self._read_back(scope, location)
            if status == 200:
                kept = [(k, v) for k, v in read_headers if k.lower() == b"content-type"]
                await _respond(send, held.status, kept + headers, body)
                return
            if status not in _NOTHING_TO_READ:  # e.g. 503: the caller retries later
                await _respond(send, status, read_headers + headers, body)
                return
        if held.status == 204:
            await _respond(send, 204, headers, b"")
            return
        minimal = {"status": held.status, **held.answer.get("ids", {})}
        minimal["changed"] = held.answer.get("changed", [])
        headers.append((b"content-type", b"application/json"))
        await _respond(send, held.status, headers, json.dumps(minimal).encode())

    async def _read_back(
        self, scope: Scope, location: str
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """GET `location` through the app, as the caller (its route authorises and logs)."""
        path, _, query = location.partition("?")
        if not path.startswith("/") or path.startswith("//"):
            return 404, [], b""
        read = {
            key: value
            for key, value in scope.items()
            if key not in {"route", "endpoint", "path_params"}
        }
        read.update(
            method="GET",
            path=unquote(path),
            raw_path=path.encode("latin-1"),
            query_string=query.encode("latin-1"),
            headers=[(k, v) for k, v in scope["headers"] if k not in _EXCHANGED_HEADERS],
        )
        status = 500
        response_headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []

        async def no_body() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def capture(message: Message) -> None:
            nonlocal status, response_headers
            if message["type"] == "http.response.start":
                status = message["status"]
                response_headers = [
                    (k, v) for k, v in message.get("headers", ()) if k.lower() != b"content-length"
                ]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self._app(read, no_body, capture)
        return status, response_headers, b"".join(chunks)

    async def _first(
        self, scope: Scope, receive: Receive, body: bytes, send: Send, claim: IdempotencyClaim
    ) -> None:
        status = 500
        location: str | None = None
        chunks: list[bytes] = []
        held: list[Message] = []

        async def capture(message: Message) -> None:
            nonlocal status, location
            if message["type"] == "http.response.start":
                status = message["status"]
                for name, value in message.get("headers", ()):
                    if name.lower() == b"location":
                        location = value.decode("latin-1")
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            held.append(message)

        try:
            await self._app(scope, replaying(body, receive), capture)
        except BaseException:
            # A claim with nothing stored lets go (one with stored events stays "applied").
            await asyncio.shield(asyncio.to_thread(self._release_quietly, claim))
            raise
        if 200 <= status < 300 and claim.changed:
            # Remembered before the caller sees the answer, so an immediate retry is a
            # replay. Only what identifies the outcome, never the body.
            ids = answer_ids(b"".join(chunks))
            if isinstance(ids.get("subject_id"), str):
                claim.subjects.setdefault(ids["subject_id"], None)
            answer = {"location": location, "ids": ids, "changed": list(claim.changed)}
            try:
                await asyncio.to_thread(self._store.answer, claim, status, answer)
            except Exception as error:
                # Had the command stored anything, its key is marked applied with it: a
                # retry is refused (409), never run again; otherwise the key is let go.
                log.warning("first answer for %s not remembered: %r", scope["path"], error)
                await asyncio.to_thread(self._release_quietly, claim)
        else:
            # A refusal, a failure or a request that stored nothing (a read asked by
            # POST) is not remembered: it had no effect (or, if it stored events, the
            # key stays "applied"), so a retry is simply run and judged again.
            await asyncio.to_thread(self._release_quietly, claim)
        for message in held:
            await send(message)

    def _release_quietly(self, claim: IdempotencyClaim) -> None:
        try:
            self._store.release(claim)
        except Exception as error:  # the lease lets the key go in the end
            log.warning("idempotency claim not released: %r", error)


def _key_problem(scope: Scope, message: str) -> dict[str, Any]:
    """The problem members naming the Idempotency-Key header as the field at fault."""
    return {
        "type": f"{PROBLEM_TYPE_BASE}/invalid-request",
        "instance": scope["path"],
        "errors": [
            {"field": "header.Idempotency-Key", "message": message, "rule": "idempotency-key"}
        ],
    }


async def _respond(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes
) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
