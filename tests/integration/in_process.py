"""A service's HTTP app in the test's process, on a real store and a clock of the test's,
without its lifespan: no broker, relay or consumers run, so what the app stores stays
in its store and what it would learn from a topic is taught to its application."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.runtime.kernel.actor import Actor
from services.runtime.settings import RuntimeSettings
from services.runtime.store import audit as audit_module
from services.runtime.store.audit import AccessAudit
from tests.support import MovableClock, auth, service_app


class InProcessApp:
    """Calls to an app as given callers, each with a development token of their own; a
    server error is answered as a 500, as a client would see it, not raised."""

    def __init__(self, app: FastAPI, settings: RuntimeSettings) -> None:
        self.app = app
        self.client = TestClient(app, raise_server_exceptions=False)
        self.settings = settings

    def call(self, actor: Actor, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.request(method, path, headers=auth(self.settings, actor), **kwargs)

    @property
    def stored_events(self) -> int:
        """How many events the app's store holds (its last notification's id)."""
        top: int = self.app.state.application.recorder.max_notification_id() or 0
        return top

    @property
    def audit(self) -> AccessAudit:
        """The app's access log."""
        audit: AccessAudit = self.app.state.access_audit
        return audit

    def close(self) -> None:
        """Close what the app opened: its access log and its application's store."""
        self.audit.close()
        self.app.state.application.close()


Served = TypeVar("Served", bound=InProcessApp)


def built(service: str, settings: RuntimeSettings, now: datetime) -> FastAPI:
    """The service's app as ``serve`` builds it, on `settings`' store, its clock at `now`."""
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    app: FastAPI = service_app(service, settings, None, MovableClock(now))
    return app


def serving(
    kind: type[Served], service: str, settings: RuntimeSettings, now: datetime
) -> Iterator[Served]:
    """A fixture's body: the service's app at `now`, called through `kind`, closed after."""
    served = kind(built(service, settings, now), settings)
    yield served
    served.close()


@contextmanager
def access_log_broken() -> Iterator[None]:
    """In the block, no access record can be written (its hash chain cannot be made): what a
    change whose records fail must leave behind is then nothing."""

    def broken(*_: Any) -> str:
        raise RuntimeError("the access log cannot be written")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(audit_module, "chain", broken)
        yield
