"""The relay's fast encoding sends the very bytes the pydantic round trip sent (#24).

`contracts.encode` encodes each class's constant headers once and takes the
payload from the model's serializer as bytes; `event_id` hashes without `UUID`
objects. Nothing on the wire may change for that: consumers deduplicate by
``ce_id``, partners validate the payload against the published schemas, and a
republished message must equal the first. So every example of every event type
(v2 schemas included), at any time and position, with and without trace
context, is held to the code it replaced, kept here verbatim as the reference;
and so are the messages the relay builds from stored events with personal data
(sealed at rest, opened by the mapper) and a stored trace context.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from contracts import IntegrationEvent, OutgoingMessage, SubjectErasedV2, encode
from contracts.cloudevents import (
    CONTENT_TYPE,
    H_CONTENT_TYPE,
    H_ID,
    H_PREVSEQUENCE,
    H_SEQUENCE,
    H_SOURCE,
    H_SPECVERSION,
    H_SUBJECT,
    H_TIME,
    H_TYPE,
    SPECVERSION,
)
from contracts.examples import EXAMPLES
from services.consent.application import ConsentApplication, DecideEmergencyDisclosure, GiveConsent
from services.consent.domain import GivenBy, SubjectErasure
from services.consent.translate import to_integration_event
from services.runtime.kernel.tracing import message_headers, to_domain_event_traced
from services.runtime.messaging.partitioning import event_partition
from services.runtime.messaging.relay.outgoing import event_id, translate_batch
from tests.support import SOCIAL
from tests.unit.units import HEALTH_UNIT

_NAMESPACE = uuid.UUID("5f0c3a52-6d2b-4d8e-9a39-8f1f2f7f6b11")


def reference_encode(
    event: IntegrationEvent,
    *,
    event_id: str,
    time: datetime,
    sequence: int,
    prev_sequence: int,
    traceparent: str | None = None,
) -> OutgoingMessage:
    """`contracts.encode` as it was before #24, with the trace headers the relay added."""
    headers = [
        (H_SPECVERSION, SPECVERSION.encode()),
        (H_ID, event_id.encode()),
        (H_SOURCE, event.ce_source().encode()),
        (H_TYPE, event.ce_type().encode()),
        (H_TIME, time.astimezone(UTC).isoformat().replace("+00:00", "Z").encode()),
    ]
    subject = event.subject()
    if subject is not None:
        headers.append((H_SUBJECT, subject.encode()))
    headers += [
        (H_SEQUENCE, str(sequence).encode()),
        (H_PREVSEQUENCE, str(prev_sequence).encode()),
        (H_CONTENT_TYPE, CONTENT_TYPE.encode()),
    ]
    return OutgoingMessage(
        key=event.partition_key().encode(),
        value=event.model_dump_json().encode(),
        headers=[*headers, *message_headers(traceparent)],
    )


def reference_event_id(originator_id: uuid.UUID | str, version: int) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{originator_id}:{version}"))


def reference_message(
    mapper: Any, table: Any, notification: Any, tails: dict[int, int]
) -> tuple[int, OutgoingMessage] | None:
    """The (partition, message) the relay sent for `notification` before #24: the
    stored event decoded into its domain event, translated, encoded; None when it
    stays private. Raises what that path raised (an event the relay would park)."""
    domain_event, traceparent = to_domain_event_traced(mapper, notification)
    event = table(domain_event)
    if event is None:
        return None
    partition = event_partition(event.partition_key().encode())
    return partition, reference_encode(
        event,
        event_id=reference_event_id(notification.originator_id, notification.originator_version),
        time=domain_event.timestamp,
        sequence=notification.id,
        prev_sequence=tails.get(partition, 0),
        traceparent=traceparent,
    )


offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
times = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=offsets
)
traceparents = st.none() | st.tuples(
    st.integers(1, 2**128 - 1), st.integers(1, 2**64 - 1), st.sampled_from([0, 1])
).map(lambda ids: f"00-{ids[0]:032x}-{ids[1]:016x}-{ids[2]:02x}")


def test_every_event_type_is_covered_including_a_second_version() -> None:
    assert SubjectErasedV2 in EXAMPLES
    assert any(cls.version >= 2 for cls in EXAMPLES)


@given(
    event=st.sampled_from(list(EXAMPLES.values())),
    time=times,
    sequence=st.integers(1, 2**63 - 1),
    data=st.data(),
    traceparent=traceparents,
)
def test_every_examples_message_is_byte_for_byte_the_pydantic_paths(
    event: IntegrationEvent, time: datetime, sequence: int, data: Any, traceparent: str | None
) -> None:
    prev_sequence = data.draw(st.integers(0, sequence - 1))
    ce_id = data.draw(st.uuids().map(str))
    fast = encode(
        event,
        event_id=ce_id,
        time=time,
        sequence=sequence,
        prev_sequence=prev_sequence,
        extensions=message_headers(traceparent),
    )
    reference = reference_encode(
        event,
        event_id=ce_id,
        time=time,
        sequence=sequence,
        prev_sequence=prev_sequence,
        traceparent=traceparent,
    )
    assert fast.key == reference.key
    assert fast.value == reference.value
    assert fast.headers == reference.headers


@given(originator_id=st.uuids(), version=st.integers(1, 2**31))
def test_the_event_id_is_the_uuid5_it_was(originator_id: uuid.UUID, version: int) -> None:
    class Stored:
        pass

    stored: Any = Stored()
    stored.originator_id, stored.originator_version = originator_id, version
    assert event_id(stored) == reference_event_id(originator_id, version)


def test_stored_events_with_personal_data_and_a_trace_become_the_same_messages() -> None:
    at = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
    child, adult = "cd" * 32, "ef" * 32
    consent = ConsentApplication(longest_emergency_disclosure=timedelta(hours=72))
    request = SpanContext(0x1234, 0x5678, is_remote=True, trace_flags=TraceFlags(1))
    with trace.use_span(NonRecordingSpan(request)):
        consent.give_consent(
            SOCIAL,
            GiveConsent(
                subject_id=child,
                purpose="sip",
                parties=[SOCIAL.org_id, HEALTH_UNIT],
                form="written",
                informed=True,
                valid_until=None,
                given_by=GivenBy.GUARDIAN,
                guardian_name="Greta Vårdnadshavare",  # personal: sealed at rest
                subject_birth_date=date(2015, 5, 1),
            ),
            at=at,
            today=at.date(),
        )
    consent.decide_emergency_disclosure(
        SOCIAL,
        DecideEmergencyDisclosure(
            subject_id=adult,
            parties=[SOCIAL.org_id, HEALTH_UNIT],
            justification="Akut fara för livet.",  # personal, and never public
            valid_for=timedelta(hours=24),
        ),
        at=at,
    )
    erased_at = at + timedelta(days=1)
    consent.erase_personal_data(child, erased_at)  # the guardian's name reads "[erased]"
    consent.save(  # the fact erase_subject records (its rules are tested elsewhere): v2
        SubjectErasure.on_request(subject_id=child, at=erased_at, erased_by=SOCIAL.hsa_id)
    )
    notifications = consent.recorder.select_notifications(1, 100)

    batch = translate_batch(consent, to_integration_event, notifications, {3: 0})

    expected: list[tuple[int, OutgoingMessage]] = []
    tails = {3: 0}
    for notification in notifications:
        sent = reference_message(consent.mapper, to_integration_event, notification, tails)
        if sent is None:
            continue
        expected.append(sent)
        partition = sent[0]
        tails[partition] = notification.id
    assert batch.messages == expected
    assert batch.tails == tails
    types = {dict(message.headers)[H_TYPE] for _, message in batch.messages}
    assert b"se.samverkan.consent.SubjectErased.v2" in types
    assert any(
        ("traceparent", b"00-" + f"{0x1234:032x}-{0x5678:016x}-01".encode()) in message.headers
        for _, message in batch.messages
    )
