"""Poison messages: what a consumer can neither read nor apply, mixed into a live topic.

Four kinds, each with the reason the consumer must give when it
dead-letters it. Every message carries a ``chaos-poison`` header with its own
id, which the dead-letter copy keeps, so the checker can tell which arrived.

The ones with CloudEvents headers name a producer of their own (a
``ce_source`` per message, sequence 1 after 0): a consumer honours a chain
position even on a message it cannot decode (#19, item 1), so under
consent's source they would claim consent's sequence 1 — a copy of what it
already has, skipped, not dead-lettered. Undecodable messages *inside*
consent's chain are :mod:`bench.chaos.chain`'s.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer

from contracts import MAX_EVENT_BYTES, ConsentGiven
from contracts.cloudevents import CONTENT_TYPE, SPECVERSION
from services.runtime.messaging.partitioning import event_partition

POISON_HEADER = "chaos-poison"

EXPECTED_REASON = {
    "garbage": "undecodable",
    "wrong_schema": "undecodable",
    "unknown_version": "unknown_event_type",
    "oversized": "oversized",
}


@dataclass(frozen=True)
class Poison:
    id: str
    kind: str
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes | None]]


INJECTOR_SOURCE = "/samverkan/chaos-injector"


def _ce_headers(ce_type: str, subject: str, poison_id: str) -> list[tuple[str, bytes | None]]:
    return [
        ("ce_specversion", SPECVERSION.encode()),
        ("ce_id", str(uuid.uuid4()).encode()),
        ("ce_source", f"{INJECTOR_SOURCE}/{poison_id}".encode()),
        ("ce_type", ce_type.encode()),
        ("ce_time", b"2026-11-27T10:00:00Z"),
        ("ce_subject", subject.encode()),
        ("ce_sequence", b"1"),
        ("ce_prevsequence", b"0"),
        ("content-type", CONTENT_TYPE.encode()),
    ]


def make(count: int, seed: int) -> list[Poison]:
    """`count` poison messages, the kinds in turn (oversized ones rarer: they are big)."""
    rng = random.Random(seed)
    kinds = ["garbage", "wrong_schema", "unknown_version", "garbage", "wrong_schema"]
    kinds += ["unknown_version", "garbage", "wrong_schema", "unknown_version", "oversized"]
    poison: list[Poison] = []
    for index in range(count):
        kind = kinds[index % len(kinds)]
        subject = f"{rng.getrandbits(256):064x}"
        poison_id = f"{kind}-{index}-{uuid.uuid4().hex[:8]}"
        mark: list[tuple[str, bytes | None]] = [(POISON_HEADER, poison_id.encode())]
        if kind == "garbage":
            value = rng.randbytes(rng.randint(1, 512))
            # Kafka headers are bytes: not UTF-8, or no value at all, are both legal.
            odd: list[list[tuple[str, bytes | None]]] = [
                [],
                [("ce_type", rng.randbytes(8))],
                [("ce_specversion", None)],
            ]
            headers = mark + odd[index % 3]
        elif kind == "wrong_schema":
            value = b'{"subject_id": 42, "purpose": ["not", "a", "purpose"]}'
            headers = mark + _ce_headers(ConsentGiven.ce_type(), subject, poison_id)
        elif kind == "unknown_version":
            value = b'{"subject_id": "' + subject.encode() + b'"}'
            ce_type = ConsentGiven.ce_type().rsplit(".v", 1)[0] + ".v99"
            headers = mark + _ce_headers(ce_type, subject, poison_id)
        else:
            value = b"x" * (MAX_EVENT_BYTES + rng.randint(1, 4096))
            headers = mark + _ce_headers(ConsentGiven.ce_type(), subject, poison_id)
        poison.append(Poison(poison_id, kind, subject.encode(), value, headers))
    return poison


async def inject(bootstrap: str, topic: str, poison: list[Poison]) -> None:
    """Write the messages as a misbehaving producer would: straight onto the topic.

    Onto the catalogue's partitions, as the relay picks them: the campaign
    grows the topic, and a consumer sees a partition added to a topic only
    when it next refreshes its metadata (aiokafka: every 5 minutes), so poison
    on an added partition would wait that long, with lag 0 (#19, reported).
    """
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", max_request_size=2 * MAX_EVENT_BYTES
    )
    try:
        await producer.start()
        futures = [
            await producer.send(
                topic,
                value=p.value,
                key=p.key,
                headers=p.headers,
                partition=event_partition(p.key),
            )
            for p in poison
        ]
        for future in futures:
            await future
    finally:
        await producer.stop()
