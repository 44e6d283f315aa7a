"""Security tests: each performs one attack from docs/threat-model.md against real
service processes (the fixtures of tests/conftest.py) and asserts it is stopped."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.support import ServiceProcess


@pytest.fixture
def consent(start_service: Callable[..., ServiceProcess]) -> ServiceProcess:
    """A consent service process of the test's own."""
    return start_service("consent")
