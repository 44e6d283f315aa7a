"""The operational HTTP surface every service has: health, readiness, metrics, contracts.

Operators probe ``/healthz`` (the process is alive) and ``/readyz`` (its store
and broker answer); Prometheus scrapes ``/metrics``; partners read
``/openapi.json``, ``/asyncapi.yaml`` and ``/asyncapi-partner.yaml``. None of
these needs a token and none reveals personal data.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable
from importlib import resources

from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from opentelemetry.trace import Span
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.runtime.kernel.tracing import TRACEPARENT, server_span, tracer_provider

ReadinessCheck = Callable[[], Awaitable[str | None]]
"""Returns None when the dependency is fine, else a short reason."""


def route_template(scope: Scope) -> str:
    """The matched route's full template, e.g. ``/v1/cases/{case_id}``.

    A route inside nested routers knows only its own part of the path; the
    prefixes are recovered from the request path by rendering that part
    with the request's path parameters. Unmatched requests are "unmatched",
    so an id never becomes a label or an audit resource.
    """
    route = scope.get("route")
    template = getattr(route, "path", None)
    if template is None:
        return "unmatched"
    path: str = scope.get("path", "")
    try:
        rendered = template.format(**scope.get("path_params", {}))
    except (KeyError, IndexError, ValueError):
        return str(template)
    if path.endswith(rendered):
        return path[: len(path) - len(rendered)] + str(template)
    return str(template)


class ResponseStatus:
    """The `send` of an ASGI app, remembering the status its response started with.

    500 until a response starts: an app that raised before answering is
    answered 500 by the server, and that is what the metrics and the request
    log must count.
    """

    def __init__(self, send: Send) -> None:
        self._send = send
        self.status = 500

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        await self._send(message)


class HttpMetrics:
    """RED metrics per route template, so ``/v1/consents/{id}`` is one series, not thousands.

    A plain ASGI middleware: cheaper than Starlette's BaseHTTPMiddleware on
    the hot path, and it sees the status even when a handler raises.
    """

    def __init__(self, app: ASGIApp, registry: CollectorRegistry) -> None:
        self._app = app
        self._requests = Counter(
            "http_requests",
            "HTTP requests by method, route template and status.",
            ["method", "route", "status"],
            registry=registry,
        )
        self._duration = Histogram(
            "http_request_duration_seconds",
            "HTTP request duration by method and route template.",
            ["method", "route"],
            registry=registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = time.perf_counter()
        response = ResponseStatus(send)
        try:
            await self._app(scope, receive, response)
        finally:
            template = route_template(scope)
            method = scope["method"]
            self._duration.labels(method, template).observe(time.perf_counter() - started)
            self._requests.labels(method, template, str(response.status)).inc()


class TraceContext:
    """Each request runs in its W3C trace context: the caller's ``traceparent``, or a new trace.

    The events the request stores keep it and the relay passes it on in the
    Kafka headers (services.runtime.kernel.tracing); the response carries this
    hop's ``traceparent`` so a caller without tracing of its own can still
    quote it, e.g. in a support ticket, and find the request in every
    service's logs.
    """

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        headers = {
            name.decode("latin-1"): value.decode("latin-1")
            for name, value in scope.get("headers", ())
            if name in (b"traceparent", b"tracestate")
        }
        with server_span(f"{scope['method']} {scope.get('path', '')}", headers) as traceparent:

            async def send_with_trace(message: Message) -> None:
                if message["type"] == "http.response.start" and traceparent:
                    kept = [
                        (name, value)
                        for name, value in message.get("headers", ())
                        if name.lower() != b"traceparent"
                    ]
                    kept.append((TRACEPARENT.encode(), traceparent.encode()))
                    message = {**message, "headers": kept}
                await send(message)

            await self._app(scope, receive, send_with_trace)


def instrument_http(app: FastAPI) -> None:
    """Record each request's server span with the configured SDK (services.runtime.ops.
    telemetry), named and attributed by its route template; nothing when none is.

    The instrumentation makes the span outside every middleware, so `TraceContext`
    finds it current and uses it as the hop. Its ``send``/``receive`` spans are left
    out (two spans per request that say nothing a partner asks about), and so is the
    query string: only the route template and the status need to be searchable.
    """
    provider = tracer_provider()
    if provider is None:
        return
    # Imported only here: without an SDK a service never loads the instrumentation
    # (and wrapt, packaging and asgiref with it), ~2 MB of every process (#24).
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=provider,
        exclude_spans=["receive", "send"],
        server_request_hook=_without_query,
    )


def _without_query(span: Span, scope: Scope) -> None:
    """Cut the query string from the URL attributes the instrumentation recorded."""
    if not scope.get("query_string") or not span.is_recording():
        return
    recorded = getattr(span, "attributes", None) or {}
    for name in ("http.url", "url.full"):
        value = recorded.get(name)
        if isinstance(value, str):
            span.set_attribute(name, value.split("?", 1)[0])
    if "url.query" in recorded:
        span.set_attribute("url.query", "")


def describe_the_process(registry: CollectorRegistry) -> None:
    """Add the process's own figures to `registry`: ``process_*`` (resident memory,
    CPU seconds, open file descriptors), ``python_info`` and ``python_gc_*``.

    prometheus_client registers these on its global registry only; each service
    serves a registry of its own (so one test process can build several
    services), which therefore has to be given them, once.
    """
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    GCCollector(registry=registry)


def operations_router(registry: CollectorRegistry, checks: dict[str, ReadinessCheck]) -> APIRouter:
    """The operational routes; ``/metrics`` serves `registry`, which this gives the
    process's own collectors (:func:`describe_the_process`)."""
    describe_the_process(registry)
    router = APIRouter(tags=["operations"])
    # Read when asked for, not kept: the full document is half a megabyte that every
    # process would hold for a route partners read now and then (#24). The partner
    # view's channels are relative references into asyncapi.yaml, which resolve beside
    # it here as they do in the repository (docs/partners.md).
    contracts = resources.files("contracts")
    asyncapi = contracts.joinpath("asyncapi.yaml")
    asyncapi_partner = contracts.joinpath("asyncapi-partner.yaml")

    @router.get("/healthz", summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get(
        "/readyz",
        summary="Store and broker answer; ready for traffic",
        responses={503: {"description": "Not ready: the failing checks are named."}},
    )
    async def readyz() -> JSONResponse:
        failures = {name: reason for name, check in checks.items() if (reason := await check())}
        status = 503 if failures else 200
        # The pid lets a supervisor (make run) tell its own child from another
        # process answering on the same port; it reveals nothing about the data.
        body = {
            "status": "unavailable" if failures else "ready",
            "failing": failures,
            "pid": os.getpid(),
        }
        return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})

    @router.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse)
    async def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    @router.get(
        "/asyncapi.yaml",
        summary="AsyncAPI 3.0 document of the public events",
        response_class=Response,
        responses={200: {"content": {"application/yaml": {}}}},
    )
    async def asyncapi_document() -> Response:
        return Response(asyncapi.read_bytes(), media_type="application/yaml")

    @router.get(
        "/asyncapi-partner.yaml",
        summary="AsyncAPI 3.0 document of a partner's consumer (receive operations)",
        response_class=Response,
        responses={200: {"content": {"application/yaml": {}}}},
    )
    async def asyncapi_partner_document() -> Response:
        return Response(asyncapi_partner.read_bytes(), media_type="application/yaml")

    return router
