"""Dead letters: read them, look at one, and apply one again once its cause is fixed.

A consumer dead-letters a message it cannot decode or whose handler keeps
failing, and moves its tracking past it (services.runtime.messaging.consumer), so its
successors are applied. Publishing the message onto its source topic again
would therefore change nothing: every tracked consumer skips it as a
duplicate. A replay instead applies the dead letter *straight to the
consumer's target* — the same code the live consumer runs, in the service's
own store — with a tracking record of its own in the same transaction as the
effect. The record is named after the message's position at its source,
``replay:<ce_source>#<partition>@<ce_sequence>`` (``replay:<ce_id>`` when the
position headers are missing), not after the dead letter: a consumer that
re-read its partition may have dead-lettered one message several times, and
replaying every copy must apply it once. (The ``replay:`` prefix keeps these
records apart from the consumer's own ``<ce_source>#<partition>`` positions,
which a rebuild replaces; the live position cannot tell "applied" from
"dead-lettered and moved past", so it never decides "already replayed".)

Replay refuses to apply a message out of order (#19, item 9). The consumer
moved past the dead letter and went on applying the subject's later events;
applied now, the old event would land after them and could undo them — a
dead-lettered ``ConsentGiven`` replayed after the ``ConsentWithdrawn`` that
followed it gives the withdrawn consent back (C-4). So before applying,
replay reads the source partition after the dead letter and looks for
messages with the same key (the subject) that the consumer has applied since
(their ``ce_sequence`` at or below its tracked position, and not themselves
unreplayed dead letters). If there are any, it raises `ReplayRefused`, naming
them; so it does too when the partition no longer shows everything between
the dead letter and the consumer's position (retention or a log loss moved its
start, the producer's chain is broken), since then it cannot tell. The
operator, having judged that the event's effect is independent of the later
ones, applies it anyway with ``out_of_order`` (``--out-of-order``). We chose
this over holding a subject's later events behind its dead letter in the
consumer (per-key parking): parking would stall a subject's flow for as long
as a bug goes unfixed, for every dead letter, harmless or not, while the
unsafe case is the replay, which a person runs and can judge.

Which target a service's consumer has is not known here (the runtime imports
no service): the replay command builds the service from its composition root
(``services.runtime.service.load_service``) and replays into its ``target``.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from eventsourcing.persistence import IntegrityError, Tracking

from contracts import Envelope, decode
from services.runtime.messaging.consumer.target import TrackedTarget
from services.runtime.messaging.kafka import started

DLQ_PREFIX = "dlq."

Position = tuple[str, int, int]
"""``(ce_source, partition, ce_sequence)``: where a message stands in its producer's chain."""


def _position(headers: Mapping[str, str], partition: str | int) -> Position | None:
    try:
        position = (headers["ce_source"], int(partition), int(headers["ce_sequence"]))
    except (KeyError, ValueError):
        return None
    return position if position[0] else None


def _headers(record: ConsumerRecord[bytes, bytes]) -> dict[str, str]:
    return {name: (value or b"").decode("utf-8", "replace") for name, value in record.headers or ()}


@dataclass(frozen=True)
class DeadLetter:
    """One message on a dead-letter topic, with why it is there."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]

    @classmethod
    def of(cls, record: ConsumerRecord[bytes, bytes]) -> DeadLetter:
        return cls(
            record.topic,
            record.partition,
            record.offset,
            record.key,
            record.value,
            tuple((name, value or b"") for name, value in record.headers),
        )

    @property
    def id(self) -> str:
        """``partition:offset`` on the dead-letter topic: what operators name it by."""
        return f"{self.partition}:{self.offset}"

    def header(self, name: str, default: str = "") -> str:
        for key, value in self.headers:
            if key == name:
                return value.decode("utf-8", "replace")
        return default

    @property
    def reason(self) -> str:
        return self.header("dlq.reason", "?")

    @property
    def source(self) -> str:
        """Where the message was: ``topic[partition]@offset``."""
        return (
            f"{self.header('dlq.source.topic')}[{self.header('dlq.source.partition')}]"
            f"@{self.header('dlq.source.offset')}"
        )

    @property
    def position(self) -> Position | None:
        """The message's place at its source, which every dead-lettered copy of it shares."""
        original = {k: v.decode("utf-8", "replace") for k, v in self.original_headers()}
        return _position(original, self.header("dlq.source.partition"))

    @property
    def replay_name(self) -> str:
        """The replay's tracking record: one per source message (see the module docstring)."""
        if (position := self.position) is not None:
            source, partition, sequence = position
            return f"replay:{source}#{partition}@{sequence}"
        if ce_id := self.header("ce_id"):
            return f"replay:{ce_id}"
        return self.legacy_replay_name

    @property
    def legacy_replay_name(self) -> str:
        """What a replay was tracked by before #19: replayed then means replayed."""
        return f"{self.topic}#{self.partition}@{self.offset}"

    def original_headers(self) -> list[tuple[str, bytes]]:
        """The headers the message had before it was dead-lettered."""
        return [(k, v) for k, v in self.headers if not k.startswith(DLQ_PREFIX)]

    def envelope(self) -> Envelope:
        """The message decoded as the consumer decodes it (raises PoisonMessage if it cannot)."""
        return decode(self.value, self.original_headers())

    def as_json(self) -> str:
        """Everything about it, for ``samverkan dead-letters show`` (payload as JSON if it is)."""
        text = (self.value or b"").decode("utf-8", "backslashreplace")
        try:
            payload: object = json.loads(text)
        except ValueError:
            payload = text
        return json.dumps(
            {
                "id": self.id,
                "topic": self.topic,
                "reason": self.reason,
                "error": self.header("dlq.error"),
                "consumer": self.header("dlq.consumer"),
                "source": self.source,
                "key": None if self.key is None else self.key.decode("utf-8", "replace"),
                "headers": {k: v.decode("utf-8", "replace") for k, v in self.original_headers()},
                "payload": payload,
            },
            ensure_ascii=False,
            indent=2,
        )


class Replayed(enum.Enum):
    APPLIED = "applied"
    ALREADY = "already replayed"


@dataclass(frozen=True)
class SourceLog:
    """One partition of a dead letter's source topic, as a replay read it."""

    start: int
    """The partition's log start offset: what retention or a log loss left."""
    records: Sequence[ConsumerRecord[bytes, bytes]]


SourceReader = Callable[[str, int, int], SourceLog]
"""``(topic, partition, offset) -> SourceLog``: the partition from `offset` (or its start)."""


async def read_source(
    bootstrap: str,
    topic: str,
    partition: int,
    offset: int,
    options: Mapping[str, Any] | None = None,
    idle_ms: int = 500,
) -> SourceLog:
    """The partition from `offset` to its end (from its start when that is later).

    Reads until the broker has nothing more for ``idle_ms``, as
    services.runtime.messaging.peek does: end offsets are not to be trusted on Tansu.
    """
    connection = {**(options or {}), "bootstrap_servers": bootstrap}
    consumer = AIOKafkaConsumer(
        **connection, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    records: list[ConsumerRecord[bytes, bytes]] = []
    async with started(consumer):
        assigned = TopicPartition(topic, partition)
        consumer.assign([assigned])
        start = (await consumer.beginning_offsets([assigned]))[assigned]
        consumer.seek(assigned, max(offset, start))
        while batch := await consumer.getmany(assigned, timeout_ms=idle_ms, max_records=1000):
            records.extend(batch.get(assigned, []))
    return SourceLog(start, records)


@dataclass(frozen=True)
class LaterEvent:
    """A message for the dead letter's subject that the consumer applied after moving past it."""

    type: str
    position: Position
    offset: int

    def __str__(self) -> str:
        return f"{self.type} (sequence {self.position[2]}, offset {self.offset})"


class ReplayRefused(Exception):
    """Applying the dead letter now could undo later events of its subject (#19, item 9)."""

    def __init__(
        self, dead_letter: DeadLetter, later: Sequence[LaterEvent], unreadable: str = ""
    ) -> None:
        self.dead_letter = dead_letter
        self.later = tuple(later)
        self.unreadable = unreadable
        super().__init__(self.explanation())

    def explanation(self) -> str:
        letter = self.dead_letter
        what = f"dead letter {letter.id} ({letter.header('ce_type', '?')} from {letter.source})"
        consumer = letter.header("dlq.consumer", "the consumer")
        if self.unreadable:
            why = (
                f"{what} is not replayed: whether {consumer} has applied later events for "
                f"the same subject since cannot be told, because {self.unreadable}."
            )
        else:
            events = "; ".join(str(event) for event in self.later)
            why = (
                f"{what} is not replayed: {consumer} has since applied {len(self.later)} later "
                f"event(s) for the same subject: {events}. Applied now it would land after "
                "them and could undo them (a withdrawn consent given back, C-4)."
            )
        return (
            f"{why} If its effect is independent of the later events, replay it with "
            "--out-of-order; if they supersede it, leave it."
        )


def _replayed(dead_letter: DeadLetter, target: TrackedTarget) -> bool:
    return any(
        (target.max_tracking_id(name) or 0) >= 1
        for name in (dead_letter.replay_name, dead_letter.legacy_replay_name)
    )


def _check_order(
    dead_letter: DeadLetter,
    target: TrackedTarget,
    read: SourceReader,
    dead_letters: Collection[DeadLetter],
) -> None:
    """Raise `ReplayRefused` when the consumer applied later events of the same key."""
    topic = dead_letter.header("dlq.source.topic")
    try:
        partition = int(dead_letter.header("dlq.source.partition"))
        offset = int(dead_letter.header("dlq.source.offset"))
    except ValueError:
        topic = ""
    if not topic:
        raise ReplayRefused(dead_letter, (), "it does not say where it came from (dlq.source.*)")
    tracked: dict[str, int] = {}

    def position_of(name: str) -> int:
        if name not in tracked:
            tracked[name] = target.max_tracking_id(name) or 0
        return tracked[name]

    own = dead_letter.position
    if own is not None and position_of(f"{own[0]}#{partition}") <= own[2]:
        return  # nothing of its producer's chain applied after it: nothing to undo
    log = read(topic, partition, offset)
    if own is not None:
        source, _, sequence = own
        at = next((r for r in log.records if r.offset == offset), None)
        if at is None or _headers(at).get("ce_id") != dead_letter.header("ce_id"):
            # Not where it was (a log loss, then a republish): offsets mean nothing now.
            log = read(topic, partition, 0)
        successor: dict[int, int] = {}
        for record in log.records:
            theirs = _headers(record)
            found = _position(theirs, partition)
            predecessor = theirs.get("ce_prevsequence", "")
            if found is not None and found[0] == source and predecessor.isdigit():
                successor.setdefault(int(predecessor), found[2])
        reached, goal = sequence, position_of(f"{source}#{partition}")
        while reached < goal:
            following = successor.get(reached, 0)
            if following <= reached:
                raise ReplayRefused(
                    dead_letter,
                    (),
                    f"{topic}[{partition}] does not show every message between it (sequence "
                    f"{sequence}) and the consumer's position (sequence {goal}): none follows "
                    f"sequence {reached} (the partition starts at offset {log.start}; "
                    "retention, a log loss or a broken chain)",
                )
            reached = following
    elif log.start > offset + 1:
        raise ReplayRefused(
            dead_letter,
            (),
            f"{topic}[{partition}] starts at offset {log.start} now: messages after its "
            f"offset {offset} are gone (retention or a log loss)",
        )

    unreplayed = {
        letter.position
        for letter in dead_letters
        if letter.position is not None and not _replayed(letter, target)
    }
    later: dict[Position, LaterEvent] = {}
    for record in log.records:
        theirs = _headers(record)
        found = _position(theirs, partition)
        if record.key != dead_letter.key or found is None or found == own or found in later:
            continue
        if own is not None and found[0] == own[0]:
            after = found[2] > own[2]
        else:
            after = record.offset > offset
        applied = position_of(f"{found[0]}#{partition}") >= found[2] and found not in unreplayed
        if after and applied:
            later[found] = LaterEvent(theirs.get("ce_type", "?"), found, record.offset)
    if later:
        raise ReplayRefused(dead_letter, sorted(later.values(), key=lambda e: e.position))


def replay(
    dead_letter: DeadLetter,
    target: TrackedTarget,
    read_source: SourceReader,
    *,
    out_of_order: bool = False,
    dead_letters: Collection[DeadLetter] = (),
) -> Replayed:
    """Apply the dead letter through `target`, once and in order (see the module docstring).

    `dead_letters` are the consumer's others: a later event that is one of
    them, not yet replayed, was never applied and is no reason to refuse.
    Raises PoisonMessage when it still cannot be decoded, `ReplayRefused`
    when it would be applied out of order (unless `out_of_order`), and
    whatever the handler raises when it still fails.
    """
    envelope = dead_letter.envelope()
    if _replayed(dead_letter, target):
        return Replayed.ALREADY
    if not out_of_order:
        _check_order(dead_letter, target, read_source, dead_letters)
    tracking = Tracking(dead_letter.replay_name, 1)
    try:
        if target.process_message is not None:
            target.process_message(envelope, tracking)
        else:
            target.process_event(envelope.event, tracking)
    except IntegrityError:
        if _replayed(dead_letter, target):
            return Replayed.ALREADY
        raise
    return Replayed.APPLIED
