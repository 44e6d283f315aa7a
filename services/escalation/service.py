"""Composition root of the escalation service: settings → store → application → `Service`."""

from __future__ import annotations

from typing import Annotated

from prometheus_client import CollectorRegistry, Gauge
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.escalation.api import router
from services.escalation.application import EscalationApplication
from services.escalation.domain import FOLLOW_UP_BOOKING_DAYS, CoordinationOffices
from services.escalation.translate import to_integration_event
from services.runtime.messaging.consumer.target import TrackedTarget
from services.runtime.service import Composition, Schedule, Service, composition_root
from services.runtime.settings import checked_by, round_seconds

SERVICE = "escalation"

DEVELOPMENT_COORDINATION_OFFICES = '{"SE2321000016-NVK1": ["0180"]}'
"""The coordination office of make run's development coordinator token (README), serving
Stockholm (kommunkod 0180), where the README's and the tests' red threads are pulled."""


class Settings(BaseSettings):
    """Settings of the escalation service only (prefix ``SAMVERKAN_ESCALATION_``)."""

    model_config = SettingsConfigDict(env_prefix="SAMVERKAN_ESCALATION_", extra="ignore")

    http_port: int = Field(8003, description="Port of the escalation service's HTTP API.")
    coordination_offices: Annotated[str, checked_by(CoordinationOffices.parse)] = Field(
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

    follow_up_booking_days: int = Field(
        FOLLOW_UP_BOOKING_DAYS,
        ge=1,
        description=(
            "Within how many calendar days of a held red-thread meeting its follow-up is "
            "booked (E-11); past that, RedThreadFollowUpNotBooked is raised once (D-7)."
        ),
    )

    overdue_check_seconds: float = round_seconds(
        30.0,
        "How often passed deadlines (E-3, E-5, E-11) are turned into overdue events "
        "and the overdue red threads gauge is refreshed.",
    )

    def offices(self) -> CoordinationOffices:
        return CoordinationOffices.parse(self.coordination_offices)


@composition_root(SERVICE, Settings)
def build(root: Composition[Settings]) -> Service:
    application = EscalationApplication(
        env=root.store_env(),
        master_key=root.runtime.resolved_master_key(),
        coordination_offices=root.settings.offices(),
        follow_up_booking_days=root.settings.follow_up_booking_days,
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
        now = root.clock.now()
        application.raise_due(now)
        overdue.set(application.red_threads_overdue(now))

    return root.service(
        (
            "The red thread, the escalation ladder and the monthly meetings: "
            "escalation when coordination fails."
        ),
        application,
        router,
        to_integration_event,
        upstream=("consent", "cases"),
        target=TrackedTarget.of(application, application.recorder),
        schedules=[Schedule("overdue", root.settings.overdue_check_seconds, raise_overdue)],
        registry=registry,
    )
