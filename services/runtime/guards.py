"""Guards every service's HTTP API shares (OWASP API4, resource consumption; retries).

- Request bodies are capped: a JSON command is small, so a large body is a
  mistake or an attack, refused with 413 before it is read into memory.
- Writes are rate limited per caller (token bucket per bearer token), so
  one misbehaving client cannot starve the others: 429 with Retry-After.
- Writes may carry an ``Idempotency-Key``: a retried command with the same
  key and body has exactly one effect and gets the first response again.

Plain ASGI middleware, so they cost nothing on routes they do not concern.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError
from eventsourcing.postgres import PostgresDatastore
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.runtime.group_commit import GroupedWrites
from services.runtime.problems import STORE_RETRY_AFTER_SECONDS

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

_STORE_DOWN = (OperationalError, InterfaceError)
"""The store library's "database unavailable" errors (as the problem handlers map them)."""

log = logging.getLogger(__name__)


async def _problem(
    send: Send,
    status: int,
    title: str,
    detail: str,
    extensions: dict[str, Any] | None = None,
    **headers: str,
) -> None:
    body = json.dumps(
        {"type": "about:blank", "title": title, "status": status, "detail": detail}
        | (extensions or {})
    )
    raw_headers = [(b"content-type", b"application/problem+json")]
    raw_headers += [(k.lower().replace("_", "-").encode(), v.encode()) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body.encode()})


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value)
    return None


class BodyLimit:
    """413 for request bodies over `max_bytes` (declared or streamed)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self._app = app
        self._max = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self._max:
            await _problem(
                send, 413, "Content Too Large", f"bodies are limited to {self._max} bytes"
            )
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self._max:
                raise _TooLarge
            return message

        try:
            await self._app(scope, limited, send)
        except _TooLarge:
            await _problem(
                send, 413, "Content Too Large", f"bodies are limited to {self._max} bytes"
            )


class _TooLarge(Exception):
    pass


class WriteRateLimit:
    """Token bucket per caller for write requests: `per_second` sustained, `burst` at once."""

    def __init__(self, app: ASGIApp, per_second: float, burst: int) -> None:
        self._app = app
        self._rate = per_second
        self._burst = burst
        self._buckets: OrderedDict[bytes, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in WRITE_METHODS:
            caller = _header(scope, b"authorization") or scope.get("client", ("?",))[0].encode()
            wait = self._take(hashlib.sha256(caller).digest())
            if wait > 0:
                await _problem(
                    send,
                    429,
                    "Too Many Requests",
                    "too many writes from this caller; slow down",
                    retry_after=str(max(1, round(wait))),
                )
                return
        await self._app(scope, receive, send)

    def _take(self, caller: bytes) -> float:
        """0 when a token was taken; else seconds until the next one."""
        now = time.monotonic()
        with self._lock:
            tokens, at = self._buckets.pop(caller, (float(self._burst), now))
            tokens = min(self._burst, tokens + (now - at) * self._rate)
            if tokens >= 1:
                self._buckets[caller] = (tokens - 1, now)
                wait = 0.0
            else:
                self._buckets[caller] = (tokens, now)
                wait = (1 - tokens) / self._rate
            while len(self._buckets) > 100_000:
                self._buckets.popitem(last=False)
        return wait


CLAIMED = 0
"""Status of a key whose command stored its effect but whose answer is not remembered yet."""


@dataclass
class IdempotencyClaim:
    """The keyed request being handled; its key is written with the command's events."""

    key: str
    request_hash: str
    changed: tuple[str, ...] = ()
    """What the request's committed saves changed (aggregate ids), for a retry whose
    answer was lost: the caller can then read what it did instead of doing it again."""

    def changing(self, stored_events: Any) -> tuple[str, ...]:
        """`changed` once `stored_events` are stored too (in the order first changed)."""
        ids = dict.fromkeys(self.changed)
        ids.update(dict.fromkeys(str(event.originator_id) for event in stored_events))
        return tuple(ids)


_claim: ContextVar[IdempotencyClaim | None] = ContextVar("idempotency_claim", default=None)


class IdempotencyStore:
    """First responses to idempotent writes, by (caller, key), in the service's database.

    The response is only known after the command's transaction; a process
    killed in between would let a retry run the command again. So the key is
    also written (as `CLAIMED`) by the transaction that stores the command's
    events (`tie_to` the application's recorder): a retry then finds it and
    is not run a second time, even when the first answer was lost.
    """

    def __init__(self, datastore: Any, writes: GroupedWrites | None = None) -> None:
        self._datastore = datastore
        self._writes = writes
        if isinstance(datastore, PostgresDatastore):
            table = f'"{datastore.schema}"."idempotency"'
            p = "%s"
        else:
            table, p = "idempotency", "?"
        self._select = f"SELECT request_hash, status, body FROM {table} WHERE key = {p}"  # noqa: S608
        self._insert = (
            f"INSERT INTO {table} (key, request_hash, status, body) "  # noqa: S608
            f"VALUES ({p}, {p}, {p}, {p}) ON CONFLICT (key) DO UPDATE "
            f"SET status = excluded.status, body = excluded.body WHERE {table}.status = {CLAIMED}"
        )
        self._claim = (
            f"INSERT INTO {table} (key, request_hash, status, body) "  # noqa: S608
            f"VALUES ({p}, {p}, {CLAIMED}, {p}) ON CONFLICT (key) DO UPDATE "
            f"SET body = excluded.body WHERE {table}.status = {CLAIMED}"
        )
        with datastore.transaction(commit=True) as cursor:
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {table} (key TEXT PRIMARY KEY, "
                "request_hash TEXT NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL)"
            )

    def get(self, key: str) -> tuple[str, int, str] | None:
        with self._datastore.transaction(commit=False) as cursor:
            cursor.execute(self._select, (key,))
            row = cursor.fetchone()
        if row is None:
            return None
        values = tuple(row.values()) if isinstance(row, dict) else tuple(row)
        return values[0], int(values[1]), values[2]

    def put(self, key: str, request_hash: str, status: int, body: str) -> None:
        values = (key, request_hash, status, body)
        if self._writes is not None:  # with the other callers' writes (SQLite)
            self._writes.run(lambda cursor: cursor.execute(self._insert, values))
            return
        with self._datastore.transaction(commit=True) as cursor:
            cursor.execute(self._insert, values)

    def tie_to(self, recorder: Any) -> None:
        """Write the current request's key in every transaction that stores events."""
        insert_events = recorder.insert_events
        insert_in_transaction = recorder._insert_events
        claim_sql = self._claim

        def _insert_events(cursor: Any, stored_events: Any, **kwargs: Any) -> Any:
            result = insert_in_transaction(cursor, stored_events, **kwargs)
            claim = _claim.get()
            if claim is not None and stored_events:
                changed = json.dumps({"changed": claim.changing(stored_events)})
                cursor.execute(claim_sql, (claim.key, claim.request_hash, changed))
            return result

        def insert_events_then_mark(stored_events: Any, **kwargs: Any) -> Any:
            result = insert_events(stored_events, **kwargs)
            claim = _claim.get()
            if claim is not None and stored_events:
                claim.changed = claim.changing(stored_events)  # committed
            return result

        recorder._insert_events = _insert_events
        recorder.insert_events = insert_events_then_mark


def _changed(claimed_body: str) -> list[str]:
    """The ids a claimed request changed (none known for keys claimed before this was kept)."""
    try:
        return list(json.loads(claimed_body)["changed"])
    except (ValueError, KeyError, TypeError):
        return []


class Idempotency:
    """Replays the first response to a write retried with the same ``Idempotency-Key``.

    The key is scoped to the caller (their bearer token's hash), so one
    caller cannot read another's responses. The same key with a different
    body is a client error (422); a retry while the first is still running
    gets 409 and tries again later.
    """

    def __init__(self, app: ASGIApp, store: IdempotencyStore) -> None:
        self._app = app
        self._store = store
        self._running: set[str] = set()
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key_header = _header(scope, b"idempotency-key")
        if scope["type"] != "http" or scope["method"] not in WRITE_METHODS or key_header is None:
            await self._app(scope, receive, send)
            return
        if not 1 <= len(key_header) <= 200:
            await _problem(send, 422, "Invalid request", "Idempotency-Key must be 1-200 characters")
            return
        caller = hashlib.sha256(_header(scope, b"authorization") or b"").hexdigest()
        key = f"{caller}:{scope['method']}:{scope['path']}:{key_header.decode('latin-1')}"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        request_hash = hashlib.sha256(body).hexdigest()
        try:
            stored = await asyncio.to_thread(self._store.get, key)
        except _STORE_DOWN as error:
            # Out here the app's problem handlers cannot turn it into a 503;
            # nothing has run yet, so the client may simply retry.
            log.warning("idempotency store unavailable for %s: %r", scope["path"], error)
            await _problem(
                send,
                503,
                "Service Unavailable",
                "the service's store is unavailable; nothing was stored, retry shortly",
                retry_after=str(STORE_RETRY_AFTER_SECONDS),
            )
            return
        if stored is not None and stored[1] == CLAIMED:
            await _problem(
                send,
                409,
                "Conflict",
                "the first request with this key was applied, but its answer was lost "
                "(the service stopped); it is not applied again; `changed` names what it "
                "created or changed",
                {"changed": _changed(stored[2])},
            )
            return
        if stored is not None:
            await self._replay(send, stored, request_hash)
            return
        with self._lock:
            if key in self._running:
                busy = True
            else:
                self._running.add(key)
                busy = False
        if busy:
            await _problem(
                send, 409, "Conflict", "the first request with this key is still running"
            )
            return
        token = _claim.set(IdempotencyClaim(key, request_hash))
        try:
            await self._first(scope, body, send, key, request_hash)
        finally:
            _claim.reset(token)
            with self._lock:
                self._running.discard(key)

    async def _replay(self, send: Send, stored: tuple[str, int, str], request_hash: str) -> None:
        first_hash, status, body = stored
        if first_hash != request_hash:
            await _problem(
                send, 422, "Invalid request", "this Idempotency-Key was used with another body"
            )
            return
        headers = [(b"content-type", b"application/json"), (b"idempotent-replayed", b"true")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body.encode()})

    async def _first(
        self, scope: Scope, body: bytes, send: Send, key: str, request_hash: str
    ) -> None:
        delivered = False

        async def replay_body() -> Message:
            nonlocal delivered
            if delivered:
                return {"type": "http.disconnect"}
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        status = 500
        chunks: list[bytes] = []
        held: list[Message] = []

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            held.append(message)

        await self._app(scope, replay_body, capture)
        # Remembered before the caller sees the answer, so an immediate retry is
        # a replay. Only outcomes worth replaying: success, or a refusal by the
        # rules; a 5xx or 429 may succeed next time.
        if status < 500 and status != 429:
            response = b"".join(chunks).decode("utf-8", "replace")
            try:
                await asyncio.to_thread(self._store.put, key, request_hash, status, response)
            except Exception as error:
                # The command has its effect and its key is claimed with it: the
                # caller gets its answer; a retry is refused (409), never run again.
                log.warning("first response for %s not remembered: %r", scope["path"], error)
        for message in held:
            await send(message)


class StoreCircuit:
    """Fail fast while the store is known to be down (a circuit breaker).

    The store library retries a lost database for several seconds per call.
    After one request has found the store unavailable, the others in the
    next `open_seconds` get their 503 at once instead of each waiting that
    long; then one is let through to probe, and success closes the circuit.
    """

    def __init__(self, app: ASGIApp, open_seconds: float = 2.0) -> None:
        self._app = app
        self._open_seconds = open_seconds
        self.opened_at: float | None = None

    def trip(self) -> None:
        self.opened_at = time.monotonic()

    def close(self) -> None:
        self.opened_at = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            await self._app(scope, receive, send)
            return
        opened_at = self.opened_at
        if opened_at is not None and time.monotonic() - opened_at < self._open_seconds:
            await _problem(
                send,
                503,
                "Service Unavailable",
                "the service's store is unavailable; nothing was stored, retry shortly",
                retry_after=str(max(1, round(self._open_seconds))),
            )
            return
        status = 0

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self._app(scope, receive, watch)
        if status == 503:
            self.trip()
        elif status:
            self.close()
