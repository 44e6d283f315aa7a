"""Fault: one message dead-lettered several times is applied once per copy on replay.

#19, item 1 (its replay half): a consumer that re-read its partition (a gap,
a rewind) dead-lettered the same undecodable message again each time; replay
tracked each dead letter by its own offset on the dead-letter topic, so three
copies of one message were applied three times. Replay now tracks the
message's position at its source (``ce_source``, partition, ``ce_sequence``),
or its ``ce_id`` when it has no position, so any number of copies apply once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest
from eventsourcing.application import Application
from typer.testing import CliRunner

from services.reporting.domain.measures import CONSENTS_GIVEN
from services.reporting.views.statistics import statistics_view
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.ops.cli import app
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env
from tests.steps import consent_dead_lettered

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


def test_two_dead_letters_of_one_message_replay_once(
    env: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    """#19, item 1: deduplicated by (source, partition, sequence), not dead-letter offset."""
    first, second = consent_dead_lettered(
        env,
        kafka,
        "reporting",
        event_id="5e1f3a2b-7c4d-4e6f-8a9b-0c1d2e3f4a5b",
        at=datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
        copies=2,  # as a consumer that rewound in between leaves it: two offsets
    )

    replayed = runner.invoke(app, ["dead-letters", "replay", "reporting", first])
    assert replayed.exit_code == 0, replayed.output
    assert "applied" in replayed.output
    again = runner.invoke(app, ["dead-letters", "replay", "reporting", second])
    assert again.exit_code == 0, again.output
    assert "already replayed" in again.output
    assert consents_counted(env) == 1
