"""Run one service: ``python -m services.runtime.serve consent``.

Each service's ``main`` module offers ``create_app`` and a settings class with
its ``http_port``; this is the one place that turns those into a uvicorn
server with JSON logs, so every service starts and stops the same way.
"""

from __future__ import annotations

import gc
import importlib
import sys
from typing import Any

import uvicorn

from contracts import SERVICES
from services.runtime.logging import configure_logging
from services.runtime.settings import RuntimeSettings
from services.runtime.store import setup_lock


def service_module(service: str) -> Any:
    if service not in SERVICES:
        msg = f"unknown service {service!r}; choose one of {', '.join(SERVICES)}"
        raise SystemExit(msg)
    return importlib.import_module(f"services.{service}.main")


def http_port(service: str) -> int:
    port: int = service_module(service).Settings().http_port
    return port


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        raise SystemExit("usage: python -m services.runtime.serve <service>")
    service = args[0]
    module = service_module(service)
    runtime = RuntimeSettings()
    configure_logging(service, runtime.log_level)
    with setup_lock(runtime, service):  # replicas starting together create tables in turn
        app = module.create_app(runtime)
    # Everything built so far lives as long as the process: keep it out of the
    # collector's way, and collect young objects less often, so a request
    # does not pay for a full collection of the start-up heap (tail latency).
    gc.freeze()
    gc.set_threshold(50_000, 50, 1000)
    uvicorn.run(
        app,
        host="127.0.0.1" if runtime.http_host is None else runtime.http_host,
        port=module.Settings().http_port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )


if __name__ == "__main__":
    main()
