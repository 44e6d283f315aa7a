"""Fixtures of the integration tests that run an application on a real store without
its service (SQLite and PostgreSQL, as ``store_backend`` says; no broker)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.reporting.application import ReportingApplication
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env
from tests.support import on_store


@pytest.fixture
def store_settings(store_backend: str, pg_schema_prefix: str, tmp_path: Path) -> RuntimeSettings:
    """Settings naming only the test's store: a SQLite file under its temp dir, or
    schemas of its own in the shared PostgreSQL."""
    return on_store(RuntimeSettings(var_dir=tmp_path / "var"), store_backend, pg_schema_prefix)


@pytest.fixture
def reporting_application(store_settings: RuntimeSettings) -> Iterator[ReportingApplication]:
    """The reporting application on the test's store, closed when the test ends."""
    application = ReportingApplication(env=store_env(store_settings, "reporting"))
    yield application
    application.close()
