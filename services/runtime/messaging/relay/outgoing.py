"""Stored events turned into the messages the relay sends: translated, encoded as
CloudEvents, chained per partition, traced.

The relay and ``samverkan outbox republish`` both build their messages here,
so they send the same bytes with the same ``ce_id`` and ``ce_prevsequence``
to the same partition. A batch is translated whole before anything is sent,
so a failure never leaves a sent prefix behind to be sent again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from hashlib import sha1
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Notification

from contracts import IntegrationEvent
from contracts.cloudevents import MAX_EVENT_BYTES, OutgoingMessage, encode_written
from services.runtime.kernel.tracing import message_headers, to_domain_event_traced
from services.runtime.messaging.partitioning import event_partition
from services.runtime.messaging.stored_rows import PRIVATE, Direct, StoredRows

Translator = Callable[[DomainEventProtocol[Any]], IntegrationEvent | None]
"""Turns a stored domain event into its public form, or None when it stays private."""

_EVENT_ID_NAMESPACE = uuid.UUID("5f0c3a52-6d2b-4d8e-9a39-8f1f2f7f6b11")
_EVENT_ID_NAMESPACE_BYTES = _EVENT_ID_NAMESPACE.bytes
_VARIANT_NIBBLE = "89ab"


class OversizedEvent(ValueError):
    """The encoded event is larger than consumers accept (contracts.MAX_EVENT_BYTES)."""


def event_id(notification: Notification) -> str:
    """A CloudEvents id that is the same every time this stored event is republished.

    ``str(uuid.uuid5(_EVENT_ID_NAMESPACE, "<originator id>:<version>"))``, computed
    without the two `UUID` objects: the relay makes one per message it sends
    (tests/contract/test_fast_encoding.py holds the two equal). The digest's hex
    is written with the version nibble (5) and the RFC 4122 variant's two bits
    set in place, rather than set in the bytes first.
    """
    name = f"{notification.originator_id}:{notification.originator_version}".encode()
    text = sha1(_EVENT_ID_NAMESPACE_BYTES + name, usedforsecurity=False).hexdigest()
    variant = _VARIANT_NIBBLE[int(text[16], 16) & 0x3]  # 10xx: the RFC 4122 variant
    return f"{text[:8]}-{text[8:12]}-5{text[13:16]}-{variant}{text[17:20]}-{text[20:32]}"


def outgoing_message(
    app: Application[Any],
    translate: Translator,
    notification: Notification,
    tails: dict[int, int],
    stored: StoredRows | None = None,
) -> tuple[int, OutgoingMessage] | None:
    """The partition and message for a stored event, or None when it stays private.

    `tails` (the last sequence sent to each partition) gives the message its
    predecessor and is advanced. The message carries the trace context the
    event was stored with (``traceparent``, services.runtime.kernel.tracing). Used
    by the relay and by ``samverkan outbox republish``, so both send the
    same bytes with the same ``ce_id`` to the same partition
    (`event_partition`). Raises when the event cannot be translated or its
    message is larger than consumers accept (`OversizedEvent`);
    `translate_batch` parks those.

    With `stored` (`StoredRows.for_mapper`), an event of a row without logic is
    written straight from its stored state; anything that way does not foresee
    goes through the domain event and `translate` as before, with the same bytes.
    """
    direct = stored.build(notification) if stored is not None else None
    if direct is PRIVATE:
        return None
    time_text: str | None = None
    if isinstance(direct, Direct):
        event, payload, time, traceparent, time_text = direct
    else:
        domain_event, traceparent = to_domain_event_traced(app.mapper, notification)
        translated = translate(domain_event)
        if translated is None:
            return None
        event, time = translated, domain_event.timestamp
        payload = event.__pydantic_serializer__.to_json(event)
    key = event.partition_key().encode()
    partition = event_partition(key)
    message = encode_written(
        event,
        payload,
        event_id=event_id(notification),
        time=time,
        sequence=notification.id,
        prev_sequence=tails.get(partition, 0),
        extensions=message_headers(traceparent),
        time_text=time_text,
    )
    if len(message.value) > MAX_EVENT_BYTES:
        # Every consumer would dead-letter it; parked instead, it takes no place in the chain.
        raise OversizedEvent(
            f"the encoded event is {len(message.value)} bytes; consumers accept at most "
            f"{MAX_EVENT_BYTES}"
        )
    tails[partition] = notification.id
    return partition, message


@dataclass(frozen=True)
class Untranslatable:
    """A stored event `outgoing_message` could not turn into a message, and why."""

    notification: Notification
    error: str


@dataclass(frozen=True)
class TranslatedBatch:
    """A batch of notifications, translated before any of it is sent."""

    messages: list[tuple[int, OutgoingMessage]]
    untranslatable: list[Untranslatable]
    tails: dict[int, int]


def translate_batch(
    app: Application[Any],
    translate: Translator,
    notifications: Sequence[Notification],
    tails: dict[int, int],
) -> TranslatedBatch:
    """Every public message of a batch, and what could not be translated.

    Translating all before sending any means a failure never leaves a sent
    prefix behind to be sent again. An untranslatable notification does not
    advance its partition's tail: the next message names the last one that
    was really sent as its predecessor, so consumers see no gap. The relay
    and ``outbox republish`` both use this, so they agree on every
    ``ce_prevsequence``. `tails` is not changed; the result carries the new ones.
    """
    tails = dict(tails)
    messages: list[tuple[int, OutgoingMessage]] = []
    untranslatable: list[Untranslatable] = []
    stored = StoredRows.for_mapper(app.mapper, translate)
    for notification in notifications:
        try:
            outgoing = outgoing_message(app, translate, notification, tails, stored)
        except Exception as error:  # any failure to translate is parked, whatever it is
            untranslatable.append(Untranslatable(notification, f"{type(error).__name__}: {error}"))
            continue
        if outgoing is not None:
            messages.append(outgoing)
    return TranslatedBatch(messages, untranslatable, tails)
