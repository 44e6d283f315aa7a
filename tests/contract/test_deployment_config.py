"""The deployment files agree with the code: compose, the image, Prometheus and the settings.

No container runs here. The compose file is validated against the Compose
Specification schema that ``check-jsonschema`` ships (no download at test
time), and every ``SAMVERKAN_*`` variable the stack sets is parsed by the very
settings classes the services use, so a renamed setting or a changed port
fails here rather than in a half-started stack. The stack ships no secret:
each must be given (``${VAR:?}``), and ports are published on this machine only.
"""

from __future__ import annotations

import copy
import http.server
import json
import os
import re
import secrets
import shlex
import subprocess
import sys
import threading
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from contracts import PARTITIONS, SERVICES, dlq_topic, events_topic
from services.runtime.ops.config_docs import (
    END_MARKER,
    START_MARKER,
    check_readme,
    env_name,
    settings,
    settings_classes,
    settings_table,
    update_readme,
)
from services.runtime.ops.serve import startup_refusals
from services.runtime.service import load_service
from services.runtime.settings import RuntimeSettings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
PROMETHEUS_FILE = ROOT / "deploy" / "prometheus" / "prometheus.yml"

# What a service cannot run in the stack without (beyond its own HTTP port).
REQUIRED = (
    "SAMVERKAN_KAFKA_BOOTSTRAP",
    "SAMVERKAN_DATABASE_URL",
    "SAMVERKAN_SUBJECT_KEY",
    "SAMVERKAN_MASTER_KEY",
    "SAMVERKAN_AUDIT_CHAIN_KEY",
    "SAMVERKAN_HTTP_HOST",
    "SAMVERKAN_ENVIRONMENT",
)

SECRETS = {
    "SAMVERKAN_MASTER_KEY": secrets.token_hex(32),
    "SAMVERKAN_SUBJECT_KEY": secrets.token_hex(32),
    "SAMVERKAN_AUDIT_CHAIN_KEY": secrets.token_hex(32),
    "POSTGRES_PASSWORD": secrets.token_hex(16),
    "GRAFANA_ADMIN_PASSWORD": secrets.token_hex(16),
}
"""What an operator must give compose (``${VAR:?}``): no default, no placeholder."""

DESTINATIONS = {"ALERTMANAGER_WEBHOOK_URL": "https://alerts.example.org/samverkan"}
"""What else compose requires: where alerts go, which no generated value can say."""


# --- helpers ---------------------------------------------------------------------

_INTERPOLATION = re.compile(
    r"\$\$|\$\{(?P<name>[A-Za-z_]\w*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}|\$(?P<bare>[A-Za-z_]\w*)"
)


def interpolate(value: Any) -> str:
    """What compose makes of a value when only the required secrets are set."""
    text = str(value).lower() if isinstance(value, bool) else str(value)

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        op = match.group("op") or ""
        if op.endswith("?"):
            given = SECRETS | DESTINATIONS
            if match.group("name") not in given:
                pytest.fail(f"{match.group(0)} is required but is not one of the secrets")
            return given[match.group("name")]
        return (match.group("arg") or "") if op.endswith("-") else ""

    return _INTERPOLATION.sub(replace, text)


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: interpolate(value) for key, value in env.items()}


def instructions(path: Path) -> list[tuple[str, str]]:
    """Dockerfile instructions as (KEYWORD, arguments), continuation lines joined."""
    result: list[tuple[str, str]] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        keyword, _, arguments = line.partition(" ")
        result.append((keyword.upper(), arguments.strip()))
    return result


def final_stage(path: Path) -> list[tuple[str, str]]:
    steps = instructions(path)
    last_from = max(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM")
    return steps[last_from:]


def image_env() -> dict[str, str]:
    """ENV of the runtime stage (key=value form)."""
    env: dict[str, str] = {}
    for keyword, arguments in final_stage(DOCKERFILE):
        if keyword == "ENV":
            for item in shlex.split(arguments):
                key, _, value = item.partition("=")
                env[key] = value
    return env


def healthcheck_command() -> list[str]:
    (arguments,) = [a for k, a in final_stage(DOCKERFILE) if k == "HEALTHCHECK"]
    _, _, exec_form = arguments.partition(" CMD ")
    command: list[str] = json.loads(exec_form)
    return command


def port_of(service: str, compose: dict[str, Any]) -> int:
    return int(environment(compose["services"][service])[f"SAMVERKAN_{service.upper()}_HTTP_PORT"])


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return document


@pytest.fixture(scope="module")
def known_variables() -> set[str]:
    return {row.variable for row in settings()}


# --- (a) the Compose Specification ----------------------------------------------


def compose_spec_validator() -> Any:
    try:
        import jsonschema
    except ImportError:  # pragma: no cover - a missing dev dependency
        pytest.fail("jsonschema is missing: pip install -e '.[dev]' (check-jsonschema)")
    try:
        vendor = resources.files("check_jsonschema.builtin_schemas.vendor")
    except ModuleNotFoundError:  # pragma: no cover - a missing dev dependency
        pytest.fail("check-jsonschema is missing: it ships the Compose Specification schema")
    schema = json.loads(vendor.joinpath("compose-spec.json").read_text())
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def test_compose_file_follows_the_compose_specification(compose):
    validator = compose_spec_validator()
    errors = [
        f"{'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}"
        for error in validator.iter_errors(compose)
    ]
    assert errors == []


def test_the_compose_schema_actually_rejects_mistakes(compose):
    validator = compose_spec_validator()
    broken = copy.deepcopy(compose)
    broken["services"]["consent"]["enviroment"] = {"SAMVERKAN_LOG_LEVEL": "DEBUG"}
    broken["services"]["cases"]["depends_on"]["postgres"]["condition"] = "service_ready"
    assert len(list(validator.iter_errors(broken))) >= 2


def test_compose_holds_the_whole_platform(compose):
    expected = {"kafka", "kafka-init", "postgres", "prometheus", "alertmanager", "grafana"}
    expected |= set(SERVICES)
    assert expected <= set(compose["services"])


# --- (b) compose and the settings classes stay in step ---------------------------


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_runs_the_one_image_with_its_name_as_command(compose, service):
    spec = compose["services"][service]
    assert spec["command"] == [service]
    assert spec["build"]["dockerfile"] == "deploy/Dockerfile"
    assert spec["build"]["context"] == "."
    port = port_of(service, compose)
    assert f"127.0.0.1:{port}:{port}" in [str(p) for p in spec["ports"]]
    assert spec["depends_on"]["kafka-init"]["condition"] == "service_completed_successfully"
    assert spec["depends_on"]["postgres"]["condition"] == "service_healthy"


@pytest.mark.parametrize("service", SERVICES)
def test_every_samverkan_variable_in_compose_is_a_real_setting(compose, known_variables, service):
    env = environment(compose["services"][service])
    unknown = sorted(k for k in env if k.startswith("SAMVERKAN_") and k not in known_variables)
    assert unknown == [], "not read by any settings class (see services.runtime.ops.config_docs)"
    # The image's healthcheck finds the port as the one *_HTTP_PORT variable.
    ports = [k for k in env if k.startswith("SAMVERKAN_") and k.endswith("_HTTP_PORT")]
    assert ports == [f"SAMVERKAN_{service.upper()}_HTTP_PORT"]


def test_variables_the_image_sets_are_real_settings(known_variables):
    env = image_env()
    assert {k for k in env if k.startswith("SAMVERKAN_")} <= known_variables
    assert env["SAMVERKAN_HTTP_HOST"] == "0.0.0.0"  # noqa: S104 - inside the container


@pytest.mark.parametrize("service", SERVICES)
def test_what_a_service_cannot_run_without_is_set(compose, service):
    env = image_env() | environment(compose["services"][service])
    required = (*REQUIRED, f"SAMVERKAN_{service.upper()}_HTTP_PORT")
    assert [name for name in required if not env.get(name)] == []


def test_shared_settings_are_the_same_for_every_service(compose):
    """One subject key, one broker, one database: else subject ids and events diverge."""
    own = tuple(f"SAMVERKAN_{s.upper()}_" for s in SERVICES)
    shared = [
        {k: v for k, v in environment(compose["services"][s]).items() if not k.startswith(own)}
        for s in SERVICES
    ]
    assert all(env == shared[0] for env in shared)


@pytest.mark.parametrize("service", SERVICES)
def test_settings_classes_accept_what_compose_sets(compose, monkeypatch, service):
    for name in [k for k in os.environ if k.startswith("SAMVERKAN_")]:
        monkeypatch.delenv(name)
    for name, value in (image_env() | environment(compose["services"][service])).items():
        monkeypatch.setenv(name, value)

    runtime = RuntimeSettings()
    module = load_service(service)
    assert module.Settings().http_port == port_of(service, compose)
    assert runtime.http_host == "0.0.0.0"  # noqa: S104 - inside the container
    assert runtime.kafka_enable_idempotence is True  # real Apache Kafka supports it
    assert len(runtime.resolved_subject_key()) >= 32
    assert str(runtime.var_dir) in [
        str(v).split(":")[1] for v in compose["services"][service]["volumes"]
    ]

    kafka = environment(compose["services"]["kafka"])
    assert f"PLAINTEXT://{runtime.kafka_bootstrap}" in kafka["KAFKA_ADVERTISED_LISTENERS"]

    postgres = environment(compose["services"]["postgres"])
    user = postgres["POSTGRES_USER"]
    password = postgres["POSTGRES_PASSWORD"]
    database = postgres["POSTGRES_DB"]
    assert runtime.database_url == f"postgresql://{user}:{password}@postgres:5432/{database}"
    assert password == SECRETS["POSTGRES_PASSWORD"]


# --- (b2) no secret ships with the stack (issue #18, item 8) ---------------------


_REFERENCE = re.compile(r"\$\{(?P<name>[A-Za-z_]\w*)(?P<op>:?[-?])?(?P<arg>[^}]*)\}")


def test_every_secret_must_be_given_and_has_no_default():
    """`${VAR:?}`: compose refuses to start the stack without it, rather than
    running with a well-known value (the all-zero master key, admin/admin)."""
    references = [m.groupdict() for m in _REFERENCE.finditer(COMPOSE_FILE.read_text())]
    required = {r["name"] for r in references if r["op"] == ":?"}
    assert required == set(SECRETS) | set(DESTINATIONS)
    defaulted = {r["name"] for r in references if r["op"] in (":-", "-")}
    assert defaulted.isdisjoint(required), "a secret with a default is a published secret"
    assert all(r["arg"].strip() for r in references if r["op"] == ":?"), "say how to set it"


def test_published_ports_are_bound_to_this_machine_only(compose):
    published = {
        name: [str(port) for port in spec.get("ports", [])]
        for name, spec in compose["services"].items()
    }
    assert published["kafka"] == []
    assert published["postgres"] == []
    wide = {
        name: ports
        for name, ports in published.items()
        if any(not port.startswith("127.0.0.1:") for port in ports)
    }
    assert wide == {}


def test_grafana_has_no_default_admin_password(compose):
    env = environment(compose["services"]["grafana"])
    assert env["GF_SECURITY_ADMIN_PASSWORD"] == SECRETS["GRAFANA_ADMIN_PASSWORD"]
    assert env["GF_USERS_ALLOW_SIGN_UP"] == "false"


def test_make_compose_env_writes_every_secret_random_and_private(tmp_path):
    (tmp_path / "Makefile").write_text((ROOT / "Makefile").read_text())
    (tmp_path / "pyproject.toml").write_text("")
    make = ["make", "-s", "compose-env", f"PYTHON={sys.executable}"]
    subprocess.run(make, cwd=tmp_path, check=True, capture_output=True, timeout=60)
    env_file = tmp_path / ".env"
    assert env_file.stat().st_mode & 0o777 == 0o600
    values = dict(line.split("=", 1) for line in env_file.read_text().splitlines())
    assert set(values) == set(SECRETS)
    assert all(len(value) >= 32 for value in values.values())
    assert len(set(values.values())) == len(values)
    again = subprocess.run(make, cwd=tmp_path, capture_output=True, timeout=60, check=False)
    assert again.returncode != 0, "an existing .env is never overwritten"
    assert dict(line.split("=", 1) for line in env_file.read_text().splitlines()) == values


@pytest.mark.parametrize("service", SERVICES)
def test_the_stack_starts_in_production_only_with_a_real_identity_provider(
    compose, monkeypatch, service
):
    """With the secrets given, what is left is the identity provider: compose's
    samverkan-dev issuer is refused in production (the development key in the
    volume would sign for anyone) and accepted with an https issuer."""
    for name in [k for k in os.environ if k.startswith("SAMVERKAN_")]:
        monkeypatch.delenv(name)
    for name, value in (image_env() | environment(compose["services"][service])).items():
        monkeypatch.setenv(name, value)

    runtime = RuntimeSettings()
    assert runtime.environment == "production"
    (refusal,) = startup_refusals(runtime)
    assert "SAMVERKAN_TOKEN_PUBLIC_KEY_FILE" in refusal
    monkeypatch.setenv("SAMVERKAN_TOKEN_ISSUER", "https://idp.example.org/realms/samverkan")
    assert startup_refusals(RuntimeSettings()) == []
    monkeypatch.setenv("SAMVERKAN_ENVIRONMENT", "development")
    monkeypatch.setenv("SAMVERKAN_TOKEN_ISSUER", "samverkan-dev")
    assert startup_refusals(RuntimeSettings()) == []


def test_kafka_is_a_kraft_broker_that_creates_no_topic_by_accident(compose):
    kafka = compose["services"]["kafka"]
    env = environment(kafka)
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == f"{env['KAFKA_NODE_ID']}@kafka:9093"
    assert "kafka-broker-api-versions.sh" in " ".join(kafka["healthcheck"]["test"])


def test_kafka_init_creates_the_topic_catalogue(compose):
    init = compose["services"]["kafka-init"]
    assert init["image"] == compose["services"]["kafka"]["image"]
    assert init["restart"] == "no"
    assert init["depends_on"]["kafka"]["condition"] == "service_healthy"
    script = interpolate(" ".join([*init.get("entrypoint", []), *init["command"]]))
    topics = set(re.findall(r"\bsamverkan\.[\w.-]+", script))
    assert topics == {events_topic(s) for s in SERVICES} | {dlq_topic(s) for s in SERVICES}
    assert "--if-not-exists" in script
    assert f"--partitions {PARTITIONS}" in script


# --- (c) Prometheus scrapes what compose runs ------------------------------------


def test_prometheus_scrapes_every_service_on_its_compose_port(compose):
    config = yaml.safe_load(PROMETHEUS_FILE.read_text())
    assert config["global"]["scrape_interval"] == "15s"
    targets: dict[str, str] = {}
    for job in config["scrape_configs"]:
        if job.get("metrics_path", "/metrics") != "/metrics":
            continue
        for static in job.get("static_configs", []):
            for target in static["targets"]:
                targets[target] = static.get("labels", {}).get("service", "")
    for service in SERVICES:
        target = f"{service}:{port_of(service, compose)}"
        assert targets.get(target) == service, f"{target} not scraped with service={service}"
    mounted = [str(v) for v in compose["services"]["prometheus"]["volumes"]]
    assert "./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro" in mounted


# --- (d) the image ---------------------------------------------------------------


def test_image_runs_as_non_root_with_a_healthcheck_and_the_serve_entrypoint(compose):
    stage = final_stage(DOCKERFILE)
    keywords = [k for k, _ in stage]
    users = [a for k, a in stage if k == "USER"]
    assert users, "the runtime stage must switch to a non-root USER"
    assert users[-1].split(":")[0] not in {"root", "0"}
    assert "HEALTHCHECK" in keywords
    assert "/healthz" in " ".join(healthcheck_command())
    (entrypoint,) = [json.loads(a) for k, a in stage if k == "ENTRYPOINT"]
    assert entrypoint == ["python", "-m", "services.runtime.ops.serve"]
    (expose,) = [a for k, a in stage if k == "EXPOSE"]
    low, _, high = expose.partition("-")
    for service in SERVICES:
        assert int(low) <= port_of(service, compose) <= int(high or low)


def test_image_is_built_in_two_stages_from_python_311_slim():
    steps = instructions(DOCKERFILE)
    assert any(k == "ARG" and a.startswith("PYTHON_IMAGE=python:3.11-slim@") for k, a in steps)
    assert sum(k == "FROM" for k, _ in steps) == 2
    assert any(k == "COPY" and a.startswith("--from=builder /opt/venv") for k, a in steps)


def test_build_context_lets_in_what_the_dockerfile_copies_and_no_secrets():
    ignore = [line.strip() for line in DOCKERIGNORE.read_text().splitlines()]
    patterns = [line for line in ignore if line and not line.startswith("#")]
    assert patterns[0] == "*", "allow-list: everything is excluded first"
    allowed = {p.lstrip("!").rstrip("/") for p in patterns if p.startswith("!")}
    assert allowed.isdisjoint({"var", ".venv", ".git", "tests"})
    for keyword, arguments in instructions(DOCKERFILE):
        if keyword == "COPY" and not arguments.startswith("--from"):
            *sources, _ = arguments.split()
            assert set(s.rstrip("/").removeprefix("./") for s in sources) <= allowed


class _Health(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[http.server.HTTPServer]:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _probe(env: dict[str, str]) -> int:
    command = healthcheck_command()
    assert command[0] == "python"
    return subprocess.run(
        [sys.executable, *command[1:]], env=env, capture_output=True, timeout=30, check=False
    ).returncode


def test_healthcheck_probes_the_port_of_the_service_it_runs(health_server, monkeypatch):
    port = str(health_server.server_address[1])
    assert _probe({"SAMVERKAN_CASES_HTTP_PORT": port}) == 0
    monkeypatch.setattr(_Health, "status", 503)
    assert _probe({"SAMVERKAN_CASES_HTTP_PORT": port}) != 0
    monkeypatch.setattr(_Health, "status", 200)
    assert _probe({}) != 0, "no port: unhealthy rather than probing a guess"


# --- (e) the settings table ------------------------------------------------------


def test_settings_table_lists_every_field_of_every_settings_class():
    classes = settings_classes()
    for service in SERVICES:
        assert load_service(service).Settings in classes
    table = settings_table()
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    fields = [(cls, name) for cls in classes for name in cls.model_fields]
    assert len(rows) == len(fields)
    for cls, name in fields:
        assert f"| `{env_name(cls, name)}` |" in table, f"{cls.__qualname__}.{name}"


def test_settings_table_renders_defaults_without_revealing_secrets():
    table = settings_table()
    assert "| `SAMVERKAN_SUBJECT_KEY` | unset |" in table
    assert "| `SAMVERKAN_KAFKA_ENABLE_IDEMPOTENCE` | `false` |" in table
    assert "| `SAMVERKAN_CONSENT_HTTP_PORT` | `8001` |" in table


def test_check_readme_tells_a_current_block_from_a_stale_one(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n{START_MARKER}\n| old |\n{END_MARKER}\n\nafter\n")
    assert not check_readme(readme)
    assert update_readme(readme)
    assert check_readme(readme)
    assert not update_readme(readme)
    assert readme.read_text().endswith(f"{END_MARKER}\n\nafter\n")
    readme.write_text("# no markers\n")
    assert not check_readme(readme)


def test_config_docs_prints_the_table():
    result = subprocess.run(
        [sys.executable, "-m", "services.runtime.ops.config_docs"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout == settings_table()


def test_compose_prometheus_loads_the_alert_rules_and_grafana_its_dashboards(compose):
    prometheus = compose["services"]["prometheus"]["volumes"]
    assert "./deploy/prometheus/rules.yml:/etc/prometheus/rules.yml:ro" in prometheus
    grafana = compose["services"]["grafana"]["volumes"]
    assert "./deploy/grafana/provisioning:/etc/grafana/provisioning:ro" in grafana
    assert "./deploy/grafana/dashboards:/etc/grafana/dashboards:ro" in grafana
