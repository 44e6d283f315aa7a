"""The platform as ``make run`` starts it, for benchmarks: broker, four service processes.

Each service is its own process (``python -m services.runtime.ops.serve``) with its
store under a temporary var dir (SQLite) or in its own schema of a PostgreSQL
database, so what is measured is what an operator runs. The benchmark process
is only the load generator and the stopwatch.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.capacity import BROKER, DATABASE, cpu_seconds, postgres_cpu_seconds
from contracts import SERVICES, OrgType, Role
from services.runtime.http.development_tokens import DEV_AUDIENCE, DEV_ISSUER, DevelopmentSigner
from services.runtime.kernel.actor import Actor
from services.runtime.messaging.embedded_broker import EmbeddedBroker, free_port
from services.runtime.ops.run import ready_pid, start_service

UNLIMITED_CALLER = {
    "SAMVERKAN_WRITE_RATE_PER_SECOND": "1000000",
    "SAMVERKAN_WRITE_BURST": "1000000",
    "SAMVERKAN_READ_RATE_PER_SECOND": "1000000",
    "SAMVERKAN_READ_BURST": "1000000",
}
"""One load generator is one caller: the per-caller write and read limits (abuse guards)
would measure themselves instead of the platform."""

SOCIAL = Actor("SE2120000001-S001", "SE2120000001-SOC1", OrgType.SOCIAL_SERVICES, Role.CASEWORKER)
HEALTH_UNIT = "SE2321000016-HC01"
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
"""The machine's PostgreSQL (trust auth, database ``test``) for ``--postgres``."""


@dataclass
class Stack:
    """A running platform: where each service answers, and its process."""

    broker: EmbeddedBroker
    var_dir: Path
    database_url: str | None
    schema_prefix: str
    ports: dict[str, int]
    children: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    ready_seconds: float = 0.0

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def headers(self, actor: Actor = SOCIAL) -> dict[str, str]:
        signer = DevelopmentSigner.load_or_create(self.var_dir / "dev-signing-key.pem")
        token = signer.mint(actor, issuer=DEV_ISSUER, audience=DEV_AUDIENCE, now=datetime.now(UTC))
        return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def rss_mb(self) -> dict[str, float]:
        return {service: rss_mb(child.pid) for service, child in self.children.items()}

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time used so far by each service process, the broker and, with PostgreSQL
        stores, the database server (bench.capacity)."""
        pids = {service: child.pid for service, child in self.children.items()}
        if self.broker.pid is not None:
            pids[BROKER] = self.broker.pid
        used = {process: cpu_seconds(pid) for process, pid in pids.items()}
        if self.database_url is not None:
            used[DATABASE] = postgres_cpu_seconds()
        return used


def new_schema_prefix() -> str:
    return f"bench_{uuid.uuid4().hex[:8]}_"


def rss_mb(pid: int) -> float:
    """Resident memory of a process, as the kernel counts it (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@contextmanager
def running_stack(
    var_dir: Path,
    *,
    postgres: bool = False,
    schema_prefix: str | None = None,
    services: tuple[str, ...] = SERVICES,
    split: tuple[str, ...] = (),
) -> Iterator[Stack]:
    """Start the broker and `services`, wait until all are ready, stop them on exit.

    With `postgres`, each service's schema is `schema_prefix` + its name (a new
    prefix unless given, e.g. for a store filled beforehand); dropped on exit.
    Each service in `split` runs as three processes (the split topology,
    services.runtime.ops.roles): its API on the service's port (``stack.url``),
    ``<service>-relay`` and ``<service>-consumer`` on ports of their own."""
    var_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    broker = EmbeddedBroker(free_port())
    broker.start()
    stack = Stack(
        broker=broker,
        var_dir=var_dir,
        database_url=POSTGRES_URL if postgres else None,
        schema_prefix=schema_prefix or new_schema_prefix(),
        ports={name: free_port() for name in _process_names(services, split, postgres=postgres)},
    )
    env = {
        **os.environ,
        "SAMVERKAN_KAFKA_BOOTSTRAP": broker.bootstrap,
        "SAMVERKAN_VAR_DIR": str(var_dir),
        "SAMVERKAN_KAFKA_SESSION_TIMEOUT_MS": "3000",
        "SAMVERKAN_LOG_LEVEL": "WARNING",
        # A throw-away stack with development keys under var_dir, as make run has.
        "SAMVERKAN_ENVIRONMENT": "development",
        **UNLIMITED_CALLER,
        **{f"SAMVERKAN_{s.upper()}_HTTP_PORT": str(stack.ports[s]) for s in services},
    }
    if postgres:
        env["SAMVERKAN_DATABASE_URL"] = POSTGRES_URL
        env["SAMVERKAN_DATABASE_SCHEMA_PREFIX"] = stack.schema_prefix
    try:
        stack.children = {s: start_service(s, env, var_dir) for s in services if s not in split}
        for service in split:
            for role, name in _roles(service).items():
                own = {**env, f"SAMVERKAN_{service.upper()}_HTTP_PORT": str(stack.ports[name])}
                stack.children[name] = _start_role(service, role, own, var_dir / f"{name}.log")
        _wait_ready(stack, timeout=60)
        stack.ready_seconds = time.monotonic() - started
        yield stack
    finally:
        for child in stack.children.values():
            child.terminate()
        for child in stack.children.values():
            try:
                child.wait(15)
            except subprocess.TimeoutExpired:
                child.kill()
        broker.stop()
        if postgres:
            _drop_schemas(stack.schema_prefix, services)


def _roles(service: str) -> dict[str, str]:
    """Role -> process name of a split service: its API keeps the service's name."""
    return {"api": service, "relay": f"{service}-relay", "consumer": f"{service}-consumer"}


def _process_names(
    services: tuple[str, ...], split: tuple[str, ...], *, postgres: bool
) -> list[str]:
    unknown = set(split) - set(services)
    if split and not postgres:
        raise ValueError("a split service needs a store its processes share: postgres=True")
    if unknown:
        raise ValueError(f"split names services not started: {', '.join(sorted(unknown))}")
    return [name for s in services for name in (_roles(s).values() if s in split else [s])]


def _start_role(service: str, role: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """``serve <service> --role <role>``, as ``start_service`` starts a whole service."""
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "services.runtime.ops.serve", service, "--role", role],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _wait_ready(stack: Stack, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    pending = set(stack.children)
    while pending:
        for service in list(pending):
            if stack.children[service].poll() is not None:
                log = stack.var_dir / f"{service}.log"
                raise RuntimeError(f"{service} exited during start-up; see {log}")
            # Its own answer (pid), not another stack's on a port taken after free_port().
            if ready_pid(stack.ports[service]) == stack.children[service].pid:
                pending.discard(service)
        if time.monotonic() > deadline:
            raise TimeoutError(f"not ready after {timeout}s: {', '.join(sorted(pending))}")
        time.sleep(0.05)


def _drop_schemas(prefix: str, services: tuple[str, ...]) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        for service in services:
            conn.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
                    sql.Identifier(f"{prefix}{service}")
                )
            )
