"""``samverkan erase``: a subject erased (GDPR art. 17) through consent, which owns
erasure.

The personnummer is read from standard input or a prompt that does not echo,
never from the command line: an argument is in the process list for every user
of the host and in the shell's history (issue #23).
"""

from __future__ import annotations

import getpass
import sys
from datetime import UTC, date, datetime
from typing import Annotated

import httpx
import typer

from services.runtime.kernel.identity import (
    InvalidIdentityNumber,
    SubjectIdFactory,
    parse_personnummer,
)
from services.runtime.kernel.stockholm_time import stockholm_date
from services.runtime.ops.commands.terminal import AsJson, errors, show_result
from services.runtime.settings import RuntimeSettings

FROM_STDIN = "-"


def stdin_is_terminal() -> bool:
    """Whether a person types the input (then it is asked for without echo)."""
    return sys.stdin.isatty()


def _read_personnummer() -> str:
    """The number from a no-echo prompt on a terminal, else standard input's first line."""
    if stdin_is_terminal():
        return getpass.getpass("personnummer or samordningsnummer: ").strip()
    return sys.stdin.readline().strip()


def erase(
    personnummer: Annotated[
        str | None,
        typer.Option(
            help="'-': read the individual's personnummer or samordningsnummer from "
            "standard input, or ask for it (not echoed) on a terminal. A number here is "
            "refused: it would be in the process list and the shell history."
        ),
    ] = None,
    personnummer_stdin: Annotated[
        bool, typer.Option("--personnummer-stdin", help="The same as --personnummer -.")
    ] = False,
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
    as_json: AsJson = False,
) -> None:
    """Erase a subject (GDPR art. 17) through consent, which owns erasure.

    The personnummer is read from standard input or asked for without echo
    (--personnummer -), turned into the subject id here and never sent in a URL;
    consent destroys the subject's key and announces SubjectErased, and every
    service does the same. Needs the token of an administrator of the platform
    unit consent's SAMVERKAN_CONSENT_ERASURE_UNIT names; a subject consent has
    never seen is refused (404). Example:
    samverkan erase --personnummer - --token "$ADMIN_TOKEN"
    """
    settings = RuntimeSettings()
    if personnummer is not None and personnummer != FROM_STDIN:
        errors.print(
            "--personnummer takes no number: one on the command line is in the process list "
            "and the shell history. Give --personnummer - (or --personnummer-stdin) and type "
            "it at the prompt, or pipe it in: samverkan erase --personnummer - < file",
            style="red",
            markup=False,
            soft_wrap=True,
        )
        raise typer.Exit(2)
    from_stdin = personnummer == FROM_STDIN or personnummer_stdin
    if from_stdin == (subject_id is not None):
        errors.print("[red]give exactly one of --personnummer - and --subject-id[/red]")
        raise typer.Exit(2)
    if not token:
        errors.print(
            "[red]an administrator's token is needed (--token or SAMVERKAN_ADMIN_TOKEN)[/red]"
        )
        raise typer.Exit(2)
    if from_stdin:
        try:
            number = parse_personnummer(_read_personnummer(), today=_today())
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
    show_result(response.json(), as_json)


def _today() -> date:
    """Today in Sweden: what decides whether a personnummer's date has passed."""
    return stockholm_date(datetime.now(UTC))
