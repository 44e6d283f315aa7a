"""Issue #10's operator commands against a real broker and real stores.

republish, rebuild (issue #7's projection rebuild), dead letters (list, show,
replay), the annual report export, erasure and the access log's verification
and re-chaining (issue #18): each does its work and exits non-zero when it
cannot.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.application import Application
from eventsourcing.persistence import Tracking
from typer.testing import CliRunner

from contracts import ConsentGiven, events_topic
from contracts.examples import EXAMPLES
from services.reporting.domain.measures import CONSENTS_GIVEN, Row
from services.reporting.views.rebuild import statistics as statistics_projection
from services.reporting.views.statistics import statistics_view
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.messaging.rebuild import LogIncomplete, rebuild
from services.runtime.ops.cli import app
from services.runtime.settings import RuntimeSettings
from services.runtime.store.audit import AccessAudit, AccessRecord, Action, chain_key
from services.runtime.store.database import store_env
from tests.integration.test_access_audit import write_unkeyed_log
from tests.steps import SIP_PARTIES, consent_dead_lettered, consent_store, record_consent
from tests.support import (
    PLATFORM_ADMIN,
    POLICE,
    SOCIAL,
    TEST_PERSONNUMMER,
    applied_by,
    consent_given,
    drain_relay,
    on_store,
    produce_raw,
    read_topic,
    settings_env,
    token,
    wait_for,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
runner = CliRunner()


@pytest.fixture
def env(operator_topics: RuntimeSettings) -> RuntimeSettings:
    return operator_topics


@pytest.fixture
def any_store_env(
    runtime_settings: RuntimeSettings,
    store_backend: str,
    pg_schema_prefix: str,
    monkeypatch: pytest.MonkeyPatch,
) -> RuntimeSettings:
    """`env`, with the stores in SQLite or in PostgreSQL."""
    settings = on_store(runtime_settings, store_backend, pg_schema_prefix)
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    for name, value in settings_env(settings).items():
        monkeypatch.setenv(name, value)
    assert runner.invoke(app, ["topics", "create"]).exit_code == 0
    return settings


def _consents(settings: RuntimeSettings, count: int) -> None:
    """`count` consents stored by consent and published by its relay."""
    consent = consent_store(settings, longest_emergency_disclosure=timedelta(hours=1))
    for n in range(count):
        record_consent(
            consent, f"{n:02x}" * 32, NOW, purpose="sip", parties=SIP_PARTIES, form="oral"
        )
    asyncio.run(
        drain_relay(consent, settings, events_topic("consent", prefix=settings.topic_prefix))
    )
    consent.close()


def _consent_counts(settings: RuntimeSettings) -> list[Row]:
    reporting = Application[object](env=store_env(settings, "reporting"))
    try:
        return [r for r in statistics_view(reporting).counts() if r.measure == CONSENTS_GIVEN]
    finally:
        reporting.close()


def _headers(record: object) -> dict[str, bytes]:
    return dict(record.headers)  # type: ignore[attr-defined]


def test_republish_sends_the_same_messages_again_from_a_position(env: RuntimeSettings) -> None:
    _consents(env, 3)
    topic = events_topic("consent", prefix=env.topic_prefix)
    first = {
        _headers(r)["ce_sequence"]: _headers(r) for r in read_topic(env.kafka_bootstrap, topic)
    }

    done = runner.invoke(app, ["outbox", "republish", "consent", "--from", "2"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout.splitlines()[-1])["messages"] == 2

    records = read_topic(env.kafka_bootstrap, topic)
    assert len(records) == 5
    again = [_headers(r) for r in records if _headers(r)["ce_sequence"] in (b"2", b"3")]
    for headers in again:
        original = first[headers["ce_sequence"]]
        # Same ce_id, same predecessor: consumers skip them, or rewind if they lack one.
        assert headers["ce_id"] == original["ce_id"]
        assert headers["ce_prevsequence"] == original["ce_prevsequence"]
    # The relay's own position is untouched.
    assert json.loads(runner.invoke(app, ["outbox", "consent"]).output)["lag"] == 0


def test_republish_fails_when_nothing_is_there(env: RuntimeSettings) -> None:
    _consents(env, 1)
    assert runner.invoke(app, ["outbox", "republish", "consent", "--from", "5"]).exit_code == 1
    assert runner.invoke(app, ["outbox", "republish", "nobody", "--from", "1"]).exit_code == 2


def test_rebuild_reporting_statistics_from_the_topics(any_store_env: RuntimeSettings) -> None:
    env = any_store_env
    _consents(env, 3)
    # The topic holds duplicates too (a relay that republished): counted once.
    republished = runner.invoke(app, ["outbox", "republish", "consent", "--from", "1"])
    assert republished.exit_code == 0, republished.output
    # And a message the live consumer dead-lettered: skipped by the rebuild too.
    topic = events_topic("consent", prefix=env.topic_prefix)
    asyncio.run(produce_raw(env.kafka_bootstrap, topic, [(None, b"not an event", [])]))
    reporting = Application[object](env=store_env(env, "reporting"))
    view = statistics_view(reporting)
    # A wrong count, as a counting bug would leave it.
    view.increment([(CONSENTS_GIVEN, "2026-11", "sip")] * 7, Tracking("/samverkan/consent#0", 1))
    reporting.close()

    rebuilt = runner.invoke(app, ["rebuild", "reporting-statistics"])
    assert rebuilt.exit_code == 0, rebuilt.output
    report = json.loads(rebuilt.stdout.splitlines()[-1])
    assert (report["read"], report["applied"], report["duplicates"]) == (7, 3, 3)
    assert report["undecodable"] == 1
    assert _consent_counts(env) == [Row(CONSENTS_GIVEN, "2026-11", "sip", 3)]

    # Idempotent: a second rebuild gives the same counts.
    assert runner.invoke(app, ["rebuild", "reporting-statistics"]).exit_code == 0
    assert _consent_counts(env) == [Row(CONSENTS_GIVEN, "2026-11", "sip", 3)]


def test_rebuild_never_swaps_in_less_than_the_live_projection_has(
    any_store_env: RuntimeSettings,
) -> None:
    env = any_store_env
    _consents(env, 2)
    reporting = Application[object](env=store_env(env, "reporting"))
    view = statistics_view(reporting)
    # The live projection has applied a message the topic does not hold (any more).
    view.increment([(CONSENTS_GIVEN, "2026-11", "sip")], Tracking("/samverkan/consent#0", 99))
    reporting.close()
    with pytest.raises(LogIncomplete):
        asyncio.run(rebuild(env, statistics_projection, max_rounds=1))
    assert _consent_counts(env) == [Row(CONSENTS_GIVEN, "2026-11", "sip", 1)]  # untouched
    failed = runner.invoke(app, ["rebuild", "reporting-statistics", "--rounds", "1"])
    assert failed.exit_code == 1
    assert runner.invoke(app, ["rebuild", "no-such-projection"]).exit_code == 2


def _dead_letter(env: RuntimeSettings, kafka: EmbeddedBroker, consumer: str = "reporting") -> str:
    """A ConsentGiven that `consumer` dead-lettered; returns its id."""
    [letter] = consent_dead_lettered(
        env, kafka, consumer, event_id="0d9c6a5e-1f0b-4c2e-9a57-3b1e2d4c5f60", at=NOW
    )
    return letter


def test_dead_letters_list_show_and_replay_once(
    env: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    letter = _dead_letter(env, kafka)

    listed = runner.invoke(app, ["dead-letters", "reporting"])
    assert listed.exit_code == 1
    assert letter in listed.output
    assert "handler-failed" in listed.output

    shown = runner.invoke(app, ["dead-letters", "show", "reporting", letter])
    assert shown.exit_code == 0, shown.output
    detail = json.loads(shown.stdout)
    assert detail["reason"] == "handler-failed"
    assert detail["headers"]["ce_type"] == ConsentGiven.ce_type()
    assert detail["payload"]["purpose"] == EXAMPLES[ConsentGiven].model_dump(mode="json")["purpose"]
    assert runner.invoke(app, ["dead-letters", "show", "reporting", "9:999"]).exit_code == 1

    replayed = runner.invoke(app, ["dead-letters", "replay", "reporting", letter])
    assert replayed.exit_code == 0, replayed.output
    assert "applied" in replayed.output
    assert [r.count for r in _consent_counts(env)] == [1]
    again = runner.invoke(app, ["dead-letters", "replay", "reporting", letter])
    assert again.exit_code == 0
    assert "already replayed" in again.output
    assert [r.count for r in _consent_counts(env)] == [1]


def test_report_export_writes_the_annual_report(env: RuntimeSettings, tmp_path: Path) -> None:
    Application[object](env=store_env(env, "reporting")).close()  # the service has run
    output = tmp_path / "2026.json"
    done = runner.invoke(
        app, ["report", "export", "2026", "--format", "json", "--output", str(output)]
    )
    assert done.exit_code == 0, done.output
    assert json.loads(output.read_text())["year"] == 2026
    assert runner.invoke(app, ["report", "export", "1999"]).exit_code == 2


def test_erase_a_subject_through_consent(env: RuntimeSettings, start_service: object) -> None:
    consent = start_service("consent")  # type: ignore[operator]
    parties = [POLICE.org_id, SOCIAL.org_id]
    given = consent_given(consent, TEST_PERSONNUMMER, by=POLICE, parties=parties, form="oral")
    base = ["erase", "--consent-url", consent.url]

    base = [*base, "--personnummer", "-"]  # read from standard input (issue #23)

    refused = runner.invoke(
        app, [*base, "--token", token(env, POLICE)], input=f"{TEST_PERSONNUMMER}\n"
    )
    assert refused.exit_code == 1  # 403: administrators only
    assert runner.invoke(app, [*base, "--token", "x"], input="19121212-1213\n").exit_code == 2
    assert runner.invoke(app, base, input=f"{TEST_PERSONNUMMER}\n").exit_code == 2

    erased = runner.invoke(
        app, [*base, "--token", token(env, PLATFORM_ADMIN)], input=f"{TEST_PERSONNUMMER}\n"
    )
    assert erased.exit_code == 0, erased.output
    assert json.loads(erased.stdout)["subject_id"] == given["subject_id"]


def test_rebuild_while_the_reporting_service_runs(env: RuntimeSettings, start_service: Any) -> None:
    """Built beside the live statistics and swapped in; the service carries on from there."""
    reporting = start_service("reporting")
    _consents(env, 3)
    wait_for(lambda: applied_by(reporting, "consent") >= 3, timeout=60)
    rebuilt = runner.invoke(app, ["rebuild", "reporting-statistics"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert _consent_counts(env) == [Row(CONSENTS_GIVEN, "2026-11", "sip", 3)], rebuilt.output

    _consents(env, 2)  # new consents after the swap: counted once, by the service
    wait_for(lambda: [r.count for r in _consent_counts(env)] == [5], timeout=60)
    assert runner.invoke(app, ["rebuild", "reporting-statistics"]).exit_code == 0
    assert _consent_counts(env) == [Row(CONSENTS_GIVEN, "2026-11", "sip", 5)]


@pytest.mark.parametrize(
    "command",
    [
        ["outbox", "republish"],
        ["rebuild"],
        ["dead-letters", "list"],
        ["dead-letters", "show"],
        ["dead-letters", "replay"],
        ["report", "export"],
        ["erase"],
        ["audit", "verify"],
        ["audit", "rechain"],
    ],
)
def test_every_new_command_has_help_with_an_example(command: list[str]) -> None:
    shown = runner.invoke(app, [*command, "--help"], terminal_width=200)
    assert shown.exit_code == 0, shown.output
    assert "Example" in shown.output


@pytest.mark.parametrize("consumer", ["consent", "cases", "escalation"])
def test_dead_letters_replay_into_the_other_consumers(
    env: RuntimeSettings, kafka: EmbeddedBroker, consumer: str
) -> None:
    """Every consumer replays from the target its composition root builds: consent's
    too (issue #20 found it had none registered)."""
    letter = _dead_letter(env, kafka, consumer)
    replayed = runner.invoke(app, ["dead-letters", "replay", consumer, letter])
    assert replayed.exit_code == 0, replayed.output
    assert "applied" in replayed.output
    again = runner.invoke(app, ["dead-letters", "replay", consumer, letter])
    assert "already replayed" in again.output


def _unkeyed_access_log(env: RuntimeSettings, records: int) -> Any:
    """consent's store with an access log the unkeyed chain wrote (before issue #18)."""
    application = Application(env=store_env(env, "consent"))
    datastore = application.recorder.datastore  # type: ignore[attr-defined]
    AccessAudit(datastore, "consent", chain_key(env)).close()  # the table
    write_unkeyed_log(
        datastore,
        [
            AccessRecord(
                NOW + timedelta(minutes=n),
                SOCIAL.hsa_id,
                SOCIAL.org_id,
                SOCIAL.org_type.value,
                "cd" * 32,
                Action.READ,
                "consent history",
                "GET /v1/history",
            )
            for n in range(records)
        ],
    )
    return application


def test_audit_rechain_seals_an_unkeyed_log_once_and_verify_then_passes(
    env: RuntimeSettings,
) -> None:
    _unkeyed_access_log(env, 3).close()
    before = runner.invoke(app, ["audit", "verify", "consent"], terminal_width=200)
    assert before.exit_code == 1
    assert "changed at record 1" in before.output

    rechained = runner.invoke(app, ["audit", "rechain", "consent"], terminal_width=200)
    assert rechained.exit_code == 0, rechained.output
    assert "3 records re-chained" in rechained.output
    verified = runner.invoke(app, ["audit", "verify", "consent"], terminal_width=200)
    assert verified.exit_code == 0, verified.output
    assert json.loads(verified.output.splitlines()[0])["records"] == 3
    assert "nothing anchored yet" in verified.output
    again = runner.invoke(app, ["audit", "rechain", "consent"], terminal_width=200)
    assert "already keyed" in again.output


def test_audit_rechain_refuses_a_log_whose_old_chain_is_broken(env: RuntimeSettings) -> None:
    application = _unkeyed_access_log(env, 3)
    with application.recorder.datastore.transaction(commit=True) as cursor:  # type: ignore[attr-defined]
        cursor.execute("UPDATE access_audit SET purpose = 'nothing to see' WHERE seq = 2")
    application.close()
    refused = runner.invoke(app, ["audit", "rechain", "consent"], terminal_width=200)
    assert refused.exit_code == 1
    assert "record 2" in refused.output


def test_audit_commands_refuse_a_development_chain_key_in_production(
    env: RuntimeSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAMVERKAN_ENVIRONMENT", "production")
    for command in (["audit", "verify", "consent"], ["audit", "rechain", "consent"]):
        refused = runner.invoke(app, command, terminal_width=200)
        assert refused.exit_code == 2, refused.output
        assert "SAMVERKAN_AUDIT_CHAIN_KEY" in refused.output
