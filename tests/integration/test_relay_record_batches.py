"""The relay sends each round as record batches it builds per partition (#24).

`kafka.send_batches` replaced one aiokafka ``send`` per message: every message
must still land once, on the partition chosen for it, in the store's order
there, and the relay's recorded end of each partition (from which it tells a
lost log from retention) must be just past its last record there, though it
now learns only each batch's first offset.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer

from contracts import events_topic
from services.consent.translate import to_integration_event
from services.runtime.messaging.kafka import ensure_topics, producer_options, send_batches
from services.runtime.messaging.relay.outgoing import translate_batch
from services.runtime.settings import RuntimeSettings
from tests.steps import consent_store, record_consent
from tests.support import outbox_relay, reaches, read_topic, running_relay

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


async def test_the_relay_sends_every_event_once_in_order_and_records_where_each_ends(
    runtime_settings: RuntimeSettings,
) -> None:
    settings = runtime_settings.model_copy(update={"relay_batch_size": 7})  # many rounds
    consent = consent_store(settings)
    topic = events_topic("consent", prefix=settings.topic_prefix)
    try:
        for n in range(60):
            record_consent(consent, f"{n:064x}", NOW)
        head = consent.recorder.max_notification_id() or 0
        relay = outbox_relay(consent, settings, topic, to_integration_event)
        async with running_relay(relay) as task:
            await reaches(relay, task, head, timeout=30)

        records = read_topic(settings.kafka_bootstrap, topic)
        sequences = [int(dict(r.headers)["ce_sequence"]) for r in records]
        assert sorted(sequences) == list(range(1, head + 1))  # each once
        for partition in {r.partition for r in records}:
            mine = [r for r in records if r.partition == partition]
            chain = [
                (int(dict(r.headers)["ce_prevsequence"]), int(dict(r.headers)["ce_sequence"]))
                for r in sorted(mine, key=lambda r: r.offset)
            ]
            assert [prev for prev, _ in chain] == [0] + [seq for _, seq in chain[:-1]]
        # The records' own offsets: the embedded broker's list-offsets end is the start of
        # its last batch plus one (services.runtime.messaging.relay.topic_log).
        held = {r.partition: r.offset + 1 for r in sorted(records, key=lambda r: r.offset)}
        assert relay.position.ends == held
    finally:
        consent.close()


async def test_a_round_larger_than_a_batch_goes_in_several_in_order(
    runtime_settings: RuntimeSettings,
) -> None:
    """Batches of one message each (``max_batch_size`` below a message): the future of
    each names its own first offset, and the partition's order is the round's."""
    consent = consent_store(runtime_settings)
    topic = f"{runtime_settings.topic_prefix}.batches"
    try:
        for n in range(12):
            record_consent(consent, f"{n:064x}", NOW)
        notifications = consent.recorder.select_notifications(1, 100)
        messages = translate_batch(consent, to_integration_event, notifications, {}).messages
    finally:
        consent.close()
    await ensure_topics(runtime_settings, [topic])
    producer = AIOKafkaProducer(**{**producer_options(runtime_settings), "max_batch_size": 512})
    await producer.start()
    try:
        sent = await send_batches(producer, topic, messages)
        acked = await asyncio.gather(*(future for _, _, future in sent))
    finally:
        await producer.stop()

    assert sum(count for _, count, _ in sent) == len(messages)
    assert all(count == 1 for _, count, _ in sent)  # each message over 512 bytes: alone
    records = read_topic(runtime_settings.kafka_bootstrap, topic)
    for partition in {p for p, _ in messages}:
        values = [m.value for p, m in messages if p == partition]
        on_topic = sorted((r for r in records if r.partition == partition), key=lambda r: r.offset)
        assert [r.value for r in on_topic] == values
        firsts = [a.offset for (p, _, _), a in zip(sent, acked, strict=True) if p == partition]
        assert firsts == [r.offset for r in on_topic]
