"""What the commands print to and how they read: the two consoles (results on
standard output, everything else on standard error, so a result can be piped),
results as lines for a person or JSON for a script, a progress bar, and command
groups with a default subcommand."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from typer.core import TyperGroup

console = Console()
errors = Console(stderr=True)

AsJson = Annotated[
    bool,
    typer.Option(
        "--json", help="Print the result as JSON (the default when output is not a terminal)."
    ),
]


def is_terminal() -> bool:
    """Whether standard output is a person's terminal (not a pipe, a file or cron)."""
    return sys.stdout.isatty()


def wants_json(as_json: bool) -> bool:
    """JSON when asked (``--json``) or when no person reads it (a pipe, a file, cron)."""
    return as_json or not is_terminal()


def show_result(fields: Mapping[str, Any], as_json: bool = False) -> None:
    """A command's result: one JSON line for a script (``--json``, or output not a
    terminal, as scripts have always read it), aligned ``name  value`` lines for a person."""
    if wants_json(as_json):
        typer.echo(json.dumps(fields))
        return
    width = max(map(len, fields), default=0)
    for name, value in fields.items():
        shown = ", ".join(map(str, value)) if isinstance(value, list | tuple) else value
        typer.echo(f"{name.ljust(width)}  {'-' if shown in (None, '') else shown}")


def defaulting_to(default: str) -> type[TyperGroup]:
    """A command group whose first argument, when it names no subcommand, goes to `default`
    (``samverkan outbox consent`` is ``samverkan outbox status consent``)."""

    class DefaultingGroup(TyperGroup):
        def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
            if args and args[0] not in self.commands and not args[0].startswith("-"):
                args = [default, *args]
            return super().parse_args(ctx, args)

    return DefaultingGroup


@contextmanager
def progress_bar() -> Iterator[Progress]:
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=errors,
        transient=False,
    ) as bar:
        yield bar
