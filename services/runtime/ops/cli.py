"""The operator's command line: ``samverkan …`` (also ``python -m services.runtime.ops.cli``).

Reads the same settings as the services (``SAMVERKAN_*``), so it works on
the store and the broker the services use. Every command exits non-zero
when something is wrong, so it can run from cron or a monitoring check.

Examples::

    samverkan topics check              # every topic exists with its partitions
    samverkan topics create             # create what is missing
    samverkan outbox consent            # how far consent's relay has published
    samverkan outbox republish cases --from 1200   # send cases' events again from 1200
    samverkan rebuild reporting-statistics         # the statistics again, from the topics
    samverkan dead-letters escalation   # what escalation's consumer gave up on, and why
    samverkan dead-letters show reporting 1:17     # one of them, in full
    samverkan dead-letters replay reporting 1:17   # apply it again once the cause is fixed
    samverkan report export 2026 --format html --output brister-2026.html
    samverkan erase --personnummer 19121212-1212 --token "$ADMIN_TOKEN"
    samverkan peek samverkan.consent.events
    samverkan audit verify consent      # the access log is as written (chain, seq, anchor)

The runtime imports no service: what only a service knows (how its events
are translated, which projections it can rebuild, its consumer's target, its
own commands such as ``report``) is registered by the service as an entry
point (pyproject.toml) and found here at run time.
"""

from __future__ import annotations

import logging
from importlib.metadata import EntryPoint, entry_points

import typer

from services.runtime.ops.commands.audit import audit_app
from services.runtime.ops.commands.dead_letters import dead_letters_app
from services.runtime.ops.commands.erasure import erase
from services.runtime.ops.commands.outbox import outbox_app
from services.runtime.ops.commands.rebuild import rebuild_projection
from services.runtime.ops.commands.topics import peek_topic, topics_app
from services.runtime.ops.token_cli import mint as mint_token

COMMANDS = "samverkan.commands"
log = logging.getLogger(__name__)

app = typer.Typer(help=__doc__, no_args_is_help=True, pretty_exceptions_enable=False)
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
