"""docker-compose.split.yml: consent and cases as API, relay and consumer containers (issue #24).

No container runs here (as in test_deployment_config.py). The override is
validated against the Compose Specification, and what compose makes of it
with docker-compose.yml is checked: the API keeps the service's name and port,
each role runs the one image as ``<service> --role <role>`` with the
service's own settings (``extends``), publishes no port and waits for Kafka's
topics and PostgreSQL as the service does (``extends`` never copies
``depends_on``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from services.runtime.ops.roles import Role
from tests.contract.test_deployment_config import COMPOSE_FILE, compose_spec_validator

SPLIT_FILE = COMPOSE_FILE.with_name("docker-compose.split.yml")
SPLIT_SERVICES = ("consent", "cases")


class _ComposeLoader(yaml.SafeLoader):
    """YAML as compose reads it: ``!reset`` replaces what is inherited (Compose 2.24+)."""


def _reset(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node)
    return None


_ComposeLoader.add_constructor("!reset", _reset)


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.load(path.read_text(), Loader=_ComposeLoader)  # noqa: S506
    return document


@pytest.fixture(scope="module")
def split() -> dict[str, Any]:
    return load(SPLIT_FILE)


@pytest.fixture(scope="module")
def base() -> dict[str, Any]:
    return load(COMPOSE_FILE)


def test_the_override_follows_the_compose_specification(split: dict[str, Any]) -> None:
    validator = compose_spec_validator()
    errors = [
        f"{'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}"
        for error in validator.iter_errors(split)
    ]
    assert errors == []


def test_the_override_splits_consent_and_cases_only(
    split: dict[str, Any], base: dict[str, Any]
) -> None:
    roles = {f"{service}-{role}" for service in SPLIT_SERVICES for role in ("relay", "consumer")}
    assert set(split["services"]) == {*SPLIT_SERVICES, *roles}
    assert not roles & set(base["services"])
    assert "${" not in SPLIT_FILE.read_text(), "no setting or secret of its own"


@pytest.mark.parametrize("service", SPLIT_SERVICES)
def test_each_role_runs_the_one_image_as_the_service_with_its_role(
    split: dict[str, Any], base: dict[str, Any], service: str
) -> None:
    services = split["services"]
    assert services[service] == {"command": [service, "--role", "api"]}  # port, env as before
    for role in ("relay", "consumer"):
        spec = services[f"{service}-{role}"]
        assert spec["extends"] == {"file": COMPOSE_FILE.name, "service": service}
        assert spec["command"] == [service, "--role", role]
        assert Role(spec["command"][2]) is Role(role)  # what serve accepts
        assert spec["ports"] == [], "the API alone is published"
        assert spec["depends_on"] == base["services"][service]["depends_on"]
        assert set(spec) == {"extends", "command", "ports", "depends_on"}
