"""The e2e latency hop by hop, each against a raw Kafka round trip on the same broker (#24).

A command to consent passes three points on its way to reporting's read model:

1. **HTTP answer**: consent has stored it durably and answered the client;
2. **on the topic**: its event can be read from consent's events topic, by a raw
   aiokafka consumer as any downstream reader would (`TopicWatcher`);
3. **applied downstream**: reporting has counted it (bench.e2e's probe).

Each hop is timed from when the command was *due* (open loop), so a stall
anywhere before it shows in it. Hops 2 and 3 are matched by order: the k-th
event seen is taken for the k-th command due, as the commands are alike.

The yardstick is what Kafka alone costs on this broker at this moment: a raw
aiokafka producer (acks=all, the client's defaults otherwise) sends to a topic
of its own at the same rate, on the same open-loop schedule, and a raw consumer
with the platform's ``fetch_max_wait_ms`` reads it back (`raw_round_trip`),
right before the platform's load. The embedded broker holds every fetch for
the whole wait, so that wait is in the yardstick as it is in the platform's
hops; what the platform adds beyond it is its own.
"""

from __future__ import annotations

import asyncio
import struct
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from contracts.cloudevents import H_TYPE
from services.runtime.messaging.kafka import started

HOP_RATIO = 2.0
"""The target: each hop within this many raw round trips (p50 to p50, p99 to p99)."""
E2E_P99_MS = 50.0
"""The target: the whole way, HTTP command to counted downstream, at p99."""


@dataclass(frozen=True)
class Spread:
    """Percentiles of one set of latencies, in milliseconds."""

    p50_ms: float
    p99_ms: float
    max_ms: float
    count: int

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Spread:
        ordered = sorted(seconds)
        return cls(
            p50_ms=percentile(ordered, 0.50) * 1000,
            p99_ms=percentile(ordered, 0.99) * 1000,
            max_ms=(ordered[-1] * 1000) if ordered else 0.0,
            count=len(ordered),
        )

    def ratio_to(self, raw: Spread) -> tuple[float, float]:
        """(p50, p99) of this over the raw round trip's."""
        return (
            self.p50_ms / raw.p50_ms if raw.p50_ms else 0.0,
            self.p99_ms / raw.p99_ms if raw.p99_ms else 0.0,
        )


def percentile(ordered: Sequence[float], q: float) -> float:
    """The q-quantile of sorted values (nearest rank, as the other figures take it)."""
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def matched(due: Sequence[float], seen: Sequence[float]) -> list[float]:
    """Latencies of alike commands, the k-th seen matched to the k-th due."""
    return [at - when for at, when in zip(seen, sorted(due), strict=False)]


async def raw_round_trip(
    bootstrap: str, rate: float, seconds: float, fetch_max_wait_ms: int
) -> Spread:
    """A bare produce → consume round trip at `rate` for `seconds`, on a new topic.

    Open loop like the platform's load: the n-th message is due at start + n/rate
    and its latency is when the consumer got it minus when it was due.
    """
    topic = f"bench.round-trip.{uuid.uuid4().hex[:12]}"
    async with started(AIOKafkaAdminClient(bootstrap_servers=bootstrap)) as admin:
        await admin.create_topics([NewTopic(topic, 1, 1)])
    partition = TopicPartition(topic, 0)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=fetch_max_wait_ms,
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    total = max(1, int(rate * seconds))
    seen: dict[int, float] = {}
    async with started(consumer), started(producer):
        consumer.assign([partition])
        await consumer.seek_to_beginning(partition)

        async def consume() -> None:
            while len(seen) < total:
                batch = await consumer.getmany(partition, timeout_ms=100)
                now = time.perf_counter()
                for record in batch.get(partition, []):
                    assert record.value is not None
                    seen.setdefault(struct.unpack(">I", record.value)[0], now)

        reading = asyncio.create_task(consume())
        await asyncio.sleep(0.2)  # the consumer's first fetch is out
        start = time.perf_counter() + 0.05
        acks = []
        for n in range(total):
            delay = start + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            acks.append(await producer.send(topic, struct.pack(">I", n), partition=0))
        await asyncio.gather(*acks)
        await asyncio.wait_for(reading, timeout=30)
    async with started(AIOKafkaAdminClient(bootstrap_servers=bootstrap)) as admin:
        await admin.delete_topics([topic])
    return Spread.of([seen[n] - (start + n / rate) for n in range(total)])


class TopicWatcher:
    """A raw consumer on a topic from its current end, noting when each message of one
    CloudEvents type arrives (no group: it changes nothing for the platform's consumers).

    The embedded broker reports a partition's end as the start of its last batch
    plus one, so reading from "the end" brings back the rest of the last batch
    sent before: only messages stamped (Kafka's record timestamp) after the
    watcher began are counted.
    """

    def __init__(self, bootstrap: str, topic: str, ce_type: str, fetch_max_wait_ms: int) -> None:
        self._topic = topic
        self._type = ce_type.encode()
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap,
            enable_auto_commit=False,
            fetch_max_wait_ms=fetch_max_wait_ms,
        )
        self._task: asyncio.Task[None] | None = None
        self._arrived = asyncio.Event()
        self._since_ms = 0
        self.seen_at: list[float] = []

    async def __aenter__(self) -> TopicWatcher:
        await self._consumer.start()
        try:
            await self._consumer.topics()  # the metadata of every topic, this one's included
            partitions = [
                TopicPartition(self._topic, p)
                for p in sorted(self._consumer.partitions_for_topic(self._topic) or ())
            ]
            if not partitions:
                raise LookupError(f"no topic {self._topic} to watch")
            self._consumer.assign(partitions)
            await self._consumer.seek_to_end(*partitions)
            for partition in partitions:  # settle the positions before anything is sent
                await self._consumer.position(partition)
        except BaseException:
            await self._consumer.stop()
            raise
        self._since_ms = int(time.time() * 1000)
        self._task = asyncio.create_task(self._watch())
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._consumer.stop()

    async def _watch(self) -> None:
        while True:
            batch = await self._consumer.getmany(timeout_ms=100)
            now = time.perf_counter()
            for records in batch.values():
                for record in records:
                    ours = (H_TYPE, self._type) in record.headers
                    if ours and record.timestamp >= self._since_ms:
                        self.seen_at.append(now)
                        self._arrived.set()

    async def wait_for(self, count: int) -> None:
        """Until `count` messages of the type arrived (bound it with ``asyncio.timeout``)."""
        while len(self.seen_at) < count:
            self._arrived.clear()
            await self._arrived.wait()
