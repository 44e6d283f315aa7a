"""Composition root of the cases service: settings → store → application → `Service`."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from contracts import UnitKind
from services.cases.api import router
from services.cases.application import CasesApplication
from services.cases.domain import Unit, UnitDirectory
from services.cases.domain.dates import REMINDER_LEAD_DAYS
from services.cases.domain.delegation import DEFAULT_DELEGATION_ORDER, DelegationOrder
from services.cases.translate import to_integration_event
from services.runtime.messaging.consumer import TrackedTarget
from services.runtime.service import Composition, Schedule, Service, composition_root
from services.runtime.settings import checked_by, round_seconds

SERVICE = "cases"

DEVELOPMENT_UNITS = "SE2120000001-IOF1:IOF:0180,SE2120000001-AOF1:AOF:0180"
"""Two made-up units (Stockholm's kommunkod) so a development platform can route."""


def parse_units(text: str) -> UnitDirectory:
    """`HSA-ID:KIND:KOMMUNKOD` entries, comma-separated, e.g. `SE2120000001-IOF1:IOF:0180`."""
    units = []
    for entry in filter(None, (part.strip() for part in text.split(","))):
        hsa_id, kind, municipality_code = entry.split(":")
        units.append(Unit(hsa_id, UnitKind(kind), municipality_code))
    return UnitDirectory(units)


class Settings(BaseSettings):
    """Settings of the cases service only (prefix ``SAMVERKAN_CASES_``)."""

    model_config = SettingsConfigDict(env_prefix="SAMVERKAN_CASES_", extra="ignore")

    http_port: int = Field(8002, description="Port of the cases service's HTTP API.")
    units: Annotated[str, checked_by(parse_units)] = Field(
        DEVELOPMENT_UNITS,
        description=(
            "The units cases routes to, as comma-separated `HSA-ID:KIND:KOMMUNKOD` "
            "(KIND is IOF or AOF; one of each per municipality). The default is two "
            "made-up development units: set the real ones in production."
        ),
    )
    handover_acknowledgement_working_days: int = Field(
        3,
        ge=1,
        le=30,
        description=(
            "Swedish working days the receiving unit has to acknowledge a handover (K-5) "
            "before it is overdue."
        ),
    )
    delegation_order: Annotated[str, checked_by(DelegationOrder.parse)] = Field(
        DEFAULT_DELEGATION_ORDER,
        description=(
            "K-11: the municipality's delegation order (delegationsordning), which roles may "
            "take each kind of decision, as comma-separated `decision=role|role` entries "
            "(e.g. `intervention_granted=deputy_unit_manager|unit_manager`); a kind left out "
            "is delegated to no role. The default lets caseworkers and their managers take "
            "every kind: set the municipality's own order in production."
        ),
    )
    sip_establishment_days: int = Field(
        14,
        ge=1,
        le=90,
        description=(
            "Calendar days from a SIP's proposal to its first SIP meeting, where it is "
            'established: "utan dröjsmål" (K-6, K-13); past it the proposal is overdue.'
        ),
    )
    other_principal_contact_days: int = Field(
        14,
        ge=1,
        le=90,
        description=(
            "Calendar days the other principal's unit has to establish contact with the "
            "person (K-17) before it is overdue."
        ),
    )
    age_transition_reminder_lead_days: int = Field(
        REMINDER_LEAD_DAYS,
        ge=0,
        le=180,
        description=(
            "Days before the announcement deadline (six months before the 19th or 21st "
            "birthday) that the age-transition reminder comes (K-4); 0: on the deadline day."
        ),
    )
    deadline_check_seconds: float = round_seconds(
        30.0,
        "How often age transitions (K-4), handover acknowledgements (K-5), SIP "
        "establishments (K-13) and follow-ups (K-7), contacts with the other principal "
        "(K-17) and meetings not recorded as held (E-11) are checked for reminders and "
        "overdue deadlines.",
    )

    def unit_directory(self) -> UnitDirectory:
        return parse_units(self.units)


@composition_root(SERVICE, Settings)
def build(root: Composition[Settings]) -> Service:
    settings = root.settings
    application = CasesApplication(
        env=root.store_env(),
        units=settings.unit_directory(),
        acknowledgement_working_days=settings.handover_acknowledgement_working_days,
        delegation_order=DelegationOrder.parse(settings.delegation_order),
        sip_establishment_days=settings.sip_establishment_days,
        other_principal_contact_days=settings.other_principal_contact_days,
        reminder_lead_days=settings.age_transition_reminder_lead_days,
        master_key=root.runtime.resolved_master_key(),
    )
    return root.service(
        "Cases: routing, age transitions, handovers, SIP and meetings.",
        application,
        router,
        to_integration_event,
        upstream=("consent",),
        target=TrackedTarget.of(application, application.recorder),
        schedules=[
            Schedule(
                "deadlines",
                settings.deadline_check_seconds,
                lambda: application.raise_due(root.clock.now()),
            )
        ],
    )
