"""Issue #23 item 6: the operator CLI must not mislead.

A read-only command on a store that is not there says so (exit 2) instead of
creating an empty one and reporting "lag 0" or "intact"; an unreachable broker
is one line, not a traceback; results are lines on a terminal and JSON for
scripts; ``erase`` takes the personnummer from standard input or a no-echo
prompt, never from the command line; help is plain text, not reST.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import typer
from typer.testing import CliRunner

from services.runtime.messaging.republish import stored_log
from services.runtime.ops.cli import app
from services.runtime.ops.commands import erasure, terminal
from services.runtime.settings import RuntimeSettings
from tests.support import PG_URL, ROOT, TEST_PERSONNUMMER

runner = CliRunner()

READ_ONLY = [
    ["outbox", "consent"],
    ["outbox", "status", "consent", "--json"],
    ["outbox", "republish", "consent", "--from", "1"],
    ["audit", "verify", "consent"],
    ["audit", "rechain", "consent"],
    ["report", "export", "2026"],
]


def _closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def nowhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings whose var dir does not exist (a mistyped SAMVERKAN_VAR_DIR)."""
    var_dir = tmp_path / "mistyped" / "var"
    monkeypatch.setenv("SAMVERKAN_VAR_DIR", str(var_dir))
    monkeypatch.setenv("SAMVERKAN_ENVIRONMENT", "development")
    monkeypatch.setenv("SAMVERKAN_KAFKA_BOOTSTRAP", f"127.0.0.1:{_closed_port()}")
    monkeypatch.delenv("SAMVERKAN_DATABASE_URL", raising=False)
    return var_dir


@pytest.mark.parametrize("command", READ_ONLY, ids=" ".join)
def test_issue23_read_only_command_on_a_missing_store_creates_nothing_and_fails(
    nowhere: Path, command: list[str]
) -> None:
    """Before: an empty store was created and "lag 0" / "intact" reported with exit 0."""
    done = runner.invoke(app, command, terminal_width=300)
    assert done.exit_code == 2, done.output
    assert str(nowhere) in done.output
    assert "SAMVERKAN_VAR_DIR" in done.output
    assert "lag" not in done.output
    assert not nowhere.exists()


@pytest.fixture
def missing_schema(monkeypatch: pytest.MonkeyPatch, pg_schema_prefix: str) -> str:
    monkeypatch.setenv("SAMVERKAN_DATABASE_URL", PG_URL)
    monkeypatch.setenv("SAMVERKAN_DATABASE_SCHEMA_PREFIX", pg_schema_prefix)
    monkeypatch.setenv("SAMVERKAN_ENVIRONMENT", "development")
    return f"{pg_schema_prefix}consent"


def _schema_exists(schema: str) -> bool:
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,))
        return found.fetchone() is not None


def test_issue23_read_only_command_on_a_missing_postgres_schema_creates_nothing(
    missing_schema: str,
) -> None:
    done = runner.invoke(app, ["outbox", "consent"], terminal_width=300)
    assert done.exit_code == 2, done.output
    assert missing_schema in done.output
    assert "SAMVERKAN_DATABASE_URL" in done.output
    assert not _schema_exists(missing_schema)


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services.runtime.ops.cli", *args],
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "300", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("command", [["topics", "check"], ["peek", "samverkan.consent.events"]])
def test_issue23_unreachable_broker_is_one_line_without_a_traceback(
    tmp_path: Path, command: list[str]
) -> None:
    bootstrap = f"127.0.0.1:{_closed_port()}"
    env = {"SAMVERKAN_KAFKA_BOOTSTRAP": bootstrap, "SAMVERKAN_VAR_DIR": str(tmp_path)}
    done = _cli(*command, env=env)
    assert done.returncode == 1, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert bootstrap in lines[0]
    assert "SAMVERKAN_KAFKA_BOOTSTRAP" in lines[0]
    assert "Traceback" not in done.stderr

    debugging = _cli("--debug", *command, env=env)
    assert debugging.returncode == 1
    assert "Traceback" in debugging.stderr
    logged = _cli(*command, env=env | {"SAMVERKAN_LOG_LEVEL": "DEBUG"})
    assert "Traceback" in logged.stderr


@pytest.fixture
def consent_store(nowhere: Path) -> Path:
    """consent's store, present and empty."""
    nowhere.mkdir(parents=True)
    settings = RuntimeSettings()
    stored_log(settings, "consent").close()
    return nowhere


def test_issue23_outbox_status_is_lines_on_a_terminal_and_json_for_scripts(
    consent_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    piped = runner.invoke(app, ["outbox", "consent"])
    assert piped.exit_code == 0, piped.output
    assert json.loads(piped.stdout)["lag"] == 0  # scripts and cron read it as before

    monkeypatch.setattr(terminal, "is_terminal", lambda: True)
    shown = runner.invoke(app, ["outbox", "consent"])
    assert shown.exit_code == 0, shown.output
    assert "{" not in shown.stdout
    assert re.search(r"^lag +0$", shown.stdout, re.MULTILINE), shown.stdout
    assert re.search(r"^topic +\S*samverkan\.consent\.events$", shown.stdout, re.MULTILINE)

    asked = runner.invoke(app, ["outbox", "consent", "--json"])
    assert json.loads(asked.stdout)["head"] == 0


def test_issue23_audit_verify_prints_its_json_only_for_scripts(
    operator_env: RuntimeSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored_log(operator_env, "consent").close()
    monkeypatch.setattr(terminal, "is_terminal", lambda: True)
    shown = runner.invoke(app, ["audit", "verify", "consent"], terminal_width=200)
    assert shown.exit_code == 0, shown.output
    assert "{" not in shown.stdout
    assert "nothing anchored yet" in shown.stdout
    asked = runner.invoke(app, ["audit", "verify", "consent", "--json"], terminal_width=200)
    assert json.loads(asked.stdout.splitlines()[0])["records"] == 0


ERASE = ["erase", "--token", "x"]


@pytest.fixture
def no_consent(nowhere: Path) -> list[str]:
    """erase's arguments, towards a consent that does not answer (the number was read)."""
    nowhere.mkdir(parents=True)
    return [*ERASE, "--consent-url", f"http://127.0.0.1:{_closed_port()}"]


def test_issue23_erase_refuses_a_personnummer_on_the_command_line(no_consent: list[str]) -> None:
    refused = runner.invoke(
        app, [*no_consent, "--personnummer", TEST_PERSONNUMMER], terminal_width=300
    )
    assert refused.exit_code == 2
    assert "--personnummer -" in refused.output
    assert TEST_PERSONNUMMER not in refused.output


@pytest.mark.parametrize("option", [["--personnummer", "-"], ["--personnummer-stdin"]])
def test_issue23_erase_reads_the_personnummer_from_standard_input(
    no_consent: list[str], option: list[str]
) -> None:
    read = runner.invoke(app, [*no_consent, *option], input=f"{TEST_PERSONNUMMER}\n")
    assert read.exit_code == 1, read.output  # read and valid: only consent did not answer
    assert "did not answer" in read.output
    invalid = runner.invoke(app, [*no_consent, *option], input="19121212-1213\n")
    assert invalid.exit_code == 2
    assert "check digit" in invalid.output


def test_issue23_erase_asks_for_the_personnummer_without_echo_on_a_terminal(
    no_consent: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    prompts: list[str] = []

    def getpass(prompt: str) -> str:
        prompts.append(prompt)
        return TEST_PERSONNUMMER

    monkeypatch.setattr(erasure, "stdin_is_terminal", lambda: True)
    monkeypatch.setattr(erasure.getpass, "getpass", getpass)
    asked = runner.invoke(app, [*no_consent, "--personnummer", "-"])
    assert asked.exit_code == 1, asked.output
    assert "did not answer" in asked.output
    assert len(prompts) == 1
    assert TEST_PERSONNUMMER not in asked.output


def _commands(command: Any, path: list[str]) -> Iterator[list[str]]:
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, [*path, name])


def test_issue23_help_is_plain_text_without_rest_markup() -> None:
    """Every command's help, the top one included: no ``literals``, `roles`, or ``::``."""
    paths = list(_commands(typer.main.get_command(app), []))
    assert ["erase"] in paths
    assert ["report", "export"] in paths
    for path in paths:
        shown = runner.invoke(app, [*path, "--help"], terminal_width=200)
        assert shown.exit_code == 0, shown.output
        markup = [line for line in shown.output.splitlines() if re.search(r"`|::|:\w+:", line)]
        assert not markup, (path, markup)
