"""Fault: a client sends one keyed command several times at once (a retrying client, a
proxy's duplicate), on a real consent service on both stores.

The key's claim is written before the command runs; since #24 it is, on
PostgreSQL, committed on its own without waiting for the disk, beside the
grouped writes of the commands' events. A duplicate that arrives while the
first runs must still be stopped by it: every copy is answered either with
the first's answer (replayed) or with 409 "in progress", and the consent is
given once.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx

from services.runtime.settings import RuntimeSettings
from tests.support import SOCIAL, ServiceProcess, consent_body, made_up_personnummer

BODY = consent_body(made_up_personnummer("19770707", "321"))
COPIES = 8


def test_copies_sent_at_once_give_the_consent_once(backend_settings: RuntimeSettings) -> None:
    settings = backend_settings
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    consent = ServiceProcess("consent", settings).start()
    start = threading.Barrier(COPIES)

    def send(_: int) -> httpx.Response:
        with consent.client(SOCIAL) as client:
            client.get("/readyz")  # connected before the race starts
            start.wait(10)
            return client.post("/v1/consents", json=BODY, headers={"Idempotency-Key": "once"})

    try:
        with ThreadPoolExecutor(COPIES) as pool:
            answers = list(pool.map(send, range(COPIES)))
        given = [a for a in answers if a.status_code == 201]
        assert {a.status_code for a in answers} <= {201, 409}, [a.text for a in answers]
        assert given, "no copy was answered with the consent"
        assert len({a.json()["id"] for a in given}) == 1
        assert sum(a.headers.get("idempotent-replayed") != "true" for a in given) == 1
        with consent.client(SOCIAL) as client:
            subject = given[0].json()["subject_id"]
            history = client.get(f"/v1/subjects/{subject}/history").json()
            # Sent again after the race: the first answer, not a second consent.
            again = client.post("/v1/consents", json=BODY, headers={"Idempotency-Key": "once"})
    finally:
        consent.stop()
    assert [e["type"] for e in history["events"]].count("ConsentGiven") == 1
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == given[0].json()["id"]
