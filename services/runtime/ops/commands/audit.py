"""The access log (loggkontroll): ``samverkan audit verify|rechain``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from services.runtime.messaging.audit_anchor import (
    AnchorUnavailable,
    AuditAnchoring,
    verdict_fields,
)
from services.runtime.ops.commands.named_service import (
    existing_store,
    service_name,
    stored_application,
)
from services.runtime.ops.commands.terminal import AsJson, console, errors, wants_json
from services.runtime.settings import RuntimeSettings
from services.runtime.store.audit import AccessAudit, LegacyChainBroken, chain_key

audit_app = typer.Typer(help="The access log (loggkontroll).", no_args_is_help=True)


@contextmanager
def _access_log(settings: RuntimeSettings, service: str) -> Iterator[tuple[AccessAudit, bytes]]:
    """The service's access log and its chain key, read as the service reads them
    (exit 2 before anything, a development key included, is created when the
    service's store is not where the settings point)."""
    if settings.audit_chain_key is None and settings.environment != "development":
        errors.print(
            "[red]SAMVERKAN_AUDIT_CHAIN_KEY is not set: the access log is chained under the "
            "services' key, which must come from the secret store[/red]"
        )
        raise typer.Exit(2)
    existing_store(settings, service)
    try:
        key = chain_key(settings)
    except ValueError as error:
        errors.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from error
    application = stored_application(settings, service)
    log = AccessAudit(application.recorder.datastore, service, key)  # type: ignore[attr-defined]
    try:
        yield log, key
    finally:
        log.close()
        application.close()


@audit_app.command("verify")
def audit_verify(
    service: Annotated[str, typer.Argument(callback=service_name)], as_json: AsJson = False
) -> None:
    """Check the access log is as written: the keyed hash chain, a sequence without gaps,
    and the newest head anchored on the service's audit-anchor topic (a cut tail).

    Exit 1 naming the first record that is not, or when the anchor cannot be read;
    exit 2 when the service's store is not where the settings point. The same check
    as GET /v1/access-log/verify; its JSON comes first with --json or when output is
    not a terminal. Example: samverkan audit verify consent
    """
    settings = RuntimeSettings()
    with _access_log(settings, service) as (log, key):
        try:
            verdict = asyncio.run(AuditAnchoring(log, settings, key).verify())
        except AnchorUnavailable as error:
            errors.print(f"[red]access log of {service}: anchor not readable: {error}[/red]")
            raise typer.Exit(1) from error
    if wants_json(as_json):
        typer.echo(json.dumps(verdict_fields(verdict)))
    if verdict.broken is not None:
        console.print(
            f"[red]access log of {service} was changed at record {verdict.broken.seq}: "
            f"{verdict.broken.reason}[/red]",
            soft_wrap=True,
        )
        raise typer.Exit(1)
    if verdict.anchor is None:
        console.print(
            f"[yellow]access log of {service}: chain intact, nothing anchored yet (a cut tail "
            "cannot be told)[/yellow]"
        )
        return
    console.print(
        f"access log of {service}: intact, anchored through record {verdict.anchor.head.seq}"
    )


@audit_app.command("rechain")
def audit_rechain(service: str = typer.Argument(..., callback=service_name)) -> None:
    """Re-chain a log written before the chain was keyed under the audit chain key, once.

    The old, unkeyed chain is checked first; a log whose old chain is broken is
    left as it is (exit 1). Development stores are re-chained when the service
    starts; a production store only by this command, as an operator's decision.
    Example: samverkan audit rechain consent
    """
    settings = RuntimeSettings()
    with _access_log(settings, service) as (log, _):
        try:
            count = log.rechain_legacy()
        except LegacyChainBroken as error:
            errors.print(f"[red]access log of {service}: {error}[/red]")
            raise typer.Exit(1) from error
    console.print(
        f"access log of {service}: {count} records re-chained under the key"
        if count
        else f"access log of {service}: already keyed, nothing to do"
    )
