"""``samverkan topics check`` reports drift: partitions, replicas, min.insync.replicas, retention.

Issue #19, item 4. Topics were created with one replica and the broker's
default retention (a week on Apache Kafka, deleting what rebuilds read from
the start), and the check looked at partition counts only. Now topics are
created as the settings say (services.runtime.messaging.topics) and the check names
each difference, exiting 1.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from eventsourcing.application import Application
from typer.testing import CliRunner

from contracts import PARTITIONS, dlq_topic, events_topic
from contracts.topics import audit_anchor_topic
from services.runtime.messaging.audit_anchor import AuditAnchoring
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.messaging.kafka import describe_topics
from services.runtime.messaging.topics import catalogue, topic_drift, topic_spec
from services.runtime.ops.cli import app
from services.runtime.settings import RuntimeSettings
from services.runtime.store.audit import AccessAudit, AccessRecord, Action
from services.runtime.store.database import store_env

runner = CliRunner()


@pytest.fixture
def env(operator_env: RuntimeSettings) -> RuntimeSettings:
    return operator_env


async def create_by_hand(bootstrap: str, topics: list[NewTopic]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        await admin.start()
        await admin.create_topics(topics)
    finally:
        await admin.close()


def test_topics_are_created_with_replicas_and_retention_and_check_clean(
    env: RuntimeSettings,
) -> None:
    created = runner.invoke(app, ["topics", "create"])
    assert created.exit_code == 0, created.output
    checked = runner.invoke(app, ["topics", "check"])
    assert checked.exit_code == 0, checked.output

    states = asyncio.run(describe_topics(env, [spec.name for spec in catalogue(env)]))
    events = states[events_topic("consent", prefix=env.topic_prefix)]
    assert (events.partitions, events.replication_factor) == (PARTITIONS, 1)
    assert events.configs["retention.ms"] == "-1"
    assert events.configs["min.insync.replicas"] == "1"
    dead_letters = states[dlq_topic("reporting", prefix=env.topic_prefix)]
    assert dead_letters.configs["retention.ms"] == str(90 * 24 * 3600 * 1000)
    anchors = states[f"{env.topic_prefix}.cases.audit-anchors"]
    assert anchors.partitions == 1
    assert anchors.configs["cleanup.policy"] == "compact"


def test_topics_check_names_each_drifted_topic_and_fails(
    env: RuntimeSettings, kafka: EmbeddedBroker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """#19, item 4: a topic made by hand, with a week's retention or the broker's default."""
    events = events_topic("cases", prefix=env.topic_prefix)
    dead_letters = dlq_topic("escalation", prefix=env.topic_prefix)
    asyncio.run(
        create_by_hand(
            kafka.bootstrap,
            [
                NewTopic(events, PARTITIONS * 2, 1, topic_configs={"retention.ms": "604800000"}),
                NewTopic(dead_letters, PARTITIONS, 1),
            ],
        )
    )
    assert runner.invoke(app, ["topics", "create"]).exit_code == 0  # leaves them as they are
    checked = runner.invoke(app, ["topics", "check"])
    assert checked.exit_code == 1
    lines = {line.split(": ", 1)[0]: line for line in checked.output.splitlines() if ": " in line}
    assert f"partitions {PARTITIONS * 2}, expected {PARTITIONS}" in lines[events]
    assert "retention.ms 604800000, expected -1" in lines[events]
    assert "min.insync.replicas the broker's default, expected 1" in lines[events]
    assert "retention.ms the broker's default, expected 7776000000" in lines[dead_letters]
    assert "2 of 12 topics differ" in checked.output

    # Production wants three replicas: every topic made with one differs.
    monkeypatch.setenv("SAMVERKAN_TOPIC_REPLICATION_FACTOR", "3")
    checked = runner.invoke(app, ["topics", "check"])
    assert checked.exit_code == 1
    assert "replication factor 1, expected 3" in checked.output
    assert "12 of 12 topics differ" in checked.output


def test_more_insync_replicas_than_replicas_is_refused() -> None:
    with pytest.raises(ValueError, match="no send could ever be acknowledged"):
        RuntimeSettings(topic_replication_factor=1, topic_min_insync_replicas=2)


async def test_an_anchor_topic_a_service_creates_has_no_drift(
    runtime_settings: RuntimeSettings, tmp_path: Path
) -> None:
    """#19, item 4: the audit anchoring created its topic by hand, with one replica and
    no retention or min.insync.replicas; ``topics check`` then called it drifted."""
    settings = runtime_settings.model_copy(
        update={"topic_replication_factor": 1, "topic_min_insync_replicas": 1}
    )
    application: Application[Any] = Application(
        env=store_env(settings.model_copy(update={"var_dir": tmp_path}), "cases")
    )
    audit = AccessAudit(application.recorder.datastore, "cases", bytes(range(32)))  # type: ignore[attr-defined]
    anchoring = AuditAnchoring(audit, settings, bytes(range(32)))
    try:
        await asyncio.wrap_future(audit.record(_access()))
        assert await anchoring.anchor() is not None
    finally:
        await anchoring.close()
        audit.close()
        application.close()

    topic = audit_anchor_topic("cases", prefix=settings.topic_prefix)
    states = await describe_topics(settings, [topic])
    assert topic_drift(topic_spec(settings, topic), states.get(topic)) == []


def _access() -> AccessRecord:
    return AccessRecord(
        at=datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
        actor_hsa_id="SE2120000001-S001",
        actor_org_id="SE2120000001-SOC1",
        actor_org_type="social_services",
        subject_id="a" * 64,
        action=Action.READ,
        purpose="consent history",
        resource="GET /v1/subjects/{subject_id}/history",
    )
