"""Waiting out what is only unavailable: the store, the dead-letter topic.

A store outage is not a reason to dead-letter (that would lose a good
message) nor to give up (that would strand the rest of the batch): the
consumer waits, with a backoff capped at a few seconds.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError

log = logging.getLogger(__name__)

TRANSIENT = (OperationalError, InterfaceError)
"""Store unavailable: wait it out; dead-lettering would lose a good message."""

_MAX_BACKOFF_SECONDS = 5.0


def backoff(attempt: int) -> float:
    """Seconds to wait before try `attempt` + 1 of something that is only unavailable."""
    return min(0.1 * 2.0 ** min(attempt, 6), _MAX_BACKOFF_SECONDS)


def retrying(operation: Callable[[], Any]) -> Any:
    """In a worker thread: run `operation`, waiting out a store outage with backoff.

    Dead-lettering instead would lose a good message; giving up would strand the
    rest of the batch.
    """
    attempt = 0
    while True:
        try:
            return operation()
        except TRANSIENT as error:
            log.warning("store unavailable, retrying: %r", error)
            time.sleep(backoff(attempt))
            attempt += 1
