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
from services.runtime.service import Composition, Service, composition_root

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


@composition_root(SERVICE, Settings)
def build(root: Composition[Settings]) -> Service:
    master_key = root.runtime.resolved_master_key()
    application = ReportingApplication(env=root.store_env(), master_key=master_key)
    view = statistics_view(application)
    return root.service(
        "Deviation reports (collaboration failures) and de-identified statistics.",
        application,
        router,
        to_integration_event,
        upstream=("consent", "cases", "escalation", "reporting"),
        target=Intake(application, Statistics(view)).target(),
        projections={"reporting-statistics": rebuildable_statistics},
        state={
            "statistics": view,
            "disclosure": DisclosureControl(
                root.settings.disclosure_method,
                hmac.new(master_key, b"cell-key", "sha256").digest(),
            ),
        },
    )
