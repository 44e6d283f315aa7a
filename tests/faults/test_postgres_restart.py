"""Fault: the services' PostgreSQL goes away and comes back during use.

Meanwhile the API answers 503 with Retry-After (an outage, never a 500) and
stores nothing; afterwards every service recovers by itself: commands are
accepted, the relay publishes what was stored, consumers catch up.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.settings import RuntimeSettings
from tests.support import (
    SOCIAL,
    PrivatePostgres,
    ServiceProcess,
    applied_by,
    assert_unavailable_for_now,
    consent_body,
    made_up_personnummer,
    wait_for,
)


def give(consent: ServiceProcess, serial: str, timeout: float = 30) -> httpx.Response:
    with consent.client(SOCIAL) as client:
        return client.post(
            "/v1/consents",
            json=consent_body(made_up_personnummer("19700707", serial)),
            timeout=timeout,
        )


def test_a_database_outage_is_503_with_retry_after_and_everything_recovers(
    private_postgres_settings: RuntimeSettings,
    kafka: EmbeddedBroker,
    private_postgres: PrivatePostgres,
    start_services: Callable[..., dict[str, ServiceProcess]],
) -> None:
    settings = private_postgres_settings
    consent, escalation = start_services("consent", "escalation", settings=settings).values()
    try:
        assert give(consent, "101").status_code == 201
        wait_for(lambda: applied_by(escalation, "consent") >= 1, timeout=30)

        private_postgres.stop("immediate")
        # The first request waits out the store library's own retries, then 503s;
        # the circuit then answers the next ones at once.
        first = give(consent, "102", timeout=60)
        started = time.monotonic()
        during = give(consent, "104")
        assert time.monotonic() - started < 1.0
        for response in (first, during):
            assert_unavailable_for_now(response)
        assert httpx.get(f"{consent.url}/readyz", timeout=10).status_code == 503

        private_postgres.start()
        started = time.monotonic()
        accepted = wait_for(
            lambda: (r := give(consent, "103")).status_code == 201 and r, timeout=60
        )
        assert accepted.json()["id"]
        recovered_in = time.monotonic() - started
        # The first command stored before the outage, the one after; not the refused one.
        wait_for(lambda: applied_by(escalation, "consent") >= 2, timeout=60)
        assert applied_by(escalation, "consent") == 2
        assert recovered_in < 60
        wait_for(lambda: httpx.get(f"{consent.url}/readyz").status_code == 200, timeout=30)
    finally:
        escalation.stop()
        consent.stop()
