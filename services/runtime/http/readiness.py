"""What a service process runs beside its routes, and what ``/readyz`` asks of each part.

Every role of a service (services.runtime.ops.roles) serves the same
operational routes; these are the checks they are made of — the store
answers, the Kafka client is connected, the relay is not failing, the
consumer is in its group — and the :class:`Background` that holds the
relay, the consumer's connection and the schedules for the lifespan.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any

from aiokafka.errors import KafkaError
from eventsourcing.application import Application
from faststream.kafka import KafkaBroker

from services.runtime.http.operations import ReadinessCheck
from services.runtime.messaging.consumer.subscription import TrackedConsumer
from services.runtime.messaging.kafka import ensure_topics
from services.runtime.messaging.relay.outbox import OutboxRelay
from services.runtime.settings import RuntimeSettings

log = logging.getLogger(__name__)


class Background:
    """A role's long-running tasks, started in its lifespan and stopped together."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.tasks: dict[str, asyncio.Task[None]] = {}

    def start(self, name: str, work: Coroutine[Any, Any, None]) -> None:
        self.tasks[name] = asyncio.create_task(work, name=f"{self.prefix}-{name}")

    async def stop(self) -> None:
        for task in self.tasks.values():
            task.cancel()
        for task in self.tasks.values():
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def start_broker(broker: KafkaBroker, settings: RuntimeSettings, topics: list[str]) -> None:
    """Connect, waiting out a broker that is not up yet (start order must not matter)."""
    delay = 0.1
    while True:
        try:
            await ensure_topics(settings, topics)
            await broker.start()
            return
        except (KafkaError, OSError) as error:
            log.warning("kafka not reachable yet: %r", error)
            await broker.stop()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


def store_check(app: Application[Any]) -> ReadinessCheck:
    async def store_ready() -> str | None:
        try:
            # Bounded: the store library would retry a lost database for seconds.
            await asyncio.wait_for(asyncio.to_thread(app.recorder.max_notification_id), timeout=2.0)
        except TimeoutError:
            return "store: no answer within 2 s"
        except Exception as error:
            return f"store: {error!r}"[:200]
        return None

    return store_ready


def broker_check(broker: KafkaBroker, background: Background) -> ReadinessCheck:
    async def broker_ready() -> str | None:
        task = background.tasks.get("broker")
        if task is None or not task.done() or task.exception() is not None:
            return "kafka: not connected yet"
        return None if await broker.ping(timeout=1.0) else "kafka: no answer"

    return broker_ready


def relay_check(relay: OutboxRelay | None, background: Background) -> ReadinessCheck:
    async def relay_ready() -> str | None:
        task = background.tasks.get("relay")
        if task is not None and task.done():
            return f"relay stopped: {task.exception()!r}"
        if relay is not None and relay.last_error is not None:
            return f"relay failing: {relay.last_error}"
        return None

    return relay_ready


def consumer_check(consumer: TrackedConsumer | None) -> ReadinessCheck:
    async def consumer_ready() -> str | None:
        if consumer is None:
            return None
        if not consumer.joined:
            return "consumer: not yet in its group"
        stuck = consumer.watchdog.stuck_for() if consumer.watchdog is not None else None
        if stuck is not None:
            return f"consumer: no assignment for {stuck:.0f} s (rejoining its group anew)"
        return None

    return consumer_ready


def watch_consumer(
    background: Background, consumer: TrackedConsumer | None, broker: KafkaBroker
) -> None:
    """Run the consumer's watchdog (consumer.watchdog): a join that never ends, while the
    broker answers, restarts the consumer."""
    if consumer is not None and consumer.watchdog is not None:
        background.start("consumer-watchdog", consumer.watchdog.run(lambda: broker.ping(1.0)))
