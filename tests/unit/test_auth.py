"""Bearer-token verification: what is accepted, and every way a token is refused."""

import base64
import hashlib
import hmac
import json
import stat
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from contracts.vocabulary import OrgType, Role
from services.runtime.http.auth import CurrentActor, TokenVerifier, identity_provider_url_problem
from services.runtime.http.development_tokens import DEV_AUDIENCE, DEV_ISSUER, DevelopmentSigner
from services.runtime.http.problems import install_problem_handlers
from services.runtime.http.token_claims import AuthenticationError
from services.runtime.kernel.actor import Actor
from services.runtime.ops.token_cli import app as token_cli
from tests.support import JsonServer

ACTOR = Actor(
    hsa_id="SE0000000000-T001",
    org_id="SE0000000000-TUNIT",
    org_type=OrgType.POLICE,
    role=Role.FIRST_RESPONDER,
)


@pytest.fixture
def private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def signer(private_key: Ed25519PrivateKey) -> DevelopmentSigner:
    return DevelopmentSigner(private_key)


@pytest.fixture
def verifier(signer: DevelopmentSigner) -> TokenVerifier:
    return TokenVerifier(issuer=DEV_ISSUER, audience=DEV_AUDIENCE, public_key=signer.public_key_pem)


def now() -> datetime:
    # PyJWT checks exp/nbf against the real clock, so tokens are minted around it.
    return datetime.now(UTC)


def mint(signer: DevelopmentSigner, **overrides: Any) -> str:
    arguments: dict[str, Any] = {"issuer": DEV_ISSUER, "audience": DEV_AUDIENCE, "now": now()}
    return signer.mint(ACTOR, **(arguments | overrides))


def claims(**overrides: Any) -> dict[str, Any]:
    issued = int(now().timestamp())
    base = {
        "iss": DEV_ISSUER,
        "aud": DEV_AUDIENCE,
        "iat": issued,
        "exp": issued + 3600,
        "hsa_id": ACTOR.hsa_id,
        "org_id": ACTOR.org_id,
        "org_type": "police",
        "role": "first_responder",
    }
    return {k: v for k, v in (base | overrides).items() if v is not None}


def refusal(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(AuthenticationError) as error:
        verifier.verify(token)
    return error.value.reason


def signing_input(alg: str, body: dict[str, Any]) -> str:
    """Header and payload of a hand-made token, for the attacks PyJWT will not encode."""
    parts = ({"alg": alg, "typ": "JWT"}, body)
    return ".".join(b64url(json.dumps(part).encode()) for part in parts)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_valid_token_gives_the_actor(signer: DevelopmentSigner, verifier: TokenVerifier) -> None:
    assert verifier.verify(mint(signer)) == ACTOR


def test_expired_token_is_refused(signer: DevelopmentSigner, verifier: TokenVerifier) -> None:
    token = mint(signer, now=now() - timedelta(hours=9), ttl=timedelta(hours=8))
    assert refusal(verifier, token) == "token expired"


def test_token_not_yet_valid_is_refused(signer: DevelopmentSigner, verifier: TokenVerifier) -> None:
    assert refusal(verifier, mint(signer, now=now() + timedelta(hours=1))) == "token not yet valid"


def test_small_clock_skew_is_tolerated(signer: DevelopmentSigner, verifier: TokenVerifier) -> None:
    assert verifier.verify(mint(signer, now=now() + timedelta(seconds=10))) == ACTOR


def test_wrong_issuer_is_refused(signer: DevelopmentSigner, verifier: TokenVerifier) -> None:
    assert refusal(verifier, mint(signer, issuer="someone-else")) == "wrong issuer"


def test_wrong_audience_is_refused(signer: DevelopmentSigner, verifier: TokenVerifier) -> None:
    assert refusal(verifier, mint(signer, audience="another-api")) == "wrong audience"


def test_a_cached_token_is_refused_once_it_expires(signer: DevelopmentSigner) -> None:
    """A verified token is kept so it is not checked again, but never past its `exp`."""
    strict = TokenVerifier(
        issuer=DEV_ISSUER, audience=DEV_AUDIENCE, public_key=signer.public_key_pem, leeway_seconds=0
    )
    token = mint(signer, ttl=timedelta(seconds=2))
    assert strict.verify(token) == ACTOR
    assert strict.verify(token) == ACTOR  # from the cache
    expires = jwt.decode(token, options={"verify_signature": False})["exp"]
    time.sleep(max(0.0, expires - time.time()) + 0.2)
    assert refusal(strict, token) == "token expired"


def test_a_cached_token_does_not_open_another_audience(signer: DevelopmentSigner) -> None:
    """The cache is the verifier's own, keyed by the exact token: a token verified for one
    API is still refused by another's verifier, and one minted for another audience is
    refused even while its holder's token for this one is kept."""
    ours = TokenVerifier(issuer=DEV_ISSUER, audience=DEV_AUDIENCE, public_key=signer.public_key_pem)
    theirs = TokenVerifier(
        issuer=DEV_ISSUER, audience="another-api", public_key=signer.public_key_pem
    )
    token = mint(signer)
    assert ours.verify(token) == ACTOR
    assert ours.verify(token) == ACTOR  # from the cache
    assert refusal(theirs, token) == "wrong audience"
    assert refusal(ours, mint(signer, audience="another-api")) == "wrong audience"
    assert refusal(ours, mint(signer, issuer="someone-else")) == "wrong issuer"


def test_the_verified_token_cache_is_bounded(signer: DevelopmentSigner) -> None:
    small = TokenVerifier(
        issuer=DEV_ISSUER, audience=DEV_AUDIENCE, public_key=signer.public_key_pem, cache_size=3
    )
    tokens = [mint(signer, now=now() - timedelta(seconds=n)) for n in range(6)]
    assert len(set(tokens)) == 6
    for token in tokens:
        assert small.verify(token) == ACTOR
        assert small.cached_tokens <= 3
    assert small.cached_tokens == 3
    assert all(small.verify(token) == ACTOR for token in tokens)  # dropped ones verify again


def test_token_from_another_key_is_refused(verifier: TokenVerifier) -> None:
    assert refusal(verifier, mint(DevelopmentSigner.generate())) == "bad signature"


def test_garbage_is_refused(verifier: TokenVerifier) -> None:
    assert refusal(verifier, "not-a-token") == "malformed token"


def test_alg_none_token_is_refused(verifier: TokenVerifier) -> None:
    assert refusal(verifier, f"{signing_input('none', claims())}.") == "algorithm not allowed"


def test_hs256_signed_with_the_public_key_is_refused(
    signer: DevelopmentSigner, verifier: TokenVerifier
) -> None:
    """Algorithm confusion: the public key is public, so it must never work as an HMAC secret."""
    unsigned = signing_input("HS256", claims())
    mac = hmac.new(signer.public_key_pem.encode(), unsigned.encode(), hashlib.sha256)
    token = f"{unsigned}.{b64url(mac.digest())}"
    assert refusal(verifier, token) == "algorithm not allowed"


@pytest.mark.parametrize("algorithms", [("HS256",), ("none",), ("EdDSA", "HS512"), ()])
def test_verifier_refuses_symmetric_or_no_algorithms(
    signer: DevelopmentSigner, algorithms: tuple[str, ...]
) -> None:
    with pytest.raises(ValueError, match="algorithms"):
        TokenVerifier(
            issuer=DEV_ISSUER,
            audience=DEV_AUDIENCE,
            public_key=signer.public_key_pem,
            algorithms=algorithms,
        )


def test_unknown_org_type_is_refused(
    private_key: Ed25519PrivateKey, verifier: TokenVerifier
) -> None:
    token = jwt.encode(claims(org_type="xyz"), private_key, algorithm="EdDSA")
    assert refusal(verifier, token) == 'unknown org_type "xyz"'


def test_unknown_role_is_refused(private_key: Ed25519PrivateKey, verifier: TokenVerifier) -> None:
    token = jwt.encode(claims(role="superuser"), private_key, algorithm="EdDSA")
    assert refusal(verifier, token) == 'unknown role "superuser"'


@pytest.mark.parametrize("claim", ["org_type", "role", "hsa_id", "org_id", "exp", "aud", "iss"])
def test_missing_claim_is_refused(
    private_key: Ed25519PrivateKey, verifier: TokenVerifier, claim: str
) -> None:
    token = jwt.encode(claims(**{claim: None}), private_key, algorithm="EdDSA")
    assert refusal(verifier, token) == f'missing claim "{claim}"'


def test_empty_hsa_id_is_refused(private_key: Ed25519PrivateKey, verifier: TokenVerifier) -> None:
    token = jwt.encode(claims(hsa_id=""), private_key, algorithm="EdDSA")
    assert "hsa_id" in refusal(verifier, token)


def test_jwks_rotation_accepts_either_key_by_kid() -> None:
    old, new = DevelopmentSigner.generate(), DevelopmentSigner.generate()
    jwks = {"keys": [old.jwk("2025-01"), new.jwk("2025-06")]}
    verifier = TokenVerifier(issuer=DEV_ISSUER, audience=DEV_AUDIENCE, jwks=jwks)

    assert verifier.verify(mint(old, kid="2025-01")) == ACTOR
    assert verifier.verify(mint(new, kid="2025-06")) == ACTOR
    assert refusal(verifier, mint(new, kid="2024-01")) == 'unknown key id "2024-01"'
    assert refusal(verifier, mint(new, kid="2025-01")) == "bad signature"


def test_jwks_token_without_kid_is_refused(private_key: Ed25519PrivateKey) -> None:
    jwks = {"keys": [DevelopmentSigner(private_key).jwk("only")]}
    verifier = TokenVerifier(issuer=DEV_ISSUER, audience=DEV_AUDIENCE, jwks=jwks)
    token = jwt.encode(claims(), private_key, algorithm="EdDSA")
    assert refusal(verifier, token) == 'missing header "kid"'


def test_dev_key_is_created_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "var" / "dev-signing-key.pem"
    first = DevelopmentSigner.load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert DevelopmentSigner.load_or_create(path).public_key_pem == first.public_key_pem
    assert list(path.parent.iterdir()) == [path]


def mint_with_the_cli(key: Path, ttl_hours: int) -> Any:
    """`samverkan token` for a made-up first responder, signed with `key`; its result."""
    return CliRunner().invoke(
        token_cli,
        [
            "--hsa-id", "SE0000000000-T002",
            "--org-id", "SE0000000000-TUNIT",
            "--org-type", "police",
            "--role", "first_responder",
            "--key", str(key),
            "--ttl-hours", str(ttl_hours),
        ],
    )  # fmt: skip


def test_token_cli_mints_a_verifiable_token(tmp_path: Path) -> None:
    key = tmp_path / "dev.pem"
    result = mint_with_the_cli(key, 1)
    assert result.exit_code == 0, result.output
    verifier = TokenVerifier(
        issuer=DEV_ISSUER,
        audience=DEV_AUDIENCE,
        public_key=DevelopmentSigner.load_or_create(key).public_key_pem,
    )
    actor = verifier.verify(result.stdout.strip())
    assert actor == Actor(
        "SE0000000000-T002", "SE0000000000-TUNIT", OrgType.POLICE, Role.FIRST_RESPONDER
    )


@pytest.fixture
def client(verifier: TokenVerifier) -> TestClient:
    app = FastAPI()
    app.state.token_verifier = verifier
    install_problem_handlers(app)

    @app.get("/me")
    def me(actor: CurrentActor) -> dict[str, str]:
        return {"hsa_id": actor.hsa_id, "role": actor.role}

    return TestClient(app)


def test_request_with_valid_bearer_token_reaches_the_route(
    client: TestClient, signer: DevelopmentSigner
) -> None:
    response = client.get("/me", headers={"Authorization": f"Bearer {mint(signer)}"})
    assert response.status_code == 200
    assert response.json() == {"hsa_id": ACTOR.hsa_id, "role": "first_responder"}


def test_request_without_token_is_401_problem(client: TestClient) -> None:
    response = client.get("/me")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["title"] == "Unauthorized"


def test_request_with_bad_token_is_401_invalid_token(
    client: TestClient, signer: DevelopmentSigner
) -> None:
    token = mint(signer, audience="another-api")
    response = client.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert response.json()["detail"] == "wrong audience"


def test_verifier_needs_exactly_one_key_source(signer: DevelopmentSigner) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        TokenVerifier(issuer=DEV_ISSUER, audience=DEV_AUDIENCE)
    with pytest.raises(ValueError, match="exactly one"):
        TokenVerifier(
            issuer=DEV_ISSUER,
            audience=DEV_AUDIENCE,
            public_key=signer.public_key_pem,
            jwks={"keys": [signer.jwk()]},
        )


def test_keys_from_the_providers_jwks_url_and_a_rotation_picked_up() -> None:
    old, new = DevelopmentSigner.generate(), DevelopmentSigner.generate()
    published = {"keys": [old.jwk(kid="k1")]}
    server = JsonServer(lambda _path: published)
    try:
        url = f"{server.base}/jwks.json"
        verifier = TokenVerifier(
            issuer=DEV_ISSUER,
            audience=DEV_AUDIENCE,
            jwks_url=url,
            jwks_refresh_seconds=0,
            allow_loopback_http=True,  # development: the provider is on this machine
        )
        assert (
            verifier.verify(
                old.mint(
                    ACTOR, issuer=DEV_ISSUER, audience=DEV_AUDIENCE, now=datetime.now(UTC), kid="k1"
                )
            )
            == ACTOR
        )
        rotated = new.mint(
            ACTOR, issuer=DEV_ISSUER, audience=DEV_AUDIENCE, now=datetime.now(UTC), kid="k2"
        )
        published["keys"].append(new.jwk(kid="k2"))  # the provider rotates in a new key
        assert verifier.verify(rotated) == ACTOR
        forged = DevelopmentSigner.generate().mint(
            ACTOR, issuer=DEV_ISSUER, audience=DEV_AUDIENCE, now=datetime.now(UTC), kid="k9"
        )
        with pytest.raises(AuthenticationError, match="unknown key id"):
            verifier.verify(forged)
    finally:
        server.stop()


class _IdentityProvider:
    """A real local HTTP server publishing an OIDC discovery document and a JWKS."""

    def __init__(self) -> None:
        self.keys: list[dict[str, Any]] = []
        self.issuer_override: str | None = None
        self.jwks_base: str | None = None
        self.server = JsonServer(self._document)
        self.requests = self.server.requests
        self.base = self.server.base
        self.issuer = f"{self.base}/realm"

    def _document(self, path: str) -> dict[str, Any] | None:
        if path == "/realm/.well-known/openid-configuration":
            return {
                "issuer": self.issuer_override or self.issuer,
                "jwks_uri": f"{self.jwks_base or self.base}/realm/keys",
                "id_token_signing_alg_values_supported": ["EdDSA"],
            }
        if path == "/realm/keys":
            return {"keys": self.keys}
        return None


@pytest.fixture
def identity_provider() -> Any:
    provider = _IdentityProvider()
    yield provider
    provider.server.stop()


def test_oidc_discovery_finds_the_jwks_of_the_configured_issuer(identity_provider: Any) -> None:
    signer = DevelopmentSigner.generate()
    identity_provider.keys.append(signer.jwk(kid="k1"))
    issuer = identity_provider.issuer
    verifier = TokenVerifier(
        issuer=issuer,
        audience=DEV_AUDIENCE,
        discovery=True,
        jwks_refresh_seconds=0,
        allow_loopback_http=True,
    )

    token = signer.mint(ACTOR, issuer=issuer, audience=DEV_AUDIENCE, now=now(), kid="k1")
    assert verifier.verify(token) == ACTOR
    # A key rotated in later is found at the discovered JWKS URL; discovery is not repeated.
    rotated = DevelopmentSigner.generate()
    identity_provider.keys.append(rotated.jwk(kid="k2"))
    token = rotated.mint(ACTOR, issuer=issuer, audience=DEV_AUDIENCE, now=now(), kid="k2")
    assert verifier.verify(token) == ACTOR
    assert identity_provider.requests.count("/realm/.well-known/openid-configuration") == 1
    # The issuer is still checked on every token.
    other = signer.mint(ACTOR, issuer="someone-else", audience=DEV_AUDIENCE, now=now(), kid="k1")
    assert refusal(verifier, other) == "wrong issuer"


def test_oidc_discovery_naming_another_issuer_is_not_trusted(identity_provider: Any) -> None:
    signer = DevelopmentSigner.generate()
    identity_provider.keys.append(signer.jwk(kid="k1"))
    identity_provider.issuer_override = "https://look-alike.example/realm"
    issuer = identity_provider.issuer
    verifier = TokenVerifier(
        issuer=issuer, audience=DEV_AUDIENCE, discovery=True, allow_loopback_http=True
    )

    token = signer.mint(ACTOR, issuer=issuer, audience=DEV_AUDIENCE, now=now(), kid="k1")
    assert refusal(verifier, token) == 'unknown key id "k1"'
    assert "/realm/keys" not in identity_provider.requests


def test_an_issuer_url_without_key_settings_is_verified_by_discovery(
    identity_provider: Any, tmp_path: Path
) -> None:
    from services.runtime.service import token_verifier
    from services.runtime.settings import RuntimeSettings

    signer = DevelopmentSigner.generate()
    identity_provider.keys.append(signer.jwk(kid="k1"))
    settings = RuntimeSettings(
        token_issuer=identity_provider.issuer, var_dir=tmp_path, environment="development"
    )
    verifier = token_verifier(settings)

    token = signer.mint(
        ACTOR, issuer=identity_provider.issuer, audience=DEV_AUDIENCE, now=now(), kid="k1"
    )
    assert verifier.verify(token) == ACTOR
    assert not (tmp_path / "dev-signing-key.pem").exists()  # no development key in play


# --- issue #18 item 8: https only, a lifetime cap, no control characters ---------


@pytest.mark.parametrize(
    ("url", "allow_loopback_http", "fine"),
    [
        ("https://idp.example.org/realm", False, True),
        ("https://127.0.0.1:8443/keys", False, True),
        ("http://idp.example.org/realm", False, False),
        ("http://idp.example.org/realm", True, False),  # development, but not this machine
        ("http://127.0.0.1:8080/realm", False, False),  # this machine, but production
        ("http://127.0.0.1:8080/realm", True, True),
        ("http://localhost:8080/realm", True, True),
        ("http://[::1]:8080/realm", True, True),
        ("http://127.0.0.1.attacker.example/realm", True, False),
        ("ftp://idp.example.org/keys", True, False),
        ("https:///keys", False, False),
    ],
)
def test_keys_are_fetched_over_https_only(url: str, allow_loopback_http: bool, fine: bool) -> None:
    problem = identity_provider_url_problem(url, allow_loopback_http=allow_loopback_http)
    assert (problem is None) is fine, problem


def test_a_plain_http_jwks_url_or_issuer_is_refused_at_construction() -> None:
    with pytest.raises(ValueError, match="must be https"):
        TokenVerifier(issuer=DEV_ISSUER, audience=DEV_AUDIENCE, jwks_url="http://idp.example/k")
    with pytest.raises(ValueError, match="must be https"):
        TokenVerifier(issuer="http://idp.example/realm", audience=DEV_AUDIENCE, discovery=True)


def test_discovery_naming_a_plain_http_jwks_uri_is_not_trusted(identity_provider: Any) -> None:
    """A discovery document may not downgrade the key fetch to plain http elsewhere."""
    signer = DevelopmentSigner.generate()
    identity_provider.keys.append(signer.jwk(kid="k1"))
    identity_provider.jwks_base = identity_provider.base.replace("127.0.0.1", "192.0.2.1")
    issuer = identity_provider.issuer
    verifier = TokenVerifier(
        issuer=issuer, audience=DEV_AUDIENCE, discovery=True, allow_loopback_http=True
    )
    token = signer.mint(ACTOR, issuer=issuer, audience=DEV_AUDIENCE, now=now(), kid="k1")
    assert refusal(verifier, token) == 'unknown key id "k1"'


def test_a_token_over_the_lifetime_cap_is_refused(signer: DevelopmentSigner) -> None:
    verifier = TokenVerifier(
        issuer=DEV_ISSUER,
        audience=DEV_AUDIENCE,
        public_key=signer.public_key_pem,
        max_lifetime_seconds=3600,
    )
    assert verifier.verify(mint(signer, ttl=timedelta(hours=1))) == ACTOR
    token = mint(signer, ttl=timedelta(hours=1, minutes=1))
    assert refusal(verifier, token) == "token lifetime too long"


def test_a_token_without_iat_is_refused(
    private_key: Ed25519PrivateKey, verifier: TokenVerifier
) -> None:
    token = jwt.encode(claims(iat=None), private_key, algorithm="EdDSA")
    assert refusal(verifier, token) == 'missing claim "iat"'


@pytest.mark.parametrize("char", ["\n", "\x00", "\x1b", "\u202e", "\u2028", "\u200b"])
def test_a_control_character_in_a_claim_is_refused_by_name(
    private_key: Ed25519PrivateKey, verifier: TokenVerifier, char: str
) -> None:
    token = jwt.encode(claims(org_id=f"SE0000000000-{char}TUNIT"), private_key, algorithm="EdDSA")
    assert refusal(verifier, token) == 'claim "org_id" holds a control character'
    token = jwt.encode(claims(name=f"Test{char}Person"), private_key, algorithm="EdDSA")
    assert refusal(verifier, token) == 'claim "name" holds a control character'


def test_over_long_claims_are_refused_by_name(
    private_key: Ed25519PrivateKey, verifier: TokenVerifier
) -> None:
    token = jwt.encode(claims(hsa_id="SE" + "1" * 80), private_key, algorithm="EdDSA")
    assert refusal(verifier, token) == 'claim "hsa_id" is longer than 64 characters'
    token = jwt.encode(claims(jti="x" * 2000), private_key, algorithm="EdDSA")
    assert refusal(verifier, token) == 'claim "jti" is longer than 1024 characters'


def test_an_echoed_key_id_cannot_forge_a_log_line() -> None:
    signer = DevelopmentSigner.generate()
    verifier = TokenVerifier(
        issuer=DEV_ISSUER, audience=DEV_AUDIENCE, jwks={"keys": [signer.jwk(kid="k1")]}
    )
    token = signer.mint(
        ACTOR, issuer=DEV_ISSUER, audience=DEV_AUDIENCE, now=now(), kid="k9\nforged"
    )
    assert refusal(verifier, token) == 'unknown key id "k9?forged"'


def test_token_cli_will_not_mint_a_token_the_services_would_refuse(tmp_path: Path) -> None:
    result = mint_with_the_cli(tmp_path / "dev.pem", 24 * 365 * 100)
    assert result.exit_code == 2
    assert "SAMVERKAN_TOKEN_MAX_LIFETIME_SECONDS" in result.output
