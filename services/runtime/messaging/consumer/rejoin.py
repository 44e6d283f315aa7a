"""Before the consumer (re)joins its group, the topics it subscribes to exist, as the
catalogue makes them.

When the broker has lost its log, a consumer rejoins before anyone has made its
upstream topics again: their relays make theirs only when they next publish or
check, and a topic nobody publishes to may stay missing for good. The group's
leader then assigned around a topic it could not see (and, while aiokafka's
metadata requests still created topics, waited for the broker to make it with
its own partition count: the broker-restart flake, see
services.runtime.messaging.metadata). Ensuring them first, as the relay does
for its own topic, gives the leader every subscribed topic with the catalogue's
partitions to assign.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiokafka.errors import KafkaError

log = logging.getLogger(__name__)

ENSURE_SECONDS = 10.0
"""How long a join waits for its topics to be ensured: a broker that does not answer
must not hold the join (and with it the group) for longer than a session."""


def topics_ensured(ensure: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
    """What a join does first: `ensure` (``ensure_topics`` of the subscribed topics),
    bounded, a failure logged rather than raised, so the join goes ahead either way:
    the topics that exist are assigned, and the next rejoin ensures again."""

    async def before_join() -> None:
        try:
            await asyncio.wait_for(ensure(), ENSURE_SECONDS)
        except (KafkaError, OSError, TimeoutError) as error:
            log.warning("could not ensure the subscribed topics before joining: %r", error)

    return before_join
