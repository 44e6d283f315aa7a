"""What the consumer exports for dashboards and alerts: messages by outcome, dead
letters by reason, rewinds, and the lag of the partitions it owns."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass

from aiokafka import TopicPartition
from prometheus_client import CollectorRegistry, Counter, Gauge

from services.runtime.messaging.consumer.target import Outcome

DEAD_LETTER_REASONS = ("undecodable", "unknown_event_type", "oversized", "handler-failed")


@dataclass(frozen=True)
class ConsumerMetrics:
    handled: Counter
    dead_letters: Counter
    rewinds: Counter
    lag: Gauge

    def forget_lag(self, partition: TopicPartition) -> None:
        """A partition no longer ours has no lag *here*: its new owner reports it.

        Left in place, the last value stays exported for good, and a dashboard
        (or the chaos checker) sums a lag nobody is working off.
        """
        with contextlib.suppress(KeyError):  # never measured here
            self.lag.remove(partition.topic, str(partition.partition))

    def prepare(self, topics: Sequence[str]) -> None:
        """Create every series at 0, so a first dead letter is an increase alerts can see."""
        for topic in topics:
            for outcome in (*(o.value for o in Outcome), "dead_letter"):
                self.handled.labels(topic, outcome)
            for reason in DEAD_LETTER_REASONS:
                self.dead_letters.labels(topic, reason)
            self.rewinds.labels(topic)

    @classmethod
    def register(cls, registry: CollectorRegistry) -> ConsumerMetrics:
        return cls(
            handled=Counter(
                "samverkan_consumer_messages",
                "Upstream messages handled, by outcome (applied, duplicate, gap, dead_letter).",
                ["topic", "outcome"],
                registry=registry,
            ),
            dead_letters=Counter(
                "samverkan_dead_letters",
                "Messages sent to the dead-letter topic, by reason.",
                ["topic", "reason"],
                registry=registry,
            ),
            rewinds=Counter(
                "samverkan_consumer_rewinds",
                "Partitions re-read from the start because a predecessor was missing.",
                ["topic"],
                registry=registry,
            ),
            lag=Gauge(
                "samverkan_consumer_lag",
                "Messages after the last one handled, per partition (high watermark - offset - 1).",
                ["topic", "partition"],
                registry=registry,
            ),
        )
