"""``make run``: the whole platform on one machine, stopped cleanly by Ctrl-C.

Starts the embedded broker (unless ``SAMVERKAN_KAFKA_BOOTSTRAP`` names a real
Kafka), creates every topic, starts the four services as child processes with
their stores under ``var/`` (or in PostgreSQL when ``SAMVERKAN_DATABASE_URL``
is set), waits until each answers ``/readyz`` and prints where they are.
Ctrl-C (or SIGTERM) stops the services first, so their relays and consumers
finish cleanly, then the broker; a service that dies takes the rest down
rather than leaving a half-working platform behind.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

import httpx
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from contracts import SERVICES, dlq_topic, events_topic
from services.runtime.http.development_tokens import DEV_KEY_PATH, DevelopmentSigner
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.messaging.kafka import ensure_topics
from services.runtime.ops.serve import http_port, startup_refusals
from services.runtime.settings import RuntimeSettings


class RunSettings(BaseSettings):
    """Settings of ``make run`` itself."""

    model_config = SettingsConfigDict(env_prefix="SAMVERKAN_", extra="ignore")

    embedded_kafka_port: int = Field(
        9092, description="Port of the embedded broker when no external Kafka is configured."
    )
    ready_timeout_seconds: float = Field(60, description="How long services may take to be ready.")


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
        broker = EmbeddedBroker(run.embedded_kafka_port, log_file=_var() / "broker.log")
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
        _wait_ready(children, run.ready_timeout_seconds)
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


def _var() -> Path:
    path = RuntimeSettings().var_dir
    path.mkdir(parents=True, exist_ok=True)
    return path


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


def _wait_ready(children: dict[str, subprocess.Popen[bytes]], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    pending = dict(children)
    while pending:
        for service, child in list(pending.items()):
            if child.poll() is not None:
                raise SystemExit(f"{service} exited during start-up; see var/{service}.log")
            try:
                response = httpx.get(f"http://127.0.0.1:{http_port(service)}/readyz", timeout=1)
                if response.status_code == 200:
                    del pending[service]
            except httpx.HTTPError:
                pass
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
