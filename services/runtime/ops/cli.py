"""The operator's command line: ``samverkan …`` (also ``python -m services.runtime.ops.cli``).

The runtime imports no service: what only a service knows (how its events
are translated, which projections it can rebuild, its consumer's target, its
own commands such as ``report``) is registered by the service as an entry
point (pyproject.toml) and found here at run time. An unreachable broker or
database is one line on stderr and exit 1, not a traceback (issue #23):
the traceback with ``--debug`` or ``SAMVERKAN_LOG_LEVEL=DEBUG``.
"""

from __future__ import annotations

import logging
import os
from importlib.metadata import EntryPoint, entry_points
from typing import Annotated, Any

import psycopg
import typer
from aiokafka.errors import KafkaConnectionError, NoBrokersAvailable
from typer.core import TyperGroup

from services.runtime.ops.commands.audit import audit_app
from services.runtime.ops.commands.dead_letters import dead_letters_app
from services.runtime.ops.commands.erasure import erase
from services.runtime.ops.commands.outbox import outbox_app
from services.runtime.ops.commands.rebuild import rebuild_projection
from services.runtime.ops.commands.terminal import errors
from services.runtime.ops.commands.topics import peek_topic, topics_app
from services.runtime.ops.token_cli import mint as mint_token
from services.runtime.settings import RuntimeSettings

COMMANDS = "samverkan.commands"
log = logging.getLogger(__name__)

HELP = """The operator's command line. Reads the same SAMVERKAN_* settings as the
services, so it works on the store and the broker the services use. Every command
exits non-zero when something is wrong, so it can run from cron or a monitoring
check; results are lines on a terminal and JSON otherwise (or with --json).

Examples:

    samverkan topics check              # every topic exists with its partitions
    samverkan topics create             # create what is missing
    samverkan outbox consent            # how far consent's relay has published
    samverkan outbox republish cases --from 1200   # send cases' events again from 1200
    samverkan rebuild reporting-statistics         # the statistics again, from the topics
    samverkan dead-letters escalation   # what escalation's consumer gave up on, and why
    samverkan dead-letters show reporting 1:17     # one of them, in full
    samverkan dead-letters replay reporting 1:17   # apply it again once the cause is fixed
    samverkan report export 2026 --format html --output brister-2026.html
    samverkan erase --personnummer - --token "$ADMIN_TOKEN"   # asks for the number
    samverkan peek samverkan.consent.events
    samverkan audit verify consent      # the access log is as written (chain, seq, anchor)
"""

UNREACHABLE = (KafkaConnectionError, NoBrokersAvailable, psycopg.OperationalError)
"""What a broker or database that cannot be reached raises: told in one line."""


def _debugging(ctx: Any) -> bool:
    return bool(ctx.meta.get("debug")) or os.environ.get("SAMVERKAN_LOG_LEVEL", "").upper() == (
        "DEBUG"
    )


def _unreachable(error: Exception) -> str:
    """One line: which broker or database, and what failed."""
    settings = RuntimeSettings()
    if isinstance(error, psycopg.OperationalError):
        where = "the database (SAMVERKAN_DATABASE_URL)"
        reason = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
    else:
        where = f"the broker at {settings.kafka_bootstrap} (SAMVERKAN_KAFKA_BOOTSTRAP)"
        reason = str(error)
    return f"{where} cannot be reached: {reason} (--debug for the traceback)"


class OperatorCommands(TyperGroup):
    """The command line's top group: an unreachable broker or database ends a command
    with one line and exit 1; the client libraries' own connection logging stays
    quiet unless debugging (their retries would repeat that line many times)."""

    def invoke(self, ctx: Any) -> Any:
        kafka_log = logging.getLogger("aiokafka")
        level = kafka_log.level
        try:
            return super().invoke(ctx)
        except UNREACHABLE as error:
            if _debugging(ctx):
                raise
            errors.print(_unreachable(error), style="red", markup=False, soft_wrap=True)
            raise typer.Exit(1) from error
        finally:
            kafka_log.setLevel(level)


app = typer.Typer(
    cls=OperatorCommands, help=HELP, no_args_is_help=True, pretty_exceptions_enable=False
)


@app.callback()
def _options(
    ctx: typer.Context,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks and the clients' own logging.")
    ] = False,
) -> None:
    ctx.meta["debug"] = debug
    if not _debugging(ctx):
        logging.getLogger("aiokafka").setLevel(logging.CRITICAL)


app.add_typer(topics_app, name="topics")
app.add_typer(audit_app, name="audit")
app.add_typer(outbox_app, name="outbox")
app.add_typer(dead_letters_app, name="dead-letters")
app.command("token", help="Mint a development bearer token.")(mint_token)
app.command("rebuild")(rebuild_projection)
app.command("erase")(erase)
app.command("peek")(peek_topic)


def _plugins(group: str) -> dict[str, EntryPoint]:
    return {entry.name: entry for entry in entry_points(group=group)}


def _add_service_commands() -> None:
    """Commands a service brings along (``samverkan report …`` from reporting)."""
    for name, entry in sorted(_plugins(COMMANDS).items()):
        try:
            app.add_typer(entry.load(), name=name)
        except Exception as error:  # one broken plugin must not take the whole CLI down
            log.warning("command %s from %s not loaded: %r", name, entry.value, error)


_add_service_commands()

if __name__ == "__main__":
    app()
