"""What the commands print to and how they read: the two consoles (results on
standard output, everything else on standard error, so a result can be piped),
a progress bar, and command groups with a default subcommand."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from typer.core import TyperGroup

console = Console()
errors = Console(stderr=True)


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
