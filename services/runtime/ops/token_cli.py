"""Mint a development bearer token from the command line.

Lets a developer call a locally running service with curl without an
identity provider:

    python -m services.runtime.ops.token_cli --hsa-id SE2321000016-1003 \\
        --org-id SE2321000016-15CQ --org-type police --role first_responder

The token goes to stdout alone so it can be captured
(TOKEN=$(python -m services.runtime.ops.token_cli …)); notes go to stderr.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from contracts.vocabulary import OrgType, Role
from services.runtime.http.development_tokens import (
    DEV_AUDIENCE,
    DEV_ISSUER,
    DEV_KEY_PATH,
    DevelopmentSigner,
)
from services.runtime.kernel.actor import Actor
from services.runtime.settings import RuntimeSettings

app = typer.Typer(add_completion=False, help=__doc__)


@app.command()
def mint(
    hsa_id: Annotated[str, typer.Option(help="The person's HSA-id.")],
    org_id: Annotated[str, typer.Option(help="HSA-id of the organisation unit.")],
    org_type: Annotated[OrgType, typer.Option(help="Kind of organisation.")],
    role: Annotated[Role, typer.Option(help="Staff role.")],
    key: Annotated[Path, typer.Option(help="Ed25519 signing key (created if missing).")] = (
        DEV_KEY_PATH
    ),
    issuer: Annotated[str, typer.Option(help="The iss claim.")] = DEV_ISSUER,
    audience: Annotated[str, typer.Option(help="The aud claim.")] = DEV_AUDIENCE,
    ttl_hours: Annotated[int, typer.Option(min=1, help="Hours the token is valid.")] = 8,
    kid: Annotated[str, typer.Option(help="Key id put in the token header.")] = "dev",
) -> None:
    """Print a signed development token for the given actor."""
    cap = RuntimeSettings().token_max_lifetime_seconds
    if ttl_hours * 3600 > cap:
        # The services would answer such a token with 401 "token lifetime too long".
        typer.echo(
            f"--ttl-hours {ttl_hours} is over SAMVERKAN_TOKEN_MAX_LIFETIME_SECONDS ({cap} s)",
            err=True,
        )
        raise typer.Exit(2)
    if not key.exists():
        typer.echo(f"creating development signing key {key}", err=True)
    signer = DevelopmentSigner.load_or_create(key)
    actor = Actor(hsa_id=hsa_id, org_id=org_id, org_type=org_type, role=role)
    token = signer.mint(
        actor,
        issuer=issuer,
        audience=audience,
        now=datetime.now(UTC),
        ttl=timedelta(hours=ttl_hours),
        kid=kid,
    )
    typer.echo(token)


if __name__ == "__main__":
    app()
