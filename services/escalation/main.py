"""Composition root of the escalation service."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from prometheus_client import Gauge
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.escalation.api import router
from services.escalation.application import EscalationApplication
from services.escalation.translate import to_integration_event
from services.runtime.application import Clock, SystemClock
from services.runtime.consumer import TrackedTarget
from services.runtime.service import Schedule, ServiceParts, create_http_app, subject_ids
from services.runtime.settings import RuntimeSettings
from services.runtime.store import store_env

SERVICE = "escalation"

OVERDUE_CHECK_SECONDS = 30.0
"""How often passed deadlines are turned into overdue events (E-3, E-5)."""


class Settings(BaseSettings):
    """Settings of the escalation service only (prefix ``SAMVERKAN_ESCALATION_``)."""

    model_config = SettingsConfigDict(env_prefix="SAMVERKAN_ESCALATION_", extra="ignore")

    http_port: int = Field(8003, description="Port of the escalation service's HTTP API.")


def create_app(
    runtime: RuntimeSettings | None = None,
    clock: Clock | None = None,
    *,
    overdue_check_seconds: float = OVERDUE_CHECK_SECONDS,
) -> FastAPI:
    runtime = runtime or RuntimeSettings()
    clock = clock or SystemClock()
    application = EscalationApplication(
        env=store_env(runtime, SERVICE), master_key=runtime.resolved_master_key()
    )
    overdue: Gauge | None = None

    def raise_overdue() -> None:
        """Overdue events (E-3, E-5), then the gauge operators alert on; in a worker
        thread, so a scrape of /metrics never waits for the store."""
        now = clock.now()
        application.raise_due(now)
        if overdue is not None:
            overdue.set(application.red_threads_overdue(now))

    parts = ServiceParts(
        name=SERVICE,
        title="samverkan escalation",
        description=(
            "The red thread, the escalation ladder and the monthly meetings: "
            "escalation when coordination fails."
        ),
        app=application,
        routers=[router],
        translate=to_integration_event,
        upstream=("consent", "cases"),
        target=TrackedTarget.of(application, application.recorder),
        schedules=[Schedule("overdue", overdue_check_seconds, raise_overdue)],
        state={"clock": clock, "subject_ids": subject_ids(runtime)},
    )
    http = create_http_app(parts, runtime)
    overdue = Gauge(
        "samverkan_red_threads_overdue",
        "Red threads past their meeting deadline (E-3) with no meeting held or standing.",
        registry=http.state.metrics_registry,
    )
    return http


def consumer_target(runtime: RuntimeSettings) -> tuple[TrackedTarget, Callable[[], None]]:
    """The consumer's target on the escalation store, built as `create_app` builds it, for
    ``samverkan dead-letters replay escalation`` (entry point ``samverkan.consumers``)."""
    application = EscalationApplication(
        env=store_env(runtime, SERVICE), master_key=runtime.resolved_master_key()
    )
    return TrackedTarget.of(application, application.recorder), application.close
