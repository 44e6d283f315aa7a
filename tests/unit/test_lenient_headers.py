"""A fetched batch is parsed as fetched; its headers are copied only when one is unreadable (#24).

The consumer's parser (`lenient_headers`) used to copy every record's headers
after checking each was UTF-8, for every batch. Now a batch faststream reads
without an error is parsed as fetched; one with a header that has no value or
is not UTF-8 is parsed from readable copies (else faststream's parse raises and
the whole batch is dropped: tests/faults/test_poison_headers.py). Either way
the handler gets the records exactly as the broker has them.
"""

from __future__ import annotations

from typing import Any

from aiokafka import ConsumerRecord
from faststream.kafka.message import KafkaMessage
from faststream.kafka.parser import AioKafkaBatchParser

from services.runtime.messaging.consumer.records import lenient_headers


def _record(offset: int, headers: list[tuple[str, Any]]) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord("t", 0, offset, 0, 0, b"k", b"{}", None, 1, 2, headers)


class _Parser:
    """faststream's own batch parser, noting what it was handed."""

    def __init__(self) -> None:
        self.handed: list[tuple[ConsumerRecord[bytes, bytes], ...]] = []
        self._parser = AioKafkaBatchParser(KafkaMessage, None)

    async def __call__(self, records: tuple[ConsumerRecord[bytes, bytes], ...]) -> Any:
        self.handed.append(records)
        return await self._parser.parse_batch(records)


async def test_a_readable_batch_is_parsed_as_fetched() -> None:
    records = (_record(0, [("ce_type", b"a")]), _record(1, [("ce_id", "é".encode())]))
    parse = _Parser()

    message = await lenient_headers(records, parse)

    assert len(parse.handed) == 1
    assert all(a is b for a, b in zip(parse.handed[0], records, strict=True))
    assert message.raw_message is records
    assert message.batch_headers == [{"ce_type": "a"}, {"ce_id": "é"}]


async def test_an_unreadable_header_is_parsed_from_copies_and_the_records_kept() -> None:
    good = _record(0, [("ce_type", b"a")])
    not_utf8 = _record(1, [("ce_type", b"\xe8\xff")])
    no_value = _record(2, [("ce_specversion", None)])
    for records in ((good, not_utf8), (good, no_value)):
        parse = _Parser()

        message = await lenient_headers(records, parse)

        assert len(parse.handed) == 2  # as fetched (refused), then the copies
        assert parse.handed[1][0] is good  # a readable record is not copied
        assert parse.handed[1][1] is not records[1]
        assert message.raw_message is records
        assert records[1].headers[0][1] in (b"\xe8\xff", None)  # the original untouched
        assert message.batch_headers[0] == {"ce_type": "a"}
