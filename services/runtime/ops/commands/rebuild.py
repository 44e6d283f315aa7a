"""``samverkan rebuild <service>-<projection>``: a projection again, from the upstream
topics, swapped in whole."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from contracts import SERVICES
from services.runtime.messaging.rebuild import LogIncomplete, RebuildableProjection, rebuild
from services.runtime.ops.commands.named_service import built_service
from services.runtime.ops.commands.terminal import AsJson, errors, progress_bar, show_result
from services.runtime.settings import RuntimeSettings


def _projection(settings: RuntimeSettings, name: str) -> RebuildableProjection:
    """The projection `name` (``<service>-<projection>``) as its service registers it."""
    service = name.partition("-")[0]
    if service not in SERVICES:
        errors.print(
            f"[red]no projection {name!r}[/red]: a projection is named after its service, "
            f"<service>-<projection>, with service one of {', '.join(SERVICES)}"
        )
        raise typer.Exit(2)
    with built_service(service, settings) as built:
        projection = built.projections.get(name)
        known = ", ".join(sorted(built.projections)) or "none"
    if projection is None:
        errors.print(f"[red]no projection registered for {name!r}[/red] (registered: {known})")
        raise typer.Exit(2)
    return projection


def rebuild_projection(
    projection: Annotated[str, typer.Argument(help="e.g. reporting-statistics")],
    rounds: Annotated[
        int,
        typer.Option(
            min=1, help="Times to read on while the running service is ahead, before giving up."
        ),
    ] = 20,
    as_json: AsJson = False,
) -> None:
    """Rebuild a projection from the upstream topics (from their start) and swap it in.

    The service may keep running: the new state is built beside the live one
    and replaces it in one transaction. Registered projections:
    reporting-statistics. Example: samverkan rebuild reporting-statistics
    """
    settings = RuntimeSettings()
    registered = _projection(settings, projection)
    errors.print(f"rebuilding {registered.description}")
    with progress_bar() as bar:
        task = bar.add_task("events", total=None)
        try:
            report = asyncio.run(
                rebuild(
                    settings,
                    registered,
                    progress=lambda done, total: bar.update(task, completed=done, total=total),
                    max_rounds=rounds,
                )
            )
        except (LogIncomplete, LookupError) as error:
            errors.print(f"[red]rebuild of {projection} not swapped in: {error}[/red]")
            raise typer.Exit(1) from error
        except Exception as error:  # a projection bug, the broker or store gone: nothing swapped
            errors.print(
                f"[red]rebuild of {projection} failed, nothing swapped in: {error!r}[/red]"
            )
            raise typer.Exit(1) from error
    show_result(
        {
            "projection": projection,
            "read": report.read,
            "applied": report.applied,
            "skipped": report.skipped,
            "duplicates": report.duplicates,
            "undecodable": report.undecodable,
            "rounds": report.rounds,
            "seconds": round(report.seconds, 3),
            "events_per_second": round(report.rate),
        },
        as_json,
    )
