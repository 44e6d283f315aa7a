"""Publishing a service's stored events again, from a position: ``samverkan outbox republish``.

For a partner or a new consumer that needs the facts again (it lost its
store, the topic's retention dropped them, a message was read wrongly), an
operator sends the events from store position `start` onwards once more. The
messages are exactly what the relay sent (services.runtime.messaging.relay.outgoing's
`outgoing_message`): same ``ce_id``, same ``ce_sequence``, same trace context,
and each names its real predecessor on its partition (``ce_prevsequence``,
found by reading the positions before `start`), so a consumer that already
has them skips them as duplicates, and one that lacks an earlier one sees the
gap and rewinds.

Each event goes to the partition the relay sent it to: both ask
services.runtime.messaging.partitioning's `event_partition`, which counts the
catalogue's partitions, not the topic's (a topic grown to more partitions
would otherwise put events under new ``source#partition`` names, and
consumers would apply them again; #19). A stored event that cannot be
translated is passed over as the relay parks it (same predecessors), and
reported in `Republished.untranslatable`.

Safe beside the running relay: it changes nothing in the store (the relay's
position is untouched) and consumers order by ``ce_sequence``, not by when a
message arrived.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from aiokafka import AIOKafkaProducer
from eventsourcing.application import Application

from contracts import events_topic
from services.runtime.messaging.kafka import producer_options, send
from services.runtime.messaging.partitioning import catalogue_partitions
from services.runtime.messaging.relay.outgoing import Translator, translate_batch
from services.runtime.settings import RuntimeSettings
from services.runtime.store.application import OutboxApplication
from services.runtime.store.database import store_env

Progress = Callable[[str, int, int], None]
"""Called with (phase, positions done, positions in the phase)."""

READ_BATCH = 1000


class StoredLog(OutboxApplication, Application[UUID]):
    """A service's event store read as its relay reads it (same mapper, same transcodings)."""


def stored_log(settings: RuntimeSettings, service: str) -> StoredLog:
    """`service`'s store. The application's name is the service's: on PostgreSQL it
    names the events table (``consent_events``), so it must match the service's own."""
    named = type(f"{service.title()}StoredLog", (StoredLog,), {"name": service})
    log: StoredLog = named(env=store_env(settings, service))
    return log


@dataclass(frozen=True)
class Republished:
    topic: str
    start: int
    stop: int
    messages: int
    untranslatable: tuple[int, ...] = ()
    """Store positions that could not be translated (the relay parks them): not sent."""


async def republish(
    settings: RuntimeSettings,
    service: str,
    translate: Translator,
    start: int,
    stop: int | None = None,
    progress: Progress | None = None,
) -> Republished:
    """Send `service`'s public events at store positions `start`..`stop` (default: the head)."""
    if start < 1:
        raise ValueError("positions start at 1")
    log = stored_log(settings, service)
    topic = events_topic(service, prefix=settings.topic_prefix)
    producer = AIOKafkaProducer(**producer_options(settings))
    try:
        await producer.start()  # inside: a start that fails is stopped too (kafka.started)
        head = await asyncio.to_thread(lambda: log.recorder.max_notification_id() or 0)
        last = head if stop is None else min(stop, head)
        catalogue_partitions(topic, await producer.partitions_for(topic))
        tails: dict[int, int] = {}
        untranslatable: list[int] = []

        def predecessors() -> None:
            """Each partition's last public position before `start` (its ``prevsequence``)."""
            nonlocal tails
            position = 0
            while position < start - 1:
                batch = log.recorder.select_notifications(position + 1, READ_BATCH, stop=start - 1)
                if not batch:
                    break
                tails = translate_batch(log, translate, batch, tails).tails
                position = batch[-1].id
                if progress is not None:
                    progress("predecessors", position, start - 1)

        await asyncio.to_thread(predecessors)
        sent = 0
        position = start - 1
        while position < last:
            batch = await asyncio.to_thread(
                log.recorder.select_notifications, position + 1, READ_BATCH, stop=last
            )
            if not batch:
                break
            translated = translate_batch(log, translate, batch, tails)
            tails = translated.tails
            untranslatable.extend(item.notification.id for item in translated.untranslatable)
            pending: list[asyncio.Future[Any]] = [
                await send(producer, topic, partition, message)
                for partition, message in translated.messages
            ]
            await asyncio.gather(*pending)
            sent += len(pending)
            position = batch[-1].id
            if progress is not None:
                progress("republish", position - start + 1, last - start + 1)
        return Republished(
            topic=topic,
            start=start,
            stop=last,
            messages=sent,
            untranslatable=tuple(untranslatable),
        )
    finally:
        await producer.stop()
        log.close()
