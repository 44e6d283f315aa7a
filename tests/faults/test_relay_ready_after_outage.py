"""Fault: the database goes away while nothing is being written, and comes back.

Found by the chaos campaign (#12): a relay remembered its last failure until
it next published something, so after an outage an idle relay — and a
standby replica waiting for the relay lock, which never publishes — kept
``/readyz`` at 503 for good: a restarted reporting service never became
ready again, and a load balancer would have taken healthy replicas out.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.settings import RuntimeSettings
from tests.support import PrivatePostgres, ServiceProcess, wait_for


def ready(process: ServiceProcess) -> bool:
    try:
        return httpx.get(f"{process.url}/readyz", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def test_an_idle_relay_and_a_standby_are_ready_again_after_a_database_outage(
    private_postgres_settings: RuntimeSettings,
    kafka: EmbeddedBroker,
    private_postgres: PrivatePostgres,
) -> None:
    settings = private_postgres_settings
    replicas = [ServiceProcess("consent", settings), ServiceProcess("consent", settings)]
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(ServiceProcess.start, replicas))
    try:
        private_postgres.stop("immediate")
        wait_for(lambda: not any(ready(r) for r in replicas), timeout=30)
        time.sleep(4)  # both relays notice: the leader loses its lock, the standby its poll
        private_postgres.start()

        wait_for(lambda: all(ready(r) for r in replicas), timeout=30)
        leading = [
            line
            for r in replicas
            for line in httpx.get(f"{r.url}/metrics").text.splitlines()
            if line.startswith("samverkan_outbox_leading{")
        ]
        assert sorted(float(line.rsplit(" ", 1)[1]) for line in leading) == [0.0, 1.0]
    finally:
        for replica in replicas:
            replica.stop()
