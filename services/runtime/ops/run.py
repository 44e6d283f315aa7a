"""``make run``: the whole platform on one machine, stopped cleanly by Ctrl-C.

First checks that every port it will listen on is free, and names the taken
one and the setting that moves it instead of starting anything: another stack
on the same ports would otherwise answer for this one. Then it starts the
embedded broker (unless ``SAMVERKAN_KAFKA_BOOTSTRAP`` names a real Kafka),
creates every topic, starts the four services as child processes with
their stores under ``var/`` (or in PostgreSQL when ``SAMVERKAN_DATABASE_URL``
is set), waits until each answers ``/readyz`` as the process it started (the
answer names its process id) and prints where they are.
Ctrl-C (or SIGTERM) stops the services first, so their relays and consumers
finish cleanly, then the broker; a service that dies takes the rest down
rather than leaving a half-working platform behind.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import httpx
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from contracts import SERVICES, dlq_topic, events_topic
from services.runtime.http.development_tokens import DEV_KEY_PATH, DevelopmentSigner
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.messaging.kafka import ensure_topics
from services.runtime.ops.serve import http_port, service_root, startup_refusals
from services.runtime.settings import RuntimeSettings


class RunSettings(BaseSettings):
    """Settings of ``make run`` itself."""

    model_config = SettingsConfigDict(env_prefix="SAMVERKAN_", extra="ignore")

    embedded_kafka_port: int = Field(
        9092, description="Port of the embedded broker when no external Kafka is configured."
    )
    ready_timeout_seconds: float = Field(60, description="How long services may take to be ready.")


@dataclass(frozen=True)
class PlannedPort:
    """A port make run will listen on, the setting that chooses it, and what it serves."""

    host: str
    port: int
    setting: str
    purpose: str

    def taken(self) -> str:
        return (
            f"port {self.port} is taken (something else listens on {self.host}:{self.port}): "
            f"it is {self.purpose}; set {self.setting} to a free port, or stop the other stack"
        )


class Stop(Exception):
    """Ctrl-C or SIGTERM: shut everything down in order."""


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise Stop(signal.Signals(signum).name)


def main() -> int:
    run = RunSettings()
    env = dict(os.environ)
    # make run is the one-machine development platform: dev keys under var/ are fine.
    env.setdefault("SAMVERKAN_ENVIRONMENT", "development")
    broker: EmbeddedBroker | None = None
    if "SAMVERKAN_KAFKA_BOOTSTRAP" not in env:
        broker = EmbeddedBroker(run.embedded_kafka_port, log_file=_var_dir() / "broker.log")
        env["SAMVERKAN_KAFKA_BOOTSTRAP"] = broker.bootstrap
        env.setdefault("SAMVERKAN_KAFKA_SESSION_TIMEOUT_MS", "3000")
    runtime = RuntimeSettings(
        kafka_bootstrap=env.get("SAMVERKAN_KAFKA_BOOTSTRAP", "127.0.0.1:9092"),
        environment=env["SAMVERKAN_ENVIRONMENT"],
    )
    refusals = startup_refusals(runtime)
    if refusals:
        # Said once here rather than four times in the services' logs.
        print("refusing to start:\n" + "\n".join(f"  - {r}" for r in refusals), flush=True)
        return 1
    host = runtime.http_host or "127.0.0.1"
    conflicts = port_conflicts(planned_ports(run, host, embedded_broker=broker is not None))
    if conflicts:
        # Before anything starts: a service that cannot bind exits, but the other
        # stack's /readyz on its port would answer for it.
        print("\n".join(conflicts), flush=True)
        return 1
    runtime.var_dir.mkdir(parents=True, exist_ok=True)
    if runtime.environment == "development":
        # Created once, before the services race to create them.
        DevelopmentSigner.load_or_create(runtime.var_dir / DEV_KEY_PATH.name)
        runtime.resolved_subject_key()
    children: dict[str, subprocess.Popen[bytes]] = {}
    signal.signal(signal.SIGINT, _raise_stop)
    signal.signal(signal.SIGTERM, _raise_stop)
    try:
        if broker is not None:
            broker.start()
            print(f"kafka       {broker.bootstrap} (embedded Tansu, in memory)", flush=True)
        asyncio.run(ensure_topics(runtime, _all_topics(runtime)))
        for service in SERVICES:
            children[service] = start_service(service, env, runtime.var_dir)
        ports = {service: http_port(service) for service in children}
        wait_ready(children, ports, run.ready_timeout_seconds)
        _print_urls(runtime)
        while True:
            for service, child in children.items():
                if child.poll() is not None:
                    print(f"{service} exited with {child.returncode}; stopping", flush=True)
                    return 1
            time.sleep(0.5)
    except Stop:
        print("\nstopping…", flush=True)
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        _stop(children)
        if broker is not None:
            broker.stop()
        print("stopped", flush=True)


def _var_dir() -> Path:
    return RuntimeSettings().var_dir


def planned_ports(run: RunSettings, host: str, *, embedded_broker: bool) -> list[PlannedPort]:
    """Every port make run listens on: the embedded broker's, and each service's HTTP API."""
    planned = []
    if embedded_broker:
        planned.append(
            PlannedPort(
                "127.0.0.1",
                run.embedded_kafka_port,
                "SAMVERKAN_EMBEDDED_KAFKA_PORT",
                "the embedded Kafka broker's (or name a Kafka of your own in "
                "SAMVERKAN_KAFKA_BOOTSTRAP)",
            )
        )
    for service in SERVICES:
        planned.append(
            PlannedPort(host, http_port(service), port_setting(service), f"the {service} API's")
        )
    return planned


def port_setting(service: str) -> str:
    """The environment variable that sets `service`'s HTTP port."""
    prefix: str = service_root(service).Settings.model_config.get("env_prefix", "")
    return f"{prefix}HTTP_PORT"


def port_conflicts(planned: list[PlannedPort]) -> list[str]:
    """One line per port that cannot be listened on: taken by another process, or planned twice."""
    conflicts, seen = [], dict[int, PlannedPort]()
    for entry in planned:
        if entry.port in seen:
            first = seen[entry.port]
            conflicts.append(
                f"port {entry.port} is planned twice: {first.setting} and {entry.setting} "
                "both name it; give each its own"
            )
        elif not port_is_free(entry.host, entry.port):
            conflicts.append(entry.taken())
        seen.setdefault(entry.port, entry)
    return conflicts


def port_is_free(host: str, port: int) -> bool:
    """Whether a server could listen on host:port now, binding as uvicorn does.

    SO_REUSEADDR as uvicorn sets it: a port left in TIME_WAIT by the last run is
    free, one that anything listens on (on this or any address) is not."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def _all_topics(runtime: RuntimeSettings) -> list[str]:
    prefix = runtime.topic_prefix
    return [events_topic(s, prefix=prefix) for s in SERVICES] + [
        dlq_topic(s, prefix=prefix) for s in SERVICES
    ]


def start_service(service: str, env: dict[str, str], var_dir: Path) -> subprocess.Popen[bytes]:
    log = open(var_dir / f"{service}.log", "ab")  # noqa: SIM115 - handed to the child
    child = subprocess.Popen(
        [sys.executable, "-m", "services.runtime.ops.serve", service],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        # Own session: Ctrl-C reaches only this supervisor, which stops the
        # children in order instead of all of them racing at once.
        start_new_session=True,
    )
    log.close()
    return child


def ready_pid(port: int) -> int | None:
    """The process id a ready service on `port` reports in /readyz; None if none is ready.

    A /readyz answer alone does not say whose it is: another stack, or a service that
    took the port between the check and the bind, answers 200 just as well."""
    try:
        response = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1)
    except httpx.HTTPError:
        return None
    if response.status_code != 200:
        return None
    try:
        pid = response.json().get("pid")
    except (ValueError, AttributeError):
        pid = None
    return pid if isinstance(pid, int) else -1  # -1: ready, but not a process that says who


def wait_ready(
    children: dict[str, subprocess.Popen[bytes]], ports: dict[str, int], timeout: float
) -> None:
    """Until every child answers /readyz itself; exits naming the port a stranger answers on."""
    deadline = time.monotonic() + timeout
    pending = dict(children)
    while pending:
        for service, child in list(pending.items()):
            if child.poll() is not None:
                raise SystemExit(f"{service} exited during start-up; see var/{service}.log")
            pid = ready_pid(ports[service])
            if pid == child.pid:
                del pending[service]
            elif pid is not None:
                raise SystemExit(
                    f"port {ports[service]} is answered by another process, not {service} "
                    f"(pid {child.pid}): it was taken after the check; set "
                    f"{port_setting(service)} to a free port"
                )
        if time.monotonic() > deadline:
            raise SystemExit(f"not ready after {timeout}s: {', '.join(pending)}")
        time.sleep(0.2)


def _print_urls(runtime: RuntimeSettings) -> None:
    for service in SERVICES:
        base = f"http://127.0.0.1:{http_port(service)}"
        print(f"{service:<11} {base}  (docs {base}/docs, metrics {base}/metrics)", flush=True)
    print(f"stores      {runtime.database_url or runtime.var_dir.resolve()}", flush=True)
    print("token       make token ORG_TYPE=police ROLE=first_responder", flush=True)
    print("ready — Ctrl-C stops everything", flush=True)


def _stop(children: dict[str, subprocess.Popen[bytes]]) -> None:
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for child in children.values():
        try:
            child.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


if __name__ == "__main__":
    sys.exit(main())
