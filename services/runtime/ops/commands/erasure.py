"""``samverkan erase``: a subject erased (GDPR art. 17) through consent, which owns
erasure."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Annotated

import httpx
import typer

from services.runtime.kernel.identity import (
    InvalidIdentityNumber,
    SubjectIdFactory,
    parse_personnummer,
)
from services.runtime.kernel.stockholm_time import stockholm_date
from services.runtime.ops.commands.terminal import errors
from services.runtime.settings import RuntimeSettings


def erase(
    personnummer: Annotated[
        str | None, typer.Option(help="The individual's personnummer or samordningsnummer.")
    ] = None,
    subject_id: Annotated[
        str | None, typer.Option(help="Or the pseudonymous subject id, if known.")
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(envvar="SAMVERKAN_ADMIN_TOKEN", help="An administrator's bearer token."),
    ] = None,
    consent_url: Annotated[
        str, typer.Option(envvar="SAMVERKAN_CONSENT_URL", help="The consent service.")
    ] = "http://127.0.0.1:8001",
) -> None:
    """Erase a subject (GDPR art. 17) through consent, which owns erasure.

    The personnummer is turned into the subject id here (never sent in a URL);
    consent destroys the subject's key and announces SubjectErased, and every
    service does the same. Needs the token of an administrator of the platform
    unit consent's SAMVERKAN_CONSENT_ERASURE_UNIT names; a subject consent has
    never seen is refused (404). Example:
    samverkan erase --personnummer 19121212-1212 --token "$ADMIN_TOKEN"
    """
    settings = RuntimeSettings()
    if (personnummer is None) == (subject_id is None):
        errors.print("[red]give exactly one of --personnummer and --subject-id[/red]")
        raise typer.Exit(2)
    if not token:
        errors.print(
            "[red]an administrator's token is needed (--token or SAMVERKAN_ADMIN_TOKEN)[/red]"
        )
        raise typer.Exit(2)
    if personnummer is not None:
        try:
            number = parse_personnummer(personnummer, today=_today())
        except InvalidIdentityNumber as error:
            errors.print(f"[red]--personnummer: {error}[/red]")
            raise typer.Exit(2) from error
        subject_id = SubjectIdFactory(settings.resolved_subject_key()).subject_id(number)
    try:
        response = httpx.post(
            f"{consent_url.rstrip('/')}/v1/subjects/{subject_id}/erasure",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
    except httpx.HTTPError as error:
        errors.print(f"[red]consent at {consent_url} did not answer: {error!r}[/red]")
        raise typer.Exit(1) from error
    if response.status_code >= 300:
        errors.print(f"[red]erasure refused ({response.status_code}): {response.text[:500]}[/red]")
        raise typer.Exit(1)
    typer.echo(json.dumps(response.json()))


def _today() -> date:
    """Today in Sweden: what decides whether a personnummer's date has passed."""
    return stockholm_date(datetime.now(UTC))
