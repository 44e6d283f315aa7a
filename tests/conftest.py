"""Fixtures that start real parts: the embedded broker, PostgreSQL schemas, service processes.

Every test gets its own topic prefix, var directory and schema prefix, so
tests run in parallel (pytest-xdist) without sharing topics, ports or schemas.
"""

from __future__ import annotations

import contextlib
import importlib.util
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from typer.testing import CliRunner

from contracts import SERVICES
from services.runtime.messaging.embedded_broker import EmbeddedBroker, free_port
from services.runtime.ops.cli import app as samverkan
from services.runtime.settings import RuntimeSettings
from tests.support import (
    PG_URL,
    START_SECONDS,
    InProcessService,
    MovableClock,
    PrivatePostgres,
    ServiceProcess,
    on_store,
    service_app,
    settings_env,
)

pytest_plugins = ["tests.grouping"]

if importlib.util.find_spec("sniffio") is None:
    # httpx's ASGITransport (every in-process app's client) and httpcore try `import
    # sniffio` on each request; not installed, that import searched sys.path through
    # pytest's import hook every time: ~10% of an in-process request (py-spy, #24).
    # None here makes it fail at once, as it would, without the search.
    sys.modules["sniffio"] = None  # type: ignore[assignment]

TOGETHER = 2 * START_SECONDS
"""How long each of several processes started at once may take to be ready."""


def _running_broker() -> Iterator[EmbeddedBroker]:
    broker = EmbeddedBroker(free_port())
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture(scope="session")
def kafka() -> Iterator[EmbeddedBroker]:
    """One embedded broker per test worker; tests isolate themselves by topic prefix."""
    yield from _running_broker()


@pytest.fixture
def private_kafka() -> Iterator[EmbeddedBroker]:
    """A broker of the test's own, for tests that restart or kill it."""
    yield from _running_broker()


@pytest.fixture
def topic_prefix() -> str:
    return f"t{uuid.uuid4().hex[:12]}.samverkan"


@pytest.fixture
def pg_schema_prefix() -> Iterator[str]:
    """A schema prefix of the test's own in the shared PostgreSQL; dropped afterwards."""
    prefix = f"t{uuid.uuid4().hex[:12]}_"
    yield prefix
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", (prefix + "%",)
        ).fetchall()
        for (name,) in rows:
            conn.execute(f'DROP SCHEMA "{name}" CASCADE')


@pytest.fixture(params=["sqlite", "postgres"])
def store_backend(request: pytest.FixtureRequest) -> str:
    backend: str = request.param
    return backend


@pytest.fixture
def backend_settings(
    runtime_settings: RuntimeSettings, store_backend: str, pg_schema_prefix: str
) -> RuntimeSettings:
    """The test's settings with its stores where `store_backend` says: SQLite files under its
    var dir, or schemas of its own in the shared PostgreSQL."""
    return on_store(runtime_settings, store_backend, pg_schema_prefix)


@pytest.fixture
def runtime_settings(tmp_path: Path, kafka: EmbeddedBroker, topic_prefix: str) -> RuntimeSettings:
    return RuntimeSettings(
        kafka_bootstrap=kafka.bootstrap,
        environment="development",
        topic_prefix=topic_prefix,
        var_dir=tmp_path / "var",
        relay_log_check_seconds=0.5,
        kafka_session_timeout_ms=3000,
    )


def _starting(runtime_settings: RuntimeSettings, build: Callable[..., Any]) -> Iterator[Any]:
    """A start function for the services `build` makes; every one it started is stopped,
    the last first, when the test ends."""
    started: list[Any] = []
    runtime_settings.var_dir.mkdir(parents=True, exist_ok=True)

    def start(*args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
        service = build(*args, **kwargs)
        started.append(service)
        return service.start() if timeout is None else service.start(timeout)

    yield start
    for service in reversed(started):
        service.stop()


@pytest.fixture
def start_service(runtime_settings: RuntimeSettings) -> Iterator[Any]:
    """Start services as processes; all are stopped when the test ends."""

    def build(
        service: str, settings: RuntimeSettings | None = None, **extra_env: str
    ) -> ServiceProcess:
        return ServiceProcess(service, settings or runtime_settings, extra_env)

    yield from _starting(runtime_settings, build)


@pytest.fixture
def start_services(
    start_service: Callable[..., ServiceProcess],
) -> Callable[..., dict[str, ServiceProcess]]:
    """Start several services as processes at once, as `module_platform` does: each one's
    wait for its imports, its store and its consumer group overlaps the others' rather
    than following them. All are stopped when the test ends (`start_service`)."""

    def start(*services: str, settings: RuntimeSettings | None = None) -> dict[str, ServiceProcess]:
        with ThreadPoolExecutor(len(services)) as pool:
            # Interpreters importing side by side on a loaded 2-core runner: more than one's time.
            started = list(
                pool.map(lambda name: start_service(name, settings, timeout=TOGETHER), services)
            )
        return dict(zip(services, started, strict=True))

    return start


@pytest.fixture
def clock() -> MovableClock:
    """The clock services started in the test's process read; a module whose story starts
    on a given day overrides this fixture."""
    return MovableClock(datetime.now(UTC))


@pytest.fixture
def start_in_process(
    runtime_settings: RuntimeSettings, clock: MovableClock
) -> Iterator[Callable[..., InProcessService]]:
    """Start services in the test's process, on its `clock`, with a service's own settings
    when given; all are stopped (the last started first) when the test ends."""

    def build(service: str, settings: Any = None) -> InProcessService:
        return InProcessService(
            service,
            runtime_settings,
            lambda: service_app(service, runtime_settings, settings, clock),
        )

    yield from _starting(runtime_settings, build)


@pytest.fixture
def operator_env(
    runtime_settings: RuntimeSettings, monkeypatch: pytest.MonkeyPatch
) -> RuntimeSettings:
    """The environment an operator's ``samverkan`` command reads: the test's own settings."""
    runtime_settings.var_dir.mkdir(parents=True, exist_ok=True)
    for name, value in settings_env(runtime_settings).items():
        monkeypatch.setenv(name, value)
    return runtime_settings


@pytest.fixture
def operator_topics(operator_env: RuntimeSettings) -> RuntimeSettings:
    """As `operator_env`, with every catalogue topic created by ``samverkan topics create``."""
    created = CliRunner().invoke(samverkan, ["topics", "create"])
    assert created.exit_code == 0, created.output
    return operator_env


@pytest.fixture(scope="module")
def module_settings(
    tmp_path_factory: pytest.TempPathFactory, kafka: EmbeddedBroker
) -> RuntimeSettings:
    """Like ``runtime_settings``, shared by one test module's services."""
    return RuntimeSettings(
        kafka_bootstrap=kafka.bootstrap,
        environment="development",
        topic_prefix=f"t{uuid.uuid4().hex[:12]}.samverkan",
        var_dir=tmp_path_factory.mktemp("module") / "var",
        relay_log_check_seconds=0.5,
        kafka_session_timeout_ms=3000,
    )


@pytest.fixture(scope="module")
def module_platform(module_settings: RuntimeSettings) -> Iterator[dict[str, ServiceProcess]]:
    """All four services, started once (in parallel) for a whole test module."""
    module_settings.var_dir.mkdir(parents=True, exist_ok=True)
    processes = {name: ServiceProcess(name, module_settings) for name in SERVICES}
    try:
        with ThreadPoolExecutor(len(processes)) as pool:
            for started in pool.map(lambda p: p.start(TOGETHER), processes.values()):
                assert started.process is not None
        yield processes
    finally:
        for process in processes.values():
            process.stop()


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """A PostgreSQL server of the test's own, to stop and restart at will.

    Its directory is outside pytest's (root-only) temp tree: the server runs as
    the postgres user, who must be able to reach it.
    """
    directory = Path(tempfile.mkdtemp(prefix="samverkan-pg-"))
    server = PrivatePostgres(directory).init()
    server.start()
    yield server
    with contextlib.suppress(subprocess.CalledProcessError):
        server.stop("immediate")
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def private_postgres_settings(
    runtime_settings: RuntimeSettings, private_postgres: PrivatePostgres, pg_schema_prefix: str
) -> RuntimeSettings:
    """Settings for services on the test's own PostgreSQL, giving up on a connection
    after 1 s, so an outage is answered (503) rather than waited out."""
    settings = runtime_settings.model_copy(
        update={
            "database_url": private_postgres.url,
            "database_schema_prefix": pg_schema_prefix,
            "database_connect_timeout_seconds": 1,
        }
    )
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    return settings
