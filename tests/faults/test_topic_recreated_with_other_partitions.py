"""Fault: after the broker lost its log, the topic comes back with another partition count.

Found by the chaos campaign (#12): a broker re-creates a lost topic on its own
(with its default partition count) when a client asks for it before the
relay creates it as catalogued. The relay spread keys over the partitions it
found, so events landed on other partitions than before; consumers track
positions per ``source#partition`` and applied them again (2,080 steps
doubled in one long run). The relay now keeps to the catalogue's partitions.
"""

from __future__ import annotations

from datetime import UTC, datetime

from contracts import PARTITIONS
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.messaging.kafka import ensure_topics
from services.runtime.messaging.partitioning import partition_index
from services.runtime.settings import RuntimeSettings
from tests.faults.escalation_downstream import consent_topic, consents_recorded, subject_ids
from tests.support import drain_relay, read_topic

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


async def test_keys_stay_on_the_catalogued_partitions_whatever_the_topic_has(
    runtime_settings: RuntimeSettings, kafka: EmbeddedBroker
) -> None:
    settings = runtime_settings
    topic = consent_topic(settings)
    await ensure_topics(settings, [topic], partitions=PARTITIONS + 2)
    consent = consents_recorded(settings, subject_ids(range(1, 25)), NOW)
    await drain_relay(consent, settings, topic)

    records = read_topic(kafka.bootstrap, topic)
    assert len(records) == 24
    for record in records:
        assert record.key is not None
        assert record.partition == partition_index(record.key, PARTITIONS)
