"""Who is calling: bearer-token verification at every service's API.

Staff authenticate with the region's identity provider (SITHS/HSA in
production) and present a signed JWT. A service only needs four facts to
apply its authorisation rules: the person's HSA-id, the organisation unit's
HSA-id, the kind of organisation and the role. No name or other personal data
is read from the token (services.runtime.http.token_claims).

The verifier is deliberately strict: the accepted algorithms are pinned at
construction to asymmetric ones (``EdDSA`` by default; ``ES256``/``RS256`` when
an identity provider needs them). ``none`` and ``HS*`` are refused outright,
which closes the classic "sign HS256 with the public key" confusion attack.
Keys are fetched over https only (plain http would let anyone on the path
hand us their own key), a token's lifetime (``exp - iat``) is capped, so a
key leaked for a moment cannot mint a token that outlives its revocation, and
claims holding control characters are refused before they reach a log line
or an audit extract.

For development and tests, services.runtime.http.development_tokens'
`DevelopmentSigner` keeps an Ed25519 key under ``var/`` and mints tokens (see
``python -m services.runtime.ops.token_cli``).
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlsplit

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from fastapi import Depends, Request

from services.runtime.http.problems import Problem
from services.runtime.http.token_claims import (
    REQUIRED_CLAIMS,
    AuthenticationError,
    actor_from_claims,
    check_claim_text,
    echo,
    reason_for,
)
from services.runtime.kernel.actor import Actor

if TYPE_CHECKING:
    from jwt.algorithms import AllowedPublicKeys

__all__ = [
    "ALLOWED_ALGORITHMS",
    "CurrentActor",
    "TokenVerifier",
    "actor_from_request",
    "identity_provider_url_problem",
]

ALLOWED_ALGORITHMS = frozenset({"EdDSA", "ES256", "RS256"})
"""Asymmetric algorithms a verifier may be configured with; never ``none`` or ``HS*``."""

DEFAULT_MAX_LIFETIME_SECONDS = 12 * 3600

logger = logging.getLogger(__name__)

VERIFIED_CACHE_SIZE = 10_000
"""Verified tokens a verifier keeps: a client sends the same token for hours, and a
signature check costs more than the fastest answer."""


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
        cache_size: int = VERIFIED_CACHE_SIZE,
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
        self._cache_size = cache_size

    def verify(self, token: str) -> Actor:
        """The token's actor; a token seen before is not checked again until it expires.

        A client sends the same token with every request for its lifetime, and
        checking an EdDSA signature is most of the cost of a fast read. Only a
        token that passed every check (signature, issuer, audience, lifetime,
        claims) is kept, under its exact string, by this verifier (so for its
        issuer and audience alone); it is used until the token's own `exp`
        (the clock-skew leeway is granted only by a full check), and the least
        recently used is dropped beyond `cache_size`.
        """
        cached = self._verified.get(token)
        if cached is not None and time.time() < cached[1]:
            self._verified.move_to_end(token)
            return cached[0]
        actor, expires = self._verify(token)
        self._verified[token] = (actor, expires)
        self._verified.move_to_end(token)
        while len(self._verified) > self._cache_size:
            self._verified.popitem(last=False)
        return actor

    @property
    def cached_tokens(self) -> int:
        """How many verified tokens are kept (never more than `cache_size`)."""
        return len(self._verified)

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
                options={"require": list(REQUIRED_CLAIMS)},
            )
        except jwt.MissingRequiredClaimError as error:
            raise AuthenticationError(f'missing claim "{error.claim}"') from None
        except jwt.PyJWTError as error:
            raise AuthenticationError(reason_for(error)) from None
        if float(claims["exp"]) - float(claims["iat"]) > self._max_lifetime:
            raise AuthenticationError("token lifetime too long")
        check_claim_text(claims)
        return actor_from_claims(claims), float(claims["exp"])

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
                echo(issuer),
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
            logger.error("OIDC discovery at %s: jwks_uri %r %s", url, echo(jwks_uri), problem)
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
            raise AuthenticationError(f'unknown key id "{echo(kid)}"')
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


CALLER_HSA_ID = "caller_hsa_id"
"""Where the verified caller's HSA-id is noted in ``request.state``, for the request log
(services.runtime.http.request_log) to say who asked."""


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
        actor = verifier.verify(token.strip())
    except AuthenticationError as error:
        raise Problem(
            401,
            "Unauthorized",
            error.reason,
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        ) from None
    setattr(request.state, CALLER_HSA_ID, actor.hsa_id)
    return actor


CurrentActor = Annotated[Actor, Depends(actor_from_request)]
"""Declare a route parameter ``actor: CurrentActor`` to require authentication."""
