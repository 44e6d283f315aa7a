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
the same answer, and its tests hold the two to one behaviour.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["Lane", "LaneRoute", "Lanes"]


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
    """The ASGI middleware that takes a request into its lane, if it has one."""

    def __init__(self, app: ASGIApp, lanes: tuple[Lane, ...]) -> None:
        self._app = app
        self._lanes = {(lane.method, lane.path): lane for lane in lanes}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        lane = (
            self._lanes.get((scope["method"], scope["path"])) if scope["type"] == "http" else None
        )
        if lane is None or scope.get("root_path"):
            await self._app(scope, receive, send)
            return
        scope["route"] = LaneRoute(lane.path)
        response = await lane.answer(Request(scope, receive))
        if response is None:
            del scope["route"]  # the app's router matches (and names) the route itself
            await self._app(scope, receive, send)
            return
        await response(scope, receive, send)
