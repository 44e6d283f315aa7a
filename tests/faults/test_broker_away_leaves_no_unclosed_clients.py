"""Fault: the broker is down — every Kafka client we made is closed all the same.

Issue #23, item 2. A producer or consumer whose ``start()`` failed was never
stopped (``await start()`` stood before the ``try``), and aiokafka reports one
it collects unstopped as an ERROR "Unclosed AIOKafkaProducer/Consumer": every
broker outage filled the log with errors about our clean-up, not the outage,
once per retry. Each entry point that talks to the broker runs here against a
port nobody listens on; it fails or retries, and after a collection no such
error is left.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Awaitable, Callable
from contextlib import suppress
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaConnectionError

from contracts import SERVICES, events_topic
from services.consent.translate import to_integration_event
from services.reporting.views.rebuild import statistics as statistics_projection
from services.runtime.messaging.dead_letters import read_source
from services.runtime.messaging.embedded_broker import free_port
from services.runtime.messaging.kafka import describe_topics, ensure_topics
from services.runtime.messaging.peek import read_topic
from services.runtime.messaging.rebuild import rebuild
from services.runtime.messaging.republish import republish
from services.runtime.service import consumer_for, load_service, service_broker
from services.runtime.settings import RuntimeSettings
from tests.steps import consent_store
from tests.support import outbox_relay, service_app

EntryPoint = Callable[[RuntimeSettings], Awaitable[object]]
Client = AIOKafkaProducer | AIOKafkaConsumer | AIOKafkaAdminClient


@pytest.fixture
def broker_away(tmp_path: Path) -> RuntimeSettings:
    """Settings naming a broker on a port nobody listens on; stores of the test's own."""
    settings = RuntimeSettings(
        kafka_bootstrap=f"127.0.0.1:{free_port()}",
        environment="development",
        var_dir=tmp_path / "var",
        relay_log_check_seconds=0.5,
    )
    settings.var_dir.mkdir(parents=True)
    return settings


@pytest.fixture
def unclosed(
    broker_away: RuntimeSettings, caplog: pytest.LogCaptureFixture
) -> Callable[[], list[str]]:
    """The test's Kafka clients left unstopped: those still alive (a log record or a
    traceback may hold one) and those reported "Unclosed" when collected.

    Clients other tests of this worker left behind are collected before the
    capture starts, and live ones are told apart by the unreachable bootstrap.
    """
    gc.collect()
    caplog.clear()

    def left() -> list[str]:
        gc.collect()
        alive = [
            repr(client)
            for client in gc.get_objects()
            if isinstance(client, Client)
            and not client._closed  # what aiokafka's __del__ reports on
            and _bootstrap(client) == broker_away.kafka_bootstrap
        ]
        reported = [r.getMessage() for r in caplog.records if "Unclosed AIOKafka" in r.getMessage()]
        return alive + reported

    return left


def _bootstrap(client: Client) -> object:
    connection = client.client if isinstance(client, AIOKafkaProducer) else client._client
    return connection._bootstrap_servers


async def _ensure_topics(settings: RuntimeSettings) -> object:
    return await ensure_topics(settings, ["t.unreachable"])


async def _describe_topics(settings: RuntimeSettings) -> object:
    return await describe_topics(settings, ["t.unreachable"])


async def _peek(settings: RuntimeSettings) -> object:
    return await read_topic(settings.kafka_bootstrap, "t.unreachable")


async def _dead_letter_source(settings: RuntimeSettings) -> object:
    return await read_source(settings.kafka_bootstrap, "t.unreachable", 0, 0)


async def _republish(settings: RuntimeSettings) -> object:
    consent_store(settings).close()
    return await republish(settings, "consent", to_integration_event, start=1)


async def _rebuild(settings: RuntimeSettings) -> object:
    return await rebuild(settings, statistics_projection, max_rounds=1)


ENTRY_POINTS: dict[str, EntryPoint] = {
    "topics create": _ensure_topics,
    "topics check": _describe_topics,
    "peek": _peek,
    "dead-letter replay": _dead_letter_source,
    "outbox republish": _republish,
    "rebuild": _rebuild,
}


@pytest.mark.parametrize("entry_point", ENTRY_POINTS.values(), ids=ENTRY_POINTS.keys())
def test_an_operator_command_fails_and_leaves_no_unclosed_client(
    broker_away: RuntimeSettings, unclosed: Callable[[], list[str]], entry_point: EntryPoint
) -> None:
    with pytest.raises(KafkaConnectionError):
        asyncio.run(entry_point(broker_away))
    assert unclosed() == []


async def test_the_relay_retries_and_leaves_no_unclosed_client(
    broker_away: RuntimeSettings, unclosed: Callable[[], list[str]]
) -> None:
    app = consent_store(broker_away)
    relay = outbox_relay(app, broker_away, events_topic("consent", prefix="t.unreachable"))
    task = asyncio.create_task(relay.run())
    try:
        while relay.last_error is None:  # failed at least once, and retrying
            assert not task.done(), task
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)  # a few retries more
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
        app.close()
    assert "KafkaConnectionError" in (relay.last_error or "")
    assert unclosed() == []


async def test_a_consumer_whose_start_failed_is_stopped_without_an_unclosed_client(
    broker_away: RuntimeSettings, unclosed: Callable[[], list[str]]
) -> None:
    """The faststream broker as a service (and a chaos consumer role) retries it."""
    service = load_service("escalation").build(broker_away)
    broker = service_broker(service, instrumented=False)
    assert consumer_for(service, broker) is not None
    for _ in range(2):
        with pytest.raises(KafkaConnectionError):
            await broker.start()
        await broker.stop()
    service.app.close()
    assert unclosed() == []


@pytest.mark.parametrize("service", SERVICES)
async def test_a_service_waits_for_the_broker_and_leaves_no_unclosed_client(
    broker_away: RuntimeSettings, unclosed: Callable[[], list[str]], service: str
) -> None:
    """Its relay, access-log anchoring and consumer all retry while the broker is down;
    stopping the service then closes what they made."""
    app = service_app(service, broker_away)
    async with app.router.lifespan_context(app):
        await asyncio.sleep(2.0)
    assert unclosed() == []
