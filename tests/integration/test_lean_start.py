"""Issue #24 ("RSS stays as today"): a service carries only what its settings use.

Each service process should sit near 100 MB resident when idle. Optional parts
are imported only when configured: the OpenTelemetry SDK, the OTLP exporter
(with protobuf) and the FastAPI instrumentation only with an OTLP endpoint
(services.runtime.ops.telemetry); typer only for a command line, never for a
server; holidays (every country's calendar with Sweden's) on the first working
day counted and icalendar on the first calendar file rendered. Proved in a fresh
interpreter that starts a service as ``serve`` does (settings, tracing, the built
service and its app, without uvicorn's loop), and then reads ``sys.modules``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from contracts import SERVICES

START_LIKE_SERVE = """
import json, sys
from services.runtime.ops.roles import Role, role_app
from services.runtime.ops.serve import service_root
from services.runtime.ops.telemetry import configure_tracing
from services.runtime.settings import RuntimeSettings

service = sys.argv[1]
root = service_root(service)
configure_tracing(service)
built = root.build(RuntimeSettings())
role_app(built, Role.ALL)
built.close()
print(json.dumps(sorted(sys.modules)))
"""

OPTIONAL_WHEN_CONFIGURED = (
    "opentelemetry.sdk",
    "opentelemetry.exporter",
    "opentelemetry.instrumentation",
    "google.protobuf",
)
ONLY_FOR_A_COMMAND_LINE = ("typer",)
ON_FIRST_USE = ("holidays", "icalendar")


def _modules_after_start(service: str, var_dir: Path, otel: dict[str, str]) -> set[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env.update(
        SAMVERKAN_VAR_DIR=str(var_dir),
        SAMVERKAN_ENVIRONMENT="development",
        SAMVERKAN_KAFKA_BOOTSTRAP="127.0.0.1:9",  # built, never connected
        **otel,
    )
    env.pop("SAMVERKAN_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", START_LIKE_SERVE, service],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return set(json.loads(done.stdout.splitlines()[-1]))


def _loaded(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(p for p in packages if any(m == p or m.startswith(p + ".") for m in modules))


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_without_an_otlp_endpoint_starts_without_sdk_exporter_cli_or_calendars(
    service: str, tmp_path: Path
) -> None:
    modules = _modules_after_start(service, tmp_path, otel={})
    optional = OPTIONAL_WHEN_CONFIGURED + ONLY_FOR_A_COMMAND_LINE + ON_FIRST_USE
    assert _loaded(modules, optional) == []
    # Tracing itself stays on: the context travels and is logged through the API.
    assert "opentelemetry.trace" in modules


def test_an_otlp_endpoint_loads_the_sdk_the_exporter_and_the_instrumentation(
    tmp_path: Path,
) -> None:
    modules = _modules_after_start(
        "consent", tmp_path, otel={"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9"}
    )
    assert _loaded(modules, OPTIONAL_WHEN_CONFIGURED) == sorted(OPTIONAL_WHEN_CONFIGURED)
