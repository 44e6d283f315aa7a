"""The event models: naming, registry, identifiers and the meaning of consent scope."""

import re
from datetime import date, datetime, timedelta

import pytest
from pydantic import ValidationError

from contracts import (
    EVENT_TYPES,
    ConsentGiven,
    ConsentWithdrawn,
    DeviationClosed,
    DeviationReported,
    EmergencyDisclosureRecorded,
    IntegrationEvent,
    MeetingScheduled,
    MonthlyMeetingCancelled,
    MonthlyMeetingMoved,
    Purpose,
    RedThreadClosed,
    RedThreadClosedEarly,
    RedThreadMeetingCancelled,
    RedThreadMeetingMoved,
    RedThreadPulled,
    UnknownEventType,
    event_class,
)
from contracts.base import event_name
from contracts.examples import (
    CONSENT_GIVEN,
    EXAMPLES,
    POLICE,
    PSYCHIATRY,
    SOCIAL_SERVICES,
    SUBJECT,
    SUBJECTLESS,
    expected_key,
    expected_subject,
)

CE_TYPE = re.compile(
    r"se\.samverkan\.(consent|cases|escalation|reporting)\.[A-Z][A-Za-z0-9]*\.v[1-9][0-9]*"
)
DISCLOSURE = EXAMPLES[EmergencyDisclosureRecorded]
assert isinstance(DISCLOSURE, EmergencyDisclosureRecorded)


def test_registry_holds_every_public_event():
    assert set(EVENT_TYPES.values()) >= {
        ConsentGiven,
        ConsentWithdrawn,
        EmergencyDisclosureRecorded,
        RedThreadPulled,
        MeetingScheduled,
        DeviationReported,
    }


def test_every_registered_event_has_an_example():
    assert set(EXAMPLES) == set(EVENT_TYPES.values())


@pytest.mark.parametrize("ce_type", sorted(EVENT_TYPES))
def test_ce_type_names_service_event_and_version(ce_type: str):
    event = EVENT_TYPES[ce_type]
    assert CE_TYPE.fullmatch(ce_type)
    assert ce_type == event.ce_type()
    assert ce_type.split(".")[2] == event.service
    assert ce_type.endswith(f".v{event.version}")
    assert event.ce_source() == f"/samverkan/{event.service}"


def test_v1_type_looks_up_the_v1_class():
    assert event_class("se.samverkan.consent.ConsentGiven.v1") is ConsentGiven
    assert ConsentGiven.version == 1


def test_unknown_version_is_an_unknown_event_type():
    with pytest.raises(UnknownEventType, match=r"ConsentGiven\.v9"):
        event_class("se.samverkan.consent.ConsentGiven.v9")


def test_later_version_class_keeps_the_event_name_without_its_suffix():
    assert event_name("ConsentGiven", 1) == "ConsentGiven"
    assert event_name("ConsentGivenV2", 2) == "ConsentGiven"


@pytest.mark.parametrize(("class_name", "version"), [("ConsentGivenV2", 3), ("ConsentGivenV1", 2)])
def test_version_suffix_that_disagrees_with_version_is_refused(class_name: str, version: int):
    with pytest.raises(TypeError):
        event_name(class_name, version)


def test_base_classes_are_not_events():
    with pytest.raises(TypeError):
        IntegrationEvent()  # type: ignore[abstract]


def test_events_are_immutable():
    with pytest.raises(ValidationError):
        CONSENT_GIVEN.purpose = Purpose.SIP  # type: ignore[misc]


@pytest.mark.parametrize(
    "subject_id",
    [
        "191212121212",  # a personnummer is never a subject id
        "19121212-1212",
        "3F" * 32,  # upper-case hex
        "3f" * 31,
        "3f" * 32 + "\n",
    ],
)
def test_subject_id_must_be_a_64_hex_pseudonym(subject_id: str):
    with pytest.raises(ValidationError, match="subject_id"):
        CONSENT_GIVEN.model_validate({**CONSENT_GIVEN.model_dump(), "subject_id": subject_id})


@pytest.mark.parametrize("hsa_id", ["SE2321000016", "2321000016-15CQ", "SE2321000016-", "Anna"])
def test_parties_are_hsa_ids(hsa_id: str):
    with pytest.raises(ValidationError, match="parties"):
        CONSENT_GIVEN.model_validate(
            {**CONSENT_GIVEN.model_dump(), "parties": (SOCIAL_SERVICES, hsa_id)}
        )


def test_c3_consent_names_at_least_two_distinct_parties():
    for parties in [(SOCIAL_SERVICES,), (SOCIAL_SERVICES, SOCIAL_SERVICES)]:
        with pytest.raises(ValidationError, match="parties"):
            CONSENT_GIVEN.model_validate({**CONSENT_GIVEN.model_dump(), "parties": parties})


def test_c3_consent_covers_named_parties_for_its_purpose_until_its_end_date():
    on = date(2026, 3, 2)
    assert CONSENT_GIVEN.covers([SOCIAL_SERVICES, PSYCHIATRY], Purpose.RED_THREAD_MEETING, on)
    assert CONSENT_GIVEN.covers([PSYCHIATRY], Purpose.RED_THREAD_MEETING, date(2026, 6, 30))


def test_c3_consent_does_not_cover_another_party_purpose_or_a_later_day():
    on = date(2026, 3, 2)
    assert not CONSENT_GIVEN.covers([SOCIAL_SERVICES, POLICE], Purpose.RED_THREAD_MEETING, on)
    assert not CONSENT_GIVEN.covers([SOCIAL_SERVICES], Purpose.SIP, on)
    assert not CONSENT_GIVEN.covers([SOCIAL_SERVICES], Purpose.RED_THREAD_MEETING, date(2026, 7, 1))
    assert not CONSENT_GIVEN.covers([], Purpose.RED_THREAD_MEETING, on)


def test_c3_consent_without_end_date_covers_any_later_day():
    open_ended = CONSENT_GIVEN.model_copy(update={"valid_until": None})
    assert open_ended.covers([SOCIAL_SERVICES], Purpose.RED_THREAD_MEETING, date(2036, 1, 1))


def test_c5_emergency_disclosure_covers_named_parties_within_its_window():
    start, end = DISCLOSURE.decided_at, DISCLOSURE.valid_until
    assert DISCLOSURE.covers([POLICE, PSYCHIATRY], start)
    assert DISCLOSURE.covers([POLICE], end - timedelta(seconds=1))
    assert not DISCLOSURE.covers([POLICE], end)
    assert not DISCLOSURE.covers([POLICE], start - timedelta(seconds=1))
    assert not DISCLOSURE.covers([POLICE, "SE2321000016-OTHER"], start)
    assert not DISCLOSURE.covers([], start)


def test_c5_emergency_disclosure_window_must_end_after_the_decision():
    with pytest.raises(ValidationError, match="valid_until"):
        DISCLOSURE.model_validate({**DISCLOSURE.model_dump(), "valid_until": DISCLOSURE.decided_at})


def test_c5_emergency_disclosure_refuses_a_naive_instant():
    with pytest.raises(ValueError, match="timezone"):
        DISCLOSURE.covers([POLICE], datetime(2026, 3, 2, 10, 0))


def test_c2_consent_records_whether_the_individual_was_informed():
    assert "informed" in ConsentGiven.model_json_schema()["required"]


def test_e2_red_thread_records_at_least_one_measure_tried():
    pulled = EXAMPLES[RedThreadPulled]
    with pytest.raises(ValidationError, match="measures_tried"):
        pulled.model_validate({**pulled.model_dump(), "measures_tried": ()})


def test_red_thread_municipality_code_is_four_digits():
    pulled = EXAMPLES[RedThreadPulled]
    with pytest.raises(ValidationError, match="municipality_code"):
        pulled.model_validate({**pulled.model_dump(), "municipality_code": "180"})


@pytest.mark.parametrize("event", list(EXAMPLES.values()), ids=lambda e: type(e).__name__)
def test_partition_key_is_the_subject_id(event: IntegrationEvent):
    """Events about an individual are keyed by the subject; the few about no one
    (`SUBJECTLESS`) have no subject and are keyed by their own id."""
    assert event.subject() == expected_subject(event)
    assert event.partition_key() == expected_key(event)
    if type(event) not in SUBJECTLESS:
        assert event.partition_key() == SUBJECT


@pytest.mark.parametrize("event", list(SUBJECTLESS), ids=lambda e: e.__name__)
def test_an_event_about_no_one_has_no_subject_field_at_all(event: type[IntegrationEvent]):
    """Not even an optional one: nothing about an individual can be put on it."""
    assert "subject_id" not in event.model_json_schema()["properties"]


def test_deviation_without_subject_is_keyed_by_its_own_id():
    deviation = EXAMPLES[DeviationReported]
    assert isinstance(deviation, DeviationReported)
    anonymous = deviation.model_validate({**deviation.model_dump(), "subject_id": None})
    assert anonymous.subject() is None
    assert anonymous.partition_key() == str(deviation.deviation_id)


def test_timestamps_must_carry_an_offset():
    naive = {**CONSENT_GIVEN.model_dump(), "given_at": datetime(2026, 3, 2, 9, 30)}
    with pytest.raises(ValidationError, match="given_at"):
        ConsentGiven.model_validate(naive)


def test_w2_a_moved_or_cancelled_meeting_tells_which_and_when_but_not_why():
    """W-2: partners' calendars follow a moved or cancelled red-thread meeting or follow-up;
    the reason given is free text about the individual and stays in escalation."""
    for event in (RedThreadMeetingMoved, RedThreadMeetingCancelled, RedThreadClosedEarly):
        assert "reason" not in event.model_json_schema()["properties"]
    for event in (RedThreadMeetingMoved, RedThreadMeetingCancelled):
        assert {"stage", "meeting_at", "invited_orgs"} <= set(event.model_json_schema()["required"])
    moved = EXAMPLES[RedThreadMeetingMoved]
    with pytest.raises(ValidationError, match="stage"):
        moved.model_validate({**moved.model_dump(), "stage": "coffee"})


def test_w2_e7_a_moved_or_cancelled_monthly_meeting_tells_its_members_when_but_not_why():
    """W-2: members' calendars and registrations follow a moved or cancelled monthly meeting
    (E-7: the new cutoff); why it changed is free text and stays in escalation."""
    for event in (MonthlyMeetingMoved, MonthlyMeetingCancelled):
        schema = event.model_json_schema()
        assert "reason" not in schema["properties"]
        assert {"meeting_id", "starts_at", "members"} <= set(schema["required"])
        assert event.ce_type().startswith("se.samverkan.escalation.MonthlyMeeting")
    assert "registration_cutoff" in MonthlyMeetingMoved.model_json_schema()["required"]
    assert EXAMPLES[MonthlyMeetingMoved].subject() is None


def test_w2_d2_a_deviation_closed_early_says_who_closed_it_and_when_but_not_why():
    """W-2: DeviationClosed carries codes only; the reason stays in reporting."""
    schema = DeviationClosed.model_json_schema()
    assert "reason" not in schema["properties"]
    assert {"deviation_id", "category", "closed_by_org", "closed_at"} <= set(schema["required"])
    assert DeviationClosed.ce_type() == "se.samverkan.reporting.DeviationClosed.v1"


def test_w2_closing_early_is_an_event_of_its_own_and_red_thread_closed_v1_keeps_its_shape():
    """Consumers forbid unknown fields: RedThreadClosed.v1 gains nothing; an early closing
    (W-2, before the E-5 evaluation) is RedThreadClosedEarly.v1."""
    assert set(RedThreadClosed.model_json_schema()["properties"]) == {
        "subject_id",
        "red_thread_id",
        "closed_at",
        "closed_by",
    }
    assert RedThreadClosed.ce_type() == "se.samverkan.escalation.RedThreadClosed.v1"
    assert RedThreadClosedEarly.ce_type() == "se.samverkan.escalation.RedThreadClosedEarly.v1"
    closed = EXAMPLES[RedThreadClosed]
    with pytest.raises(ValidationError, match="meeting_held"):
        RedThreadClosed.model_validate({**closed.model_dump(), "meeting_held": True})
