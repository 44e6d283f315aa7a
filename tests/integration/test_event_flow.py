"""The event flow against a real broker and real stores: store → relay → Kafka → tracked consumer.

Each test runs on SQLite and on PostgreSQL (`store_backend`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from aiokafka import AIOKafkaProducer
from eventsourcing.application import AggregateNotFoundError

from contracts import ConsentGiven, Purpose, decode, dlq_topic, encode, events_topic
from services.consent.application import ConsentApplication
from services.escalation.application import EscalationApplication
from services.escalation.domain import authorisations_id
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.messaging.kafka import ensure_topics
from services.runtime.messaging.relay.outgoing import event_id
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import RelayPosition, RelayPositions, store_env
from tests.steps import consent_store, record_consent
from tests.support import SOCIAL as CONSENT_RECORDER
from tests.support import (
    drain_relay,
    eventually,
    metric_value,
    produce_raw,
    read_topic,
    running_consumer,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PARTIES = ["SE2321000016-POL1", "SE2120000001-SOC1"]


def subject(n: int) -> str:
    return f"{n:064x}"


@pytest.fixture
def settings(backend_settings: RuntimeSettings) -> RuntimeSettings:
    return backend_settings


def give(app: ConsentApplication, subject_id: str) -> UUID:
    return record_consent(app, subject_id, NOW, parties=PARTIES, form="oral")


async def test_relay_publishes_every_public_event_in_store_order(
    settings: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    app = consent_store(settings)
    ids = [give(app, subject(n % 4)) for n in range(12)]
    app.withdraw_consent(CONSENT_RECORDER, ids[0], at=NOW)
    topic = events_topic("consent", prefix=settings.topic_prefix)

    relay = await drain_relay(app, settings, topic)

    records = read_topic(kafka.bootstrap, topic)
    envelopes = [decode(r.value, r.headers) for r in records]
    assert len(envelopes) == 13
    assert sorted(e.sequence for e in envelopes) == list(range(1, 14))
    assert RelayPositions(app.recorder.datastore).load(topic).sequence == 13  # type: ignore[attr-defined]
    assert relay.position.sequence == 13
    for partition in {r.partition for r in records}:
        chain = [e for r, e in zip(records, envelopes, strict=True) if r.partition == partition]
        # Each message names its predecessor on the partition: the gap detector's input.
        assert [e.prev_sequence for e in chain] == [0, *(e.sequence for e in chain[:-1])]
    for record, envelope in zip(records, envelopes, strict=True):
        assert record.key == envelope.event.partition_key().encode()
        assert dict(record.headers)["ce_source"] == b"/samverkan/consent"


async def test_a_relay_behind_its_topic_finds_what_it_sent_and_names_it_by_the_same_ce_id(
    settings: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    app = consent_store(settings)
    give(app, subject(1))
    topic = events_topic("consent", prefix=settings.topic_prefix)
    await drain_relay(app, settings, topic)
    # As after a crash between publishing and recording: the position is behind.
    RelayPositions(app.recorder.datastore).save(topic, RelayPosition())  # type: ignore[attr-defined]

    await drain_relay(app, settings, topic)

    ids = [dict(r.headers)["ce_id"] for r in read_topic(kafka.bootstrap, topic)]
    (stored,) = app.recorder.select_notifications(1, 10)
    assert ids == [event_id(stored).encode()]  # not sent again; the id any resend would carry
    assert RelayPositions(app.recorder.datastore).load(topic).sequence == stored.id  # type: ignore[attr-defined]


async def test_a_foreign_record_with_our_sequence_is_not_taken_for_ours(
    settings: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    """Someone else's record on the topic with a `ce_sequence` past the relay's position
    (a partner's mistake, a test's poison) is not what the relay would send: only a record
    with the same `ce_id` counts as already sent."""
    app = consent_store(settings)
    give(app, subject(1))
    topic = events_topic("consent", prefix=settings.topic_prefix)
    await ensure_topics(settings, [topic])
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap)
    try:
        await producer.start()
        for partition in await producer.partitions_for(topic):
            headers = [("ce_sequence", b"1"), ("ce_id", b"not-ours")]
            await producer.send_and_wait(topic, b"{}", headers=headers, partition=partition)
    finally:
        await producer.stop()

    await drain_relay(app, settings, topic)

    (stored,) = app.recorder.select_notifications(1, 10)
    ids = [dict(r.headers)["ce_id"] for r in read_topic(kafka.bootstrap, topic)]
    assert event_id(stored).encode() in ids  # sent, not skipped


async def test_c4_consumer_applies_consent_events_into_its_own_view(
    settings: RuntimeSettings, tmp_path: Path
) -> None:
    consent = consent_store(settings)
    escalation = EscalationApplication(env=store_env(settings, "escalation"))
    consent_id = give(consent, subject(7))
    consent.withdraw_consent(CONSENT_RECORDER, consent_id, at=NOW)
    await drain_relay(consent, settings, events_topic("consent", prefix=settings.topic_prefix))

    async with running_consumer(settings, escalation, ["consent"], "escalation"):
        view = await eventually(lambda: _view_at_version(escalation, subject(7), 3))

    assert consent_id not in view.consents  # withdrawn: authorises nothing new (C-4)


async def test_the_same_message_delivered_twice_has_one_effect(
    settings: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    escalation = EscalationApplication(env=store_env(settings, "escalation"))
    topic = events_topic("consent", prefix=settings.topic_prefix)
    message = encode(
        _consent_given(subject(3)), event_id="e-1", time=NOW, sequence=5, prev_sequence=0
    )
    later = encode(
        _consent_given(subject(3)), event_id="e-2", time=NOW, sequence=9, prev_sequence=5
    )
    raw = (message.key, message.value, message.headers)
    await produce_raw(kafka.bootstrap, topic, [raw, raw, (later.key, later.value, later.headers)])

    async with running_consumer(settings, escalation, ["consent"], "escalation") as metrics:
        await eventually(lambda: _view_at_version(escalation, subject(3), 3))
        await eventually(lambda: metric_value(metrics, "handled", topic=topic, outcome="duplicate"))

    view = escalation.repository.get(authorisations_id(subject(3)))
    assert view.version == 3  # opened + two distinct consents; the redelivery added nothing
    assert (
        escalation.recorder.max_tracking_id(f"/samverkan/consent#{_partition(kafka, topic)}") == 9
    )


async def test_poison_messages_go_to_the_dead_letter_topic_and_the_consumer_goes_on(
    settings: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    escalation = EscalationApplication(env=store_env(settings, "escalation"))
    topic = events_topic("consent", prefix=settings.topic_prefix)
    good = encode(_consent_given(subject(4)), event_id="e-1", time=NOW, sequence=1, prev_sequence=0)
    # A version this consumer does not know yet, in its producer's chain (#19, item 1).
    newer = encode(
        _consent_given(subject(4)), event_id="e-2", time=NOW, sequence=2, prev_sequence=1
    )
    unknown_version = [
        (k, v.replace(b"ConsentGiven.v1", b"ConsentGiven.v9")) for k, v in newer.headers
    ]
    after = encode(
        _consent_given(subject(4)), event_id="e-3", time=NOW, sequence=3, prev_sequence=2
    )
    await produce_raw(
        kafka.bootstrap,
        topic,
        [
            (good.key, b"\xff\xfe not json at all", [("content-type", b"application/json")]),
            (good.key, good.value, good.headers),
            (good.key, newer.value, unknown_version),
            (after.key, after.value, after.headers),
        ],
    )

    async with running_consumer(settings, escalation, ["consent"], "escalation"):
        await eventually(lambda: _view_at_version(escalation, subject(4), 3))

    dead = read_topic(kafka.bootstrap, dlq_topic("escalation", prefix=settings.topic_prefix))
    reasons = sorted(dict(r.headers)["dlq.reason"].decode() for r in dead)
    assert reasons == ["undecodable", "unknown_event_type"]
    for record in dead:
        headers = dict(record.headers)
        assert headers["dlq.source.topic"].decode() == topic
        assert headers["dlq.error"]
    assert {r.value for r in dead} == {b"\xff\xfe not json at all", newer.value}


async def test_a_message_whose_effect_keeps_failing_is_dead_lettered_after_bounded_retries(
    settings: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    escalation = EscalationApplication(env=store_env(settings, "escalation"))
    attempts: list[str] = []
    failing = subject(5)
    real_policy = escalation.policy

    def flaky(event: Any, processing_event: Any) -> None:
        if event.subject_id == failing:
            attempts.append(event.subject_id)
            raise RuntimeError("policy bug")
        real_policy(event, processing_event)

    escalation.policy = flaky  # type: ignore[method-assign]
    topic = events_topic("consent", prefix=settings.topic_prefix)
    bad = encode(_consent_given(failing), event_id="e-1", time=NOW, sequence=1, prev_sequence=0)
    good = encode(_consent_given(subject(6)), event_id="e-2", time=NOW, sequence=2, prev_sequence=1)
    # Sent with the failing message's key: same partition, so it queues behind it.
    await produce_raw(
        kafka.bootstrap,
        topic,
        [(bad.key, bad.value, bad.headers), (bad.key, good.value, good.headers)],
    )

    async with running_consumer(settings, escalation, ["consent"], "escalation"):
        await eventually(lambda: _view_at_version(escalation, subject(6), 2))

    # The two attempts running_consumer allows on its own, plus one inside a batch
    # when both messages were fetched together (the batch then falls back).
    assert len(attempts) in {2, 3}
    dead = read_topic(kafka.bootstrap, dlq_topic("escalation", prefix=settings.topic_prefix))
    assert [dict(r.headers)["dlq.reason"] for r in dead] == [b"handler-failed"]
    assert b"policy bug" in dict(dead[0].headers)["dlq.error"]
    # The dead letter's position is recorded, so its successor is not taken for a gap.
    name = f"/samverkan/consent#{_partition(kafka, topic)}"
    assert escalation.recorder.max_tracking_id(name) == 2


def _consent_given(subject_id: str) -> ConsentGiven:
    return ConsentGiven(
        consent_id=UUID(int=int(subject_id, 16) + 1),
        subject_id=subject_id,
        purpose=Purpose.RED_THREAD_MEETING,
        parties=tuple(PARTIES),
        form="oral",
        recorded_by="SE2321000016-P001",
        informed=True,
        given_at=NOW,
        valid_until=date(2027, 1, 1),
    )


def _view_at_version(app: EscalationApplication, subject_id: str, version: int) -> object:
    try:
        view = app.repository.get(authorisations_id(subject_id))
    except AggregateNotFoundError:
        return None
    return view if view.version >= version else None


def _partition(kafka: EmbeddedBroker, topic: str) -> int:
    return read_topic(kafka.bootstrap, topic)[0].partition
