"""The chaos checker itself (#12, #19): it must see every kind of wrong it claims to count.

Pure: histories and projection holdings written out by hand, topic records
built as the broker hands them over. Also the campaign's undecodable
messages inside consent's chain (#19, the campaign part): what the relay
sends for a marked subject no consumer can decode, with the reason the
checker expects, and the checker counts each one's dead letters.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast
from uuid import uuid4

import pytest
from aiokafka import ConsumerRecord

from bench.chaos import chain
from bench.chaos.checker import (
    Step,
    acknowledged_steps,
    chain_poison,
    compare,
    consents_given_on_topic,
    dead_letters,
    topic_order_violations,
)
from bench.chaos.load import Command
from bench.chaos.poison import POISON_HEADER, make
from contracts import ConsentForm, ConsentGiven, IntegrationEvent, PoisonMessage, Purpose
from contracts.cloudevents import decode, encode

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
    partition: int,
    offset: int,
    subject: str,
    sequence: int,
    prev: int,
    extra: Sequence[tuple[str, bytes | None]] = (),
) -> ConsumerRecord[bytes, bytes]:
    headers = [
        ("ce_subject", subject.encode()),
        ("ce_sequence", str(sequence).encode()),
        ("ce_prevsequence", str(prev).encode()),
        *extra,
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


def given(subject: str) -> ConsentGiven:
    return ConsentGiven(
        consent_id=uuid4(),
        subject_id=subject,
        purpose=Purpose("red_thread_meeting"),
        parties=("SE2321000016-POL1", "SE2120000001-SOC1"),
        form=ConsentForm("oral"),
        recorded_by="SE2321000016-P001",
        informed=True,
        given_at=datetime(2026, 12, 1, tzinfo=UTC),
        valid_until=None,
    )


def test_the_relay_sends_a_marked_subjects_events_undecodable_with_the_expected_reason(
    tmp_path: Path,
) -> None:
    path = tmp_path / "marked"

    def public(domain_event: Any) -> IntegrationEvent | None:
        event: IntegrationEvent = domain_event  # the test's "domain events" are public already
        return event

    def relayed(event: IntegrationEvent) -> IntegrationEvent | None:
        return chain.poisoning(public, chain.MarkedSubjects(path))(cast(Any, event))

    assert chain.version_ahead(A)
    assert not chain.version_ahead(B)
    event = given(A)
    assert relayed(event) is event  # nothing is marked before the campaign writes the file
    chain.write_marked(path, [A, B])
    translate = relayed
    unmarked = given("c" * 64)
    assert translate(unmarked) is unmarked
    for subject in (A, B):
        sent = translate(given(subject))
        assert sent is not None
        message = encode(sent, event_id="e", time=datetime.now(UTC), sequence=7, prev_sequence=3)
        headers = dict(message.headers)
        assert (headers["ce_sequence"], headers["ce_prevsequence"]) == (b"7", b"3")
        with pytest.raises(PoisonMessage) as refused:
            decode(message.value, message.headers)
        assert refused.value.reason == chain.expected_reason(subject)


def test_chain_dead_letters_must_each_be_there_once_with_their_reason() -> None:
    def sent(ce_id: str) -> list[tuple[str, bytes | None]]:
        return [("ce_id", ce_id.encode())]

    def letter(subject: str, ce_id: str, reason: str) -> ConsumerRecord[bytes, bytes]:
        return record(
            0, 0, subject, 1, 0, [("ce_id", ce_id.encode()), ("dlq.reason", reason.encode())]
        )

    ahead, extended = chain.expected_reason(A), chain.expected_reason(B)
    topic = [record(0, 0, A, 2, 1, sent("a1")), record(0, 1, A, 2, 1, sent("a1"))]
    topic += [record(0, 2, B, 3, 2, sent("b1")), record(0, 3, "c" * 64, 4, 3, sent("c1"))]
    topic += [record(0, 4, A, 1, 0, [("ce_id", b"p"), (POISON_HEADER, b"injected")])]
    letters = {
        "cases": [letter(A, "a1", ahead), letter(B, "b1", extended)],
        "escalation": [letter(A, "a1", ahead), letter(A, "a1", ahead), letter(B, "b1", ahead)],
        "reporting": [letter(B, "b1", extended)],
    }
    figures = chain_poison(topic, letters, {A, B})
    assert figures.messages == 2  # a republished copy is the same message; c is not marked
    assert (figures.expected, figures.found, figures.missing) == (6, 5, 1)
    assert (figures.repeated, figures.wrong_reason) == (1, 1)


def test_poison_dead_lettered_twice_is_counted_as_repeated() -> None:
    # The first is garbage (no place in a chain), the second names its own.
    poison = make(2, seed=1)

    def letter(index: int) -> ConsumerRecord[bytes, bytes]:
        reason = {"garbage": "undecodable", "wrong_schema": "undecodable"}[poison[index].kind]
        return record(
            0,
            0,
            A,
            1,
            0,
            [(POISON_HEADER, poison[index].id.encode()), ("dlq.reason", reason.encode())],
        )

    figures = dead_letters(
        {"cases": [letter(0), letter(1), letter(1)], "reporting": [letter(0)]}, poison
    )
    assert (figures.expected, figures.found, figures.missing) == (4, 3, 1)
    assert (figures.copies, figures.repeated, figures.wrong_reason) == (4, 1, 0)
    again = dead_letters({"cases": [letter(0), letter(0), letter(1)]}, poison)
    assert (again.repeated, again.unplaced_repeated) == (0, 1)


def test_reporting_must_count_each_consent_given_on_the_topic_once() -> None:
    def message(subject: str, ce_id: str, ce_type: str) -> ConsumerRecord[bytes, bytes]:
        return record(
            0, 0, subject, 1, 0, [("ce_id", ce_id.encode()), ("ce_type", ce_type.encode())]
        )

    given_type = ConsentGiven.ce_type()
    topic = [message(A, "1", given_type), message(A, "1", given_type), message(A, "2", given_type)]
    topic += [message(A, "3", "se.samverkan.consent.ConsentWithdrawn.v1")]
    topic += [message(B, "4", given_type)]  # marked: dead-lettered, never counted
    headers = [
        (POISON_HEADER, b"wrong-schema-1"),
        ("ce_id", b"5"),
        ("ce_type", given_type.encode()),
    ]
    topic += [record(0, 0, A, 1, 0, headers)]  # injected poison of the consent type
    assert consents_given_on_topic(topic, {B}) == 2


def test_a_dead_letter_repeated_across_a_sigkill_is_told_apart() -> None:
    """A kill between the dead letter's ack and its tracking write sends it again (#19)."""
    poison = make(2, seed=1)  # the second names its place in a chain

    def letter(at_ms: int) -> ConsumerRecord[bytes, bytes]:
        headers = [(POISON_HEADER, poison[1].id.encode()), ("dlq.reason", b"undecodable")]
        return replace_timestamp(record(0, 0, A, 1, 0, headers), at_ms)

    letters = {"cases": [letter(10_000), letter(25_000)]}
    killed = dead_letters(letters, poison[1:], {"cases": [10.4]})
    assert (killed.repeated, killed.killed_repeated) == (0, 1)
    unexplained = dead_letters(letters, poison[1:], {"cases": [20.0], "escalation": [10.4]})
    assert (unexplained.repeated, unexplained.killed_repeated) == (1, 0)


def replace_timestamp(
    record: ConsumerRecord[bytes, bytes], at_ms: int
) -> ConsumerRecord[bytes, bytes]:
    return dataclasses.replace(record, timestamp=at_ms)
