"""Kafka client options and topic administration, the same for every service."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from contracts import PARTITIONS
from services.runtime.settings import RuntimeSettings


def producer_options(settings: RuntimeSettings) -> dict[str, Any]:
    """Durable producer settings: an event is only ours to forget once all replicas have it.

    ``acks="all"`` always. Idempotence stays a setting because the embedded
    Tansu broker does not implement it; correctness never depends on it, since
    consumers deduplicate by the producer's store position.
    """
    return {
        "bootstrap_servers": settings.kafka_bootstrap,
        "acks": "all",
        "enable_idempotence": settings.kafka_enable_idempotence,
        "linger_ms": 2,
        "max_batch_size": 256 * 1024,
        "request_timeout_ms": 10_000,
        "retry_backoff_ms": 200,
    }


async def ensure_topics(
    settings: RuntimeSettings, topics: Iterable[str], partitions: int = PARTITIONS
) -> None:
    """Create missing topics with the catalogue's partition count.

    Called at start-up and whenever a broker may have lost its metadata; a
    topic that exists is left exactly as it is.
    """
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [NewTopic(t, partitions, 1) for t in topics if t not in existing]
        if missing:
            # A topic another process created meanwhile comes back as an error
            # code in the response, which is exactly the outcome we want.
            await admin.create_topics(missing)
    finally:
        await admin.close()
