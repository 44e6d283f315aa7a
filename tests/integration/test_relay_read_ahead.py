"""The relay reads the next batch while the broker acknowledges the last one (#24).

A read-ahead is used only for the position it was read after and only when it
found something; events stored while the relay runs, between its rounds and
while it idles after an empty read-ahead, are each published once, in store
order, with every partition's chain unbroken. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from contracts import decode, events_topic
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.settings import RuntimeSettings
from tests.steps import consent_store, record_consent
from tests.support import outbox_relay, reaches, read_topic, running_relay

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PARTIES = ["SE2321000016-POL1", "SE2120000001-SOC1"]


async def test_events_stored_while_the_relay_runs_in_small_batches_go_out_once_in_order(
    backend_settings: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    settings = backend_settings.model_copy(update={"relay_batch_size": 3})
    app = consent_store(settings)
    topic = events_topic("consent", prefix=settings.topic_prefix)

    def give(n: int) -> None:
        record_consent(app, f"{n % 5:064x}", NOW, parties=PARTIES, form="oral")

    for n in range(10):  # four rounds, each read ahead during the last one's acks
        give(n)
    relay = outbox_relay(app, settings, topic)
    async with running_relay(relay) as task:
        await reaches(relay, task, 10)
        for n in range(10, 17):  # stored while the relay idles after an empty read-ahead
            await asyncio.to_thread(give, n)
            relay.wake()
        await reaches(relay, task, 17)

    records = read_topic(kafka.bootstrap, topic)
    envelopes = [decode(r.value, r.headers) for r in records]
    assert sorted(e.sequence for e in envelopes) == list(range(1, 18))  # each once
    for partition in {r.partition for r in records}:
        chain = [e for r, e in zip(records, envelopes, strict=True) if r.partition == partition]
        assert [e.sequence for e in chain] == sorted(e.sequence for e in chain)
        assert [e.prev_sequence for e in chain] == [0, *(e.sequence for e in chain[:-1])]
