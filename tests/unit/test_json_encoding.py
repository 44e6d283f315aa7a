"""Stored events' JSON from the one-encoder transcoder is the library's, byte for byte (#24).

Every stored event of every service is encoded by
`services.runtime.store.json_encoding.OneEncoderJSONTranscoder` now: the state
a command or a consumer stores must be the very bytes eventsourcing's own
`JSONTranscoder` wrote (stores hold both, the relay and replays read both), for
any state: nested containers, the registered types (UUIDs, datetimes, dates,
decimals), text outside ASCII, special floats.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder, TranscodingNotRegisteredError
from eventsourcing.utils import get_topic
from hypothesis import given
from hypothesis import strategies as st

from services.runtime.store.application import OutboxApplication
from services.runtime.store.json_encoding import OneEncoderJSONTranscoder


class _Store(OutboxApplication, Application[uuid.UUID]):
    """An application as every service's is built: its transcodings registered."""


def _pair() -> tuple[JSONTranscoder, JSONTranscoder]:
    app: Any = _Store(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    library = JSONTranscoder()
    app.register_transcodings(library)
    return app.mapper.transcoder, library


ours, library = _pair()

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),
    st.uuids(),
    st.datetimes(timezones=st.just(UTC)),
    st.dates(),
    st.decimals(allow_nan=False, allow_infinity=False),
)
states = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def test_every_application_stores_with_the_one_encoder_transcoder() -> None:
    assert isinstance(ours, OneEncoderJSONTranscoder)


@given(st.dictionaries(st.text(), states, max_size=6))
def test_any_state_is_encoded_as_the_library_encodes_it(state: dict[str, Any]) -> None:
    encoded = ours.encode(state)
    assert encoded == library.encode(state)
    assert ours.decode(encoded) == library.decode(encoded)


def test_a_domain_events_state_keeps_its_bytes() -> None:
    state = {
        "timestamp": datetime(2026, 11, 27, 9, 0, tzinfo=UTC) + timedelta(microseconds=7),
        "originator_topic": "services.cases.domain:SubjectConsents",
        "subject_id": "a1" * 32,
        "consent": {
            "consent_id": uuid.UUID(int=3),
            "parties": ["SE2321000016-POL1", "SE2120000001-SOC1"],
            "valid_until": date(2027, 1, 1),
            "note": "Åsa, förälder",
            "amount": Decimal("1.50"),
        },
    }
    encoded = ours.encode(state)
    assert encoded == library.encode(state)
    assert "Åsa".encode() in encoded  # UTF-8, not \\u escapes, as the library writes
    assert b'"_type_":"date_iso"' in encoded


def test_an_unregistered_type_is_refused_as_the_library_refuses_it() -> None:
    for transcoder in (ours, library):
        with pytest.raises(TranscodingNotRegisteredError):
            transcoder.encode({"what": object()})


class _Chosen(JSONTranscoder):
    """A transcoder an environment names."""


def test_a_transcoder_the_environment_names_is_kept() -> None:
    app: Any = _Store(
        env={"PERSISTENCE_MODULE": "eventsourcing.popo", "TRANSCODER_TOPIC": get_topic(_Chosen)}
    )
    assert type(app.mapper.transcoder) is _Chosen
