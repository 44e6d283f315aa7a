"""The dead-letter topics unavailable for a while, as the consumers see it.

While the file :data:`DLQ_DOWN` exists under the stack's var_dir, every
attempt of a stack process to check or create a dead-letter topic fails with
a broker error — what a consumer meets when the broker refuses the topic
(deleted and not yet re-created, an ACL change, a partition without a
leader). The tracked consumer checks its dead-letter topic before it sends a
batch's first dead letter, so no dead letter can be sent meanwhile: poison
that arrives must wait, neither be skipped nor sent twice, and land exactly
once when the topic is back (#19, items 1 and 2).

Why a file and not the broker: the embedded broker has no ACLs, and
deleting the topic would delete the dead letters already in it (a loss no
consumer could prevent), while a consumer re-creates a deleted one at once.
The service processes (:mod:`bench.chaos.serve`) and the role processes
(:mod:`bench.chaos.role`) route their topic checks through :func:`ensure_topics`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aiokafka.errors import KafkaConnectionError

from contracts import SERVICES, dlq_topic
from services.runtime.messaging import kafka
from services.runtime.settings import RuntimeSettings

DLQ_DOWN = "chaos-dlq-unavailable"


async def ensure_topics(
    settings: RuntimeSettings, topics: Iterable[str], *args: Any, **kwargs: Any
) -> None:
    """`services.runtime.messaging.kafka.ensure_topics`, failing for a dead-letter topic
    while it is down."""
    topics = list(topics)
    letters = {dlq_topic(s, prefix=settings.topic_prefix) for s in SERVICES}
    if (settings.var_dir / DLQ_DOWN).exists() and letters.intersection(topics):
        raise KafkaConnectionError("dead-letter topic unavailable (chaos campaign)")
    await kafka.ensure_topics(settings, topics, *args, **kwargs)


def install() -> None:
    """Route the service's own topic checks (consumer and start-up) through ours."""
    from services.runtime import service

    service.ensure_topics = ensure_topics  # type: ignore[attr-defined]
