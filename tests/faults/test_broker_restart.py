"""Fault: the embedded broker restarts and loses its whole log, mid-story.

Offsets start again from zero and every topic is gone. Relays must notice and
republish; consumers must skip what they applied and apply what is new;
nothing may be applied twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from eventsourcing.application import AggregateNotFoundError

from contracts import events_topic
from services.escalation.application import EscalationApplication
from services.escalation.domain import authorisations_id
from services.runtime.kernel.identity import luhn_check_digit
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.messaging.kafka import ensure_topics
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env
from tests.support import POLICE, SOCIAL, ServiceProcess, consent_given, read_topic, wait_for


def valid_numbers() -> list[str]:
    """Made-up numbers with a valid check digit, siblings of the test number 19121212-1212."""
    return [f"19121212-{serial}{luhn_check_digit(f'121212{serial}')}" for serial in range(100, 110)]


def give_consent(consent: ServiceProcess, personnummer: str) -> str:
    given = consent_given(
        consent,
        personnummer,
        by=POLICE,
        purpose="red_thread_meeting",
        parties=[POLICE.org_id, SOCIAL.org_id],
        form="oral",
    )
    subject_id: str = given["subject_id"]
    return subject_id


def noted_once(settings: RuntimeSettings, subjects: list[str]) -> Callable[[], Any]:
    """Escalation's own store holds each subject's consent exactly once."""

    def check() -> bool:
        app = EscalationApplication(env=store_env(settings, "escalation"))
        try:
            views = [app.repository.get(authorisations_id(s)) for s in subjects]
        except AggregateNotFoundError:
            return False
        finally:
            app.close()
        assert all(v.version <= 2 for v in views), "a consent was applied twice"
        return all(v.version == 2 for v in views)

    return check


@pytest.mark.long_running(75)  # started before shorter work (tests/grouping.py)
def test_broker_losing_its_log_is_survived_without_loss_or_doubles(
    runtime_settings: RuntimeSettings,
    private_kafka: EmbeddedBroker,
    start_services: Callable[..., dict[str, ServiceProcess]],
) -> None:
    settings = runtime_settings.model_copy(update={"kafka_bootstrap": private_kafka.bootstrap})
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    consent, escalation = start_services("consent", "escalation", settings=settings).values()
    numbers = valid_numbers()
    try:
        before = [give_consent(consent, n) for n in numbers[:3]]
        wait_for(noted_once(settings, before), timeout=30)

        private_kafka.restart()  # every topic, offset and group is gone

        after = [give_consent(consent, n) for n in numbers[3:6]]
        wait_for(noted_once(settings, before + after), timeout=60)
        topic = events_topic("consent", prefix=settings.topic_prefix)
        republished = wait_for(
            lambda: (
                len({dict(r.headers)["ce_id"] for r in read_topic(private_kafka.bootstrap, topic)})
                == 6
            ),
            timeout=30,
        )
        assert republished
    finally:
        escalation.stop()
        consent.stop()
    assert "republishing from the start" in consent.logs()
    assert "gap cannot be filled" not in escalation.logs()


def test_a_write_the_broker_took_for_a_topic_it_had_lost_does_not_haunt_the_topic_made_again(
    runtime_settings: RuntimeSettings, private_kafka: EmbeddedBroker
) -> None:
    """The embedded broker, its log lost, takes a produce for a topic it no longer lists (a
    relay's producer still holds the old metadata). The topic then created over that write
    answered no fetch: relay probes and consumers stalled on it for good."""
    settings = runtime_settings.model_copy(update={"kafka_bootstrap": private_kafka.bootstrap})
    topic = events_topic("consent", prefix=settings.topic_prefix)

    async def story() -> None:
        await ensure_topics(settings, [topic])
        producer = AIOKafkaProducer(bootstrap_servers=private_kafka.bootstrap)
        try:
            await producer.start()
            await (await producer.send(topic, b"before", partition=1))
            private_kafka.restart()
            ghost = await asyncio.wait_for(await producer.send(topic, b"ghost", partition=1), 10)
            assert ghost.offset == 0  # taken, though the broker lists no such topic
            await ensure_topics(settings, [topic])
            await producer.client.force_metadata_update()
            await (await producer.send(topic, b"after", partition=1))
        finally:
            await producer.stop()

    asyncio.run(story())
    assert [r.value for r in read_topic(private_kafka.bootstrap, topic)] == [b"after"]
