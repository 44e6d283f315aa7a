"""The topic catalogue on the broker: ``samverkan topics check|create``, and ``samverkan
peek`` to read one topic's messages."""

from __future__ import annotations

import asyncio

import typer
from rich.table import Table

from services.runtime.messaging import peek
from services.runtime.messaging.kafka import client_options, describe_topics, ensure_topics
from services.runtime.messaging.topics import catalogue, topic_drift
from services.runtime.ops.commands.terminal import console, errors
from services.runtime.settings import RuntimeSettings

topics_app = typer.Typer(help="The topic catalogue on the broker.", no_args_is_help=True)


@topics_app.command("check")
def topics_check() -> None:
    """Every events, dead-letter and audit-anchor topic exists as the settings want it:
    partitions, replication factor, min.insync.replicas, retention.ms (and compaction for
    the anchors). Exit 1 naming what differs; fix a drifted topic with the broker's own
    tools (kafka-configs.sh, a partition reassignment), see docs/runbook.md."""
    settings = RuntimeSettings()
    specs = catalogue(settings)
    found = asyncio.run(describe_topics(settings, [spec.name for spec in specs]))
    table = Table("topic", "partitions", "replicas", "state")
    wrong = 0
    for spec in specs:
        state = found.get(spec.name)
        differences = topic_drift(spec, state)
        wrong += bool(differences)
        table.add_row(
            spec.name,
            str(state.partitions) if state else "-",
            str(state.replication_factor) if state else "-",
            "; ".join(differences) or "ok",
        )
    console.print(table)
    if wrong:
        for spec in specs:  # one unwrapped line each, for cron mail and grep
            differences = topic_drift(spec, found.get(spec.name))
            if differences:
                errors.print(f"{spec.name}: {'; '.join(differences)}", soft_wrap=True)
        errors.print(f"[red]{wrong} of {len(specs)} topics differ from the settings[/red]")
        raise typer.Exit(1)


@topics_app.command("create")
def topics_create() -> None:
    """Create the missing topics with the settings' partitions, replicas and retention
    (existing ones are left as they are: samverkan topics check reports drift)."""
    settings = RuntimeSettings()
    names = [spec.name for spec in catalogue(settings)]
    asyncio.run(ensure_topics(settings, names))
    console.print(f"{len(names)} topics present")


def peek_topic(topic: str) -> None:
    """Print a topic's messages as JSON lines (like kcat -C -J -e)."""
    settings = RuntimeSettings()
    for record in asyncio.run(
        peek.read_topic(settings.kafka_bootstrap, topic, options=client_options(settings))
    ):
        typer.echo(peek.as_json(record))
