"""The operator's command line: ``samverkan …`` (also ``python -m services.runtime.cli``).

Reads the same settings as the services (``SAMVERKAN_*``), so it works on
the store and the broker the services use. Every command exits non-zero
when something is wrong, so it can run from cron or a monitoring check.

Examples::

    samverkan topics check              # every topic exists with its partitions
    samverkan topics create             # create what is missing
    samverkan outbox consent            # how far consent's relay has published
    samverkan dead-letters escalation   # what escalation's consumer gave up on, and why
    samverkan peek samverkan.consent.events
    samverkan audit verify consent      # the access log's hash chain is intact
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from typing import Any

import typer
from aiokafka import AIOKafkaConsumer
from eventsourcing.application import Application
from rich.console import Console
from rich.table import Table

from contracts import PARTITIONS, SERVICES, dlq_topic, events_topic
from services.runtime import peek
from services.runtime.audit import AccessAudit
from services.runtime.kafka import ensure_topics
from services.runtime.settings import RuntimeSettings
from services.runtime.store import RelayPositions, store_env
from services.runtime.token_cli import mint as mint_token

app = typer.Typer(help=__doc__, no_args_is_help=True, pretty_exceptions_enable=False)
topics_app = typer.Typer(help="The topic catalogue on the broker.", no_args_is_help=True)
audit_app = typer.Typer(help="The access log (loggkontroll).", no_args_is_help=True)
app.add_typer(topics_app, name="topics")
app.add_typer(audit_app, name="audit")
app.command("token", help="Mint a development bearer token.")(mint_token)
console = Console()


def _all_topics(settings: RuntimeSettings) -> list[str]:
    prefix = settings.topic_prefix
    return [events_topic(s, prefix=prefix) for s in SERVICES] + [
        dlq_topic(s, prefix=prefix) for s in SERVICES
    ]


def _service(service: str) -> str:
    if service not in SERVICES:
        raise typer.BadParameter(f"choose one of {', '.join(SERVICES)}")
    return service


async def _partitions(settings: RuntimeSettings, topics: list[str]) -> dict[str, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap)
    await consumer.start()
    try:
        existing = await consumer.topics()
        return {t: len(consumer.partitions_for_topic(t) or ()) for t in topics if t in existing}
    finally:
        await consumer.stop()


@topics_app.command("check")
def topics_check() -> None:
    """Every events and dead-letter topic exists with the catalogue's partitions."""
    settings = RuntimeSettings()
    topics = _all_topics(settings)
    found = asyncio.run(_partitions(settings, topics))
    table = Table("topic", "partitions", "state")
    wrong = 0
    for topic in topics:
        count = found.get(topic)
        state = "ok" if count == PARTITIONS else ("missing" if count is None else "wrong count")
        wrong += state != "ok"
        table.add_row(topic, str(count or "-"), state)
    console.print(table)
    if wrong:
        raise typer.Exit(1)


@topics_app.command("create")
def topics_create() -> None:
    """Create the missing topics (existing ones are left as they are)."""
    settings = RuntimeSettings()
    asyncio.run(ensure_topics(settings, _all_topics(settings)))
    console.print(f"{len(_all_topics(settings))} topics present")


def _application(settings: RuntimeSettings, service: str) -> Application[Any]:
    return Application(env=store_env(settings, service))


@app.command("outbox")
def outbox(service: str = typer.Argument(..., callback=_service)) -> None:
    """The relay's position against the store's head: what is not yet on the topic."""
    settings = RuntimeSettings()
    application = _application(settings, service)
    try:
        head = application.recorder.max_notification_id() or 0
        topic = events_topic(service, prefix=settings.topic_prefix)
        datastore = application.recorder.datastore  # type: ignore[attr-defined]
        position = RelayPositions(datastore).load(topic).sequence
    finally:
        application.close()
    console.print(
        json.dumps({"topic": topic, "head": head, "published": position, "lag": head - position})
    )


@app.command("dead-letters")
def dead_letters(service: str = typer.Argument(..., callback=_service)) -> None:
    """Dead letters of one service's consumer, with their reasons; exit 1 when there are any."""
    settings = RuntimeSettings()
    records = asyncio.run(
        peek.read_topic(settings.kafka_bootstrap, dlq_topic(service, prefix=settings.topic_prefix))
    )
    reasons = Counter(dict(r.headers).get("dlq.reason", b"?").decode() for r in records)
    table = Table("source", "reason", "error")
    for record in records:
        headers = {k: v.decode("utf-8", "replace") for k, v in record.headers}
        source = (
            f"{headers.get('dlq.source.topic')}[{headers.get('dlq.source.partition')}]"
            f"@{headers.get('dlq.source.offset')}"
        )
        table.add_row(source, headers.get("dlq.reason", "?"), headers.get("dlq.error", "")[:80])
    console.print(table)
    console.print(dict(reasons) or "no dead letters")
    if records:
        raise typer.Exit(1)


@app.command("peek")
def peek_topic(topic: str) -> None:
    """Print a topic's messages as JSON lines (like kcat -C -J -e)."""
    settings = RuntimeSettings()
    for record in asyncio.run(peek.read_topic(settings.kafka_bootstrap, topic)):
        typer.echo(peek.as_json(record))


@audit_app.command("verify")
def audit_verify(service: str = typer.Argument(..., callback=_service)) -> None:
    """Check the access log's hash chain; exit 1 and name the first changed record if broken."""
    settings = RuntimeSettings()
    application = _application(settings, service)
    log = AccessAudit(application.recorder.datastore, service)  # type: ignore[attr-defined]
    try:
        broken = log.verify()
    finally:
        log.close()
        application.close()
    if broken is not None:
        console.print(f"[red]access log of {service} was changed at record {broken}[/red]")
        raise typer.Exit(1)
    console.print(f"access log of {service}: intact")


if __name__ == "__main__":
    app()
