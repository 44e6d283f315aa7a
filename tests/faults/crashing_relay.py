"""Consent's outbox relay in a process that SIGKILLs itself after the broker acked a batch.

The kill lands exactly between "published and acknowledged" and "position
recorded": the window in which a crash must lead to a republish, not a loss.
Settings come from the environment, as for a service.
"""

from __future__ import annotations

import asyncio
import os
import signal
from datetime import timedelta

from contracts import events_topic
from services.consent.application import ConsentApplication
from services.runtime.messaging.relay.outbox import OutboxRelay
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import RelayPosition, store_env
from tests.support import drain_relay


def die(relay: OutboxRelay, position: RelayPosition) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def main() -> None:
    settings = RuntimeSettings()
    app = ConsentApplication(
        env=store_env(settings, "consent"), longest_emergency_disclosure=timedelta(hours=72)
    )
    OutboxRelay.record_position = die  # type: ignore[method-assign]
    asyncio.run(drain_relay(app, settings, events_topic("consent", prefix=settings.topic_prefix)))


if __name__ == "__main__":
    main()
