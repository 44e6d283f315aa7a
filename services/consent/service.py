"""Composition root of the consent service: settings → store → application → `Service`."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from contracts import HSA_ID_PATTERN
from services.consent.api import router
from services.consent.api.decisions import LANE as DECISION_LANE
from services.consent.api.giving import LANE as GIVING_LANE
from services.consent.application import ConsentApplication
from services.consent.translate import to_integration_event
from services.consent.views.activity import UpstreamActivity
from services.runtime.service import Composition, Schedule, Service, composition_root
from services.runtime.settings import round_seconds

SERVICE = "consent"


class Settings(BaseSettings):
    """Settings of the consent service only (prefix ``SAMVERKAN_CONSENT_``)."""

    model_config = SettingsConfigDict(env_prefix="SAMVERKAN_CONSENT_", extra="ignore")

    http_port: int = Field(8001, description="Port of the consent service's HTTP API.")
    emergency_disclosure_max_hours: int = Field(
        72, ge=1, description="Longest an emergency disclosure (C-5) may be valid, in hours."
    )
    unborn_child_disclosure_max_days: int = Field(
        280, ge=1, description="Longest a disclosure under OSL 26:9 (C-6) may be valid, in days."
    )
    expiry_check_seconds: float = round_seconds(
        30.0,
        "How often consents and emergency disclosures are checked for expiry.",
    )
    retention_years: int = Field(
        5,
        ge=0,
        le=100,
        description=(
            "Statutory culling (gallring): an individual with no activity anywhere on the "
            "platform for this many years has their personal data erased in every service. "
            "5 follows SoL 12:1 (five years after the last entry); set what the region's or "
            "municipality's records management plan decides. 0 turns culling off."
        ),
    )
    culling_check_seconds: float = round_seconds(
        3600.0, "How often consent looks for individuals due for culling."
    )
    erasure_unit: Annotated[str, Field(pattern=HSA_ID_PATTERN)] | None = Field(
        None,
        description=(
            "HSA-id of the platform unit whose administrators may erase an individual on "
            "request (GDPR art. 17); administrators of every other unit are refused. Unset: "
            "no one may erase (statutory culling still runs)."
        ),
    )

    @field_validator("erasure_unit", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """An empty variable (``SAMVERKAN_CONSENT_ERASURE_UNIT=``) means unset, as in compose."""
        return None if value == "" else value


@composition_root(SERVICE, Settings)
def build(root: Composition[Settings]) -> Service:
    settings, clock = root.settings, root.clock
    application = ConsentApplication(
        env=root.store_env(),
        longest_emergency_disclosure=timedelta(hours=settings.emergency_disclosure_max_hours),
        longest_unborn_child_disclosure=timedelta(days=settings.unborn_child_disclosure_max_days),
        master_key=root.runtime.resolved_master_key(),
        erasure_unit=settings.erasure_unit,
    )
    return root.service(
        "Consent and emergency disclosure: the gate for all information sharing.",
        application,
        router,
        to_integration_event,
        # Activity about an individual anywhere on the platform postpones their culling.
        upstream=("cases", "escalation", "reporting"),
        target=UpstreamActivity(application.activity, clock).target(),
        schedules=[
            Schedule(
                "expiry",
                settings.expiry_check_seconds,
                lambda: application.expire_due(clock.now()),
            ),
            Schedule(
                "culling",
                settings.culling_check_seconds,
                lambda: application.cull_due(clock.now(), retention_years=settings.retention_years),
            ),
        ],
        state={"lanes": (DECISION_LANE, GIVING_LANE)},  # its hot read and command
    )
