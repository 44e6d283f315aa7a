"""Attacks on unsafe defaults: placeholder keys, a plain-http identity provider, key files.

Each test starts real service processes (``python -m services.runtime.ops.serve``)
the way an operator would, with ``SAMVERKAN_ENVIRONMENT=production`` unless it
says otherwise, and checks that the unsafe setting is refused at start-up by
name, or that the attack it opens fails (issue #18, item 8).
"""

from __future__ import annotations

import os
import secrets
import socket
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from contracts import OrgType, Role
from services.runtime.http.development_tokens import DEV_AUDIENCE, DevelopmentSigner
from services.runtime.kernel.actor import Actor
from services.runtime.settings import RuntimeSettings, read_or_create_secret
from tests.support import POLICE, JsonServer, ServiceProcess

ADMIN = Actor(
    hsa_id="SE2321000016-A001",
    org_id=POLICE.org_id,
    org_type=OrgType.POLICE,
    role=Role.ADMIN,
)

COMPOSE_PLACEHOLDER_SUBJECT_KEY = (
    "change-me-dev-only-0000000000000000000000000000000000000000000000"
)
"""What docker-compose.yml shipped as its default subject key: public, so worthless."""


def real_keys(tmp_path: Path, signer: DevelopmentSigner) -> dict[str, str]:
    """A production environment that is safe: random keys, a configured token key."""
    public_key = tmp_path / "token-public-key.pem"
    public_key.write_text(signer.public_key_pem)
    return {
        "SAMVERKAN_ENVIRONMENT": "production",
        "SAMVERKAN_MASTER_KEY": secrets.token_hex(32),
        "SAMVERKAN_SUBJECT_KEY": secrets.token_hex(32),
        "SAMVERKAN_AUDIT_CHAIN_KEY": secrets.token_hex(32),
        "SAMVERKAN_TOKEN_PUBLIC_KEY_FILE": str(public_key),
    }


def refusal(runtime_settings: RuntimeSettings, env: dict[str, str]) -> str:
    """Start consent with ``env``; the start-up message it exits with (fails if it runs)."""
    process = ServiceProcess("consent", runtime_settings, env)
    try:
        process.start(timeout=30)
    except RuntimeError as exited:
        return str(exited)
    process.stop()
    pytest.fail("consent started and served with an unsafe setting")


def created_keys(settings: RuntimeSettings) -> list[str]:
    return sorted(p.name for p in settings.var_dir.glob("dev-*"))


def token_for(signer: DevelopmentSigner, actor: Actor, issuer: str) -> dict[str, str]:
    token = signer.mint(
        actor, issuer=issuer, audience=DEV_AUDIENCE, now=datetime.now(UTC), kid="k1"
    )
    return {"Authorization": f"Bearer {token}"}


# --- placeholder keys --------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "value", "reason"),
    [
        ("SAMVERKAN_MASTER_KEY", "0" * 64, "not random"),
        ("SAMVERKAN_MASTER_KEY", "REPLACE-ME-with-openssl-rand-hex-32", "placeholder"),
        ("SAMVERKAN_MASTER_KEY", "ab" * 16, "64 hex characters"),
        ("SAMVERKAN_MASTER_KEY", None, "var_dir"),
        ("SAMVERKAN_SUBJECT_KEY", COMPOSE_PLACEHOLDER_SUBJECT_KEY, "placeholder"),
        ("SAMVERKAN_SUBJECT_KEY", "a-short-secret", "at least 32"),
        ("SAMVERKAN_SUBJECT_KEY", None, "var_dir"),
        ("SAMVERKAN_SUBJECT_KEY_PREVIOUS", "0" * 64, "not random"),
        ("SAMVERKAN_AUDIT_CHAIN_KEY", "f" * 64, "not random"),
        ("SAMVERKAN_AUDIT_CHAIN_KEY", None, "var_dir"),
        ("SAMVERKAN_TOKEN_PUBLIC_KEY_FILE", None, "development signing key"),
    ],
    ids=[
        "master-all-zero",
        "master-k8s-template",
        "master-16-bytes",
        "master-unset",
        "subject-compose-placeholder",
        "subject-short",
        "subject-unset",
        "previous-subject-all-zero",
        "audit-chain-all-f",
        "audit-chain-unset",
        "token-key-unset",
    ],
)
def test_production_refuses_to_start_on_a_placeholder_key(
    runtime_settings: RuntimeSettings,
    tmp_path: Path,
    variable: str,
    value: str | None,
    reason: str,
) -> None:
    env = real_keys(tmp_path, DevelopmentSigner.generate())
    env.pop(variable, None)
    if value is not None:
        env[variable] = value
    runtime_settings.var_dir.mkdir(parents=True, exist_ok=True)

    message = refusal(runtime_settings, env)

    assert f"{variable} " in message
    assert reason in message
    assert "SAMVERKAN_ENVIRONMENT=development" in message  # says how a laptop gets past it
    assert "Traceback" not in message
    # Refused before any development key was written where a volume could keep it.
    assert created_keys(runtime_settings) == []


def test_production_starts_with_real_keys_and_verifies_with_the_configured_key(
    start_service: Any, tmp_path: Path
) -> None:
    signer = DevelopmentSigner.generate()
    consent: ServiceProcess = start_service("consent", **real_keys(tmp_path, signer))
    response = httpx.get(
        f"{consent.url}/v1/access-log/verify",
        headers=token_for(signer, ADMIN, issuer="samverkan-dev"),
        timeout=10,
    )
    assert response.status_code != 401, response.text
    assert created_keys(consent.settings) == []
    # Kafka in clear is not refused (compose keeps it on its own network), but said.
    assert "SAMVERKAN_KAFKA_SECURITY_PROTOCOL=PLAINTEXT in production" in consent.logs()


def test_development_still_starts_on_the_placeholder_keys(start_service: Any) -> None:
    """make run and the tests: SAMVERKAN_ENVIRONMENT=development allows them on purpose."""
    consent: ServiceProcess = start_service(
        "consent",
        SAMVERKAN_MASTER_KEY="0" * 64,
        SAMVERKAN_SUBJECT_KEY=COMPOSE_PLACEHOLDER_SUBJECT_KEY,
    )
    assert httpx.get(f"{consent.url}/readyz", timeout=10).status_code == 200


# --- a plain-http identity provider -------------------------------------------------


def lan_address() -> str:
    """A host of this machine that is not a loopback name or address (where an attacker
    could sit): its network address, or, on a machine without one, its host name, which
    the rule treats as any other host (only "localhost" and loopback literals pass)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # no packet is sent; it only picks a route
            address: str = probe.getsockname()[0]
    except OSError:  # no route at all: a sandbox without a network
        address = "127.0.0.1"
    return socket.gethostname() if address.startswith("127.") else address


class _KeyServer:
    """A plain-http server publishing an OIDC discovery document and a JWKS."""

    def __init__(self, host: str, jwks_base: str | None = None) -> None:
        self.keys: list[dict[str, Any]] = []
        self.jwks_base = jwks_base
        self.http = JsonServer(self._document, host)
        self.requests = self.http.requests
        self.base = self.http.base
        self.issuer = f"{self.base}/realm"

    def _document(self, path: str) -> dict[str, Any] | None:
        if path == "/realm/.well-known/openid-configuration":
            return {"issuer": self.issuer, "jwks_uri": f"{self.jwks_base or self.base}/keys"}
        if path == "/keys":
            return {"keys": self.keys}
        return None

    def stop(self) -> None:
        self.http.stop()


@pytest.fixture
def attacker() -> Iterator[tuple[_KeyServer, DevelopmentSigner]]:
    """The attacker's key server on the network, publishing the attacker's own key."""
    signer = DevelopmentSigner.generate()
    server = _KeyServer(lan_address())
    server.keys.append(signer.jwk(kid="k1"))
    yield server, signer
    server.stop()


def attack_admin_route(
    runtime_settings: RuntimeSettings, env: dict[str, str], headers: dict[str, str]
) -> tuple[str | None, int | None]:
    """Start consent with ``env`` and call an administrator's route with ``headers``.

    Returns the start-up refusal (None if it started) and the route's status
    (None if it never ran)."""
    runtime_settings.var_dir.mkdir(parents=True, exist_ok=True)
    process = ServiceProcess("consent", runtime_settings, env)
    try:
        process.start(timeout=30)
    except RuntimeError as exited:
        return str(exited), None
    try:
        response = httpx.get(f"{process.url}/v1/access-log/verify", headers=headers, timeout=10)
        return None, response.status_code
    finally:
        process.stop()


def test_an_attackers_http_jwks_does_not_verify_an_admin_token(
    runtime_settings: RuntimeSettings, tmp_path: Path, attacker: Any
) -> None:
    """A JWKS URL over plain http: whoever is on the path serves their own key.

    In production the service refuses to start on it, so the attacker's
    administrator token never reaches a route."""
    server, signer = attacker
    env = real_keys(tmp_path, DevelopmentSigner.generate())
    del env["SAMVERKAN_TOKEN_PUBLIC_KEY_FILE"]
    env["SAMVERKAN_TOKEN_JWKS_URL"] = f"{server.base}/keys"
    runtime_settings.var_dir.mkdir(parents=True, exist_ok=True)

    refused, status = attack_admin_route(
        runtime_settings, env, token_for(signer, ADMIN, issuer="samverkan-dev")
    )

    assert status is None, f"the attacker's administrator token got {status}"
    assert refused is not None
    assert "SAMVERKAN_TOKEN_JWKS_URL" in refused
    assert "must be https" in refused


def test_a_plain_http_issuer_is_refused_in_production_even_on_loopback(
    runtime_settings: RuntimeSettings, tmp_path: Path
) -> None:
    provider = _KeyServer("127.0.0.1")
    try:
        env = real_keys(tmp_path, DevelopmentSigner.generate())
        del env["SAMVERKAN_TOKEN_PUBLIC_KEY_FILE"]
        env["SAMVERKAN_TOKEN_ISSUER"] = provider.issuer
        runtime_settings.var_dir.mkdir(parents=True, exist_ok=True)
        message = refusal(runtime_settings, env)
    finally:
        provider.stop()
    assert "SAMVERKAN_TOKEN_ISSUER" in message
    assert "must be https" in message
    assert provider.requests == [], "refused before anything was fetched over http"


def test_development_refuses_a_plain_http_jwks_url_off_this_machine(
    runtime_settings: RuntimeSettings, attacker: Any
) -> None:
    server, _ = attacker
    runtime_settings.var_dir.mkdir(parents=True, exist_ok=True)
    message = refusal(runtime_settings, {"SAMVERKAN_TOKEN_JWKS_URL": f"{server.base}/keys"})
    assert "SAMVERKAN_TOKEN_JWKS_URL" in message
    assert "loopback" in message


def test_a_discovery_document_cannot_downgrade_the_jwks_to_an_attackers_http_server(
    runtime_settings: RuntimeSettings, attacker: Any
) -> None:
    """Development with a local plain-http provider (allowed) whose discovery
    document names a plain-http JWKS elsewhere: those keys are not used."""
    server, signer = attacker
    provider = _KeyServer("127.0.0.1", jwks_base=server.base)
    try:
        refused, status = attack_admin_route(
            runtime_settings,
            {"SAMVERKAN_TOKEN_ISSUER": provider.issuer},
            token_for(signer, ADMIN, issuer=provider.issuer),
        )
    finally:
        provider.stop()
    assert refused is None, refused
    assert status == 401, "the attacker's administrator token was accepted"
    assert "/keys" not in server.requests


# --- key files --------------------------------------------------------------------


@pytest.fixture
def no_umask_and_no_chmod(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Files get exactly the mode they are created with: no umask narrows it, and a
    chmod after the write (which leaves a world-readable moment) does nothing."""
    monkeypatch.setattr(os, "chmod", lambda *args, **kwargs: None)
    monkeypatch.setattr(os, "fchmod", lambda *args, **kwargs: None)
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def test_secret_files_are_created_0600(tmp_path: Path, no_umask_and_no_chmod: None) -> None:
    path = tmp_path / "var" / "dev-master-key"
    first = read_or_create_secret(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_or_create_secret(path) == first
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left


def test_the_signing_key_file_is_created_0600(tmp_path: Path, no_umask_and_no_chmod: None) -> None:
    path = tmp_path / "var" / "dev-signing-key.pem"
    DevelopmentSigner.load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_service_started_without_a_umask_keeps_its_key_files_private(
    runtime_settings: RuntimeSettings,
) -> None:
    runtime_settings.var_dir.mkdir(parents=True, exist_ok=True)
    previous = os.umask(0)  # inherited by the service process
    try:
        process = ServiceProcess("consent", runtime_settings).start()
    finally:
        os.umask(previous)
    try:
        keys = list(runtime_settings.var_dir.glob("dev-*"))
        assert {p.name for p in keys} >= {"dev-master-key", "dev-subject-key"}
        assert {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in keys} == {
            p.name: oct(0o600) for p in keys
        }
    finally:
        process.stop()
