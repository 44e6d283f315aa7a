"""A service named on the command line: checked against the catalogue, built by its
composition root, or only its store opened."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from eventsourcing.application import Application

from contracts import SERVICES
from services.runtime.messaging.republish import stored_log
from services.runtime.service import Service, load_service
from services.runtime.settings import RuntimeSettings


def service_name(service: str) -> str:
    """The argument's callback: one of the platform's services, or a usage error."""
    if service not in SERVICES:
        raise typer.BadParameter(f"choose one of {', '.join(SERVICES)}")
    return service


@contextmanager
def built_service(service: str, settings: RuntimeSettings) -> Iterator[Service]:
    """The service as its composition root builds it, closed on leaving."""
    built = load_service(service).build(settings)
    try:
        yield built
    finally:
        built.close()


def stored_application(settings: RuntimeSettings, service: str) -> Application[Any]:
    """The service's store, under the service's name (it names the PostgreSQL tables)."""
    return stored_log(settings, service)
