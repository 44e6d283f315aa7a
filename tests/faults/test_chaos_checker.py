"""The chaos checker itself (#12): it must see every kind of wrong it claims to count.

Pure: histories and projection holdings written out by hand, topic records
built as the broker hands them over.
"""

from __future__ import annotations

from aiokafka import ConsumerRecord

from bench.chaos.checker import Step, acknowledged_steps, compare, topic_order_violations
from bench.chaos.load import Command

A, B = "a" * 64, "b" * 64
GIVE1, WITHDRAW1, GIVE2 = Step("give", "c1"), Step("withdraw", "c1"), Step("give", "c2")


def test_a_projection_holding_exactly_the_history_passes() -> None:
    result = compare("p", {A: [GIVE1, WITHDRAW1, GIVE2]}, {A: [GIVE1, WITHDRAW1, GIVE2]})
    assert (result.acknowledged, result.lost, result.doubled) == (3, 0, 0)
    assert (result.out_of_order, result.unacknowledged, result.examples) == (0, 0, [])


def test_lost_doubled_reordered_and_unacknowledged_steps_are_each_counted() -> None:
    acknowledged = {A: [GIVE1, WITHDRAW1, GIVE2], B: [GIVE1]}
    held = {A: [WITHDRAW1, GIVE1, GIVE1, Step("give", "phantom")], B: []}
    result = compare("p", acknowledged, held)
    assert result.lost == 2  # A's second consent, B's only one
    assert result.doubled == 1
    assert result.out_of_order == 1  # A: withdrawn before given
    assert result.unacknowledged == 1
    assert len(result.examples) == 2


def test_the_history_keeps_only_acknowledged_commands_in_their_order() -> None:
    def command(kind: str, consent: str, acknowledged: bool = True) -> Command:
        return Command(
            "19121212-1212",
            kind,
            key=consent + kind,
            consent_id=consent,
            subject_id=A if kind == "give" else None,
            acknowledged=acknowledged,
        )

    history = [command("give", "c1"), command("withdraw", "c1"), command("give", "c2", False)]
    assert acknowledged_steps(history) == {A: [GIVE1, WITHDRAW1]}


def record(
    partition: int, offset: int, subject: str, sequence: int, prev: int
) -> ConsumerRecord[bytes, bytes]:
    headers = [
        ("ce_subject", subject.encode()),
        ("ce_sequence", str(sequence).encode()),
        ("ce_prevsequence", str(prev).encode()),
    ]
    return ConsumerRecord(
        topic="t",
        partition=partition,
        offset=offset,
        timestamp=0,
        timestamp_type=0,
        key=None,
        value=b"{}",
        checksum=None,
        serialized_key_size=0,
        serialized_value_size=2,
        headers=headers,
    )


def test_copies_and_a_held_gap_are_not_disorder_but_a_smaller_new_sequence_is() -> None:
    # A relay crash republished 1 and 3; after a log loss, 5 came before its republish.
    republished = [record(0, 0, A, 1, 0), record(0, 1, A, 3, 1), record(0, 2, A, 1, 0)]
    republished += [record(0, 3, A, 3, 1), record(0, 4, A, 5, 4), record(0, 5, A, 4, 3)]
    republished += [record(0, 6, A, 5, 4)]
    assert topic_order_violations(republished) == 0
    # A subject's events split over two partitions (a partition key bug): 8, then 6.
    reordered = [record(1, 0, B, 8, 0), record(2, 0, B, 6, 0)]
    assert topic_order_violations(republished + reordered) == 1
