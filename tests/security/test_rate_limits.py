"""Attacks on the rate limits (issue #18, item 9), against a service process.

A limit keyed on the raw ``Authorization`` header is no limit: the same
caller spells the header another way (a second space, ``bearer``) or takes a
fresh token, and gets a fresh bucket. Limits are keyed on the verified
principal (HSA-id and unit); requests without a valid token share their
client address's bucket; reads have a limit of their own; the operational
probes (/healthz, /readyz, /metrics) are never limited.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import httpx

from services.runtime.settings import RuntimeSettings
from tests.support import HEALTH, SOCIAL, ServiceProcess, consent_body, made_up_personnummer, token
from tests.tokens import minted

BODY = consent_body(made_up_personnummer("19850505", "246"))
LIMITED = {
    "SAMVERKAN_WRITE_RATE_PER_SECOND": "0.2",
    "SAMVERKAN_WRITE_BURST": "3",
    "SAMVERKAN_READ_RATE_PER_SECOND": "0.2",
    "SAMVERKAN_READ_BURST": "3",
}


def test_writes_are_limited_per_principal_however_the_header_is_spelt(
    start_service: Callable[..., ServiceProcess], runtime_settings: RuntimeSettings
) -> None:
    consent = start_service("consent", **LIMITED)
    first = token(runtime_settings, SOCIAL)
    fresh = minted(runtime_settings, SOCIAL, ago=timedelta(minutes=1))
    spellings = [
        f"Bearer {first}",
        f"Bearer  {first}",
        f"bearer {first}",
        f"Bearer {fresh}",
        f"BEARER {first}",
    ]
    with httpx.Client(base_url=consent.url, timeout=10) as client:
        statuses = [
            client.post("/v1/consents", json=BODY, headers={"Authorization": h}).status_code
            for h in spellings
        ]
        other = client.post(
            "/v1/consents",
            json=BODY,
            headers={"Authorization": f"Bearer {token(runtime_settings, HEALTH)}"},
        )
    assert statuses == [201, 201, 201, 429, 429]
    assert other.status_code == 201  # another principal has a bucket of their own


def test_requests_without_a_valid_token_are_limited_by_client_address(
    start_service: Callable[..., ServiceProcess],
) -> None:
    consent = start_service("consent", **LIMITED)
    with httpx.Client(base_url=consent.url, timeout=10) as client:
        statuses = [
            client.post(
                "/v1/consents", json=BODY, headers={"Authorization": f"Bearer forged-{n}"}
            ).status_code
            for n in range(5)
        ]
    assert statuses == [401, 401, 401, 429, 429]


def test_reads_are_limited_and_the_operational_probes_are_not(
    start_service: Callable[..., ServiceProcess],
) -> None:
    consent = start_service("consent", **LIMITED)
    with consent.client(SOCIAL) as client:
        reads = [client.get(f"/v1/consents/{'0' * 8}-0000-4000-8000-{'0' * 12}") for _ in range(5)]
        probes = [client.get(path).status_code for path in ("/healthz", "/readyz", "/metrics") * 4]
    assert [r.status_code for r in reads[:3]] == [404, 404, 404]
    assert [r.status_code for r in reads[3:]] == [429, 429]
    assert int(reads[3].headers["retry-after"]) >= 1
    assert reads[3].headers["content-type"] == "application/problem+json"
    assert set(probes) == {200}
