"""Composition root of the cases service."""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.cases.api import router
from services.cases.application import CasesApplication
from services.runtime.application import Clock, SystemClock
from services.runtime.consumer import TrackedTarget
from services.runtime.service import ServiceParts, create_http_app, subject_ids
from services.runtime.settings import RuntimeSettings
from services.runtime.store import store_env

SERVICE = "cases"


class Settings(BaseSettings):
    """Settings of the cases service only (prefix ``SAMVERKAN_CASES_``)."""

    model_config = SettingsConfigDict(env_prefix="SAMVERKAN_CASES_", extra="ignore")

    http_port: int = Field(8002, description="Port of the cases service's HTTP API.")


def create_app(runtime: RuntimeSettings | None = None, clock: Clock | None = None) -> FastAPI:
    runtime = runtime or RuntimeSettings()
    application = CasesApplication(env=store_env(runtime, SERVICE))
    parts = ServiceParts(
        name=SERVICE,
        title="samverkan cases",
        description="Cases: routing, age transitions, handovers, SIP and meetings.",
        app=application,
        routers=[router],
        upstream=("consent",),
        target=TrackedTarget.of(application, application.recorder),
        state={"clock": clock or SystemClock(), "subject_ids": subject_ids(runtime)},
    )
    return create_http_app(parts, runtime)
