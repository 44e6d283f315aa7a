"""A service named on the command line: checked against the catalogue, built by its
composition root, or only its existing store opened."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from eventsourcing.application import Application

from contracts import SERVICES
from services.runtime.messaging.republish import stored_log
from services.runtime.ops.commands.terminal import errors
from services.runtime.service import Service, load_service
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import StoreMissing, require_store


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


def existing_store(settings: RuntimeSettings, service: str) -> None:
    """Exit 2 with one line naming the path and the setting when the service's store is
    not there: a command that only reads must not create an empty store and report
    "lag 0" or "intact" on it (a false green from cron, issue #23)."""
    try:
        require_store(settings, service)
    except StoreMissing as missing:
        errors.print(str(missing), style="red", markup=False, soft_wrap=True)
        raise typer.Exit(2) from missing


def stored_application(settings: RuntimeSettings, service: str) -> Application[Any]:
    """The service's existing store, under the service's name (it names the PostgreSQL
    tables); exit 2 when there is none (`existing_store`)."""
    existing_store(settings, service)
    return stored_log(settings, service)
