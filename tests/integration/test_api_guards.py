"""Guards every API shares, on a real service: idempotent retries, body size, write rate."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.support import HEALTH, SOCIAL, ServiceProcess, consent_body, made_up_personnummer

NUMBER = made_up_personnummer("19880808", "321")


@pytest.fixture(scope="module")
def consent(module_platform: dict[str, ServiceProcess]) -> ServiceProcess:
    return module_platform["consent"]


def test_a_retried_command_with_the_same_idempotency_key_has_one_effect(
    consent: ServiceProcess,
) -> None:
    with consent.client(SOCIAL) as client:
        first = client.post(
            "/v1/consents", json=consent_body(NUMBER), headers={"Idempotency-Key": "k-1"}
        )
        again = client.post(
            "/v1/consents", json=consent_body(NUMBER), headers={"Idempotency-Key": "k-1"}
        )
        other_body = client.post(
            "/v1/consents",
            json=consent_body(NUMBER, purpose="case_handover"),
            headers={"Idempotency-Key": "k-1"},
        )
        history = client.get(f"/v1/subjects/{first.json()['subject_id']}/history").json()

    assert first.status_code == 201, first.text
    assert again.status_code == 201
    # Read back through the resource's own route (authorised, logged), not a stored body.
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    assert other_body.status_code == 422
    assert other_body.json()["errors"][0]["field"] == "header.Idempotency-Key"
    assert [e["type"] for e in history["events"]].count("ConsentGiven") == 1


def test_an_oversized_body_is_refused_before_it_is_read(consent: ServiceProcess) -> None:
    with consent.client(SOCIAL) as client:
        response = client.post(
            "/v1/consents",
            content=b'{"pad": "' + b"x" * 400_000 + b'"}',
            headers={"content-type": "application/json"},
        )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


def test_writes_beyond_the_callers_rate_get_429_with_retry_after(
    start_service: Callable[..., ServiceProcess],
) -> None:
    limited = start_service(
        "consent", SAMVERKAN_WRITE_RATE_PER_SECOND="0.5", SAMVERKAN_WRITE_BURST="3"
    )
    with limited.client(SOCIAL) as client:
        statuses = [
            client.post("/v1/consents", json=consent_body(NUMBER)).status_code for _ in range(5)
        ]
        refused = client.post("/v1/consents", json=consent_body(NUMBER))
        reads = client.get(
            "/v1/decisions",
            params={
                "subject": "ab" * 32,
                "from_org": SOCIAL.org_id,
                "to_org": HEALTH.org_id,
                "purpose": "sip",
            },
        )

    assert statuses[:3] == [201, 201, 201]
    assert statuses[3:] == [429, 429]
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert reads.status_code == 200  # reads have a bucket of their own
