"""Composition root of the escalation service: settings → store → application → `Service`."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Gauge
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.escalation.api import router
from services.escalation.application import EscalationApplication
from services.escalation.domain import CoordinationOffices
from services.escalation.translate import to_integration_event
from services.runtime.kernel.clock import Clock, SystemClock
from services.runtime.messaging.consumer.target import TrackedTarget
from services.runtime.service import Schedule, Service, subject_ids
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env

SERVICE = "escalation"

DEVELOPMENT_COORDINATION_OFFICES = '{"SE2321000016-NVK1": ["0180"]}'
"""The coordination office of make run's development coordinator token (README), serving
Stockholm (kommunkod 0180), where the README's and the tests' red threads are pulled."""


class Settings(BaseSettings):
    """Settings of the escalation service only (prefix ``SAMVERKAN_ESCALATION_``)."""

    model_config = SettingsConfigDict(env_prefix="SAMVERKAN_ESCALATION_", extra="ignore")

    http_port: int = Field(8003, description="Port of the escalation service's HTTP API.")
    coordination_offices: str = Field(
        DEVELOPMENT_COORDINATION_OFFICES,
        description=(
            "Which municipalities each coordination office serves (E-3), as JSON: office "
            'HSA-id -> list of kommunkoder, e.g. `{"SE2321000016-NVK1": ["0180", "0114"]}`. '
            "A coordinator reads and runs only the red threads pulled in a municipality "
            "their office (the token's organisation) serves, and hands a thread on only "
            "within that office; an office not listed serves none. The default is the "
            "made-up development office of make run's coordinator token, serving Stockholm "
            "(0180): set the real offices in production."
        ),
    )

    overdue_check_seconds: float = Field(
        30.0,
        gt=0,
        description="How often passed deadlines (E-3, E-5) are turned into overdue events "
        "and the overdue red threads gauge is refreshed.",
    )

    @field_validator("coordination_offices")
    @classmethod
    def _offices_parse(cls, value: str) -> str:
        CoordinationOffices.parse(value)
        return value

    def offices(self) -> CoordinationOffices:
        return CoordinationOffices.parse(self.coordination_offices)


def build(
    runtime: RuntimeSettings | None = None,
    settings: Settings | None = None,
    clock: Clock | None = None,
) -> Service:
    runtime = runtime or RuntimeSettings()
    settings = settings or Settings()
    clock = clock or SystemClock()
    application = EscalationApplication(
        env=store_env(runtime, SERVICE),
        master_key=runtime.resolved_master_key(),
        coordination_offices=settings.offices(),
    )
    registry = CollectorRegistry()
    overdue = Gauge(
        "samverkan_red_threads_overdue",
        "Red threads past their meeting deadline (E-3) with no meeting held or standing.",
        registry=registry,
    )

    def raise_overdue() -> None:
        """Overdue events (E-3, E-5), then the gauge operators alert on; in a worker
        thread, so a scrape of /metrics never waits for the store."""
        now = clock.now()
        application.raise_due(now)
        overdue.set(application.red_threads_overdue(now))

    return Service(
        name=SERVICE,
        runtime=runtime,
        http_port=settings.http_port,
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
        schedules=[Schedule("overdue", settings.overdue_check_seconds, raise_overdue)],
        state={
            "clock": clock,
            "subject_ids": subject_ids(runtime),
        },
        registry=registry,
    )
