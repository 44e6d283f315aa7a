"""Attacks with tokens the identity provider would never issue, against a running service.

Whoever gets hold of a signing key (or a development key) for a moment can
mint a token that outlives the key's revocation by a century, or one whose
claims carry control characters that break log lines and audit extracts. A
service refuses both with 401 naming what is wrong (issue #18, item 8).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from services.runtime.http.development_tokens import DEV_AUDIENCE, DEV_ISSUER
from services.runtime.kernel.actor import Actor
from services.runtime.settings import RuntimeSettings
from tests.support import POLICE, ServiceProcess
from tests.tokens import minted


@pytest.fixture(scope="module")
def consent(module_settings: RuntimeSettings) -> Iterator[ServiceProcess]:
    """One consent process for the module: every attack here is a single request."""
    module_settings.var_dir.mkdir(parents=True, exist_ok=True)
    process = ServiceProcess("consent", module_settings).start()
    yield process
    process.stop()


def hand_made(settings: RuntimeSettings, **claims: Any) -> str:
    """A token signed with the service's own trusted key, with exactly these claims."""
    pem = (settings.var_dir / "dev-signing-key.pem").read_bytes()
    key = serialization.load_pem_private_key(pem, password=None)
    issued = int(datetime.now(UTC).timestamp())
    body: dict[str, Any] = {
        "iss": DEV_ISSUER,
        "aud": DEV_AUDIENCE,
        "iat": issued,
        "exp": issued + 3600,
        "hsa_id": POLICE.hsa_id,
        "org_id": POLICE.org_id,
        "org_type": str(POLICE.org_type),
        "role": str(POLICE.role),
    }
    body = {name: value for name, value in (body | claims).items() if value is not None}
    return jwt.encode(body, key, algorithm="EdDSA", headers={"kid": "dev"})  # type: ignore[arg-type]


def read_with(process: ServiceProcess, token: str) -> httpx.Response:
    """An authenticated read; with a good token it gets past authentication (404 here)."""
    return httpx.get(
        f"{process.url}/v1/consents/{uuid.uuid4()}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )


def assert_refused(response: httpx.Response, detail: str) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert detail in response.json()["detail"]


def test_an_ordinary_token_gets_past_authentication(consent: ServiceProcess) -> None:
    token = minted(consent.settings, POLICE)
    assert read_with(consent, token).status_code != 401


def test_a_token_valid_for_a_century_is_refused(consent: ServiceProcess) -> None:
    token = minted(consent.settings, POLICE, ttl=timedelta(days=365 * 100))
    assert_refused(read_with(consent, token), "token lifetime too long")


def test_a_token_just_over_the_lifetime_cap_is_refused(consent: ServiceProcess) -> None:
    cap = consent.settings.token_max_lifetime_seconds
    issued = int(datetime.now(UTC).timestamp())
    token = hand_made(consent.settings, iat=issued, exp=issued + cap + 120)
    assert_refused(read_with(consent, token), "token lifetime too long")


def test_a_token_without_iat_is_refused(consent: ServiceProcess) -> None:
    """Without `iat` the lifetime cannot be known, so the cap could be sidestepped."""
    token = hand_made(consent.settings, iat=None, exp=int(datetime.now(UTC).timestamp()) + 600)
    assert_refused(read_with(consent, token), 'missing claim "iat"')


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("hsa_id", "SE2321000016-P001\nINFO forged log line"),
        ("hsa_id", "SE2321000016-P001\x00"),
        ("org_id", "SE2321000016-POL1\r"),
        ("hsa_id", "SE2321000016-\u202e1000P"),  # right-to-left override: a look-alike id
        ("org_id", "SE2321000016-\x1b[31mPOL1"),
        ("sub", "SE2321000016-P001\t"),
    ],
    ids=["newline", "nul", "carriage-return", "bidi-override", "escape", "tab-in-sub"],
)
def test_a_claim_with_a_control_character_is_refused_by_name(
    consent: ServiceProcess, claim: str, value: str
) -> None:
    token = hand_made(consent.settings, **{claim: value})
    assert_refused(read_with(consent, token), f'"{claim}"')


@pytest.mark.parametrize("claim", ["hsa_id", "org_id"])
def test_an_over_long_claim_is_refused_by_name(consent: ServiceProcess, claim: str) -> None:
    token = hand_made(consent.settings, **{claim: "SE2321000016-" + "X" * 500})
    assert_refused(read_with(consent, token), f'"{claim}"')


def test_a_control_character_minted_by_the_signer_is_refused(consent: ServiceProcess) -> None:
    actor = Actor(
        hsa_id="SE2321000016-P001\u2028", org_id=POLICE.org_id, org_type=POLICE.org_type,
        role=POLICE.role,
    )  # fmt: skip
    token = minted(consent.settings, actor)
    assert_refused(read_with(consent, token), '"hsa_id"')
