"""Start-up time of the whole platform and each service's memory when idle.

Measured the way ``make run`` starts things: the embedded broker, then the
four services as their own processes with SQLite stores.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from contracts import SERVICES
from services.runtime.broker import EmbeddedBroker, free_port
from services.runtime.run import start_service


@dataclass(frozen=True)
class Resources:
    ready_seconds: float
    rss_mb: dict[str, float]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure(var_dir: Path) -> Resources:
    ports = {service: free_port() for service in SERVICES}
    started = time.monotonic()
    broker = EmbeddedBroker(free_port())
    broker.start()
    env = {
        **os.environ,
        "SAMVERKAN_KAFKA_BOOTSTRAP": broker.bootstrap,
        "SAMVERKAN_VAR_DIR": str(var_dir),
        "SAMVERKAN_KAFKA_SESSION_TIMEOUT_MS": "3000",
        "SAMVERKAN_LOG_LEVEL": "WARNING",
        **{f"SAMVERKAN_{s.upper()}_HTTP_PORT": str(p) for s, p in ports.items()},
    }
    var_dir.mkdir(parents=True, exist_ok=True)
    children = {service: start_service(service, env, var_dir) for service in SERVICES}
    try:
        pending = set(SERVICES)
        while pending and time.monotonic() - started < 60:
            for service in list(pending):
                try:
                    url = f"http://127.0.0.1:{ports[service]}/readyz"
                    if httpx.get(url, timeout=1).status_code == 200:
                        pending.discard(service)
                except httpx.HTTPError:
                    pass
            time.sleep(0.05)
        ready = time.monotonic() - started
        time.sleep(2)  # idle
        return Resources(ready, {s: rss_mb(c.pid) for s, c in children.items()})
    finally:
        for child in children.values():
            child.terminate()
        for child in children.values():
            child.wait(15)
        broker.stop()
