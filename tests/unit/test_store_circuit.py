"""The store circuit fails fast during a store outage, and only then.

A review found one administrator's access-log check during a Kafka outage (the
audit-anchor topic unreadable: 503) made every route of the service answer 503
for two seconds, for everyone: the circuit tripped on any 503.
"""

from __future__ import annotations

from eventsourcing.persistence import OperationalError
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.runtime.http.guards import StoreCircuit
from services.runtime.http.problems import Problem, install_problem_handlers


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(StoreCircuit, open_seconds=60)

    @app.get("/v1/anchor")
    def anchor_unavailable() -> None:
        raise Problem(503, "Anchor unavailable", "the audit-anchor topic cannot be read")

    @app.get("/v1/store")
    def store_down() -> None:
        raise OperationalError("connection refused")

    @app.get("/v1/ok")
    def ok() -> dict[str, bool]:
        return {"ok": True}

    return app


def test_another_dependencys_503_does_not_take_the_api_down() -> None:
    client = TestClient(_app())
    assert client.get("/v1/anchor").status_code == 503
    assert client.get("/v1/ok").status_code == 200


def test_a_store_outage_opens_the_circuit_for_every_route() -> None:
    client = TestClient(_app())
    first = client.get("/v1/store")
    assert first.status_code == 503
    assert first.headers["retry-after"]
    assert client.get("/v1/ok").status_code == 503  # answered at once, store not asked
