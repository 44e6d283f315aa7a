"""Tokens for development and tests: a local Ed25519 key standing in for the region's
identity provider (see ``python -m services.runtime.ops.token_cli``).

Never used in production: whoever can read the key file can act as anyone.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from services.runtime.kernel.actor import Actor

DEV_ISSUER = "samverkan-dev"
DEV_AUDIENCE = "samverkan"
DEV_KEY_PATH = Path("var/dev-signing-key.pem")


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
