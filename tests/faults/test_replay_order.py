"""Fault: a dead letter replayed after its subject's later events (#19, item 9; C-4).

A consumer that dead-letters an event moves past it and keeps applying the
subject's later events. Replay applied the dead letter whenever asked, so a
dead-lettered ``ConsentGiven`` replayed after the ``ConsentWithdrawn`` that
followed it gave the withdrawn consent back (C-4). Replay now refuses and
explains, unless the operator says ``--out-of-order``; a dead letter with no
later event for its subject replays as before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from uuid import UUID

import pytest
from eventsourcing.persistence import Tracking
from faststream.kafka import KafkaBroker
from prometheus_client import CollectorRegistry
from typer.testing import CliRunner

from contracts import PARTITIONS, ConsentGiven, IntegrationEvent, dlq_topic, events_topic
from services.cases.application import CasesApplication
from services.consent.application import ConsentApplication
from services.runtime.messaging.consumer.metrics import ConsumerMetrics
from services.runtime.messaging.consumer.subscription import TrackedConsumer
from services.runtime.messaging.consumer.target import TrackedTarget
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.messaging.partitioning import partition_index
from services.runtime.ops.cli import app
from services.runtime.service import load_service
from services.runtime.settings import RuntimeSettings
from tests.steps import consent_store, record_consent
from tests.support import SOCIAL as CONSENT_RECORDER
from tests.support import drain_relay, eventually, produce_raw, read_topic

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PARTIES = ["SE2321000016-POL1", "SE2120000001-SOC1"]
PURPOSE = "red_thread_meeting"
runner = CliRunner()


@pytest.fixture
def env(operator_topics: RuntimeSettings) -> RuntimeSettings:
    return operator_topics


@contextmanager
def cases_store(settings: RuntimeSettings) -> Iterator[CasesApplication]:
    """cases' store, opened as its composition root opens it for the consumer."""
    built = load_service("cases").build(settings)
    try:
        assert isinstance(built.app, CasesApplication)
        yield built.app
    finally:
        built.close()


def give(consent: ConsentApplication, subject_id: str) -> UUID:
    return record_consent(consent, subject_id, NOW, purpose=PURPOSE, parties=PARTIES)


def consent_in_force(settings: RuntimeSettings, subject_id: str) -> bool:
    """What cases believes: a consent covers the parties for the purpose today."""
    with cases_store(settings) as cases:
        known = cases.consents_of(subject_id)
        return known is not None and known.consent_for(PURPOSE, PARTIES, NOW.date()) is not None


async def consume_with_a_bug(
    settings: RuntimeSettings, doomed: str, applied: Callable[[CasesApplication], bool]
) -> None:
    """cases' consumer, whose handler fails on `doomed`'s ConsentGiven (a bug since
    fixed), runs until `applied` holds and the dead letter is on cases' DLQ."""
    with cases_store(settings) as cases:
        real = TrackedTarget.of(cases, cases.recorder)

        def buggy(event: IntegrationEvent, tracking: Tracking) -> None:
            if isinstance(event, ConsentGiven) and event.subject_id == doomed:
                raise RuntimeError("a bug, since fixed")
            real.process_event(event, tracking)

        broker = KafkaBroker(settings.kafka_bootstrap)
        TrackedConsumer(
            group_id=f"{settings.topic_prefix}.cases",
            dlq_topic=dlq_topic("cases", prefix=settings.topic_prefix),
            target=TrackedTarget(buggy, real.max_tracking_id, real.insert_tracking),
            metrics=ConsumerMetrics.register(CollectorRegistry()),
            max_retries=1,
            retry_delay=0.01,
        ).subscribe(
            broker,
            [events_topic("consent", prefix=settings.topic_prefix)],
            session_timeout_ms=settings.kafka_session_timeout_ms,
        )
        try:
            await broker.start()
            dead = dlq_topic("cases", prefix=settings.topic_prefix)
            await eventually(lambda: read_topic(settings.kafka_bootstrap, dead), timeout=30)
            await eventually(lambda: applied(cases), timeout=30)
        finally:
            await broker.stop()


def the_dead_letter(settings: RuntimeSettings) -> str:
    [record] = read_topic(
        settings.kafka_bootstrap, dlq_topic("cases", prefix=settings.topic_prefix)
    )
    return f"{record.partition}:{record.offset}"


def test_replaying_a_given_consent_after_its_withdrawal_is_refused(env: RuntimeSettings) -> None:
    """C-4: a withdrawn consent must not come back because its ConsentGiven was replayed late."""
    subject_id = "ab" * 32
    consent = consent_store(env)
    consent_id = give(consent, subject_id)
    consent.withdraw_consent(CONSENT_RECORDER, consent_id, at=NOW)
    asyncio.run(drain_relay(consent, env, events_topic("consent", prefix=env.topic_prefix)))
    consent.close()

    def withdrawal_learnt(cases: CasesApplication) -> bool:
        known = cases.consents_of(subject_id)
        return known is not None and known.version >= 2

    asyncio.run(consume_with_a_bug(env, subject_id, withdrawal_learnt))
    letter = the_dead_letter(env)
    assert not consent_in_force(env, subject_id)

    refused = runner.invoke(app, ["dead-letters", "replay", "cases", letter])
    assert refused.exit_code == 1, refused.output
    explanation = " ".join(refused.output.split())
    assert "ConsentWithdrawn" in explanation
    assert "--out-of-order" in explanation
    assert "C-4" in explanation
    assert not consent_in_force(env, subject_id)  # the withdrawal stands

    # The operator has judged it (here: to show the flag works) and applies it anyway.
    forced = runner.invoke(app, ["dead-letters", "replay", "cases", letter, "--out-of-order"])
    assert forced.exit_code == 0, forced.output
    assert "applied" in forced.output
    assert consent_in_force(env, subject_id)
    again = runner.invoke(app, ["dead-letters", "replay", "cases", letter])
    assert again.exit_code == 0, again.output
    assert "already replayed" in again.output


def test_a_dead_letter_with_no_later_event_for_its_subject_replays(env: RuntimeSettings) -> None:
    """#19, item 9: later events of *other* subjects, on the same partition, do not refuse it."""
    doomed = "cd" * 32
    partition = partition_index(doomed.encode(), PARTITIONS)
    others = [
        subject
        for subject in (f"{n:064x}" for n in range(1, 200))
        if partition_index(subject.encode(), PARTITIONS) == partition
    ][:3]
    consent = consent_store(env)
    give(consent, doomed)
    for subject_id in others:
        give(consent, subject_id)
    topic = events_topic("consent", prefix=env.topic_prefix)
    asyncio.run(drain_relay(consent, env, topic))
    consent.close()
    assert {r.partition for r in read_topic(env.kafka_bootstrap, topic)} == {partition}

    def others_learnt(cases: CasesApplication) -> bool:
        return all(cases.consents_of(subject_id) is not None for subject_id in others)

    asyncio.run(consume_with_a_bug(env, doomed, others_learnt))
    assert not consent_in_force(env, doomed)

    replayed = runner.invoke(app, ["dead-letters", "replay", "cases", the_dead_letter(env)])
    assert replayed.exit_code == 0, replayed.output
    assert "applied" in replayed.output
    assert consent_in_force(env, doomed)


def test_a_partition_that_no_longer_shows_what_followed_refuses(
    env: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    """#19, item 9: when the source log lost what came after the dead letter (retention, a
    log loss), whether later events were applied cannot be told: refused unless forced."""
    subject_id = "ef" * 32
    consent = consent_store(env)
    give(consent, subject_id)
    topic = events_topic("consent", prefix=env.topic_prefix)
    asyncio.run(drain_relay(consent, env, topic))
    consent.close()
    [record] = read_topic(env.kafka_bootstrap, topic)
    headers = dict(record.headers)
    source = headers["ce_source"].decode()
    # As the consumer left it: the message dead-lettered, and later ones (which the
    # topic no longer holds) applied up to sequence 9.
    dead = [
        *record.headers,
        ("dlq.reason", b"handler-failed"),
        ("dlq.error", b"RuntimeError('a bug, since fixed')"),
        ("dlq.consumer", f"{env.topic_prefix}.cases".encode()),
        ("dlq.source.topic", topic.encode()),
        ("dlq.source.partition", str(record.partition).encode()),
        ("dlq.source.offset", str(record.offset).encode()),
    ]
    asyncio.run(
        produce_raw(
            kafka.bootstrap,
            dlq_topic("cases", prefix=env.topic_prefix),
            [(record.key, record.value, dead)],
        )
    )
    with cases_store(env) as cases:
        cases.recorder.insert_tracking(Tracking(f"{source}#{record.partition}", 9))

    refused = runner.invoke(app, ["dead-letters", "replay", "cases", the_dead_letter(env)])
    assert refused.exit_code == 1, refused.output
    explanation = " ".join(refused.output.split())
    assert "cannot be told" in explanation
    assert "--out-of-order" in explanation
    assert not consent_in_force(env, subject_id)

    forced = runner.invoke(
        app, ["dead-letters", "replay", "cases", the_dead_letter(env), "--out-of-order"]
    )
    assert forced.exit_code == 0, forced.output
    assert consent_in_force(env, subject_id)
