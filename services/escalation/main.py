"""Composition root of the escalation service."""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.escalation.api import router
from services.escalation.application import EscalationApplication
from services.escalation.translate import to_integration_event
from services.runtime.application import Clock, SystemClock
from services.runtime.consumer import TrackedTarget
from services.runtime.service import ServiceParts, create_http_app, subject_ids
from services.runtime.settings import RuntimeSettings
from services.runtime.store import store_env

SERVICE = "escalation"


class Settings(BaseSettings):
    """Settings of the escalation service only (prefix ``SAMVERKAN_ESCALATION_``)."""

    model_config = SettingsConfigDict(env_prefix="SAMVERKAN_ESCALATION_", extra="ignore")

    http_port: int = Field(8003, description="Port of the escalation service's HTTP API.")


def create_app(runtime: RuntimeSettings | None = None, clock: Clock | None = None) -> FastAPI:
    runtime = runtime or RuntimeSettings()
    application = EscalationApplication(env=store_env(runtime, SERVICE))
    parts = ServiceParts(
        name=SERVICE,
        title="samverkan escalation",
        description="The red thread: emergency escalation when coordination fails.",
        app=application,
        routers=[router],
        translate=to_integration_event,
        upstream=("consent",),
        target=TrackedTarget.of(application, application.recorder),
        state={"clock": clock or SystemClock(), "subject_ids": subject_ids(runtime)},
    )
    return create_http_app(parts, runtime)
