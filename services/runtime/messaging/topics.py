"""What every topic of the catalogue must look like on the broker, and how one differs.

Topics used to be created with one replica and the broker's default retention
(a week on Apache Kafka), so a broker failure could lose acknowledged events
and a quiet week deleted what rebuilds and new consumers read from the start
(#19, item 4). The catalogue's topics now carry their durability with them:

- events topics: the catalogue's partitions, `retention.ms=-1` — the topic
  is the platform's history (``samverkan rebuild`` reads it from offset 0);
- dead-letter topics: the same partitions, kept ``topic_dlq_retention_days``
  (long enough to find the cause and replay);
- audit-anchor topics: one partition, compacted, `retention.ms=-1`
  (services.runtime.messaging.audit_anchor).

Every topic gets ``topic_replication_factor`` replicas and
``topic_min_insync_replicas``. `topic_drift` says, in words, how a topic on
the broker differs (``samverkan topics check``). The kind of a topic is read
from its name's suffix (contracts.topics), so a service creating a missing
topic creates it exactly as the operator's ``samverkan topics create`` does.

This module does no I/O: services.runtime.messaging.kafka reads the broker.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from contracts import PARTITIONS, SERVICES, dlq_topic, events_topic
from contracts.topics import audit_anchor_topic
from services.runtime.settings import RuntimeSettings

KEEP_FOREVER = "-1"
DAY_MS = 24 * 3600 * 1000

RETENTION_MS = "retention.ms"
MIN_INSYNC_REPLICAS = "min.insync.replicas"
CLEANUP_POLICY = "cleanup.policy"


@dataclass(frozen=True)
class TopicSpec:
    """A topic as the platform needs it."""

    name: str
    partitions: int
    replication_factor: int
    configs: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class TopicState:
    """A topic as the broker describes it. `configs` holds what the broker reported;
    a config it did not report is the broker's default."""

    name: str
    partitions: int
    replication_factor: int
    configs: Mapping[str, str]


def topic_spec(settings: RuntimeSettings, topic: str, partitions: int | None = None) -> TopicSpec:
    """The spec of any catalogue topic, by its name's suffix (an events topic otherwise).

    `partitions` overrides the catalogue's count (tests build topics with more).
    """
    configs = {MIN_INSYNC_REPLICAS: str(settings.topic_min_insync_replicas)}
    count = PARTITIONS
    if topic.endswith(".dlq"):
        configs[RETENTION_MS] = str(settings.topic_dlq_retention_days * DAY_MS)
    elif topic.endswith(".audit-anchors"):
        count = 1
        configs[CLEANUP_POLICY] = "compact"
        configs[RETENTION_MS] = KEEP_FOREVER
    else:
        configs[RETENTION_MS] = KEEP_FOREVER
    return TopicSpec(
        name=topic,
        partitions=count if partitions is None else partitions,
        replication_factor=settings.topic_replication_factor,
        configs=MappingProxyType(configs),
    )


def catalogue(settings: RuntimeSettings) -> list[TopicSpec]:
    """Every topic of the platform: events, dead letters and audit anchors of each service."""
    prefix = settings.topic_prefix
    names = [events_topic(s, prefix=prefix) for s in SERVICES]
    names += [dlq_topic(s, prefix=prefix) for s in SERVICES]
    names += [audit_anchor_topic(s, prefix=prefix) for s in SERVICES]
    return [topic_spec(settings, name) for name in names]


def topic_drift(spec: TopicSpec, state: TopicState | None) -> list[str]:
    """How the topic on the broker differs from its spec, one phrase each; empty when it fits."""
    if state is None:
        return ["missing"]
    differences = []
    if state.partitions != spec.partitions:
        differences.append(f"partitions {state.partitions}, expected {spec.partitions}")
    if state.replication_factor != spec.replication_factor:
        differences.append(
            f"replication factor {state.replication_factor}, expected {spec.replication_factor}"
        )
    for name, expected in sorted(spec.configs.items()):
        actual = state.configs.get(name)
        if actual != expected:
            shown = "the broker's default" if actual is None else actual
            differences.append(f"{name} {shown}, expected {expected}")
    return differences
