"""The relay reads the next batch while the broker acknowledges the last one (#24).

A read-ahead is used only for the position it was read after and only when it
found something; events stored while the relay runs, between its rounds and
while it idles after an empty read-ahead, are each published once, in store
order, with every partition's chain unbroken. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from eventsourcing.persistence import Notification

from contracts import decode, events_topic
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.messaging.relay import outbox
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


async def test_an_event_saved_while_the_relay_reads_nothing_is_sent_without_the_idle_poll(
    backend_settings: RuntimeSettings, kafka: EmbeddedBroker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The save commits after the relay's read took its snapshot, and its wake arrives
    before that empty read returns: the relay must still wake for it, not poll later."""
    monkeypatch.setattr(outbox, "IDLE_POLL_SECONDS", 60.0)  # only a wake can bring it out
    app = consent_store(backend_settings)
    topic = events_topic("consent", prefix=backend_settings.topic_prefix)
    record_consent(app, f"{1:064x}", NOW, parties=PARTIES, form="oral")
    relay = outbox_relay(app, backend_settings, topic)
    select = app.recorder.select_notifications
    empty_reads: list[int] = []

    def select_then_save(start: int, limit: int) -> Sequence[Notification]:
        found = select(start, limit)
        if not found:
            empty_reads.append(start)
        # The first empty read is the read-ahead during the first round's acks (not
        # trusted when empty); the second is the relay's own look before it idles.
        if len(empty_reads) == 2 and not found:
            record_consent(app, f"{2:064x}", NOW, parties=PARTIES, form="oral")
            relay.wake()  # what the save listener does, from the saving thread
        return found

    monkeypatch.setattr(app.recorder, "select_notifications", select_then_save)
    async with running_relay(relay) as task:
        await reaches(relay, task, 1)
        await reaches(relay, task, 2, timeout=20.0)
    assert empty_reads[:2] == [2, 2]
    records = read_topic(kafka.bootstrap, topic)
    assert [decode(r.value, r.headers).sequence for r in records] == [1, 2]


async def test_an_event_saved_while_a_round_is_acknowledged_is_read_before_the_acks_are_in(
    backend_settings: RuntimeSettings, kafka: EmbeddedBroker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The read-ahead, begun right after the sends, found nothing; a save then wakes the
    relay while the broker still acknowledges: its event is read during the acks (#24),
    not in a read of its own after them, and still goes out once, in order."""
    app = consent_store(backend_settings)
    topic = events_topic("consent", prefix=backend_settings.topic_prefix)
    record_consent(app, f"{1:064x}", NOW, parties=PARTIES, form="oral")
    relay = outbox_relay(app, backend_settings, topic)
    released = asyncio.Event()
    read_ahead_empty = asyncio.Event()
    read_during_acks = asyncio.Event()
    loop = asyncio.get_running_loop()
    sends = outbox.send_batches

    async def acks_held(*args: Any) -> list[tuple[int, int, asyncio.Future[Any]]]:
        pending = await sends(*args)

        async def held(acked: asyncio.Future[Any]) -> Any:
            await released.wait()
            return await acked

        return [(p, count, asyncio.ensure_future(held(acked))) for p, count, acked in pending]

    select = app.recorder.select_notifications
    reads: list[tuple[int, int, bool]] = []  # start, found, after the first round's acks

    def noted(start: int, limit: int) -> Sequence[Notification]:
        found = select(start, limit)
        reads.append((start, len(found), released.is_set()))
        if start == 2:
            loop.call_soon_threadsafe((read_during_acks if found else read_ahead_empty).set)
        return found

    monkeypatch.setattr(outbox, "send_batches", acks_held)
    monkeypatch.setattr(app.recorder, "select_notifications", noted)
    async with running_relay(relay) as task:
        await asyncio.wait_for(read_ahead_empty.wait(), 20)
        await asyncio.to_thread(
            lambda: record_consent(app, f"{2:064x}", NOW, parties=PARTIES, form="oral")
        )
        relay.wake()  # what the save listener does
        with contextlib.suppress(TimeoutError):  # the old relay read it only after the acks
            await asyncio.wait_for(read_during_acks.wait(), 5)
        released.set()
        await reaches(relay, task, 2)
    assert (2, 1, False) in reads  # read while the first round was still acknowledged
    assert (2, 1, True) not in reads  # and not once more after
    records = read_topic(kafka.bootstrap, topic)
    assert [decode(r.value, r.headers).sequence for r in records] == [1, 2]


async def test_a_read_ahead_is_topped_up_with_what_was_saved_during_the_acks(
    backend_settings: RuntimeSettings, kafka: EmbeddedBroker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The read-ahead found an event; another is saved while the broker still
    acknowledges: both go out in the next round (#24), not the second a round later."""
    settings = backend_settings.model_copy(update={"relay_batch_size": 2})
    app = consent_store(settings)
    topic = events_topic("consent", prefix=settings.topic_prefix)
    for n in (1, 2, 3):
        record_consent(app, f"{n:064x}", NOW, parties=PARTIES, form="oral")
    relay = outbox_relay(app, settings, topic)
    released = asyncio.Event()
    read_ahead = asyncio.Event()
    loop = asyncio.get_running_loop()
    sends = outbox.send_batches
    rounds: list[int] = []  # messages handed over per round

    async def acks_held(
        producer: Any, topic: str, messages: list[Any]
    ) -> list[tuple[int, int, asyncio.Future[Any]]]:
        rounds.append(len(messages))
        pending = await sends(producer, topic, messages)

        async def held(acked: asyncio.Future[Any]) -> Any:
            await released.wait()
            return await acked

        return [(p, count, asyncio.ensure_future(held(acked))) for p, count, acked in pending]

    select = app.recorder.select_notifications

    def noted(start: int, limit: int) -> Sequence[Notification]:
        found = select(start, limit)
        if start == 3 and found:
            loop.call_soon_threadsafe(read_ahead.set)
        return found

    monkeypatch.setattr(outbox, "send_batches", acks_held)
    monkeypatch.setattr(app.recorder, "select_notifications", noted)
    async with running_relay(relay) as task:
        await asyncio.wait_for(read_ahead.wait(), 20)  # [3], read during [1, 2]'s acks
        await asyncio.to_thread(
            lambda: record_consent(app, f"{4:064x}", NOW, parties=PARTIES, form="oral")
        )
        relay.wake()  # what the save listener does
        released.set()
        await reaches(relay, task, 4)
    assert rounds == [2, 2]  # before: [2, 1, 1], the 4th a round after the 3rd
    records = read_topic(kafka.bootstrap, topic)
    envelopes = [decode(r.value, r.headers) for r in records]
    assert sorted(e.sequence for e in envelopes) == [1, 2, 3, 4]
    for partition in {r.partition for r in records}:
        chain = [e for r, e in zip(records, envelopes, strict=True) if r.partition == partition]
        assert [e.sequence for e in chain] == sorted(e.sequence for e in chain)
        assert [e.prev_sequence for e in chain] == [0, *(e.sequence for e in chain[:-1])]
