"""Fault: ``outbox republish`` onto a topic with more partitions than the catalogue says.

Issue #19, item 5. The relay keeps keys on the catalogue's partitions
(``contracts.PARTITIONS``), but republish spread them over the partitions the
topic actually had. On a topic grown to more partitions (an operator added
some, a broker re-created it with its default), republished events landed on
other partitions, under new ``source#partition`` names, and consumers applied
them a second time. Both now ask one function (services.runtime.messaging.partitioning)
where a key goes: same event, same partition, same predecessor.
"""

from __future__ import annotations

from datetime import UTC, datetime

from contracts import PARTITIONS
from services.consent.translate import to_integration_event
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.messaging.kafka import ensure_topics
from services.runtime.messaging.partitioning import partition_index
from services.runtime.messaging.republish import republish
from services.runtime.settings import RuntimeSettings
from tests.faults.escalation_downstream import (
    assert_noted_once,
    consent_topic,
    consents_recorded,
    consumed_by_escalation,
    subject_ids,
)
from tests.support import drain_relay, metric_value, placements, read_topic

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
SUBJECTS = subject_ids(range(1, 13))


async def test_republish_onto_a_wider_topic_keeps_partitions_and_nothing_applies_twice(
    runtime_settings: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    settings = runtime_settings
    topic = consent_topic(settings)
    await ensure_topics(settings, [topic], partitions=PARTITIONS * 2)
    consent = consents_recorded(settings, SUBJECTS, NOW)
    await drain_relay(consent, settings, topic)

    done = await republish(settings, "consent", to_integration_event, start=1)

    assert done.messages == len(SUBJECTS)
    records = read_topic(kafka.bootstrap, topic)
    assert len(records) == 2 * len(SUBJECTS)
    for record in records:
        assert record.key is not None
        assert record.partition == partition_index(record.key, PARTITIONS)
    # The relay's copy and republish's copy: same partition, same predecessor.
    placed = placements(kafka.bootstrap, topic)
    assert all(len(places) == 1 for places in placed.values()), placed

    escalation, metrics = await consumed_by_escalation(
        settings, topic, 2 * len(SUBJECTS), outcomes=("applied", "duplicate")
    )
    assert metric_value(metrics, "handled", topic=topic, outcome="applied") == len(SUBJECTS)
    assert metric_value(metrics, "handled", topic=topic, outcome="duplicate") == len(SUBJECTS)
    assert_noted_once(escalation, SUBJECTS)
