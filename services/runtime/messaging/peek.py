"""Look at a topic as a partner would: ``python -m services.runtime.messaging.peek <topic>``.

Prints every message from the start of the topic to its current end as one
JSON object per line, in the shape of ``kcat -C -J`` (topic, partition,
offset, ts, key, headers as a flat name/value list, payload). kcat itself
works against real Kafka; Debian's librdkafka 2.0 cannot parse the embedded
Tansu broker's ApiVersions reply, so this is the way to peek at ``make run``.

Services import `read_topic` (the audit anchor reads its topic back); the
command line's typer is imported only when this runs as a program, so it is
not resident in every service (#24).
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from services.runtime.messaging.kafka import client_options
from services.runtime.settings import RuntimeSettings


def _text(value: bytes | None) -> str | None:
    return None if value is None else value.decode("utf-8", "backslashreplace")


async def read_topic(
    bootstrap: str, topic: str, idle_ms: int = 500, options: Mapping[str, Any] | None = None
) -> list[ConsumerRecord[bytes, bytes]]:
    """Every message on the topic now, oldest first per partition.

    Reads until the broker has nothing more for ``idle_ms``, instead of
    trusting end offsets (Tansu under-reports them after batched produces).
    ``options`` are the connection's security (services.runtime.messaging.kafka.client_options).

    A topic the broker does not hold has no messages: asking for it no longer creates
    it (services.runtime.messaging.metadata), and a consumer subscribed to it would wait
    out its request timeout (40 s) and fail, so it is looked up first and not read.
    """
    connection = {**(options or {}), "bootstrap_servers": bootstrap}
    consumer = AIOKafkaConsumer(
        **connection, auto_offset_reset="earliest", enable_auto_commit=False
    )
    records: list[ConsumerRecord[bytes, bytes]] = []
    try:
        await consumer.start()
        if topic not in await consumer.topics():
            return records
        partitions = consumer.partitions_for_topic(topic) or set()
        consumer.assign([TopicPartition(topic, partition) for partition in sorted(partitions)])
        while batch := await consumer.getmany(timeout_ms=idle_ms, max_records=1000):
            for partition_records in batch.values():
                records.extend(partition_records)
    finally:
        await consumer.stop()
    return records


def as_json(record: ConsumerRecord[bytes, bytes]) -> str:
    headers: list[str | None] = []
    for name, value in record.headers:
        headers += [name, _text(value)]
    return json.dumps(
        {
            "topic": record.topic,
            "partition": record.partition,
            "offset": record.offset,
            "ts": record.timestamp,
            "key": _text(record.key),
            "headers": headers,
            "payload": _text(record.value),
        },
        ensure_ascii=False,
    )


def print_topic(topic: str, bootstrap: str | None) -> None:
    """Print a topic's messages as JSON lines (like kcat -C -J -e)."""
    settings = RuntimeSettings()
    records = asyncio.run(
        read_topic(bootstrap or settings.kafka_bootstrap, topic, options=client_options(settings))
    )
    for record in records:
        print(as_json(record))
    print(f"{len(records)} messages", file=sys.stderr)


def main() -> None:
    import typer

    def peek(
        topic: str = typer.Argument(..., help="e.g. samverkan.escalation.events"),
        bootstrap: str | None = typer.Option(None, help="Defaults to SAMVERKAN_KAFKA_BOOTSTRAP."),
    ) -> None:
        """Print a topic's messages as JSON lines (like kcat -C -J -e)."""
        print_topic(topic, bootstrap)

    typer.run(peek)


if __name__ == "__main__":
    main()
