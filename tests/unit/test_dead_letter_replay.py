"""How replay decides "already" and "out of order" (#19, items 1 and 9), case by case.

The broker-backed fault tests (tests/faults/test_replay_order.py,
test_replay_dedup.py) show the refusal and the deduplication end to end; these
cover the cases that are awkward to stage on a broker: a later event that is
itself a dead letter, a source log whose offsets moved (a log loss, then a
republish), and a dead letter that does not say which partition it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from aiokafka import ConsumerRecord
from eventsourcing.persistence import Tracking

from contracts import ConsentGiven, ConsentWithdrawn, IntegrationEvent, encode
from contracts.examples import EXAMPLES
from services.runtime.messaging.consumer.target import TrackedTarget
from services.runtime.messaging.dead_letters import (
    DeadLetter,
    Replayed,
    ReplayRefused,
    SourceLog,
    SourceReader,
    replay,
)

TOPIC = "samverkan.consent.events"
DLQ = "samverkan.cases.dlq"
TIME = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@dataclass
class Store:
    """A consumer's store: the effects applied and the tracking records."""

    applied: list[str] = field(default_factory=list)
    tracking: dict[str, int] = field(default_factory=dict)

    def process_event(self, event: IntegrationEvent, tracking: Tracking) -> None:
        self.applied.append(type(event).__name__)
        self.insert_tracking(tracking)

    def insert_tracking(self, tracking: Tracking) -> None:
        name = tracking.application_name
        self.tracking[name] = max(self.tracking.get(name, 0), tracking.notification_id)

    def target(self) -> TrackedTarget:
        return TrackedTarget(self.process_event, self.tracking.get, self.insert_tracking)


def message(
    event: IntegrationEvent, sequence: int, offset: int, ce_id: str
) -> ConsumerRecord[bytes, bytes]:
    """The record the relay would have put at `offset` of partition 0."""
    out = encode(event, event_id=ce_id, time=TIME, sequence=sequence, prev_sequence=sequence - 1)
    return ConsumerRecord(TOPIC, 0, offset, 0, 0, out.key, out.value, None, 0, 0, [*out.headers])


def dead(
    record: ConsumerRecord[bytes, bytes],
    dlq_offset: int,
    *,
    source_offset: int | None = None,
    partition_header: bool = True,
) -> DeadLetter:
    headers = [
        *record.headers,
        ("dlq.reason", b"handler-failed"),
        ("dlq.consumer", b"samverkan.cases"),
        ("dlq.source.topic", TOPIC.encode()),
        (
            "dlq.source.offset",
            str(record.offset if source_offset is None else source_offset).encode(),
        ),
    ]
    if partition_header:
        headers.append(("dlq.source.partition", str(record.partition).encode()))
    return DeadLetter.of(
        ConsumerRecord(DLQ, 0, dlq_offset, 0, 0, record.key, record.value, None, 0, 0, headers)
    )


def reader(*records: ConsumerRecord[bytes, bytes], start: int = 0) -> SourceReader:
    def read(topic: str, partition: int, offset: int) -> SourceLog:
        assert (topic, partition) == (TOPIC, 0)
        return SourceLog(start, [r for r in records if r.offset >= max(offset, start)])

    return read


GIVEN = message(EXAMPLES[ConsentGiven], 1, 0, "11111111-1111-4111-8111-111111111111")
WITHDRAWN = message(EXAMPLES[ConsentWithdrawn], 2, 1, "22222222-2222-4222-8222-222222222222")
SOURCE = "/samverkan/consent#0"


def test_a_later_event_that_is_itself_an_unreplayed_dead_letter_does_not_refuse() -> None:
    """Both dead-lettered: the withdrawal was never applied, so the consent may come first;
    once the withdrawal is replayed, the consent may not come after it."""
    store = Store(tracking={SOURCE: 2})  # both recorded past by the consumer
    given, withdrawn = dead(GIVEN, 0), dead(WITHDRAWN, 1)
    read = reader(GIVEN, WITHDRAWN)
    both = [given, withdrawn]

    assert replay(given, store.target(), read, dead_letters=both) is Replayed.APPLIED
    assert replay(withdrawn, store.target(), read, dead_letters=both) is Replayed.APPLIED
    assert store.applied == ["ConsentGiven", "ConsentWithdrawn"]

    late = Store(tracking={SOURCE: 2})
    assert replay(withdrawn, late.target(), read, dead_letters=both) is Replayed.APPLIED
    with pytest.raises(ReplayRefused) as refused:
        replay(given, late.target(), read, dead_letters=both)
    assert [event.position for event in refused.value.later] == [("/samverkan/consent", 0, 2)]
    assert late.applied == ["ConsentWithdrawn"]


def test_offsets_that_moved_are_not_trusted() -> None:
    """A log loss, then a republish: at the dead letter's offset is another message now;
    the withdrawal sits at a lower offset and is still found, by its sequence."""
    store = Store(tracking={SOURCE: 2})
    moved = dead(GIVEN, 0, source_offset=5)
    republished_withdrawal = message(
        EXAMPLES[ConsentWithdrawn], 2, 0, "22222222-2222-4222-8222-222222222222"
    )
    other = message(EXAMPLES[ConsentGiven], 7, 5, "33333333-3333-4333-8333-333333333333")
    with pytest.raises(ReplayRefused, match="ConsentWithdrawn"):
        replay(moved, store.target(), reader(republished_withdrawal, other))
    assert store.applied == []


def test_a_partition_whose_start_moved_past_the_dead_letter_refuses() -> None:
    """#19, item 9: retention took what followed it; unless forced, nothing is applied."""
    store = Store(tracking={SOURCE: 2})
    letter = dead(GIVEN, 0)
    with pytest.raises(ReplayRefused, match="cannot be told"):
        replay(letter, store.target(), reader(start=2))
    forced = replay(letter, store.target(), reader(start=2), out_of_order=True)
    assert forced is Replayed.APPLIED
    assert store.applied == ["ConsentGiven"]


def test_copies_without_a_source_partition_are_replayed_once_by_ce_id() -> None:
    """#19, item 1: no position to go by, so the ce_id names the replay."""
    store = Store()
    first, second = (dead(GIVEN, n, partition_header=False) for n in (0, 1))
    assert first.replay_name == "replay:11111111-1111-4111-8111-111111111111"
    read = reader(GIVEN)
    assert replay(first, store.target(), read, out_of_order=True) is Replayed.APPLIED
    assert replay(second, store.target(), read, out_of_order=True) is Replayed.ALREADY
    assert store.applied == ["ConsentGiven"]


def test_a_dead_letter_replayed_under_the_old_name_is_already_replayed() -> None:
    """Replays tracked before #19 by dead-letter offset are not applied a second time."""
    letter = dead(GIVEN, 4)
    store = Store(tracking={f"{DLQ}#0@4": 1})
    assert replay(letter, store.target(), reader(GIVEN)) is Replayed.ALREADY
    assert store.applied == []
