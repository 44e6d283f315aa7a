"""What a service's consumer gave up on: ``samverkan dead-letters list|show|replay``."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Annotated

import typer
from rich.table import Table

from contracts import PoisonMessage, dlq_topic
from services.runtime.messaging import peek
from services.runtime.messaging.dead_letters import (
    DeadLetter,
    ReplayRefused,
    SourceLog,
    read_source,
    replay,
)
from services.runtime.messaging.kafka import client_options
from services.runtime.ops.commands.named_service import service_name
from services.runtime.ops.commands.terminal import console, defaulting_to, errors
from services.runtime.service import load_service
from services.runtime.settings import RuntimeSettings

dead_letters_app = typer.Typer(
    cls=defaulting_to("list"),
    no_args_is_help=True,
    help="""What a service's consumer gave up on: list, show one, replay one.

    Examples:

        samverkan dead-letters escalation             # = dead-letters list escalation
        samverkan dead-letters show reporting 1:17    # partition:offset on the DLQ
        samverkan dead-letters replay reporting 1:17  # apply it, once the cause is fixed
    """,
)


def _dead_letters(settings: RuntimeSettings, service: str) -> list[DeadLetter]:
    records = asyncio.run(
        peek.read_topic(
            settings.kafka_bootstrap,
            dlq_topic(service, prefix=settings.topic_prefix),
            options=client_options(settings),
        )
    )
    return sorted((DeadLetter.of(r) for r in records), key=lambda d: (d.partition, d.offset))


def _find_dead_letter(
    settings: RuntimeSettings, service: str, letter: str, among: list[DeadLetter] | None = None
) -> DeadLetter:
    for dead_letter in _dead_letters(settings, service) if among is None else among:
        if dead_letter.id == letter:
            return dead_letter
    errors.print(f"[red]no dead letter {letter} (partition:offset) for {service}[/red]")
    raise typer.Exit(1)


@dead_letters_app.command("list")
def dead_letters(service: str = typer.Argument(..., callback=service_name)) -> None:
    """Dead letters of one service's consumer, with their reasons; exit 1 when there are any.

    Example: samverkan dead-letters list escalation
    """
    settings = RuntimeSettings()
    letters = _dead_letters(settings, service)
    table = Table("id", "source", "type", "reason", "error")
    for letter in letters:
        table.add_row(
            letter.id,
            letter.source,
            letter.header("ce_type"),
            letter.reason,
            letter.header("dlq.error")[:80],
        )
    console.print(table)
    console.print(dict(Counter(letter.reason for letter in letters)) or "no dead letters")
    if letters:
        raise typer.Exit(1)


@dead_letters_app.command("show")
def dead_letters_show(
    service: Annotated[str, typer.Argument(callback=service_name)],
    letter: Annotated[str, typer.Argument(help="partition:offset, as the list shows it")],
) -> None:
    """One dead letter in full: reason, error, source, original headers and payload (JSON).

    Example: samverkan dead-letters show reporting 1:17
    """
    typer.echo(_find_dead_letter(RuntimeSettings(), service, letter).as_json())


@dead_letters_app.command("replay")
def dead_letters_replay(
    service: Annotated[str, typer.Argument(callback=service_name)],
    letter: Annotated[str, typer.Argument(help="partition:offset, as the list shows it")],
    out_of_order: Annotated[
        bool,
        typer.Option(
            "--out-of-order",
            help="Apply it even though the consumer has applied later events for its subject"
            " (after judging its effect independent of theirs).",
        ),
    ] = False,
) -> None:
    """Apply a dead letter straight to the service's consumer, once (after its cause is fixed).

    Not onto the source topic: the consumer has moved past it and would skip
    it. Replaying twice, or replaying two dead letters of one message, applies
    it once. Refused (exit 1, with the reason) when the consumer has applied
    later events for the same subject since, which it could undo (C-4), unless
    --out-of-order. Example: samverkan dead-letters replay reporting 1:17
    """
    settings = RuntimeSettings()
    letters = _dead_letters(settings, service)
    dead_letter = _find_dead_letter(settings, service, letter, letters)
    built = load_service(service).build(settings)
    if built.target is None:
        built.close()
        errors.print(f"[red]{service} consumes nothing: it has no dead letters to replay[/red]")
        raise typer.Exit(2)
    target = built.target

    def read(topic: str, partition: int, offset: int) -> SourceLog:
        return asyncio.run(
            read_source(
                settings.kafka_bootstrap, topic, partition, offset, client_options(settings)
            )
        )

    try:
        outcome = replay(dead_letter, target, read, out_of_order=out_of_order, dead_letters=letters)
    except ReplayRefused as refused:
        errors.print(str(refused), style="red", markup=False, soft_wrap=True)
        raise typer.Exit(1) from refused
    except PoisonMessage as error:
        errors.print(f"[red]{letter} still cannot be read ({error.reason}): {error}[/red]")
        raise typer.Exit(1) from error
    except Exception as error:
        errors.print(f"[red]{letter} still fails: {error!r}[/red]")
        raise typer.Exit(1) from error
    finally:
        built.close()
    # Already replayed is success too: the effect is there exactly once.
    console.print(f"{service} dead letter {letter}: {outcome.value}")
