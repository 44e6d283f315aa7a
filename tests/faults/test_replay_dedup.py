"""Fault: one message dead-lettered several times is applied once per copy on replay.

#19, item 1 (its replay half): a consumer that re-read its partition (a gap,
a rewind) dead-lettered the same undecodable message again each time; replay
tracked each dead letter by its own offset on the dead-letter topic, so three
copies of one message were applied three times. Replay now tracks the
message's position at its source (``ce_source``, partition, ``ce_sequence``),
or its ``ce_id`` when it has no position, so any number of copies apply once.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from uuid import UUID

import pytest
from eventsourcing.application import Application
from typer.testing import CliRunner

from contracts import ConsentGiven, dlq_topic, encode, events_topic
from services.reporting.domain.measures import CONSENTS_GIVEN
from services.reporting.views.statistics import statistics_view
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.ops.cli import app
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env
from tests.contract.examples import EXAMPLES
from tests.support import produce_raw, read_topic

runner = CliRunner()


@pytest.fixture
def env(operator_topics: RuntimeSettings) -> RuntimeSettings:
    return operator_topics


def consents_counted(settings: RuntimeSettings) -> int:
    reporting = Application[UUID](env=store_env(settings, "reporting"))
    try:
        return sum(
            r.count for r in statistics_view(reporting).counts() if r.measure == CONSENTS_GIVEN
        )
    finally:
        reporting.close()


def dead_letter_twice(settings: RuntimeSettings, kafka: EmbeddedBroker) -> list[str]:
    """The same ConsentGiven on reporting's DLQ twice, as a consumer that rewound in
    between leaves it: same value, same headers, two offsets."""
    message = encode(
        EXAMPLES[ConsentGiven],
        event_id="5e1f3a2b-7c4d-4e6f-8a9b-0c1d2e3f4a5b",
        time=datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
        sequence=4,
        prev_sequence=0,
    )
    headers = [
        *message.headers,
        ("dlq.reason", b"handler-failed"),
        ("dlq.error", b"RuntimeError('a bug, since fixed')"),
        ("dlq.consumer", f"{settings.topic_prefix}.reporting".encode()),
        ("dlq.source.topic", events_topic("consent", prefix=settings.topic_prefix).encode()),
        ("dlq.source.partition", b"0"),
        ("dlq.source.offset", b"3"),
    ]
    dlq = dlq_topic("reporting", prefix=settings.topic_prefix)
    copy = (message.key, message.value, headers)
    asyncio.run(produce_raw(kafka.bootstrap, dlq, [copy, copy]))
    return [f"{r.partition}:{r.offset}" for r in read_topic(kafka.bootstrap, dlq)]


def test_two_dead_letters_of_one_message_replay_once(
    env: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    """#19, item 1: deduplicated by (source, partition, sequence), not dead-letter offset."""
    first, second = dead_letter_twice(env, kafka)

    replayed = runner.invoke(app, ["dead-letters", "replay", "reporting", first])
    assert replayed.exit_code == 0, replayed.output
    assert "applied" in replayed.output
    again = runner.invoke(app, ["dead-letters", "replay", "reporting", second])
    assert again.exit_code == 0, again.output
    assert "already replayed" in again.output
    assert consents_counted(env) == 1
