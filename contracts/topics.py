"""Topic catalogue: one events topic per producing service, one dead-letter topic per consumer,
one audit-anchor topic per service (the head of its access log, kept outside its database).

Every function takes a `prefix` so that tests running in parallel against one
broker can use private topic names ("t1a2b3.samverkan" gives
"t1a2b3.samverkan.consent.events") without touching the production names.
"""

import re
from collections.abc import Mapping
from types import MappingProxyType

DEFAULT_PREFIX = "samverkan"

SERVICES = ("consent", "cases", "escalation", "reporting")
"""The producing services; each owns exactly one events topic."""

PARTITIONS = 3
"""Partitions per events topic. The key is the subject id, so one individual's
events stay ordered in one partition whatever this number is."""

_TOPIC_PART = re.compile(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*")
"""A conservative subset of Kafka's legal topic characters."""


def _name(prefix: str, part: str, suffix: str) -> str:
    if not _TOPIC_PART.fullmatch(prefix) or not _TOPIC_PART.fullmatch(part):
        raise ValueError(f"not a valid topic name part: {prefix!r}, {part!r}")
    return f"{prefix}.{part}.{suffix}"


def events_topic(service: str, prefix: str = DEFAULT_PREFIX) -> str:
    """The topic `service` publishes its integration events to."""
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}; expected one of {SERVICES}")
    return _name(prefix, service, "events")


def dlq_topic(consumer: str, prefix: str = DEFAULT_PREFIX) -> str:
    """The dead-letter topic of the consumer (group) named `consumer`."""
    return _name(prefix, consumer, "dlq")


def audit_anchor_topic(service: str, prefix: str = DEFAULT_PREFIX) -> str:
    """Where `service` anchors its access log's head (services.runtime.messaging.audit_anchor).

    Internal, not part of the public contract: one partition, compacted, written
    only by the service's own principal and read by it and the operator.
    """
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}; expected one of {SERVICES}")
    return _name(prefix, service, "audit-anchors")


EVENT_TOPICS: Mapping[str, str] = MappingProxyType({s: events_topic(s) for s in SERVICES})
"""service -> events topic, with the production prefix."""
