"""Fault: a write with an ``Idempotency-Key`` while the database is down.

Found by the chaos campaign (#12): the idempotency guard looks the key up in
the store before the route runs, outside the app's problem handlers, so a
lost database made every keyed write a 500 instead of 503 with Retry-After.
Nothing may be stored meanwhile, and the key works as usual afterwards.
"""

from __future__ import annotations

import httpx

from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.settings import RuntimeSettings
from tests.support import (
    SOCIAL,
    PrivatePostgres,
    ServiceProcess,
    assert_unavailable_for_now,
    consent_body,
    made_up_personnummer,
    wait_for,
)

BODY = consent_body(made_up_personnummer("19700707", "211"))


def give(client: httpx.Client, key: str) -> httpx.Response:
    # One client, one principal: the key is scoped to the verified caller.
    return client.post("/v1/consents", json=BODY, headers={"Idempotency-Key": key}, timeout=60)


def test_a_keyed_write_during_a_database_outage_is_503_with_retry_after_then_works(
    private_postgres_settings: RuntimeSettings,
    kafka: EmbeddedBroker,
    private_postgres: PrivatePostgres,
) -> None:
    settings = private_postgres_settings
    consent = ServiceProcess("consent", settings).start()
    client = consent.client(SOCIAL)
    try:
        private_postgres.stop("immediate")
        for _ in range(3):
            assert_unavailable_for_now(give(client, "key-1"))
        assert "unhandled error" not in consent.logs()

        private_postgres.start()
        first = wait_for(lambda: (r := give(client, "key-1")).status_code == 201 and r, timeout=60)
        again = give(client, "key-1")
        assert again.status_code == 201
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json()["id"] == first.json()["id"]
    finally:
        client.close()
        consent.stop()
