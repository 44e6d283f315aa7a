"""The HTTP metrics count each request once under its route template and the status it
was answered with, including the 500 of a handler that raised before answering (the
status the server sends, which the RED dashboards and the error-rate alert read)."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from services.runtime.http.operations import HttpMetrics


def app_with_metrics(registry: CollectorRegistry) -> HttpMetrics:
    app = FastAPI()

    @app.post("/v1/things/{thing_id}", status_code=201)
    async def make(thing_id: str) -> dict[str, str]:
        return {"id": thing_id}

    @app.get("/v1/broken/{thing_id}")
    async def broken(thing_id: str) -> None:
        raise RuntimeError(thing_id)

    return HttpMetrics(app, registry)


def count(registry: CollectorRegistry, method: str, route: str, status: str) -> float | None:
    labels = {"method": method, "route": route, "status": status}
    return registry.get_sample_value("http_requests_total", labels)


async def test_requests_are_counted_by_route_template_and_the_status_answered() -> None:
    registry = CollectorRegistry()
    transport = httpx.ASGITransport(app=app_with_metrics(registry), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for thing in ("a", "b"):
            assert (await client.post(f"/v1/things/{thing}")).status_code == 201
        assert (await client.get("/v1/broken/x")).status_code == 500

    assert count(registry, "POST", "/v1/things/{thing_id}", "201") == 2
    assert count(registry, "GET", "/v1/broken/{thing_id}", "500") == 1
    assert count(registry, "POST", "/v1/things/a", "201") is None  # never the raw path
