"""The test platform talks to the service it started, never to a stranger on its port.

Parallel workers choose ports independently; a service another worker started on
the same port answers /readyz too. Seen in CI as a 404 for a route the stranger
lacks and a 401 for its other signing key.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from services.runtime.settings import RuntimeSettings
from tests.support import InProcessService, JsonServer, ServiceProcess


@pytest.fixture
def stranger() -> Iterator[int]:
    """A port another service already listens on, answering /readyz (and all else) 200."""
    other = JsonServer(lambda path: {"whose": "a stranger's"})
    try:
        yield other.http.server_port
    finally:
        other.stop()


def ours() -> FastAPI:
    app = FastAPI()
    app.get("/readyz")(lambda: {"whose": "ours"})
    return app


# The refused bind ends uvicorn's thread with SystemExit: expected here, not a leak.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_an_in_process_service_whose_port_is_taken_serves_on_another(stranger: int) -> None:
    service = InProcessService("consent", RuntimeSettings(), ours, port=stranger)
    service.start(timeout=10)
    try:
        assert service.port != stranger
        assert service.server is not None
        assert service.server.started
    finally:
        service.stop()


def test_a_service_process_is_not_ready_on_a_port_it_did_not_bind(
    runtime_settings: RuntimeSettings, stranger: int
) -> None:
    runtime_settings.var_dir.mkdir(parents=True, exist_ok=True)
    process = ServiceProcess("consent", runtime_settings, port=stranger)
    process.start()
    try:
        assert process.port != stranger
        assert f"running on {process.url}" in process.logs()
    finally:
        process.stop()
