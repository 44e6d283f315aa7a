"""The ASGI middleware that runs a keyed write once: it claims the key before the route
runs, answers a retry from what the first request left, and remembers a first answer
before the caller sees it."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import Any

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
from services.runtime.http.idempotency.answers import named_subjects, remembered, replay
from services.runtime.http.idempotency.claims import (
    CLAIMED,
    RUNNING,
    Held,
    IdempotencyClaim,
    holding,
    scoped_key,
)
from services.runtime.http.idempotency.store import IdempotencyStore
from services.runtime.http.problems import (
    PROBLEM_TYPE_BASE,
    STORE_RETRY_AFTER_SECONDS,
    mark_store_unavailable,
)

log = logging.getLogger(__name__)

IN_PROGRESS_RETRY_AFTER_SECONDS = 1


class Idempotency:
    """Runs a keyed write once; a retry gets its answer again (the package docstring).

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
            claim, held = await self._store.claiming(key, request_hash)
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
            await replay(self._app, scope, send, held)

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
            await asyncio.shield(self._settle(claim, None))
            raise
        answer: tuple[int, dict[str, Any], str] | None = None
        if 200 <= status < 300 and claim.changed:
            # Remembered before the caller sees the answer, so an immediate retry is a
            # replay. Only what identifies the outcome, never the body.
            kept = remembered(location, b"".join(chunks), claim.changed)
            answer = (status, kept, claim.subjects_column(named_subjects(kept)))
        if answer is None or answer != claim.kept:
            # Not kept with the events as it is (the usual case of a declared answer,
            # `answering_created`, needs no write here): remembered, or, for a refusal,
            # a failure or a request that stored nothing (a read asked by POST), not:
            # it had no effect (or, if it stored events, the key stays "applied"), so a
            # retry is simply run and judged again.
            await self._settle(claim, answer)
        for message in held:
            await send(message)

    async def _settle(
        self, claim: IdempotencyClaim, answer: tuple[int, dict[str, Any], str] | None
    ) -> None:
        """Remember `answer`; without one, let go of a claim whose command stored nothing,
        and leave one that stored events "applied" (a declared answer its route did not
        give is taken back)."""
        if answer is not None:
            claim.subjects.update(dict.fromkeys(answer[2].split()))
            try:
                await self._store.answering(claim, answer[0], answer[1])
                return
            except Exception as error:
                # Had the command stored anything, its key is marked applied with it: a
                # retry is refused (409), never run again; otherwise the key is let go.
                log.warning("first answer not remembered: %r", error)
        elif claim.kept is not None:
            claim.subjects.update(dict.fromkeys(claim.kept[2].split()))
            try:
                await self._store.answering(claim, CLAIMED, {"changed": list(claim.changed)})
                return
            except Exception as error:
                log.warning("declared answer not taken back: %r", error)
        try:
            await self._store.releasing(claim)
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
