"""Consent (samtycke) and emergency disclosure (nödbestämmelsen): rules C-1..C-5, no I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from eventsourcing.domain import Aggregate

from services.consent.domain import (
    Consent,
    ConsentAlreadyWithdrawn,
    ConsentScopeInvalid,
    EmergencyDisclosure,
    EmergencyDisclosureInvalid,
    IndividualNotInformed,
)
from tests.unit.consents import consent_given
from tests.unit.units import HEALTH_UNIT, POLICE_UNIT, SOCIAL_UNIT

SUBJECT = "a" * 64
CASEWORKER = "SE2120000001-S001"
NURSE = "SE2321000016-H001"
AT = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
TODAY = date(2026, 3, 1)
LONGEST = timedelta(hours=72)


def give(**changes: Any) -> Consent:
    """An oral consent to a red-thread meeting of social services and health care."""
    fields: dict[str, Any] = {
        "subject_id": SUBJECT,
        "purpose": "red_thread_meeting",
        "parties": [SOCIAL_UNIT, HEALTH_UNIT],
        "recorded_by": CASEWORKER,
        "given_at": AT,
    }
    return consent_given(**(fields | changes))


def decide(**changes: Any) -> EmergencyDisclosure:
    fields: dict[str, Any] = {
        "subject_id": SUBJECT,
        "parties": [POLICE_UNIT, SOCIAL_UNIT],
        "justification": "Omedelbar fara för liv: hotad med kniv i hemmet.",
        "decided_by": NURSE,
        "decided_at": AT,
        "valid_for": timedelta(hours=24),
        "longest": LONGEST,
    }
    fields.update(changes)
    return EmergencyDisclosure.decide(**fields)


def replay(events: list[Aggregate.Event]) -> Any:
    aggregate = None
    for domain_event in events:
        aggregate = domain_event.mutate(aggregate)
    return aggregate


# --- C-1 -------------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["oral", "written"])
def test_c1_consent_records_who_recorded_it_when_and_in_which_form(form: str) -> None:
    consent = give(form=form)

    assert consent.recorded_by == CASEWORKER
    assert consent.given_at == AT
    assert consent.form == form
    assert consent.subject_id == SUBJECT
    assert consent.withdrawn_at is None


# --- C-2 -------------------------------------------------------------------------------


def test_c2_consent_requires_that_the_individual_was_informed() -> None:
    with pytest.raises(IndividualNotInformed) as raised:
        give(informed=False)

    assert raised.value.rule == "C-2"
    assert raised.value.status == 422


def test_c2_the_record_says_the_individual_was_informed() -> None:
    assert give().informed is True


# --- C-3 -------------------------------------------------------------------------------


def test_c3_consent_is_scoped_to_parties_purpose_and_end_date() -> None:
    consent = give(purpose="case_handover", valid_until=date(2026, 6, 30))

    assert consent.parties == [SOCIAL_UNIT, HEALTH_UNIT]
    assert consent.purpose == "case_handover"
    assert consent.valid_until == date(2026, 6, 30)


@pytest.mark.parametrize(
    "parties", [[], [SOCIAL_UNIT], [SOCIAL_UNIT, SOCIAL_UNIT]], ids=["none", "one", "same-twice"]
)
def test_c3_consent_needs_at_least_two_distinct_parties(parties: list[str]) -> None:
    with pytest.raises(ConsentScopeInvalid) as raised:
        give(parties=parties)

    assert raised.value.rule == "C-3"


def test_c3_duplicate_parties_are_collapsed_keeping_their_order() -> None:
    consent = give(parties=[HEALTH_UNIT, SOCIAL_UNIT, HEALTH_UNIT, POLICE_UNIT, SOCIAL_UNIT])

    assert consent.parties == [HEALTH_UNIT, SOCIAL_UNIT, POLICE_UNIT]


def test_c3_end_date_in_the_past_is_rejected() -> None:
    with pytest.raises(ConsentScopeInvalid) as raised:
        give(valid_until=TODAY - timedelta(days=1))

    assert raised.value.rule == "C-3"


def test_c3_end_date_today_is_accepted() -> None:
    assert give(valid_until=TODAY).valid_until == TODAY


# --- C-4 -------------------------------------------------------------------------------


def test_c4_consent_can_be_withdrawn_at_any_time() -> None:
    consent = give()
    withdrawn_at = AT + timedelta(days=3)

    consent.withdraw(at=withdrawn_at, recorded_by=NURSE)

    assert consent.withdrawn_at == withdrawn_at
    assert consent.withdrawn_by == NURSE


def test_c4_consent_is_withdrawn_only_once() -> None:
    consent = give()
    consent.withdraw(at=AT + timedelta(days=1), recorded_by=NURSE)

    with pytest.raises(ConsentAlreadyWithdrawn) as raised:
        consent.withdraw(at=AT + timedelta(days=2), recorded_by=CASEWORKER)

    assert raised.value.rule == "C-4"
    assert consent.withdrawn_at == AT + timedelta(days=1), "the first withdrawal stands"
    assert consent.withdrawn_by == NURSE


# --- C-5 -------------------------------------------------------------------------------


def test_c5_emergency_disclosure_is_limited_in_time_from_the_decision() -> None:
    disclosure = decide(valid_for=timedelta(hours=24))

    assert disclosure.decided_by == NURSE
    assert disclosure.decided_at == AT
    assert disclosure.valid_until == AT + timedelta(hours=24)
    assert disclosure.parties == [POLICE_UNIT, SOCIAL_UNIT]


@pytest.mark.parametrize("justification", ["", "   \n\t "], ids=["empty", "blank"])
def test_c5_emergency_disclosure_needs_a_written_justification(justification: str) -> None:
    with pytest.raises(EmergencyDisclosureInvalid) as raised:
        decide(justification=justification)

    assert raised.value.rule == "C-5"


def test_c5_justification_is_kept_without_surrounding_blanks() -> None:
    assert decide(justification="  Hot mot livet.  ").justification.text == "Hot mot livet."


@pytest.mark.parametrize(
    "valid_for",
    [timedelta(0), timedelta(hours=-1), LONGEST + timedelta(seconds=1)],
    ids=["zero", "negative", "longer-than-configured"],
)
def test_c5_emergency_disclosure_window_is_positive_and_at_most_the_longest(
    valid_for: timedelta,
) -> None:
    with pytest.raises(EmergencyDisclosureInvalid) as raised:
        decide(valid_for=valid_for)

    assert raised.value.rule == "C-5"


def test_c5_emergency_disclosure_may_last_exactly_the_longest() -> None:
    assert decide(valid_for=LONGEST).valid_until == AT + LONGEST


def test_c5_emergency_disclosure_names_at_least_two_distinct_parties() -> None:
    with pytest.raises(EmergencyDisclosureInvalid) as raised:
        decide(parties=[POLICE_UNIT, POLICE_UNIT])

    assert raised.value.rule == "C-5"


# --- replay ----------------------------------------------------------------------------


def test_c1_c4_replaying_a_consents_events_reproduces_its_state() -> None:
    consent = give(valid_until=date(2026, 12, 31))
    consent.withdraw(at=AT + timedelta(days=5), recorded_by=NURSE)
    events = consent.collect_events()

    assert [type(e) for e in events] == [Consent.Given, Consent.Withdrawn]
    replayed = replay(events)

    assert isinstance(replayed, Consent)
    assert replayed.id == consent.id
    assert replayed.version == consent.version == 2
    assert vars(replayed) == vars(consent)


def test_c5_replaying_a_disclosures_events_reproduces_its_state() -> None:
    disclosure = decide()

    replayed = replay(disclosure.collect_events())

    assert isinstance(replayed, EmergencyDisclosure)
    assert vars(replayed) == vars(disclosure)
