"""A lean lane for one hot read: answered without FastAPI's routing and dependency solving.

Consent's decision (C-9) is asked hundreds of times a second, and FastAPI's
own work on it (matching through the nested routers, solving the caller's
dependencies, a worker thread for the route and another for the answer's
validation) cost more than the decision. A `Lane` names one method and path
and a function that answers it from the request, or declines with None. It
runs inside every guard (trace, metrics, store circuit, rate limit), so only
FastAPI's part is skipped.

It answers only what it can answer exactly as the declared route would: a
request it declines (a missing or bad token, a refused caller, an invalid or
unusual query, a rule's refusal, a store that is down) goes on to that route,
which answers it, refusals and all, as before. The route stays the definition
of the API (the OpenAPI document, the problems); the lane is a shortcut to
the same answer, and its tests hold the two to one behaviour. A lane that reads
the body and then declines hands the route the body it read. Once a lane has
begun a write it no longer declines (the route would write again): a failure
from then on is answered as the app's exception handlers answer the route's
(`answered_as_the_app_would`).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["Lane", "LaneRoute", "Lanes", "answered_as_the_app_would"]


@dataclass(frozen=True)
class Lane:
    """`answer` serves ``method path`` (exactly, no path parameters), or declines."""

    method: str
    path: str
    answer: Callable[[Request], Awaitable[Response | None]]


@dataclass(frozen=True)
class LaneRoute:
    """What a matched route puts in the scope, as far as the guards and the access log
    read it: its path template (services.runtime.http.operations.route_template)."""

    path: str


class Lanes:
    """The ASGI middleware that takes a request into its lane, if it has one: the lanes
    are the app's ``state.lanes``, as its composition root gives them (``state={"lanes":
    (…,)}``, services.runtime.service.Composition.service)."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app
        self._lanes: dict[tuple[str, str], Lane] | None = None

    def _lanes_of(self, scope: Scope) -> dict[tuple[str, str], Lane]:
        if self._lanes is None:
            state = getattr(scope.get("app"), "state", None)
            lanes: tuple[Lane, ...] = getattr(state, "lanes", ())
            self._lanes = {(lane.method, lane.path): lane for lane in lanes}
        return self._lanes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        lane = (
            self._lanes_of(scope).get((scope["method"], scope["path"]))
            if scope["type"] == "http"
            else None
        )
        if lane is None or scope.get("root_path"):
            await self._app(scope, receive, send)
            return
        scope["route"] = LaneRoute(lane.path)
        read: list[Message] = []

        async def receive_kept() -> Message:
            message = await receive()
            read.append(message)
            return message

        response = await lane.answer(Request(scope, receive_kept))
        if response is None:
            del scope["route"]  # the app's router matches (and names) the route itself
            await self._app(scope, _replaying(read, receive), send)
            return
        await response(scope, receive, send)


def _replaying(read: list[Message], receive: Receive) -> Receive:
    """`receive`, after the messages a declining lane already read from it."""
    if not read:
        return receive
    pending = list(read)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay


async def answered_as_the_app_would(request: Request, error: Exception) -> Response:
    """The answer the app's exception handlers give `error` when a route raises it (a
    rule's refusal, a problem, a store that is down), for a lane that may no longer
    decline; raises it again where only the catch-all handler would answer, so the
    server's error middleware answers and logs it as it does a route's."""
    handlers = getattr(request.app, "exception_handlers", {})
    for kind in type(error).__mro__:
        if kind is Exception:
            break
        handler = handlers.get(kind)
        if handler is not None:
            answer = handler(request, error)
            response: Response = await answer if inspect.isawaitable(answer) else answer
            return response
    raise error
