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

import asyncio
import json
import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from importlib.metadata import EntryPoint, entry_points
from typing import Annotated, Any

import httpx
import typer
from eventsourcing.application import Application
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from typer.core import TyperGroup

from contracts import SERVICES, PoisonMessage, dlq_topic, events_topic
from services.runtime.kernel.identity import (
    InvalidIdentityNumber,
    SubjectIdFactory,
    parse_personnummer,
)
from services.runtime.kernel.stockholm_time import stockholm_date
from services.runtime.messaging import peek
from services.runtime.messaging.audit_anchor import (
    AnchorUnavailable,
    AuditAnchoring,
    verdict_fields,
)
from services.runtime.messaging.dead_letters import (
    DeadLetter,
    ReplayRefused,
    SourceLog,
    read_source,
    replay,
)
from services.runtime.messaging.kafka import client_options, describe_topics, ensure_topics
from services.runtime.messaging.rebuild import LogIncomplete, RebuildableProjection, rebuild
from services.runtime.messaging.republish import republish, stored_log
from services.runtime.messaging.topics import catalogue, topic_drift
from services.runtime.ops.token_cli import mint as mint_token
from services.runtime.service import Service, load_service
from services.runtime.settings import RuntimeSettings
from services.runtime.store.audit import AccessAudit, LegacyChainBroken, chain_key
from services.runtime.store.database import RelayPositions

COMMANDS = "samverkan.commands"
log = logging.getLogger(__name__)


def _defaulting_to(default: str) -> type[TyperGroup]:
    """A command group whose first argument, when it names no subcommand, goes to `default`
    (``samverkan outbox consent`` is ``samverkan outbox status consent``)."""

    class DefaultingGroup(TyperGroup):
        def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
            if args and args[0] not in self.commands and not args[0].startswith("-"):
                args = [default, *args]
            return super().parse_args(ctx, args)

    return DefaultingGroup


app = typer.Typer(help=__doc__, no_args_is_help=True, pretty_exceptions_enable=False)
topics_app = typer.Typer(help="The topic catalogue on the broker.", no_args_is_help=True)
audit_app = typer.Typer(help="The access log (loggkontroll).", no_args_is_help=True)
outbox_app = typer.Typer(
    cls=_defaulting_to("status"),
    no_args_is_help=True,
    help="""The outbox relay of a service: its lag, and publishing again.

    Examples::

        samverkan outbox consent                      # = outbox status consent
        samverkan outbox republish cases --from 1200  # cases' events 1200.. again
    """,
)
dead_letters_app = typer.Typer(
    cls=_defaulting_to("list"),
    no_args_is_help=True,
    help="""What a service's consumer gave up on: list, show one, replay one.

    Examples::

        samverkan dead-letters escalation             # = dead-letters list escalation
        samverkan dead-letters show reporting 1:17    # partition:offset on the DLQ
        samverkan dead-letters replay reporting 1:17  # apply it, once the cause is fixed
    """,
)
app.add_typer(topics_app, name="topics")
app.add_typer(audit_app, name="audit")
app.add_typer(outbox_app, name="outbox")
app.add_typer(dead_letters_app, name="dead-letters")
app.command("token", help="Mint a development bearer token.")(mint_token)
console = Console()
errors = Console(stderr=True)


def _plugins(group: str) -> dict[str, EntryPoint]:
    return {entry.name: entry for entry in entry_points(group=group)}


@contextmanager
def _built(service: str, settings: RuntimeSettings) -> Iterator[Service]:
    """The service as its composition root builds it, closed on leaving."""
    built = load_service(service).build(settings)
    try:
        yield built
    finally:
        built.close()


def _projection(settings: RuntimeSettings, name: str) -> RebuildableProjection:
    """The projection `name` (``<service>-<projection>``) as its service registers it."""
    service = name.partition("-")[0]
    if service not in SERVICES:
        errors.print(
            f"[red]no projection {name!r}[/red]: a projection is named after its service, "
            f"<service>-<projection>, with service one of {', '.join(SERVICES)}"
        )
        raise typer.Exit(2)
    with _built(service, settings) as built:
        projection = built.projections.get(name)
        known = ", ".join(sorted(built.projections)) or "none"
    if projection is None:
        errors.print(f"[red]no projection registered for {name!r}[/red] (registered: {known})")
        raise typer.Exit(2)
    return projection


def _add_service_commands() -> None:
    """Commands a service brings along (``samverkan report …`` from reporting)."""
    for name, entry in sorted(_plugins(COMMANDS).items()):
        try:
            app.add_typer(entry.load(), name=name)
        except Exception as error:  # one broken plugin must not take the whole CLI down
            log.warning("command %s from %s not loaded: %r", name, entry.value, error)


@contextmanager
def _progress() -> Iterator[Progress]:
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=errors,
        transient=False,
    ) as bar:
        yield bar


def _service(service: str) -> str:
    if service not in SERVICES:
        raise typer.BadParameter(f"choose one of {', '.join(SERVICES)}")
    return service


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
    (existing ones are left as they are: `samverkan topics check` reports drift)."""
    settings = RuntimeSettings()
    names = [spec.name for spec in catalogue(settings)]
    asyncio.run(ensure_topics(settings, names))
    console.print(f"{len(names)} topics present")


def _application(settings: RuntimeSettings, service: str) -> Application[Any]:
    """The service's store, under the service's name (it names the PostgreSQL tables)."""
    return stored_log(settings, service)


@outbox_app.command("status")
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
    typer.echo(
        json.dumps({"topic": topic, "head": head, "published": position, "lag": head - position})
    )


@outbox_app.command("republish")
def outbox_republish(
    service: Annotated[str, typer.Argument(callback=_service)],
    start: Annotated[int, typer.Option("--from", min=1, help="First store position to send.")],
    stop: Annotated[
        int | None, typer.Option("--to", min=1, help="Last position (default: the head).")
    ] = None,
) -> None:
    """Publish a service's events again from a store position onto its topic.

    Same ce_id and ce_sequence as the first time, so consumers that have them
    skip them; the relay and its position are not touched. Example:
    samverkan outbox republish cases --from 1200
    """
    settings = RuntimeSettings()
    with _built(service, settings) as built:
        translate = built.translate
    if translate is None:
        errors.print(f"[red]{service} publishes no events[/red]")
        raise typer.Exit(2)
    with _progress() as bar:
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
    typer.echo(
        json.dumps(
            {"topic": done.topic, "from": done.start, "to": done.stop, "messages": done.messages}
            | {"untranslatable": list(done.untranslatable)}
        )
    )
    if done.untranslatable:
        errors.print(
            "[yellow]not sent, cannot be translated (the relay parks these): "
            f"{', '.join(map(str, done.untranslatable))}[/yellow]"
        )
    if done.stop < start:
        errors.print(f"[yellow]nothing stored at or after position {start}[/yellow]")
        raise typer.Exit(1)


@app.command("rebuild")
def rebuild_projection(
    projection: Annotated[str, typer.Argument(help="e.g. reporting-statistics")],
    rounds: Annotated[
        int,
        typer.Option(
            min=1, help="Times to read on while the running service is ahead, before giving up."
        ),
    ] = 20,
) -> None:
    """Rebuild a projection from the upstream topics (from their start) and swap it in.

    The service may keep running: the new state is built beside the live one
    and replaces it in one transaction. Registered projections:
    reporting-statistics. Example: samverkan rebuild reporting-statistics
    """
    settings = RuntimeSettings()
    registered = _projection(settings, projection)
    errors.print(f"rebuilding {registered.description}")
    with _progress() as bar:
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
    typer.echo(
        json.dumps(
            {
                "projection": projection,
                "read": report.read,
                "applied": report.applied,
                "duplicates": report.duplicates,
                "undecodable": report.undecodable,
                "rounds": report.rounds,
                "seconds": round(report.seconds, 3),
                "events_per_second": round(report.rate),
            }
        )
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
def dead_letters(service: str = typer.Argument(..., callback=_service)) -> None:
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
    service: Annotated[str, typer.Argument(callback=_service)],
    letter: Annotated[str, typer.Argument(help="partition:offset, as the list shows it")],
) -> None:
    """One dead letter in full: reason, error, source, original headers and payload (JSON).

    Example: samverkan dead-letters show reporting 1:17
    """
    typer.echo(_find_dead_letter(RuntimeSettings(), service, letter).as_json())


@dead_letters_app.command("replay")
def dead_letters_replay(
    service: Annotated[str, typer.Argument(callback=_service)],
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


@app.command("erase")
def erase(
    personnummer: Annotated[
        str | None, typer.Option(help="The individual's personnummer or samordningsnummer.")
    ] = None,
    subject_id: Annotated[
        str | None, typer.Option(help="Or the pseudonymous subject id, if known.")
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(envvar="SAMVERKAN_ADMIN_TOKEN", help="An administrator's bearer token."),
    ] = None,
    consent_url: Annotated[
        str, typer.Option(envvar="SAMVERKAN_CONSENT_URL", help="The consent service.")
    ] = "http://127.0.0.1:8001",
) -> None:
    """Erase a subject (GDPR art. 17) through consent, which owns erasure.

    The personnummer is turned into the subject id here (never sent in a URL);
    consent destroys the subject's key and announces SubjectErased, and every
    service does the same. Needs the token of an administrator of the platform
    unit consent's SAMVERKAN_CONSENT_ERASURE_UNIT names; a subject consent has
    never seen is refused (404). Example:
    samverkan erase --personnummer 19121212-1212 --token "$ADMIN_TOKEN"
    """
    settings = RuntimeSettings()
    if (personnummer is None) == (subject_id is None):
        errors.print("[red]give exactly one of --personnummer and --subject-id[/red]")
        raise typer.Exit(2)
    if not token:
        errors.print(
            "[red]an administrator's token is needed (--token or SAMVERKAN_ADMIN_TOKEN)[/red]"
        )
        raise typer.Exit(2)
    if personnummer is not None:
        try:
            number = parse_personnummer(personnummer, today=_today())
        except InvalidIdentityNumber as error:
            errors.print(f"[red]--personnummer: {error}[/red]")
            raise typer.Exit(2) from error
        subject_id = SubjectIdFactory(settings.resolved_subject_key()).subject_id(number)
    try:
        response = httpx.post(
            f"{consent_url.rstrip('/')}/v1/subjects/{subject_id}/erasure",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
    except httpx.HTTPError as error:
        errors.print(f"[red]consent at {consent_url} did not answer: {error!r}[/red]")
        raise typer.Exit(1) from error
    if response.status_code >= 300:
        errors.print(f"[red]erasure refused ({response.status_code}): {response.text[:500]}[/red]")
        raise typer.Exit(1)
    typer.echo(json.dumps(response.json()))


def _today() -> date:
    """Today in Sweden: what decides whether a personnummer's date has passed."""
    return stockholm_date(datetime.now(UTC))


@app.command("peek")
def peek_topic(topic: str) -> None:
    """Print a topic's messages as JSON lines (like kcat -C -J -e)."""
    settings = RuntimeSettings()
    for record in asyncio.run(
        peek.read_topic(settings.kafka_bootstrap, topic, options=client_options(settings))
    ):
        typer.echo(peek.as_json(record))


@contextmanager
def _access_log(settings: RuntimeSettings, service: str) -> Iterator[tuple[AccessAudit, bytes]]:
    """The service's access log and its chain key, read as the service reads them."""
    if settings.audit_chain_key is None and settings.environment != "development":
        errors.print(
            "[red]SAMVERKAN_AUDIT_CHAIN_KEY is not set: the access log is chained under the "
            "services' key, which must come from the secret store[/red]"
        )
        raise typer.Exit(2)
    try:
        key = chain_key(settings)
    except ValueError as error:
        errors.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from error
    application = _application(settings, service)
    log = AccessAudit(application.recorder.datastore, service, key)  # type: ignore[attr-defined]
    try:
        yield log, key
    finally:
        log.close()
        application.close()


@audit_app.command("verify")
def audit_verify(service: str = typer.Argument(..., callback=_service)) -> None:
    """Check the access log is as written: the keyed hash chain, a sequence without gaps,
    and the newest head anchored on the service's audit-anchor topic (a cut tail).

    Exit 1 naming the first record that is not, or when the anchor cannot be read.
    The same check as GET /v1/access-log/verify. Example: samverkan audit verify consent
    """
    settings = RuntimeSettings()
    with _access_log(settings, service) as (log, key):
        try:
            verdict = asyncio.run(AuditAnchoring(log, settings, key).verify())
        except AnchorUnavailable as error:
            errors.print(f"[red]access log of {service}: anchor not readable: {error}[/red]")
            raise typer.Exit(1) from error
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
def audit_rechain(service: str = typer.Argument(..., callback=_service)) -> None:
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


_add_service_commands()

if __name__ == "__main__":
    app()
