"""The operator CLI against a real broker and store: exit codes say what is wrong."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from eventsourcing.application import Application
from typer.testing import CliRunner

from contracts import dlq_topic, events_topic
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.ops.cli import app
from services.runtime.settings import RuntimeSettings
from services.runtime.store.audit import AccessAudit, AccessRecord, Action, chain_key
from services.runtime.store.database import store_env
from tests.steps import SIP_PARTIES, consent_store, record_consent
from tests.support import drain_relay, produce_raw

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
runner = CliRunner()


@pytest.fixture
def env(operator_env: RuntimeSettings) -> RuntimeSettings:
    return operator_env


def test_topics_check_fails_until_topics_create_has_run(env: RuntimeSettings) -> None:
    assert runner.invoke(app, ["topics", "check"]).exit_code == 1
    assert runner.invoke(app, ["topics", "create"]).exit_code == 0
    checked = runner.invoke(app, ["topics", "check"])
    assert checked.exit_code == 0, checked.output
    assert "missing" not in checked.output


async def test_outbox_shows_what_is_not_yet_published(env: RuntimeSettings) -> None:
    consent = consent_store(env, longest_emergency_disclosure=timedelta(hours=1))
    record_consent(consent, "ab" * 32, NOW, purpose="sip", parties=SIP_PARTIES, form="oral")
    before = json.loads(runner.invoke(app, ["outbox", "consent"]).output)
    await drain_relay(consent, env, events_topic("consent", prefix=env.topic_prefix))
    after = json.loads(runner.invoke(app, ["outbox", "consent"]).output)
    assert (before["head"], before["lag"]) == (1, 1)
    assert after["lag"] == 0


def test_dead_letters_lists_them_and_fails(env: RuntimeSettings, kafka: EmbeddedBroker) -> None:
    assert runner.invoke(app, ["topics", "create"]).exit_code == 0
    assert runner.invoke(app, ["dead-letters", "escalation"]).exit_code == 0
    headers = [("dlq.reason", b"undecodable"), ("dlq.source.topic", b"t"), ("dlq.error", b"bad")]
    asyncio.run(
        produce_raw(
            kafka.bootstrap,
            dlq_topic("escalation", prefix=env.topic_prefix),
            [(None, b"x", headers)],
        )
    )
    listed = runner.invoke(app, ["dead-letters", "escalation"])
    assert listed.exit_code == 1
    assert "undecodable" in listed.output


def test_audit_verify_finds_a_changed_record(env: RuntimeSettings) -> None:
    application = Application(env=store_env(env, "consent"))
    datastore = application.recorder.datastore  # type: ignore[attr-defined]
    log = AccessAudit(datastore, "consent", chain_key(env))
    record = AccessRecord(
        NOW,
        "SE2120000001-S001",
        "SE2120000001-SOC1",
        "social_services",
        "cd" * 32,
        Action.READ,
        "consent history",
        "GET /v1/history",
    )
    log.record(record).result(10)
    log.close()
    assert runner.invoke(app, ["audit", "verify", "consent"]).exit_code == 0
    with datastore.transaction(commit=True) as cursor:
        cursor.execute("UPDATE access_audit SET purpose = 'nothing to see'")
    application.close()
    broken = runner.invoke(app, ["audit", "verify", "consent"])
    assert broken.exit_code == 1
    assert "changed at record 1" in broken.output
    assert "audit chain key" in broken.output
