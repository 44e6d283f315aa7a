"""Dead letters: read them, look at one, and apply one again once its cause is fixed.

A consumer dead-letters a message it cannot decode or whose handler keeps
failing, and moves its tracking past it (services.runtime.consumer), so its
successors are applied. Publishing the message onto its source topic again
would therefore change nothing: every tracked consumer skips it as a
duplicate. A replay instead applies the dead letter *straight to the
consumer's target* — the same code the live consumer runs, in the service's
own store — with a tracking record of its own, named after the dead letter
(``<dlq topic>#<partition>@<offset>``), in the same transaction as the
effect. Replaying the same dead letter twice applies it once.

Which target a service's consumer has is not known here (the runtime imports
no service): a service registers a factory under the ``samverkan.consumers``
entry point group (see pyproject.toml), a callable that takes the
`RuntimeSettings` and returns the target and a function that closes it.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from dataclasses import dataclass

from aiokafka import ConsumerRecord
from eventsourcing.persistence import IntegrityError, Tracking

from contracts import Envelope, decode
from services.runtime.consumer import TrackedTarget

ConsumerFactory = Callable[..., tuple[TrackedTarget, Callable[[], None]]]
"""What ``samverkan.consumers`` entry points are: settings -> (target, close)."""

DLQ_PREFIX = "dlq."


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


def replay(dead_letter: DeadLetter, target: TrackedTarget) -> Replayed:
    """Apply the dead letter through `target`, once (see the module docstring).

    Raises PoisonMessage when it still cannot be decoded, and whatever the
    handler raises when it still fails.
    """
    envelope = dead_letter.envelope()
    tracking = Tracking(f"{dead_letter.topic}#{dead_letter.partition}@{dead_letter.offset}", 1)
    if (target.max_tracking_id(tracking.application_name) or 0) >= 1:
        return Replayed.ALREADY
    try:
        if target.process_message is not None:
            target.process_message(envelope, tracking)
        else:
            target.process_event(envelope.event, tracking)
    except IntegrityError:
        if (target.max_tracking_id(tracking.application_name) or 0) >= 1:
            return Replayed.ALREADY
        raise
    return Replayed.APPLIED
