"""What is remembered of a first answer (its status, ``Location`` and the ids it names,
never its body) and how a retry gets that answer again: read back through the
resource's own route, as the caller, or else the status and ids alone."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import unquote

from starlette.types import ASGIApp, Message, Scope, Send

from services.runtime.http.idempotency.claims import Held

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


def remembered(location: str | None, body: bytes, changed: Sequence[str]) -> dict[str, Any]:
    """What is remembered of a successful first answer: its ``Location``, the ids it
    names and what the request `changed`; never its body."""
    return {"location": location, "ids": answer_ids(body), "changed": list(changed)}


def named_subjects(answer: dict[str, Any]) -> tuple[str, ...]:
    """The individual a remembered answer names (its ``subject_id``), tied to the key too."""
    subject = answer["ids"].get("subject_id")
    return (subject,) if isinstance(subject, str) else ()


async def replay(app: ASGIApp, scope: Scope, send: Send, held: Held) -> None:
    """The first answer again: read back through its route when it has a Location."""
    location = held.answer.get("location")
    headers = [(b"idempotent-replayed", b"true")]
    if isinstance(location, str):
        headers.append((b"location", location.encode("latin-1")))
        status, read_headers, body = await _read_back(app, scope, location)
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
    app: ASGIApp, scope: Scope, location: str
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

    await app(read, no_body, capture)
    return status, response_headers, b"".join(chunks)


async def _respond(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes
) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
