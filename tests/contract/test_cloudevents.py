"""The CloudEvents Kafka binding: what we publish, what we accept, what we refuse."""

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.formats.json import JSONFormat
from hypothesis import given
from hypothesis import strategies as st

from contracts import (
    MAX_EVENT_BYTES,
    ConsentGiven,
    DeviationReported,
    IntegrationEvent,
    OutgoingMessage,
    OversizedMessage,
    PoisonMessage,
    UndecodableMessage,
    UnknownEventType,
    decode,
    encode,
)
from contracts.examples import (
    CONSENT_GIVEN,
    EXAMPLES,
    expected_key,
    expected_subject,
)

EVENT_TIME = datetime(2026, 3, 2, 9, 30, 15, tzinfo=UTC)


def publish(event: IntegrationEvent, event_id: str = "consent-42") -> OutgoingMessage:
    return encode(event, event_id=event_id, time=EVENT_TIME, sequence=42, prev_sequence=17)


def with_header(message: OutgoingMessage, name: str, value: bytes | None) -> list[Any]:
    """The message's headers with `name` replaced (or dropped when `value` is None)."""
    headers: list[Any] = [(n, v) for n, v in message.headers if n != name]
    return headers if value is None else [*headers, (name, value)]


EXAMPLE_EVENTS = pytest.mark.parametrize(
    "event", list(EXAMPLES.values()), ids=lambda e: type(e).__name__
)


@EXAMPLE_EVENTS
def test_every_event_round_trips_through_encode_and_decode(event: IntegrationEvent):
    message = publish(event)
    envelope = decode(message.value, message.headers)
    assert envelope.event == event
    assert type(envelope.event) is type(event)
    assert (envelope.id, envelope.source, envelope.type) == (
        "consent-42",
        event.ce_source(),
        event.ce_type(),
    )
    assert envelope.time == EVENT_TIME
    assert envelope.subject == expected_subject(event)
    assert (envelope.sequence, envelope.prev_sequence) == (42, 17)


@EXAMPLE_EVENTS
def test_message_is_binary_mode_with_exactly_the_contract_headers(event: IntegrationEvent):
    message = publish(event)
    assert message.headers == [
        ("ce_specversion", b"1.0"),
        ("ce_id", b"consent-42"),
        ("ce_source", f"/samverkan/{event.service}".encode()),
        ("ce_type", event.ce_type().encode()),
        ("ce_time", b"2026-03-02T09:30:15Z"),
        *([("ce_subject", subject.encode())] if (subject := expected_subject(event)) else []),
        ("ce_sequence", b"42"),
        ("ce_prevsequence", b"17"),
        ("content-type", b"application/json"),
    ]
    assert message.key == expected_key(event).encode()
    assert message.value == event.model_dump_json().encode()
    assert b": " not in message.value  # compact JSON


def test_subjectless_event_has_no_subject_header_and_is_keyed_by_its_id():
    deviation = EXAMPLES[DeviationReported]
    assert isinstance(deviation, DeviationReported)
    anonymous = deviation.model_copy(update={"subject_id": None})
    message = publish(anonymous)
    assert "ce_subject" not in dict(message.headers)
    assert message.key == str(deviation.deviation_id).encode()
    envelope = decode(message.value, message.headers)
    assert envelope.subject is None
    assert envelope.event == anonymous


def test_republishing_keeps_the_event_id():
    first, again = publish(CONSENT_GIVEN, "consent-7"), publish(CONSENT_GIVEN, "consent-7")
    assert first == again


def test_time_in_another_zone_is_published_as_the_same_instant_in_utc():
    from zoneinfo import ZoneInfo

    local = EVENT_TIME.astimezone(ZoneInfo("Europe/Stockholm"))
    message = encode(CONSENT_GIVEN, event_id="x", time=local, sequence=1, prev_sequence=0)
    assert dict(message.headers)["ce_time"] == b"2026-03-02T09:30:15Z"


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"event_id": ""}, "event_id"),
        ({"time": datetime(2026, 3, 2, 9, 30)}, "timezone"),
        ({"sequence": 5, "prev_sequence": 5}, "prev_sequence"),
        ({"sequence": 0, "prev_sequence": 0}, "prev_sequence"),
    ],
)
def test_encode_refuses_an_envelope_consumers_could_not_trust(kwargs: dict[str, Any], problem: str):
    args: dict[str, Any] = {"event_id": "x", "time": EVENT_TIME, "sequence": 2, "prev_sequence": 1}
    with pytest.raises(ValueError, match=problem):
        encode(CONSENT_GIVEN, **{**args, **kwargs})


@EXAMPLE_EVENTS
def test_cloudevents_sdk_reads_what_we_publish(event: IntegrationEvent):
    message = publish(event)
    sdk_message = ce_kafka.KafkaMessage(
        headers=dict(message.headers), key=message.key, value=message.value
    )
    read = ce_kafka.from_binary(sdk_message, JSONFormat())
    assert read.get_specversion() == "1.0"
    assert read.get_id() == "consent-42"
    assert read.get_source() == event.ce_source()
    assert read.get_type() == event.ce_type()
    assert read.get_subject() == expected_subject(event)
    assert read.get_time() == EVENT_TIME
    assert read.get_extension("sequence") == "42"
    assert read.get_extension("prevsequence") == "17"
    assert read.get_extension("partitionkey") == expected_key(event)
    assert read.get_datacontenttype() == "application/json"
    assert read.get_data() == json.loads(message.value)


def test_legacy_cloudevents_sdk_api_reads_what_we_publish():
    from cloudevents.v1.kafka import KafkaMessage, from_binary

    message = publish(CONSENT_GIVEN)
    read = from_binary(KafkaMessage(dict(message.headers), message.key, message.value))
    assert read["id"] == "consent-42"
    assert read["type"] == "se.samverkan.consent.ConsentGiven.v1"
    assert read["sequence"] == "42"
    assert read.get_data() == json.loads(message.value)


# --- what decode refuses --------------------------------------------------------------


def refuse(value: bytes | None, headers: Sequence[tuple[str, bytes | None]]) -> PoisonMessage:
    with pytest.raises(PoisonMessage) as caught:
        decode(value, headers)
    return caught.value


GOOD = publish(CONSENT_GIVEN)


def test_decode_refuses_garbage_bytes():
    poison = refuse(b"\xff\x00garbage", GOOD.headers)
    assert isinstance(poison, UndecodableMessage)
    assert poison.reason == "undecodable"


def test_decode_refuses_a_tombstone():
    assert isinstance(refuse(None, GOOD.headers), UndecodableMessage)


def test_decode_refuses_a_message_without_ce_type():
    poison = refuse(GOOD.value, with_header(GOOD, "ce_type", None))
    assert isinstance(poison, UndecodableMessage)
    assert "ce_type" in str(poison)


def test_decode_refuses_an_unknown_version():
    headers = with_header(GOOD, "ce_type", b"se.samverkan.consent.ConsentGiven.v9")
    poison = refuse(GOOD.value, headers)
    assert isinstance(poison, UnknownEventType)
    assert poison.reason == "unknown_event_type"


def test_decode_refuses_valid_json_missing_a_field():
    payload = json.loads(GOOD.value)
    del payload["consent_id"]
    poison = refuse(json.dumps(payload).encode(), GOOD.headers)
    assert isinstance(poison, UndecodableMessage)
    assert "consent_id" in str(poison)
    assert "ConsentGiven.v1" in str(poison)


def test_decode_refuses_an_extra_field():
    payload = {**json.loads(GOOD.value), "note": "anything"}
    poison = refuse(json.dumps(payload).encode(), GOOD.headers)
    assert isinstance(poison, UndecodableMessage)
    assert "note" in str(poison)


def test_decode_is_as_strict_as_the_json_schema():
    payload = {**json.loads(GOOD.value), "informed": "yes"}
    poison = refuse(json.dumps(payload).encode(), GOOD.headers)
    assert isinstance(poison, UndecodableMessage)
    assert "informed" in str(poison)


def test_personnummer_cannot_ride_along_and_is_not_repeated_in_the_error():
    payload = {**json.loads(GOOD.value), "personnummer": "19121212-1212", "name": "Tolvan"}
    poison = refuse(json.dumps(payload).encode(), GOOD.headers)
    assert isinstance(poison, UndecodableMessage)
    assert "19121212-1212" not in str(poison)
    assert "Tolvan" not in str(poison)


def test_personnummer_as_subject_id_is_refused():
    payload = {**json.loads(GOOD.value), "subject_id": "191212121212"}
    poison = refuse(json.dumps(payload).encode(), with_header(GOOD, "ce_subject", b"191212121212"))
    assert isinstance(poison, UndecodableMessage)
    assert "191212121212" not in str(poison)


def test_decode_refuses_an_oversized_value_before_parsing_it():
    poison = refuse(b" " * (MAX_EVENT_BYTES + 1), GOOD.headers)
    assert isinstance(poison, OversizedMessage)
    assert poison.reason == "oversized"


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("ce_specversion", b"0.3"),
        ("ce_source", b"/samverkan/escalation"),
        ("ce_subject", ("ab" * 32).encode()),
        ("ce_subject", None),
        ("ce_time", b"yesterday"),
        ("ce_time", b"2026-03-02T09:30:15"),
        ("ce_sequence", b"-1"),
        ("ce_sequence", b"17"),
        ("ce_sequence", "٤٢".encode()),
        ("ce_prevsequence", None),
        ("ce_id", b""),
        ("ce_id", b"\xff"),
        ("content-type", b"text/plain"),
    ],
)
def test_decode_refuses_a_broken_envelope(header: str, value: bytes | None):
    assert isinstance(refuse(GOOD.value, with_header(GOOD, header, value)), UndecodableMessage)


def test_decode_refuses_a_repeated_attribute_header():
    headers = [*GOOD.headers, ("ce_type", b"se.samverkan.consent.ConsentWithdrawn.v1")]
    assert isinstance(refuse(GOOD.value, headers), UndecodableMessage)


def test_decode_ignores_headers_it_does_not_know():
    headers = [*GOOD.headers, ("traceparent", b"00-abc-def-01"), ("ce_partitionkey", b"x")]
    assert decode(GOOD.value, headers).event == CONSENT_GIVEN


# --- fuzzing: nothing but PoisonMessage escapes decode ------------------------------------

HEADER_NAMES = st.sampled_from([name for name, _ in GOOD.headers]) | st.text(max_size=20)
HEADER_VALUES = st.none() | st.binary(max_size=80) | st.sampled_from([v for _, v in GOOD.headers])
HEADERS = st.lists(st.tuples(HEADER_NAMES, HEADER_VALUES), max_size=12)


def decodes_or_is_poison(value: bytes | None, headers: list[tuple[str, bytes | None]]) -> None:
    try:
        envelope = decode(value, headers)
    except PoisonMessage:
        return
    assert isinstance(envelope.event, ConsentGiven)


@given(value=st.none() | st.binary(max_size=400), headers=HEADERS)
def test_decode_of_arbitrary_input_raises_only_poison(value: bytes | None, headers: Any):
    decodes_or_is_poison(value, headers)


@given(
    value=st.sampled_from([GOOD.value, b"{}", b"null", b"[]", b'{"subject_id": 1}'])
    | st.binary(max_size=200).map(lambda noise: GOOD.value[: len(noise)] + noise),
    drop=st.sets(st.sampled_from([name for name, _ in GOOD.headers])),
    extra=HEADERS,
)
def test_decode_of_damaged_valid_messages_raises_only_poison(
    value: bytes, drop: set[str], extra: Any
):
    headers = [(n, v) for n, v in GOOD.headers if n not in drop] + extra
    decodes_or_is_poison(value, headers)


@given(
    payload=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_decode_of_arbitrary_json_raises_only_poison(payload: Any):
    value = json.dumps(payload, allow_nan=True).encode()
    decodes_or_is_poison(value, GOOD.headers)
