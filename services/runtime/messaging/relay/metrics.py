"""What the relay exports for dashboards and alerts: leading, published, position and
head (their difference is the outbox lag), log losses, failures, parked and found."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge


@dataclass(frozen=True)
class RelayMetrics:
    leading: Gauge
    published: Counter
    position: Gauge
    head: Gauge
    republishes: Counter
    failures: Counter
    parked: Counter
    skipped: Counter

    @classmethod
    def register(cls, registry: CollectorRegistry) -> RelayMetrics:
        return cls(
            leading=Gauge(
                "samverkan_outbox_leading",
                "1 while this replica is the one relaying the topic (others stand by).",
                ["topic"],
                registry=registry,
            ),
            published=Counter(
                "samverkan_outbox_published",
                "Integration events the outbox relay published (acknowledged by the broker).",
                ["topic"],
                registry=registry,
            ),
            position=Gauge(
                "samverkan_outbox_position",
                "Last store position the relay has published and recorded.",
                ["topic"],
                registry=registry,
            ),
            head=Gauge(
                "samverkan_outbox_head",
                "Highest store position the relay has seen; head minus position is outbox lag.",
                ["topic"],
                registry=registry,
            ),
            republishes=Counter(
                "samverkan_outbox_log_losses",
                "Times the broker had lost what the relay published, forcing a republish.",
                ["topic"],
                registry=registry,
            ),
            failures=Counter(
                "samverkan_outbox_failures",
                "Relay rounds that failed (broker or store unavailable) and were retried.",
                ["topic"],
                registry=registry,
            ),
            parked=Counter(
                "samverkan_outbox_parked",
                "Stored events the relay could not translate, parked and not published.",
                ["topic"],
                registry=registry,
            ),
            skipped=Counter(
                "samverkan_outbox_found_on_topic",
                "Messages not sent because the topic already held them: published by a relay "
                "that crashed, or lost the lead, before recording its position.",
                ["topic"],
                registry=registry,
            ),
        )
