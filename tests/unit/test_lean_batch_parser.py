"""A fetched batch is handed over undecoded: no header is read before our own decoding (#24).

faststream's batch parser made a dict of every record's headers, decoding each
as UTF-8 (~3-4 µs a message, for filters and middlewares the tracked consumer
does not use), and one header with no value or not UTF-8 made it raise and drop
the whole batch (tests/faults/test_poison_headers.py). `LeanBatchParser` reads
no header: the handler gets the records exactly as the broker has them.
"""

from __future__ import annotations

from typing import Any

import pytest
from aiokafka import ConsumerRecord
from faststream.kafka.message import KafkaAckableMessage
from faststream.kafka.parser import AioKafkaBatchParser

from services.runtime.messaging.consumer.records import LeanBatchParser


def _record(offset: int, headers: list[tuple[str, Any]]) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord("t", 0, offset, 7, 0, b"k", b"{%d}" % offset, None, 1, 2, headers)


async def test_a_batch_with_unreadable_headers_is_handed_over_as_fetched() -> None:
    good = _record(0, [("ce_type", b"a")])
    not_utf8 = _record(1, [("ce_type", b"\xe8\xff")])
    no_value = _record(2, [("ce_specversion", None)])
    records = (good, not_utf8, no_value)
    parser = LeanBatchParser(KafkaAckableMessage, None)
    consumer = object()
    parser._setup(consumer)  # type: ignore[arg-type]

    message = await parser.parse_batch(records)

    assert message.raw_message is records
    assert message.body == [b"{0}", b"{1}", b"{2}"]
    assert message.consumer is consumer  # type: ignore[attr-defined]
    assert message.headers == {}
    assert message.batch_headers == []
    assert not_utf8.headers == [("ce_type", b"\xe8\xff")]  # untouched
    assert no_value.headers == [("ce_specversion", None)]


async def test_faststreams_own_parser_refuses_that_batch() -> None:
    """What the lean parser is for: faststream's drops the batch on the one bad header."""
    records = (_record(0, [("ce_type", b"a")]), _record(1, [("ce_type", b"\xe8\xff")]))
    faststreams = AioKafkaBatchParser(KafkaAckableMessage, None)

    with pytest.raises(UnicodeDecodeError):
        await faststreams.parse_batch(records)


async def test_the_message_is_the_one_faststream_would_make_apart_from_headers() -> None:
    records = (_record(5, [("ce_type", b"a")]), _record(9, [("ce_type", b"b")]))
    lean, faststreams = (
        LeanBatchParser(KafkaAckableMessage, None),
        AioKafkaBatchParser(KafkaAckableMessage, None),
    )

    ours, theirs = await lean.parse_batch(records), await faststreams.parse_batch(records)

    assert type(ours) is type(theirs) is KafkaAckableMessage
    assert ours.message_id == theirs.message_id == "5-9-7"
    assert ours.body == theirs.body
    assert ours.path == theirs.path == {}
