"""The outbox relay of a service: ``samverkan outbox status|republish``."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import typer

from contracts import events_topic
from services.runtime.messaging.republish import republish
from services.runtime.ops.commands.named_service import (
    built_service,
    existing_store,
    service_name,
    stored_application,
)
from services.runtime.ops.commands.terminal import (
    AsJson,
    defaulting_to,
    errors,
    progress_bar,
    show_result,
)
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import RelayPositions

outbox_app = typer.Typer(
    cls=defaulting_to("status"),
    no_args_is_help=True,
    help="""The outbox relay of a service: its lag, and publishing again.

    Examples:

        samverkan outbox consent                      # = outbox status consent
        samverkan outbox consent --json               # the same as one JSON line
        samverkan outbox republish cases --from 1200  # cases' events 1200.. again
    """,
)


@outbox_app.command("status")
def outbox(
    service: Annotated[str, typer.Argument(callback=service_name)], as_json: AsJson = False
) -> None:
    """The relay's position against the store's head: what is not yet on the topic.

    Exit 2 when the service's store is not where the settings point (nothing is
    created). Example: samverkan outbox status consent --json
    """
    settings = RuntimeSettings()
    application = stored_application(settings, service)
    try:
        head = application.recorder.max_notification_id() or 0
        topic = events_topic(service, prefix=settings.topic_prefix)
        datastore = application.recorder.datastore  # type: ignore[attr-defined]
        position = RelayPositions(datastore).load(topic).sequence
    finally:
        application.close()
    show_result(
        {"topic": topic, "head": head, "published": position, "lag": head - position}, as_json
    )


@outbox_app.command("republish")
def outbox_republish(
    service: Annotated[str, typer.Argument(callback=service_name)],
    start: Annotated[int, typer.Option("--from", min=1, help="First store position to send.")],
    stop: Annotated[
        int | None, typer.Option("--to", min=1, help="Last position (default: the head).")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Publish a service's events again from a store position onto its topic.

    Same ce_id and ce_sequence as the first time, so consumers that have them
    skip them; the relay and its position are not touched. Example:
    samverkan outbox republish cases --from 1200
    """
    settings = RuntimeSettings()
    existing_store(settings, service)
    with built_service(service, settings) as built:
        translate = built.translate
    if translate is None:
        errors.print(f"[red]{service} publishes no events[/red]")
        raise typer.Exit(2)
    with progress_bar() as bar:
        tasks: dict[str, Any] = {}

        def progress(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(phase, total=total)
            bar.update(tasks[phase], completed=done, total=total)

        try:
            done = asyncio.run(republish(settings, service, translate, start, stop, progress))
        except Exception as error:
            errors.print(f"[red]republish failed: {error!r}[/red]")
            raise typer.Exit(1) from error
    show_result(
        {"topic": done.topic, "from": done.start, "to": done.stop, "messages": done.messages}
        | {"untranslatable": list(done.untranslatable)},
        as_json,
    )
    if done.untranslatable:
        errors.print(
            "[yellow]not sent, cannot be translated (the relay parks these): "
            f"{', '.join(map(str, done.untranslatable))}[/yellow]"
        )
    if done.stop < start:
        errors.print(f"[yellow]nothing stored at or after position {start}[/yellow]")
        raise typer.Exit(1)
