"""One INFO line per HTTP request, in its trace: how a partner's complaint is found.

A partner quotes the ``traceparent`` of an answer (or the time and route of
a failure); this line is where that trace id first shows at the default log
level, with who asked (the caller's HSA-id, once the token is verified), what
(method and route *template*) and how it went (status, duration). From its
``trace_id`` the command is followed into every service's log and tracing
backend (docs/runbook.md, "Following one command").

It is the HTTP access log in the web server's sense, named the *request* log
(logger ``samverkan.requests``) because "access log" here is the audit log of
who read whose personal data (services.runtime.http.access_log), which this is
not. It never holds the raw path, the query string or a body: those may hold
ids or, by mistake, a personnummer; the template holds neither. uvicorn's own
access log, which has the raw path, is off (services.runtime.ops.serve).
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Receive, Scope, Send

from services.runtime.http.auth import CALLER_HSA_ID
from services.runtime.http.operations import ResponseStatus, route_template
from services.runtime.kernel.tracing import current_trace_ids

log = logging.getLogger("samverkan.requests")


class RequestLog:
    """A plain ASGI middleware, inside the trace context (services.runtime.http.operations.
    TraceContext), so the line carries the request's ``trace_id``; it sees the status even
    when a handler raises (then 500, as the server answers)."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        # Made here, so what authentication notes in request.state is in this very
        # dict even if a middleware further in copies the scope.
        state = scope.setdefault("state", {})
        started = time.perf_counter()
        response = ResponseStatus(send)
        try:
            await self._app(scope, receive, response)
        finally:
            if log.isEnabledFor(logging.INFO):
                method = scope["method"]
                route = route_template(scope)
                duration_ms = round((time.perf_counter() - started) * 1000, 1)
                ids = current_trace_ids()
                hsa_id = state.get(CALLER_HSA_ID)
                log.info(
                    "%s %s %d %.1f ms",
                    method,
                    route,
                    response.status,
                    duration_ms,
                    extra={
                        "method": method,
                        "route": route,
                        "status": response.status,
                        "duration_ms": duration_ms,
                        "trace_id": ids[0] if ids else None,
                        "hsa_id": hsa_id,
                    },
                )
