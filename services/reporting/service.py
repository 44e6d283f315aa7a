"""Composition root of the reporting service: settings → store → application → `Service`.

Reporting consumes every service's events topic, its own included, so its
own deviations reach the statistics the same way as everyone else's facts;
overdue events from the others become deviations of their own (D-7).
"""

from __future__ import annotations

import hmac
from typing import Annotated, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.reporting.api import router
from services.reporting.application import ReportingApplication
from services.reporting.domain import (
    FEEDBACK_DEADLINE_WORKING_DAYS,
    Controllers,
    DisclosureControl,
)
from services.reporting.translate import to_integration_event
from services.reporting.upstream import Intake
from services.reporting.views.rebuild import statistics as rebuildable_statistics
from services.reporting.views.statistics import Statistics, statistics_view
from services.runtime.service import Composition, Schedule, Service, composition_root
from services.runtime.settings import checked_by, round_seconds

SERVICE = "reporting"

DEVELOPMENT_CONTROLLERS = '{"SE2120000001-CTL1": ["SE2120000001"]}'
"""A made-up controller unit keeping the README's municipality's (SE2120000001) reports."""


class Settings(BaseSettings):
    """Settings of the reporting service only (prefix ``SAMVERKAN_REPORTING_``)."""

    model_config = SettingsConfigDict(env_prefix="SAMVERKAN_REPORTING_", extra="ignore")

    http_port: int = Field(8004, description="Port of the reporting service's HTTP API.")
    feedback_deadline_working_days: int = Field(
        FEEDBACK_DEADLINE_WORKING_DAYS,
        ge=1,
        description=(
            'What "skyndsamt" means (D-3): within how many Swedish working days of a '
            "deviation being reported or detected its joint summary is signed and feedback "
            "goes to every party; past that, DeviationFeedbackOverdue is raised once (D-7)."
        ),
    )
    overdue_check_seconds: float = round_seconds(
        60.0, "How often deviations past their feedback deadline (D-3) are raised overdue."
    )
    controllers: Annotated[str, checked_by(Controllers.parse)] = Field(
        DEVELOPMENT_CONTROLLERS,
        description=(
            "Which organisations' deviation reports each controller unit keeps (D-8), as "
            'JSON: controller unit HSA-id -> organisations, e.g. `{"SE2120000001-CTL1": '
            '["SE2120000001"]}` (an organisation is "SE" and its organisation number, the '
            "part of its units' HSA-ids before the `-`). A controller reads, lists and "
            "prints every deviation one of whose parties belongs to an organisation listed "
            "for their unit, and nothing else; a unit not listed keeps none. The default is "
            "a made-up development controller of the README's municipality: set the real "
            "ones in production."
        ),
    )
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
    settings = root.settings
    application = ReportingApplication(
        env=root.store_env(),
        master_key=master_key,
        feedback_deadline_working_days=settings.feedback_deadline_working_days,
        controllers=Controllers.parse(settings.controllers),
    )
    view = statistics_view(application)
    return root.service(
        "Deviation reports (collaboration failures) and de-identified statistics.",
        application,
        router,
        to_integration_event,
        upstream=("consent", "cases", "escalation", "reporting"),
        target=Intake(application, Statistics(view)).target(),
        projections={"reporting-statistics": rebuildable_statistics},
        schedules=[
            Schedule(
                "feedback-overdue",
                settings.overdue_check_seconds,
                lambda: application.raise_feedback_overdue(root.clock.now()),
            )
        ],
        state={
            "statistics": view,
            "disclosure": DisclosureControl(
                root.settings.disclosure_method,
                hmac.new(master_key, b"cell-key", "sha256").digest(),
            ),
        },
    )
