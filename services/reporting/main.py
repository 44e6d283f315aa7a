"""Composition root of the reporting service: settings → store → application, statistics → HTTP.

Reporting consumes every service's events topic, its own included, so its
own deviations reach the statistics the same way as everyone else's facts.
"""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.reporting.api import router
from services.reporting.application import ReportingApplication
from services.reporting.statistics import Statistics, statistics_view
from services.reporting.translate import to_integration_event
from services.runtime.application import Clock, SystemClock
from services.runtime.consumer import TrackedTarget
from services.runtime.service import ServiceParts, create_http_app, subject_ids
from services.runtime.settings import RuntimeSettings
from services.runtime.store import store_env

SERVICE = "reporting"


class Settings(BaseSettings):
    """Settings of the reporting service only (prefix ``SAMVERKAN_REPORTING_``)."""

    model_config = SettingsConfigDict(env_prefix="SAMVERKAN_REPORTING_", extra="ignore")

    http_port: int = Field(8004, description="Port of the reporting service's HTTP API.")


def create_app(
    runtime: RuntimeSettings | None = None,
    settings: Settings | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    runtime = runtime or RuntimeSettings()
    settings = settings or Settings()
    application = ReportingApplication(env=store_env(runtime, SERVICE))
    view = statistics_view(application)
    parts = ServiceParts(
        name=SERVICE,
        title="samverkan reporting",
        description="Deviation reports (collaboration failures) and de-identified statistics.",
        app=application,
        routers=[router],
        translate=to_integration_event,
        upstream=("consent", "cases", "escalation", "reporting"),
        target=TrackedTarget.of(Statistics(view), view),
        state={
            "clock": clock or SystemClock(),
            "subject_ids": subject_ids(runtime),
            "statistics": view,
        },
    )
    return create_http_app(parts, runtime)
