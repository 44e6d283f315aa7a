"""What a bearer token must claim, and how its claims are read: the four facts a
service needs (HSA-id, unit, kind of organisation, role), text without control
characters and of sane length, and PyJWT's failures in words a 401 can carry.

Nothing a caller sent reaches a log line or a problem detail unshortened or with
its control characters (`echo`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

import jwt

from contracts.vocabulary import OrgType, Role
from services.runtime.kernel.actor import Actor

REQUIRED_CLAIMS = ("exp", "iat", "iss", "aud", "hsa_id", "org_id", "org_type", "role")
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


def check_claim_text(claims: Mapping[str, Any]) -> None:
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
                raise AuthenticationError(f'claim "{echo(name)}" holds a control character')
            if len(text) > limit:
                raise AuthenticationError(f'claim "{echo(name)}" is longer than {limit} characters')


def _has_control_character(text: str) -> bool:
    return any(unicodedata.category(char) in _CONTROL_CATEGORIES for char in text)


def echo(value: object) -> str:
    """A caller-supplied value, shortened and with control characters replaced, so a
    crafted token can neither flood nor forge log lines and problem details."""
    text = str(value)[:40]
    return "".join(
        "?" if unicodedata.category(char) in _CONTROL_CATEGORIES else char for char in text
    )


def reason_for(error: jwt.PyJWTError) -> str:
    for kind, reason in _PYJWT_REASONS:
        if isinstance(error, kind):
            return reason
    return str(error) or "invalid token"


def actor_from_claims(claims: Mapping[str, Any]) -> Actor:
    for name in ("hsa_id", "org_id"):
        if not isinstance(claims[name], str) or not claims[name]:
            raise AuthenticationError(f'claim "{name}" must be a non-empty string')
    try:
        org_type = OrgType(claims["org_type"])
    except ValueError:
        raise AuthenticationError(f'unknown org_type "{echo(claims["org_type"])}"') from None
    try:
        role = Role(claims["role"])
    except ValueError:
        raise AuthenticationError(f'unknown role "{echo(claims["role"])}"') from None
    return Actor(hsa_id=claims["hsa_id"], org_id=claims["org_id"], org_type=org_type, role=role)
