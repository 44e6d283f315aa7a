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

from contracts import PARTITIONS, events_topic
from services.consent.translate import to_integration_event
from services.escalation.application import EscalationApplication
from services.escalation.domain import authorisations_id
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.messaging.kafka import ensure_topics
from services.runtime.messaging.partitioning import partition_index
from services.runtime.messaging.republish import republish
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env
from tests.steps import consent_store, record_consent
from tests.support import (
    drain_relay,
    eventually,
    metric_value,
    placements,
    read_topic,
    running_consumer,
)

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
SUBJECTS = [f"{n:064x}" for n in range(1, 13)]


async def test_republish_onto_a_wider_topic_keeps_partitions_and_nothing_applies_twice(
    runtime_settings: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    settings = runtime_settings
    topic = events_topic("consent", prefix=settings.topic_prefix)
    await ensure_topics(settings, [topic], partitions=PARTITIONS * 2)
    consent = consent_store(settings)
    for subject_id in SUBJECTS:
        record_consent(consent, subject_id, NOW)
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

    escalation = EscalationApplication(env=store_env(settings, "escalation"))
    async with running_consumer(settings, escalation, ["consent"], "escalation") as metrics:
        await eventually(
            lambda: (
                metric_value(metrics, "handled", topic=topic, outcome="applied")
                + metric_value(metrics, "handled", topic=topic, outcome="duplicate")
                == 2 * len(SUBJECTS)
            )
        )
    assert metric_value(metrics, "handled", topic=topic, outcome="applied") == len(SUBJECTS)
    assert metric_value(metrics, "handled", topic=topic, outcome="duplicate") == len(SUBJECTS)
    for subject_id in SUBJECTS:
        view = escalation.repository.get(authorisations_id(subject_id))
        assert view.version == 2  # opened + noted once
        assert len(view.consents) == 1
