"""Sending what the consumer cannot read or apply to its dead-letter topic, and waiting
for the broker's ack before its position is recorded.

A dead letter is never skipped, only late: while the topic is unavailable the
send is retried, and the partition does not move on. The headers say why and
from where (``dlq.*``), for ``samverkan dead-letters`` to show and replay.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka import ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError
from faststream.kafka import KafkaBroker
from prometheus_client import Counter

from services.runtime.kernel.tracing import consuming
from services.runtime.messaging.consumer.backoff import backoff
from services.runtime.messaging.consumer.records import span_attributes

log = logging.getLogger(__name__)


class NoLongerOurs(Exception):
    """The partition was handed to another member while its batch was still in hand."""


class DeadLetterSender:
    """One consumer's dead-letter topic, created again when a broker lost it."""

    def __init__(
        self,
        *,
        topic: str,
        group_id: str,
        counter: Counter,
        ensure_topic: Callable[[], Awaitable[None]] | None,
        letting_go: asyncio.Event,
    ) -> None:
        self._topic = topic
        self._letting_go = letting_go
        """The membership's: set while a revoke waits for the batch in flight."""
        self._group_id = group_id
        self._counter = counter
        self._ensure_topic = ensure_topic
        self._topic_checked_at = float("-inf")
        self.broker: KafkaBroker | None = None
        """Set when the consumer subscribes."""

    def check_topic_again(self) -> None:
        """Make sure the topic exists before the next dead letter (a new batch's first)."""
        self._topic_checked_at = float("-inf")

    async def send(
        self, consumer: Any, record: ConsumerRecord[bytes, bytes], reason: str, error: str
    ) -> None:
        """Send to the dead-letter topic and wait for its ack, retrying while it is unavailable.

        Until it is acknowledged the message's position is not recorded and the
        partition does not move on: a dead letter is never skipped, only late.
        `consumer` is the one whose batch is being handled, asked whether the
        record's partition is still ours.
        """
        attempt = 0
        while True:
            try:
                await self._send(record, reason, error)
                return
            except KafkaError as failure:
                partition = TopicPartition(record.topic, record.partition)
                if consumer is not None and partition not in consumer.assignment():
                    # Let go while we waited (the revoke gave up waiting): its new
                    # owner dead-letters it; sending it too would make it twice.
                    raise NoLongerOurs(f"{partition} reassigned during a dead letter") from failure
                if self._letting_go.is_set():
                    # A revoke waits for us: give way before the group goes on without
                    # this member; the next owner sends it once the topic is back.
                    raise NoLongerOurs(f"{partition} revoked during a dead letter") from failure
                log.warning("dead-letter topic %s unavailable, retrying: %r", self._topic, failure)
                self._topic_checked_at = float("-inf")  # perhaps it is gone: check again
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._letting_go.wait(), backoff(attempt))
                attempt += 1

    async def _send(self, record: ConsumerRecord[bytes, bytes], reason: str, error: str) -> None:
        assert self.broker is not None
        if self._ensure_topic is not None and time.monotonic() - self._topic_checked_at > 1:
            # A broker that lost its log acknowledges sends to a topic it no
            # longer has and keeps nothing (the embedded one does): create it
            # again first — for each fetched batch's first dead letter, and at
            # most once a second within a batch.
            await self._ensure_topic()
            self._topic_checked_at = time.monotonic()
        headers = {
            name: (value or b"").decode("utf-8", "backslashreplace")
            for name, value in record.headers
        }
        headers.update(
            {
                "dlq.reason": reason,
                "dlq.error": error[:2000],
                "dlq.consumer": self._group_id,
                "dlq.source.topic": record.topic,
                "dlq.source.partition": str(record.partition),
                "dlq.source.offset": str(record.offset),
            }
        )
        await self.broker.publish(
            record.value or b"",
            topic=self._topic,
            key=record.key,
            headers=headers,
        )
        self._counter.labels(record.topic, reason).inc()
        with consuming(f"dead-letter {record.topic}", record.headers, span_attributes(record)):
            log.warning(
                "dead-lettered %s[%s]@%s: %s", record.topic, record.partition, record.offset, reason
            )
