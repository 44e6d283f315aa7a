"""Composition root of the reporting service: settings → store → application → `Service`.

Reporting consumes every service's events topic, its own included, so its
own deviations reach the statistics the same way as everyone else's facts;
overdue events from the others become deviations of their own (D-7).
"""

from __future__ import annotations

import hmac
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.reporting.api import router
from services.reporting.application import ReportingApplication
from services.reporting.domain import DisclosureControl
from services.reporting.translate import to_integration_event
from services.reporting.upstream import Intake
from services.reporting.views.rebuild import statistics as rebuildable_statistics
from services.reporting.views.statistics import Statistics, statistics_view
from services.runtime.kernel.clock import Clock, SystemClock
from services.runtime.service import Service, subject_ids
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env

SERVICE = "reporting"


class Settings(BaseSettings):
    """Settings of the reporting service only (prefix ``SAMVERKAN_REPORTING_``)."""

    model_config = SettingsConfigDict(env_prefix="SAMVERKAN_REPORTING_", extra="ignore")

    http_port: int = Field(8004, description="Port of the reporting service's HTTP API.")
    disclosure_method: Literal["suppression", "cell_key"] = Field(
        "suppression",
        description=(
            "Disclosure control of the statistics (D-5): `suppression` (counts 1-4 and what "
            "would reveal them are null) or `cell_key` (Statistics Sweden's Cell Key Method: "
            "small consistent noise, no value 1-4)."
        ),
    )


def build(
    runtime: RuntimeSettings | None = None,
    settings: Settings | None = None,
    clock: Clock | None = None,
) -> Service:
    runtime = runtime or RuntimeSettings()
    settings = settings or Settings()
    application = ReportingApplication(
        env=store_env(runtime, SERVICE), master_key=runtime.resolved_master_key()
    )
    view = statistics_view(application)
    return Service(
        name=SERVICE,
        runtime=runtime,
        http_port=settings.http_port,
        title="samverkan reporting",
        description="Deviation reports (collaboration failures) and de-identified statistics.",
        app=application,
        routers=[router],
        translate=to_integration_event,
        upstream=("consent", "cases", "escalation", "reporting"),
        target=Intake(application, Statistics(view)).target(),
        projections={"reporting-statistics": rebuildable_statistics},
        state={
            "clock": clock or SystemClock(),
            "subject_ids": subject_ids(runtime),
            "statistics": view,
            "disclosure": DisclosureControl(
                settings.disclosure_method,
                hmac.new(runtime.resolved_master_key(), b"cell-key", "sha256").digest(),
            ),
        },
    )
