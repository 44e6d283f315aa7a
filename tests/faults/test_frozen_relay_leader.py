"""Fault: the relay leader's process freezes (SIGSTOP) while holding the relay lock.

A frozen process keeps its TCP session: the kernel still answers keepalives,
so PostgreSQL never ends the session and never releases the advisory lock. No
replica relayed until the session died some other way (about two hours after a
host crash or partition). The leader now holds a lease it must renew on the
lock session; a standby must take over within a bounded time, and the frozen
leader, once thawed, must notice it lost the lead and publish nothing more.
"""

from __future__ import annotations

import os
import signal
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from contracts import events_topic
from services.consent.application import ConsentApplication
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.settings import RuntimeSettings
from tests.steps import SIP_PARTIES, consent_store, record_consent
from tests.support import ServiceProcess, read_topic, wait_for

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LEASE_SECONDS = 3.0


def give(app: ConsentApplication, n: int) -> None:
    record_consent(app, f"{n:064x}", NOW, purpose="sip", parties=SIP_PARTIES, form="oral")


def leading(process: ServiceProcess) -> float:
    for line in httpx.get(f"{process.url}/metrics", timeout=2).text.splitlines():
        if line.startswith("samverkan_outbox_leading{"):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def published_ids(settings: RuntimeSettings, topic: str) -> list[str]:
    return [dict(r.headers)["ce_id"].decode() for r in read_topic(settings.kafka_bootstrap, topic)]


def test_a_frozen_relay_leader_loses_the_lead_within_its_lease_and_stays_out_when_thawed(
    private_postgres_settings: RuntimeSettings, kafka: EmbeddedBroker, start_service: Any
) -> None:
    settings = private_postgres_settings
    topic = events_topic("consent", prefix=settings.topic_prefix)
    lease = {"SAMVERKAN_RELAY_LEADER_LEASE_SECONDS": str(LEASE_SECONDS)}
    replicas = [start_service("consent", settings, **lease) for _ in range(2)]
    wait_for(lambda: sorted(leading(r) for r in replicas) == [0.0, 1.0], timeout=15)
    frozen, standby = sorted(replicas, key=leading, reverse=True)
    app = consent_store(settings, longest_emergency_disclosure=timedelta(hours=1))
    for n in range(3):
        give(app, n)
    wait_for(lambda: len(published_ids(settings, topic)) == 3, timeout=15)

    assert frozen.process is not None
    os.kill(frozen.process.pid, signal.SIGSTOP)
    try:
        frozen_at = time.monotonic()
        wait_for(lambda: leading(standby) == 1.0, timeout=3 * LEASE_SECONDS)
        assert time.monotonic() - frozen_at < 3 * LEASE_SECONDS
        for n in range(3, 6):
            give(app, n)
        wait_for(lambda: len(published_ids(settings, topic)) == 6, timeout=15)
    finally:
        os.kill(frozen.process.pid, signal.SIGCONT)

    # Thawed, the old leader finds its lease gone and stands by.
    wait_for(lambda: leading(frozen) == 0.0, timeout=10)
    for n in range(6, 9):
        give(app, n)
    wait_for(lambda: len(published_ids(settings, topic)) >= 9, timeout=15)
    time.sleep(2 * LEASE_SECONDS)  # time enough for a relay that still thought it led
    ids = published_ids(settings, topic)
    assert len(ids) == len(set(ids)) == 9  # nothing published twice
    assert (leading(frozen), leading(standby)) == (0.0, 1.0)
