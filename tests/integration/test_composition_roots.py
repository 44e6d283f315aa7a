"""Issue #20, step 1: every service is built by one composition root, found the same way.

HTTP (``serve``), the relay and consumer roles, the operator's replay, rebuild
and republish commands and the tests all start from ``services/<svc>/service.py``
through the ``samverkan.services`` entry points; these tests hold each root to
the same shape.
"""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from contracts import SERVICES
from services.runtime.service import Service, http_app, load_service
from services.runtime.settings import RuntimeSettings


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_is_built_by_its_registered_root(
    runtime_settings: RuntimeSettings, name: str
) -> None:
    root = load_service(name)
    assert root.__name__ == f"services.{name}.service"
    built = root.build(runtime_settings)
    try:
        assert isinstance(built, Service)
        assert built.name == name
        assert built.http_port == root.Settings().http_port
        assert built.translate is not None, "every service publishes its events"
        assert set(built.upstream) <= set(SERVICES)
        # A service that reads topics has somewhere to apply (and replay) them.
        assert (built.target is not None) == bool(built.upstream)
        assert all(p.startswith(f"{name}-") for p in built.projections)
    finally:
        built.close()


@pytest.mark.parametrize("name", SERVICES)
def test_the_http_app_serves_what_the_root_lists(
    runtime_settings: RuntimeSettings, name: str
) -> None:
    built = load_service(name).build(runtime_settings)
    app = http_app(built)
    try:
        listing = FastAPI()
        for router in built.routers:
            listing.include_router(router)
        served = set(app.openapi()["paths"])
        listed = set(listing.openapi()["paths"])
        assert listed
        assert listed <= served
        assert app.state.application is built.app
        assert app.state.metrics_registry is built.registry
    finally:
        built.close()


def test_an_unknown_service_is_refused_by_name() -> None:
    with pytest.raises(LookupError, match="choose one of consent"):
        load_service("billing")
