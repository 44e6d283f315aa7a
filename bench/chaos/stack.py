"""The whole platform as real processes, each of which the campaign may kill.

Like ``make run``: the embedded broker, then the four services as their own
processes (``python -m services.runtime.ops.serve``). Unlike ``make run``, the
stores live in a private PostgreSQL server started here (Debian's
``initdb``/``pg_ctl`` in a temporary directory on a free port — never the
machine's shared one), so the database can be restarted under load, and a
killed process is started again on the same port, as a supervisor
(Kubernetes, systemd) would.

A service's relay and consumer are tasks inside the service process, so a
SIGKILL of the process kills both at once. To kill them *separately*, role
processes (:mod:`bench.chaos.role`) run one service's relay only, or its
consumer only, beside the service: the relay replica takes part in the
relay leadership election (one advisory lock per topic), the consumer
replica joins the service's consumer group and owns some of its partitions.
Killing one of those is killing a relay or a consumer on its own. A role
``kind:service:n`` is the n-th process of that role (two reporting
consumers, say); each serves its metrics on a port of its own.

Every process of the stack runs with the campaign's fault hooks
(:mod:`bench.chaos.serve`, :mod:`bench.chaos.role`): consent's relays send
the marked subjects' events a contract version ahead
(:mod:`bench.chaos.chain`), and the dead-letter topics can be made
unavailable (:mod:`bench.chaos.outage`). Besides killing, the stack can
freeze a process (SIGSTOP … SIGCONT), re-create a topic with more
partitions and run ``outbox republish``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from aiokafka.admin import AIOKafkaAdminClient

from bench.chaos import chain
from bench.chaos.role import METRICS_PORT_ENV
from contracts import SERVICES, dlq_topic, events_topic
from services.runtime.http.development_tokens import DEV_KEY_PATH, DevelopmentSigner
from services.runtime.messaging.embedded_broker import EmbeddedBroker, free_port
from services.runtime.messaging.kafka import client_options, ensure_topics
from services.runtime.settings import RuntimeSettings
from tests.support import PrivatePostgres

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Managed:
    """One child process the campaign starts, SIGKILLs and starts again."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    ready_url: str | None = None
    metrics_url: str | None = None
    process: subprocess.Popen[bytes] | None = None
    kills: int = 0
    killed_at: list[float] = field(default_factory=list)
    """Wall-clock times of the SIGKILLs (the checker explains repeated dead letters)."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    """Held while a fault stops and starts it, so two faults never start it twice."""

    def start(self, timeout: float = 120.0) -> Managed:
        with open(self.log, "ab") as output:
            self.process = subprocess.Popen(
                self.argv,
                env=self.env,
                cwd=ROOT,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C of the campaign is the campaign's to handle
            )
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float) -> None:
        if self.ready_url is None:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.ready_url, timeout=2).status_code == 200:
                    return
            time.sleep(0.2)
        raise TimeoutError(f"{self.name} not ready after {timeout}s; see {self.log}")

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, whatever the process was doing."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.killed_at.append(time.time())
            self.process.wait()
            self.kills += 1

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def metric(self, name: str) -> float | None:
        """The sum of a metric's samples this process exports; None if it does not answer."""
        if self.metrics_url is None:
            return None
        try:
            text = httpx.get(f"{self.metrics_url}/metrics", timeout=2).text
        except httpx.HTTPError:
            return None
        values = [
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith((f"{name}{{", f"{name} "))
        ]
        return sum(values)


ROLE_SERVICES = {
    "relay": SERVICES,
    "consumer": ("cases", "escalation", "reporting"),
}
"""Which services a role process can stand in for."""


class Stack:
    """Broker, private PostgreSQL, the four services and the role processes."""

    def __init__(
        self,
        var_dir: Path,
        *,
        roles: tuple[str, ...] = (),
        log_level: str = "WARNING",
        relay_leader_lease_seconds: float = 15.0,
    ):
        self.var_dir = var_dir
        self.broker = EmbeddedBroker(free_port(), log_file=var_dir / "broker.log")
        self.postgres = PrivatePostgres(
            Path(tempfile.mkdtemp(prefix="samverkan-chaos-pg-")), max_connections=300
        )
        self.settings = RuntimeSettings(
            environment="development",  # a throw-away stack: development keys under var_dir
            kafka_bootstrap=self.broker.bootstrap,
            topic_prefix=f"c{uuid.uuid4().hex[:10]}.samverkan",
            var_dir=var_dir,
            database_url=self.postgres.url,
            database_schema_prefix=f"c{uuid.uuid4().hex[:10]}_",
            database_connect_timeout_seconds=1,
            relay_log_check_seconds=0.5,
            kafka_session_timeout_ms=3000,
            relay_leader_lease_seconds=relay_leader_lease_seconds,
        )
        self.marked_subjects_file = var_dir / "chaos-marked-subjects.txt"
        self.log_level = log_level
        self.role_names = roles
        self.services: dict[str, Managed] = {}
        self.roles: dict[str, Managed] = {}
        self.replicas: list[Managed] = []
        self._replica_count = 0
        self.broker_lock = threading.Lock()

    # --- the environment every child reads ---------------------------------------------

    def env(self) -> dict[str, str]:
        s = self.settings
        assert s.database_url is not None
        return {
            **os.environ,
            "SAMVERKAN_KAFKA_BOOTSTRAP": s.kafka_bootstrap,
            "SAMVERKAN_TOPIC_PREFIX": s.topic_prefix,
            "SAMVERKAN_VAR_DIR": str(s.var_dir),
            "SAMVERKAN_DATABASE_URL": s.database_url,
            "SAMVERKAN_DATABASE_SCHEMA_PREFIX": s.database_schema_prefix,
            "SAMVERKAN_DATABASE_CONNECT_TIMEOUT_SECONDS": str(s.database_connect_timeout_seconds),
            "SAMVERKAN_RELAY_LOG_CHECK_SECONDS": str(s.relay_log_check_seconds),
            "SAMVERKAN_KAFKA_SESSION_TIMEOUT_MS": str(s.kafka_session_timeout_ms),
            "SAMVERKAN_RELAY_LEADER_LEASE_SECONDS": str(s.relay_leader_lease_seconds),
            chain.MARKED_ENV: str(self.marked_subjects_file),
            # The load is one caller per actor; the per-caller limits are not under test.
            "SAMVERKAN_WRITE_RATE_PER_SECOND": "100000",
            "SAMVERKAN_WRITE_BURST": "100000",
            "SAMVERKAN_READ_RATE_PER_SECOND": "100000",
            "SAMVERKAN_READ_BURST": "100000",
            "SAMVERKAN_LOG_LEVEL": self.log_level,
            # A throw-away stack with development keys under var_dir, as make run has.
            "SAMVERKAN_ENVIRONMENT": "development",
        }

    def _service(self, service: str, name: str) -> Managed:
        port = free_port()
        return Managed(
            name=name,
            argv=[sys.executable, "-m", "bench.chaos.serve", service],
            env={**self.env(), f"SAMVERKAN_{service.upper()}_HTTP_PORT": str(port)},
            log=self.var_dir / f"{name}.log",
            ready_url=f"http://127.0.0.1:{port}/readyz",
            metrics_url=f"http://127.0.0.1:{port}",
        )

    def _role(self, role: str) -> Managed:
        kind, service, *number = role.split(":")
        if service not in ROLE_SERVICES.get(kind, ()):
            raise ValueError(f"no {kind} role process for {service}")
        port = free_port()
        return Managed(
            name=role,
            argv=[sys.executable, "-m", "bench.chaos.role", kind, service],
            env={**self.env(), METRICS_PORT_ENV: str(port)},
            log=self.var_dir / f"{kind}-{service}{'-' + number[0] if number else ''}.log",
            # Up once it serves its metrics (a consumer before it joins, a relay
            # before it leads: neither waits for the other processes).
            ready_url=f"http://127.0.0.1:{port}/metrics",
            metrics_url=f"http://127.0.0.1:{port}",
        )

    def url(self, service: str) -> str:
        ready = self.services[service].ready_url
        assert ready is not None
        return ready.removesuffix("/readyz")

    # --- start and stop ------------------------------------------------------------------

    def start(self) -> Stack:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        self.broker.start()
        self.postgres.init().start()
        # Created once, before the services race to create them (as make run does).
        DevelopmentSigner.load_or_create(self.var_dir / DEV_KEY_PATH.name)
        self.settings.resolved_subject_key()
        self.settings.resolved_master_key()
        self.create_topics()
        self.services = {s: self._service(s, s) for s in SERVICES}
        with ThreadPoolExecutor(len(self.services)) as pool:
            list(pool.map(Managed.start, self.services.values()))
        self.roles = {role: self._role(role) for role in self.role_names}
        with ThreadPoolExecutor(max(1, len(self.roles))) as pool:
            list(pool.map(Managed.start, self.roles.values()))
        return self

    def create_topics(self) -> None:
        prefix = self.settings.topic_prefix
        topics = [events_topic(s, prefix=prefix) for s in SERVICES]
        topics += [dlq_topic(s, prefix=prefix) for s in SERVICES]
        asyncio.run(ensure_topics(self.settings, topics))

    def close(self) -> None:
        for managed in [*self.replicas, *self.roles.values(), *self.services.values()]:
            with contextlib.suppress(Exception):
                managed.stop()
        with contextlib.suppress(Exception):
            self.broker.stop()
        with contextlib.suppress(Exception):
            self.postgres.stop()
        shutil.rmtree(self.postgres.directory, ignore_errors=True)

    # --- faults --------------------------------------------------------------------------

    def targets(self) -> dict[str, Managed]:
        """Everything that can be SIGKILLed on its own: services and role processes."""
        return {**{f"service:{s}": m for s, m in self.services.items()}, **self.roles}

    def restart_broker(self) -> None:
        """Kill the embedded broker and start an empty one on the same port: the log is lost.

        The topics are created again at once, as an operator's topic job would.
        (Left to the clients racing back, a consumer once re-created its upstream
        topic with one partition — faststream's own topic creation, off since —
        and the relay refused it for good; a client's metadata request makes the
        embedded broker create a topic with four.)"""
        with self.broker_lock:
            self.broker.restart()
            self.create_topics()

    def restart_postgres(self, down_seconds: float) -> None:
        """Stop the database at once (no checkpoint), leave it down, start it again."""
        self.postgres.stop("immediate")
        time.sleep(down_seconds)
        self.postgres.start()

    def relays(self, service: str) -> list[Managed]:
        """Every process that may lead `service`'s relay: the service and its relay roles."""
        roles = [m for name, m in self.roles.items() if name.split(":")[:2] == ["relay", service]]
        return [self.services[service], *roles]

    def consumers(self) -> list[Managed]:
        """Every process with a consumer: the services and the consumer roles."""
        roles = [m for name, m in self.roles.items() if name.startswith("consumer:")]
        return [*self.services.values(), *roles]

    def relay_leader(self, service: str) -> Managed | None:
        topic = events_topic(service, prefix=self.settings.topic_prefix)
        for managed in self.relays(service):
            if managed.alive() and managed.metric(f'samverkan_outbox_leading{{topic="{topic}"}}'):
                return managed
        return None

    def recreate_topic(self, service: str, partitions: int) -> int:
        """Delete `service`'s events topic and create it with `partitions` (the embedded
        broker has no CreatePartitions). The relay re-creates a missing topic with the
        catalogue's count within a moment, so this tries until it wins; how many tries."""
        topic = events_topic(service, prefix=self.settings.topic_prefix)

        async def once() -> int:
            admin = AIOKafkaAdminClient(**client_options(self.settings))
            try:
                await admin.start()
                with contextlib.suppress(Exception):
                    await admin.delete_topics([topic])
                with contextlib.suppress(Exception):  # as configured, but with more partitions
                    await ensure_topics(self.settings, [topic], partitions)
                described = await admin.describe_topics([topic])
                return len(described[0]["partitions"])
            finally:
                await admin.close()

        with self.broker_lock:
            for attempt in range(1, 21):
                if asyncio.run(once()) == partitions:
                    return attempt
                time.sleep(0.2)
        raise RuntimeError(f"{topic} did not come back with {partitions} partitions")

    def republish(self, service: str) -> str:
        """``outbox republish`` of everything `service` stored, as the stack's relays send it."""
        done = subprocess.run(
            [sys.executable, "-m", "bench.chaos.role", "republish", service],
            env=self.env(),
            cwd=ROOT,
            capture_output=True,
            timeout=300,
            check=True,
        )
        return done.stdout.decode().strip()

    def start_replica(self, service: str) -> Managed:
        """A second replica of a service: its consumer joins the group (a rebalance)."""
        self._replica_count += 1
        replica = self._service(service, f"{service}-replica{self._replica_count}")
        self.replicas.append(replica)
        return replica.start()
