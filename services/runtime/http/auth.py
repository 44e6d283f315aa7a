"""Who is calling: bearer-token verification at every service's API.

Staff authenticate with the region's identity provider (SITHS/HSA in
production) and present a signed JWT. A service only needs four facts to
apply its authorisation rules: the person's HSA-id, the organisation unit's
HSA-id, the kind of organisation and the role. No name or other personal data
is read from the token.

The verifier is deliberately strict: the accepted algorithms are pinned at
construction to asymmetric ones (``EdDSA`` by default; ``ES256``/``RS256`` when
an identity provider needs them). ``none`` and ``HS*`` are refused outright,
which closes the classic "sign HS256 with the public key" confusion attack.
Keys are fetched over https only (plain http would let anyone on the path
hand us their own key), a token's lifetime (``exp - iat``) is capped, so a
key leaked for a moment cannot mint a token that outlives its revocation, and
claims holding control characters are refused before they reach a log line
or an audit extract.

For development and tests, :class:`DevelopmentSigner` keeps an Ed25519 key
under ``var/`` and mints tokens (see ``python -m services.runtime.ops.token_cli``).
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import os
import secrets
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlsplit

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from fastapi import Depends, Request
from jwt.algorithms import OKPAlgorithm

from contracts.vocabulary import OrgType, Role
from services.runtime.http.problems import Problem
from services.runtime.kernel.actor import Actor

if TYPE_CHECKING:
    from jwt.algorithms import AllowedPublicKeys

__all__ = [
    "ALLOWED_ALGORITHMS",
    "DEV_AUDIENCE",
    "DEV_ISSUER",
    "DEV_KEY_PATH",
    "Actor",
    "AuthenticationError",
    "CurrentActor",
    "DevelopmentSigner",
    "TokenVerifier",
    "actor_from_request",
    "identity_provider_url_problem",
]

DEV_ISSUER = "samverkan-dev"
DEV_AUDIENCE = "samverkan"
DEV_KEY_PATH = Path("var/dev-signing-key.pem")

ALLOWED_ALGORITHMS = frozenset({"EdDSA", "ES256", "RS256"})
"""Asymmetric algorithms a verifier may be configured with; never ``none`` or ``HS*``."""

_REQUIRED_CLAIMS = ("exp", "iat", "iss", "aud", "hsa_id", "org_id", "org_type", "role")
"""``iat`` too: without it a token's lifetime cannot be known, so the cap could be dodged."""

_ACTOR_CLAIMS = ("hsa_id", "org_id", "org_type", "role")
_ACTOR_CLAIM_MAX_LENGTH = 64
"""An HSA-id is at most 31 characters; the role and kind of organisation are short names."""
_CLAIM_MAX_LENGTH = 1024
"""Any other text claim: long enough for an identity provider's opaque ids."""
_CONTROL_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
"""Control and format characters (newline, NUL, escape, bidi overrides, zero-width
marks) and line separators: no identity claim needs them, and they forge log
lines or make one HSA-id look like another in an audit extract."""

DEFAULT_MAX_LIFETIME_SECONDS = 12 * 3600

_PYJWT_REASONS: tuple[tuple[type[jwt.PyJWTError], str], ...] = (
    (jwt.ExpiredSignatureError, "token expired"),
    (jwt.ImmatureSignatureError, "token not yet valid"),
    (jwt.InvalidSignatureError, "bad signature"),
    (jwt.InvalidAudienceError, "wrong audience"),
    (jwt.InvalidIssuerError, "wrong issuer"),
    (jwt.InvalidAlgorithmError, "algorithm not allowed"),
    (jwt.InvalidIssuedAtError, 'claim "iat" must be a number in the past'),
    (jwt.DecodeError, "malformed token"),
)


class AuthenticationError(Exception):
    """The token cannot be trusted; the message says why (it holds no token data)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


logger = logging.getLogger(__name__)

_VERIFIED_CACHE_SIZE = 10_000


class TokenVerifier:
    """Verifies bearer tokens from one issuer for one audience.

    Give exactly one of ``public_key`` (PEM), ``jwks`` (a JWKS document,
    ``{"keys": [...]}``), ``jwks_url`` (the identity provider's published
    JWKS) or ``discovery=True`` (OpenID Connect discovery: the JWKS URL is read
    from ``{issuer}/.well-known/openid-configuration``, whose ``issuer`` must be
    exactly the configured one). With a JWKS the token's ``kid`` header selects
    the key, so the identity provider can rotate keys by publishing the new one
    beside the old; a fetched JWKS is cached and fetched again when a token
    names a key it does not hold (at most every ``jwks_refresh_seconds``). The
    discovery document is fetched once and kept; while it cannot be fetched,
    every token is refused and the next refresh tries again.

    Every URL keys come from (``jwks_url``, the issuer for discovery, the
    ``jwks_uri`` discovery names) must be https; ``allow_loopback_http`` lets a
    development identity provider on this machine use plain http.
    """

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        public_key: str | None = None,
        jwks: Mapping[str, Any] | None = None,
        jwks_url: str | None = None,
        discovery: bool = False,
        algorithms: Sequence[str] = ("EdDSA",),
        leeway_seconds: int = 30,
        jwks_refresh_seconds: float = 30.0,
        max_lifetime_seconds: int = DEFAULT_MAX_LIFETIME_SECONDS,
        allow_loopback_http: bool = False,
    ) -> None:
        refused = set(algorithms) - ALLOWED_ALGORITHMS
        if not algorithms or refused:
            raise ValueError(f"algorithms must be among {sorted(ALLOWED_ALGORITHMS)}")
        self._allow_loopback_http = allow_loopback_http
        for name, url in (("jwks_url", jwks_url), ("issuer", issuer if discovery else None)):
            problem = None if url is None else self._url_problem(url)
            if problem is not None:
                raise ValueError(f"{name} {url!r} {problem}")
        self._issuer = issuer
        self._audience = audience
        self._algorithms = list(algorithms)
        self._leeway = leeway_seconds
        self._max_lifetime = max_lifetime_seconds
        self._public_key: AllowedPublicKeys | None = None
        self._jwks: jwt.PyJWKSet | None = None
        sources = (public_key, jwks, jwks_url, True if discovery else None)
        if sum(source is not None for source in sources) != 1:
            raise ValueError("give exactly one of public_key, jwks, jwks_url or discovery")
        if public_key is not None:
            self._public_key = _load_public_key(public_key)
        if jwks is not None:
            self._jwks = jwt.PyJWKSet.from_dict(dict(jwks))
        self._jwks_url = jwks_url
        self._discovery = discovery
        self._jwks_refresh_seconds = jwks_refresh_seconds
        self._jwks_fetched_at = float("-inf")
        if jwks_url is not None or discovery:
            self._refresh_jwks()
        self._verified: OrderedDict[str, tuple[Actor, float]] = OrderedDict()

    def verify(self, token: str) -> Actor:
        """The token's actor; a token seen before is not checked again until it expires.

        A client sends the same token with every request for its lifetime, and
        checking an EdDSA signature is most of the cost of a fast read. The
        cache is bounded, and an entry is dropped at the token's own `exp`.
        """
        cached = self._verified.get(token)
        if cached is not None and time.time() < cached[1]:
            return cached[0]
        actor, expires = self._verify(token)
        self._verified[token] = (actor, expires)
        if len(self._verified) > _VERIFIED_CACHE_SIZE:
            self._verified.popitem(last=False)
        return actor

    def _verify(self, token: str) -> tuple[Actor, float]:
        """Check signature, ``exp``/``nbf``/``iat``, ``iss``, ``aud`` and the actor claims."""
        try:
            claims = jwt.decode(
                token,
                key=self._key_for(token),
                algorithms=self._algorithms,
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": list(_REQUIRED_CLAIMS)},
            )
        except jwt.MissingRequiredClaimError as error:
            raise AuthenticationError(f'missing claim "{error.claim}"') from None
        except jwt.PyJWTError as error:
            raise AuthenticationError(_reason(error)) from None
        if float(claims["exp"]) - float(claims["iat"]) > self._max_lifetime:
            raise AuthenticationError("token lifetime too long")
        _check_claim_text(claims)
        return _actor_from_claims(claims), float(claims["exp"])

    def _url_problem(self, url: str) -> str | None:
        return identity_provider_url_problem(url, allow_loopback_http=self._allow_loopback_http)

    def _refresh_jwks(self) -> None:
        """Fetch the identity provider's keys (bounded in time; a failure keeps the old)."""
        self._jwks_fetched_at = time.monotonic()
        if self._jwks_url is None:
            self._jwks_url = self._discover()
            if self._jwks_url is None:
                return
        try:
            response = httpx.get(self._jwks_url, timeout=2.0)
            response.raise_for_status()
            self._jwks = jwt.PyJWKSet.from_dict(response.json())
        except (httpx.HTTPError, ValueError, jwt.PyJWTError) as error:
            logger.warning("could not fetch JWKS from %s: %r", self._jwks_url, error)

    def _discover(self) -> str | None:
        """The ``jwks_uri`` of the issuer's OpenID Connect discovery document, or None.

        The document must name exactly the configured issuer (OpenID Connect
        Discovery 1.0, section 4.3): otherwise a look-alike provider, or a
        misconfigured proxy, could hand us keys of someone else's tokens.
        """
        url = f"{self._issuer.rstrip('/')}/.well-known/openid-configuration"
        try:
            response = httpx.get(url, timeout=2.0)
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPError, ValueError) as error:
            logger.warning("could not fetch OIDC discovery from %s: %r", url, error)
            return None
        if not isinstance(document, dict) or document.get("issuer") != self._issuer:
            issuer = document.get("issuer") if isinstance(document, dict) else None
            logger.error(
                "OIDC discovery at %s names issuer %r, not %r: its keys are not used",
                url,
                _echo(issuer),
                self._issuer,
            )
            return None
        jwks_uri = document.get("jwks_uri")
        if not isinstance(jwks_uri, str):
            logger.error("OIDC discovery at %s has no usable jwks_uri", url)
            return None
        problem = self._url_problem(jwks_uri)
        if problem is not None:
            # A downgrade to plain http lets anyone on the path publish their own keys.
            logger.error("OIDC discovery at %s: jwks_uri %r %s", url, _echo(jwks_uri), problem)
            return None
        return jwks_uri

    def _key_for(self, token: str) -> AllowedPublicKeys | jwt.PyJWK:
        if self._public_key is not None:
            return self._public_key
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError:
            raise AuthenticationError("malformed token") from None
        if not isinstance(kid, str):
            raise AuthenticationError('missing header "kid"')
        # An unknown kid may be a key the provider has just rotated in: fetch the
        # keys again, but not more often than allowed (a forged kid must not
        # make every request call out).
        if (
            (self._jwks_url is not None or self._discovery)
            and not self._holds(kid)
            and time.monotonic() - self._jwks_fetched_at >= self._jwks_refresh_seconds
        ):
            self._refresh_jwks()
        if self._jwks is None or not self._holds(kid):
            raise AuthenticationError(f'unknown key id "{_echo(kid)}"')
        return self._jwks[kid]

    def _holds(self, kid: str) -> bool:
        return self._jwks is not None and any(key.key_id == kid for key in self._jwks.keys)


def _load_public_key(pem: str) -> AllowedPublicKeys:
    key = serialization.load_pem_public_key(pem.encode("ascii"))
    if not isinstance(key, Ed25519PublicKey | EllipticCurvePublicKey | RSAPublicKey):
        raise ValueError("the public key must be Ed25519, EC or RSA")
    return key


def identity_provider_url_problem(url: str, *, allow_loopback_http: bool) -> str | None:
    """What is wrong with a URL keys are fetched from, in words; None when it is fine.

    https only: over plain http anyone on the network path can answer with a
    JWKS of their own and sign tokens for any administrator. Plain http is
    allowed only when ``allow_loopback_http`` (``environment=development``) and
    the host is this machine, where nobody else is on the path.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return "is not a URL"
    if not host:
        return "is not a URL with a host"
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and allow_loopback_http and _is_loopback(host):
        return None
    return (
        "must be https (plain http only with SAMVERKAN_ENVIRONMENT=development and a loopback host)"
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_claim_text(claims: Mapping[str, Any]) -> None:
    """Refuse, naming the claim, text with control characters or of absurd length.

    The actor's claims are checked first, so the 401 names the one a service reads
    (a minted token repeats ``hsa_id`` in ``sub``)."""
    for name, value in sorted(claims.items(), key=lambda claim: claim[0] not in _ACTOR_CLAIMS):
        texts = value if isinstance(value, list) else [value]
        limit = _ACTOR_CLAIM_MAX_LENGTH if name in _ACTOR_CLAIMS else _CLAIM_MAX_LENGTH
        for text in texts:
            if not isinstance(text, str):
                continue
            if _has_control_character(text):
                raise AuthenticationError(f'claim "{_echo(name)}" holds a control character')
            if len(text) > limit:
                raise AuthenticationError(
                    f'claim "{_echo(name)}" is longer than {limit} characters'
                )


def _has_control_character(text: str) -> bool:
    return any(unicodedata.category(char) in _CONTROL_CATEGORIES for char in text)


def _echo(value: object) -> str:
    """A caller-supplied value, shortened and with control characters replaced, so a
    crafted token can neither flood nor forge log lines and problem details."""
    text = str(value)[:40]
    return "".join(
        "?" if unicodedata.category(char) in _CONTROL_CATEGORIES else char for char in text
    )


def _reason(error: jwt.PyJWTError) -> str:
    for kind, reason in _PYJWT_REASONS:
        if isinstance(error, kind):
            return reason
    return str(error) or "invalid token"


def _actor_from_claims(claims: Mapping[str, Any]) -> Actor:
    for name in ("hsa_id", "org_id"):
        if not isinstance(claims[name], str) or not claims[name]:
            raise AuthenticationError(f'claim "{name}" must be a non-empty string')
    try:
        org_type = OrgType(claims["org_type"])
    except ValueError:
        raise AuthenticationError(f'unknown org_type "{_echo(claims["org_type"])}"') from None
    try:
        role = Role(claims["role"])
    except ValueError:
        raise AuthenticationError(f'unknown role "{_echo(claims["role"])}"') from None
    return Actor(hsa_id=claims["hsa_id"], org_id=claims["org_id"], org_type=org_type, role=role)


class DevelopmentSigner:
    """Mints tokens offline, standing in for the identity provider.

    Never use it in production: whoever can read the key file can act as
    anyone. The key lives in ``var/`` (git-ignored) with mode 0600.
    """

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._private_key = private_key

    @classmethod
    def generate(cls) -> DevelopmentSigner:
        """A signer with a fresh in-memory key (tests)."""
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def load_or_create(cls, path: Path) -> DevelopmentSigner:
        """Load the PEM key at ``path``, creating it (and its folder) on first use.

        Several services start at once in development; the key is written to a
        private temporary file and linked into place, so exactly one process
        creates it and none ever reads a half-written file.
        """
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            pem = Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as file:
                file.write(pem)
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
            tmp.unlink()
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} does not hold an Ed25519 private key")
        return cls(key)

    @property
    def public_key_pem(self) -> str:
        """The verification key, for :class:`TokenVerifier`."""
        return (
            self._private_key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode("ascii")
        )

    def jwk(self, kid: str = "dev") -> dict[str, Any]:
        """The verification key as a JWK, to publish in a JWKS document."""
        jwk: dict[str, Any] = OKPAlgorithm.to_jwk(self._private_key.public_key(), as_dict=True)
        return {**jwk, "kid": kid, "alg": "EdDSA", "use": "sig"}

    def mint(
        self,
        actor: Actor,
        *,
        issuer: str,
        audience: str,
        now: datetime,
        ttl: timedelta = timedelta(hours=8),
        kid: str = "dev",
    ) -> str:
        """A signed token for ``actor``, valid from ``now`` for ``ttl``."""
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        claims = {
            "iss": issuer,
            "aud": audience,
            "sub": actor.hsa_id,
            "iat": now,
            "nbf": now,
            "exp": now + ttl,
            "hsa_id": actor.hsa_id,
            "org_id": actor.org_id,
            "org_type": str(actor.org_type),
            "role": str(actor.role),
        }
        return jwt.encode(claims, self._private_key, algorithm="EdDSA", headers={"kid": kid})


async def actor_from_request(request: Request) -> Actor:
    """FastAPI dependency: the verified actor behind ``Authorization: Bearer …``.

    Async on purpose: it does no I/O, and a sync dependency would cost every
    request a trip through the thread pool.

    The verifier is read from ``request.app.state.token_verifier`` so each
    service's composition root decides where keys come from. A missing or bad
    token answers 401 with a ``WWW-Authenticate`` challenge (RFC 6750): no
    ``error`` when no credentials were sent, ``invalid_token`` otherwise.
    """
    verifier: TokenVerifier = request.app.state.token_verifier
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Problem(
            401,
            "Unauthorized",
            "missing bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    try:
        return verifier.verify(token.strip())
    except AuthenticationError as error:
        raise Problem(
            401,
            "Unauthorized",
            error.reason,
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        ) from None


CurrentActor = Annotated[Actor, Depends(actor_from_request)]
"""Declare a route parameter ``actor: CurrentActor`` to require authentication."""
