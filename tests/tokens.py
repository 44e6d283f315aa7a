"""Development tokens made by hand for the tests that attack authentication: minted
earlier than now, for longer than allowed, or for an actor the signer should refuse.
An ordinary token for a test's caller is :func:`tests.support.token`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.runtime.http.development_tokens import DEV_AUDIENCE, DEV_ISSUER, DevelopmentSigner
from services.runtime.kernel.actor import Actor
from services.runtime.settings import RuntimeSettings


def signer_of(settings: RuntimeSettings) -> DevelopmentSigner:
    """The development signer whose key the services of `settings` trust."""
    return DevelopmentSigner.load_or_create(settings.var_dir / "dev-signing-key.pem")


def minted(
    settings: RuntimeSettings,
    actor: Actor,
    *,
    ago: timedelta = timedelta(0),
    ttl: timedelta | None = None,
) -> str:
    """A token for `actor` from the trusted signer, issued `ago` before now (a token
    issued earlier is another token for the same principal, or an expired one), valid
    for `ttl` when given, else for the signer's default lifetime."""
    signer, now = signer_of(settings), datetime.now(UTC) - ago
    if ttl is None:
        return signer.mint(actor, issuer=DEV_ISSUER, audience=DEV_AUDIENCE, now=now)
    return signer.mint(actor, issuer=DEV_ISSUER, audience=DEV_AUDIENCE, now=now, ttl=ttl)
