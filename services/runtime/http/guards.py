"""Guards every service's HTTP API shares (OWASP API4, resource consumption; API8).

- Request bodies are capped: a JSON command is small, so a large body is a
  mistake or an attack, refused with 413 before it is read into memory.
- Requests are rate limited per caller (a token bucket per verified
  principal, writes and reads apart; a request without a valid token counts
  against its client address), so one misbehaving client cannot starve the
  others: 429 with Retry-After. The operational probes are never limited.
- A JSON body with a duplicated key is refused (400): parsers disagree on
  which value wins, so a gateway or a log could read another request than
  the route does.
- Idempotent retries (``Idempotency-Key``) live in services.runtime.http.idempotency.

Plain ASGI middleware, so they cost nothing on routes they do not concern.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.runtime.http.auth import TokenVerifier
from services.runtime.http.problems import PROBLEM_TYPE_BASE, STORE_UNAVAILABLE
from services.runtime.http.token_claims import AuthenticationError
from services.runtime.kernel.actor import Actor

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
UNLIMITED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
"""Probes of the orchestrator and Prometheus: never rate limited (no personal data)."""

STORE_DOWN = (OperationalError, InterfaceError)
"""The store library's "database unavailable" errors (as the problem handlers map them)."""

log = logging.getLogger(__name__)


async def send_problem(
    send: Send,
    status: int,
    title: str,
    detail: str,
    extensions: dict[str, Any] | None = None,
    **headers: str,
) -> None:
    """Answer with an RFC 9457 problem from outside the app (where its handlers do not
    reach); `headers` by keyword, ``retry_after="2"`` for Retry-After."""
    body = json.dumps(
        {"type": "about:blank", "title": title, "status": status, "detail": detail}
        | (extensions or {})
    )
    raw_headers = [(b"content-type", b"application/problem+json")]
    raw_headers += [(k.lower().replace("_", "-").encode(), v.encode()) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body.encode()})


async def read_body(receive: Receive) -> bytes:
    """The whole request body (a guard that must see it before the app does)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def replaying(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the app the body already read, then the client's own
    messages (a disconnect, when it comes)."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if delivered:
            return await receive()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def request_header(scope: Scope, name: bytes) -> bytes | None:
    """The first value of a request header (`name` in lower case), or None."""
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
        declared = request_header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self._max:
            await send_problem(
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
            await send_problem(
                send, 413, "Content Too Large", f"bodies are limited to {self._max} bytes"
            )


class _TooLarge(Exception):
    pass


def verified_principal(scope: Scope) -> Actor | None:
    """The caller its bearer token proves, or None (no token, or one that does not verify).

    Reads the header exactly as the routes' `actor_from_request` does, with
    the app's own verifier (which keeps verified tokens, so the route's check
    costs nothing more). Guards key on this, never on the raw header: the
    same caller can spell a header many ways and refresh a token at will.
    """
    verifier = getattr(getattr(scope.get("app"), "state", None), "token_verifier", None)
    raw = request_header(scope, b"authorization")
    if not isinstance(verifier, TokenVerifier) or raw is None:
        return None
    scheme, _, token = raw.decode("latin-1").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    try:
        return verifier.verify(token.strip())
    except AuthenticationError:
        return None


class TokenBuckets:
    """Token bucket per caller: `per_second` sustained, `burst` at once (bounded memory)."""

    def __init__(self, per_second: float, burst: int) -> None:
        self._rate = per_second
        self._burst = burst
        self._buckets: OrderedDict[bytes, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, caller: bytes) -> float:
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


class RateLimit:
    """Writes and reads rate limited per caller: the verified principal (HSA-id and
    unit), or for a request without a valid token its client address."""

    def __init__(
        self,
        app: ASGIApp,
        write_per_second: float,
        write_burst: int,
        read_per_second: float,
        read_burst: int,
    ) -> None:
        self._app = app
        self._writes = TokenBuckets(write_per_second, write_burst)
        self._reads = TokenBuckets(read_per_second, read_burst)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] not in UNLIMITED_PATHS:
            writing = scope["method"] in WRITE_METHODS
            principal = verified_principal(scope)
            if principal is not None:
                caller = f"principal\n{principal.hsa_id}\n{principal.org_id}"
            else:
                caller = f"address\n{(scope.get('client') or ('?',))[0]}"
            buckets = self._writes if writing else self._reads
            wait = buckets.take(hashlib.sha256(caller.encode()).digest())
            if wait > 0:
                await send_problem(
                    send,
                    429,
                    "Too Many Requests",
                    f"too many {'writes' if writing else 'reads'} from this caller; slow down",
                    retry_after=str(max(1, round(wait))),
                )
                return
        await self._app(scope, receive, send)


class _Pairs(list[tuple[str, Any]]):
    """A JSON object as decoded: its members in order, duplicates kept."""


def duplicated_key(body: bytes) -> str | None:
    """The field path (``body.meta.a``) of the first key a JSON object repeats, or None
    (also for a body that is not JSON: the route's own validation answers that)."""
    try:
        tree = json.loads(body, object_pairs_hook=_Pairs)
    except (ValueError, RecursionError):
        return None
    stack: list[tuple[str, Any]] = [("body", tree)]
    while stack:  # no recursion: nesting is bounded by the body size alone
        path, node = stack.pop()
        if isinstance(node, _Pairs):
            seen: set[str] = set()
            for name, value in node:
                if name in seen:
                    return f"{path}.{name}"
                seen.add(name)
                stack.append((f"{path}.{name}", value))
        elif isinstance(node, list):
            stack.extend((f"{path}.{index}", value) for index, value in enumerate(node))
    return None


def _json_body(scope: Scope) -> bool:
    """Whether the app would read this request's body as JSON (FastAPI does when no
    content type is given, too)."""
    content_type = request_header(scope, b"content-type")
    if content_type is None:
        return scope["method"] in WRITE_METHODS
    media = content_type.split(b";", 1)[0].strip().lower()
    return media == b"application/json" or media.endswith(b"+json")


class DuplicateKeys:
    """400 for a JSON body that repeats a key in an object (RFC 8259 §4: names SHOULD
    be unique; what a parser then does is undefined), naming the key's field."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _json_body(scope):
            await self._app(scope, receive, send)
            return
        body = await read_body(receive)
        field = duplicated_key(body) if body.strip() else None
        if field is not None:
            shown = field[:120]
            await send_problem(
                send,
                400,
                "Bad Request",
                f"{shown}: the key appears more than once in its object",
                {
                    "type": f"{PROBLEM_TYPE_BASE}/invalid-request",
                    "instance": scope["path"],
                    "errors": [
                        {"field": shown, "message": "duplicate key", "rule": "json-unique-keys"}
                    ],
                },
            )
            return
        await self._app(scope, replaying(body, receive), send)


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
            await send_problem(
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
        if scope.get(STORE_UNAVAILABLE):
            self.trip()
        elif status and status != 503:
            self.close()
