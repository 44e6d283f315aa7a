"""The red thread (det röda snöret): rules E-1..E-4 and the consent view they rely on, no I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from uuid import UUID, uuid4

import pytest

from contracts import (
    ConsentGiven,
    EmergencyDisclosureRecorded,
    LegalBasis,
    OrgType,
    UnbornChildDisclosureRecorded,
)
from services.escalation.domain import (
    Basis,
    IndividualHarmMustBeStated,
    MeasuresMustBeRecorded,
    MeetingAlreadyScheduled,
    MeetingInThePast,
    MeetingTooLate,
    NoLegalBasisForMeeting,
    OnlyBlueLightMayPull,
    RedThread,
    SubjectAuthorisations,
    may_pull_red_thread,
    meeting_deadline,
)
from tests.unit.units import HEALTH_UNIT, POLICE_UNIT, SCHOOL_UNIT, SOCIAL_UNIT

SUBJECT = "b" * 64
OFFICER = "SE2321000016-P001"
COORDINATOR = "SE2321000016-K001"
CASEWORKER = "SE2120000001-S001"
PULLED_AT = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
BLUE_LIGHT = [OrgType.AMBULANCE, OrgType.RESCUE, OrgType.POLICE]
NOT_BLUE_LIGHT = [org_type for org_type in OrgType if org_type not in BLUE_LIGHT]
INVITED = [SOCIAL_UNIT, HEALTH_UNIT]
CONSENT_BASIS = Basis(LegalBasis.CONSENT, UUID(int=1))


def pull(**changes: Any) -> RedThread:
    fields: dict[str, Any] = {
        "subject_id": SUBJECT,
        "pulled_at": PULLED_AT,
        "pulled_by": OFFICER,
        "pulled_by_org": POLICE_UNIT,
        "pulled_by_org_type": "police",
        "measures_tried": ["sip", "care_planning"],
        "individual_harmed": True,
        "burdened_orgs": [SOCIAL_UNIT, HEALTH_UNIT],
        "municipality_code": "0180",
    }
    fields.update(changes)
    return RedThread.pull(**fields)


def schedule(red_thread: RedThread, meeting_at: datetime, **changes: Any) -> None:
    fields: dict[str, Any] = {
        "meeting_at": meeting_at,
        "invited_orgs": INVITED,
        "basis": CONSENT_BASIS,
        "scheduled_by": COORDINATOR,
        "now": red_thread.pulled_at + timedelta(hours=1),
    }
    fields.update(changes)
    red_thread.schedule_meeting(**fields)


def schedule_without_overflow(red_thread: RedThread, meeting_at: datetime) -> None:
    try:
        schedule(red_thread, meeting_at)
    except OverflowError as error:
        raise AssertionError(
            "BUG services/escalation/domain.py RedThread.schedule_meeting: "
            "stockholm_date(meeting_at) overflows for instants whose Stockholm date is "
            "past 9999-12-31 (OverflowError, a 500 over HTTP); clamp in "
            "services/runtime/kernel/stockholm_time.py stockholm_date or compare instants instead"
        ) from error


def consent_given(**changes: Any) -> ConsentGiven:
    fields: dict[str, Any] = {
        "subject_id": SUBJECT,
        "consent_id": uuid4(),
        "purpose": "red_thread_meeting",
        "parties": (SOCIAL_UNIT, HEALTH_UNIT, POLICE_UNIT),
        "form": "oral",
        "recorded_by": CASEWORKER,
        "informed": True,
        "given_at": PULLED_AT - timedelta(days=30),
        "valid_until": None,
    }
    fields.update(changes)
    return ConsentGiven(**fields)


def disclosure_recorded(**changes: Any) -> EmergencyDisclosureRecorded:
    fields: dict[str, Any] = {
        "subject_id": SUBJECT,
        "disclosure_id": uuid4(),
        "parties": (SOCIAL_UNIT, HEALTH_UNIT, POLICE_UNIT),
        "decided_by": OFFICER,
        "decided_at": PULLED_AT,
        "valid_until": PULLED_AT + timedelta(hours=72),
    }
    fields.update(changes)
    return EmergencyDisclosureRecorded(**fields)


def authorisations() -> SubjectAuthorisations:
    return SubjectAuthorisations(subject_id=SUBJECT)


# --- E-1 -------------------------------------------------------------------------------


@pytest.mark.parametrize("org_type", BLUE_LIGHT)
def test_e1_ambulance_rescue_and_police_may_pull(org_type: OrgType) -> None:
    assert may_pull_red_thread(org_type.value)
    red_thread = pull(pulled_by_org_type=org_type.value)

    assert red_thread.pulled_by_org_type == org_type.value
    assert red_thread.pulled_at == PULLED_AT
    assert red_thread.pulled_by == OFFICER


@pytest.mark.parametrize("org_type", NOT_BLUE_LIGHT)
def test_e1_only_blue_light_services_may_pull(org_type: OrgType) -> None:
    assert not may_pull_red_thread(org_type.value)
    with pytest.raises(OnlyBlueLightMayPull) as raised:
        pull(pulled_by_org_type=org_type.value)

    assert raised.value.rule == "E-1"
    assert raised.value.status == 403
    assert "E-6" in raised.value.message, "points the caller to the ordinary ladder"


def test_e1_every_org_type_is_either_blue_light_or_not() -> None:
    assert sorted(BLUE_LIGHT + NOT_BLUE_LIGHT) == sorted(OrgType)
    assert len(NOT_BLUE_LIGHT) == len(OrgType) - 3


# --- E-2 -------------------------------------------------------------------------------


def test_e2_pull_records_which_measures_were_tried() -> None:
    red_thread = pull(measures_tried=["sip", "three_party_meeting", "sip"])

    assert red_thread.measures_tried == ["sip", "three_party_meeting"]
    assert red_thread.burdened_orgs == [SOCIAL_UNIT, HEALTH_UNIT]


def test_e2_pull_without_measures_tried_is_rejected() -> None:
    with pytest.raises(MeasuresMustBeRecorded) as raised:
        pull(measures_tried=[])

    assert raised.value.rule == "E-2"


def test_e2_pull_without_sip_among_the_measures_is_rejected() -> None:
    """Seed 000: the red thread is pulled "trots insatser inklusive SIP"."""
    with pytest.raises(MeasuresMustBeRecorded) as raised:
        pull(measures_tried=["care_planning", "three_party_meeting"])

    assert raised.value.rule == "E-2"
    assert raised.value.field == "body.measures_tried"
    assert "SIP" in raised.value.message


@pytest.mark.parametrize("harmed", [False, None])
def test_e2_pull_without_the_individual_being_harmed_is_rejected(harmed: bool | None) -> None:
    with pytest.raises(IndividualHarmMustBeStated) as raised:
        pull(individual_harmed=harmed)

    assert raised.value.rule == "E-2"
    assert raised.value.field == "body.individual_harmed"


def test_e2_pull_records_that_the_individual_is_being_harmed() -> None:
    assert pull().individual_harmed is True


# --- E-3 -------------------------------------------------------------------------------


def test_e3_deadline_is_14_calendar_days_after_the_pull() -> None:
    assert meeting_deadline(PULLED_AT) == date(2026, 3, 15)
    assert pull().meeting_deadline == date(2026, 3, 15)


def test_e3_deadline_counts_from_the_stockholm_date_of_the_pull() -> None:
    """23:30 UTC on 28 March is 00:30 on 29 March in Stockholm (CET, UTC+1)."""
    assert meeting_deadline(datetime(2026, 3, 28, 22, 30, tzinfo=UTC)) == date(2026, 4, 11)
    assert meeting_deadline(datetime(2026, 3, 28, 23, 30, tzinfo=UTC)) == date(2026, 4, 12)


@pytest.mark.parametrize(
    ("pulled_at", "last_minute", "first_minute_too_late"),
    [
        # Spring forward (29 March 2026): pulled in CET, deadline day in CEST (UTC+2).
        (
            datetime(2026, 3, 28, 23, 30, tzinfo=UTC),
            datetime(2026, 4, 12, 21, 59, tzinfo=UTC),
            datetime(2026, 4, 12, 22, 0, tzinfo=UTC),
        ),
        # Fall back (25 October 2026): pulled in CEST, deadline day in CET (UTC+1).
        (
            datetime(2026, 10, 24, 22, 30, tzinfo=UTC),
            datetime(2026, 11, 8, 22, 59, tzinfo=UTC),
            datetime(2026, 11, 8, 23, 0, tzinfo=UTC),
        ),
    ],
    ids=["spring-forward", "fall-back"],
)
def test_e3_meeting_on_the_deadline_day_is_accepted_across_a_dst_change(
    pulled_at: datetime, last_minute: datetime, first_minute_too_late: datetime
) -> None:
    on_time = pull(pulled_at=pulled_at)
    schedule(on_time, last_minute)
    assert on_time.meeting_at == last_minute

    with pytest.raises(MeetingTooLate) as raised:
        schedule(pull(pulled_at=pulled_at), first_minute_too_late)
    assert raised.value.rule == "E-3"


def test_e3_meeting_the_day_after_the_deadline_is_rejected() -> None:
    red_thread = pull(pulled_at=datetime(2026, 3, 28, 23, 30, tzinfo=UTC))
    assert red_thread.meeting_deadline == date(2026, 4, 12)

    with pytest.raises(MeetingTooLate) as raised:
        schedule(red_thread, datetime(2026, 4, 13, 8, 0, tzinfo=UTC))

    assert raised.value.rule == "E-3"
    assert "2026-04-12" in raised.value.message
    assert red_thread.meeting_at is None


@pytest.mark.parametrize(
    "meeting_at",
    [
        datetime(9999, 12, 31, 23, 30, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-5))),
    ],
    ids=["utc", "utc-minus-5"],
)
def test_e3_meeting_at_the_end_of_the_calendar_is_too_late_not_an_overflow(
    meeting_at: datetime,
) -> None:
    """Its Stockholm date would be in year 10000, which `date` cannot hold."""
    with pytest.raises(MeetingTooLate) as raised:
        schedule_without_overflow(pull(), meeting_at)

    assert raised.value.rule == "E-3"


@pytest.mark.parametrize(
    "meeting_at",
    [PULLED_AT, PULLED_AT + timedelta(minutes=30), PULLED_AT + timedelta(hours=1)],
    ids=["at-the-pull", "before-now", "exactly-now"],
)
def test_e3_meeting_in_the_past_is_rejected(meeting_at: datetime) -> None:
    red_thread = pull()

    with pytest.raises(MeetingInThePast) as raised:
        schedule(red_thread, meeting_at, now=PULLED_AT + timedelta(hours=1))

    assert raised.value.rule == "E-3"


def test_e3_meeting_is_scheduled_once() -> None:
    red_thread = pull()
    schedule(red_thread, PULLED_AT + timedelta(days=2))

    with pytest.raises(MeetingAlreadyScheduled) as raised:
        schedule(red_thread, PULLED_AT + timedelta(days=3))

    assert raised.value.rule == "E-3"
    assert red_thread.meeting_at == PULLED_AT + timedelta(days=2)


def test_e3_scheduled_meeting_records_the_invited_and_the_basis() -> None:
    red_thread = pull()

    schedule(red_thread, PULLED_AT + timedelta(days=2), invited_orgs=[*INVITED, SOCIAL_UNIT])

    assert red_thread.invited_orgs == INVITED
    assert red_thread.basis == CONSENT_BASIS
    events = red_thread.collect_events()
    assert [type(e) for e in events] == [RedThread.Pulled, RedThread.MeetingScheduled]
    scheduled = events[-1]
    assert isinstance(scheduled, RedThread.MeetingScheduled)
    assert scheduled.legal_basis == "consent"
    assert scheduled.scheduled_by == COORDINATOR


# --- E-4 -------------------------------------------------------------------------------


def test_e4_meeting_without_legal_basis_cannot_be_scheduled() -> None:
    red_thread = pull()

    with pytest.raises(NoLegalBasisForMeeting) as raised:
        schedule(red_thread, PULLED_AT + timedelta(days=2), basis=None)

    assert raised.value.rule == "E-4"
    assert raised.value.status == 409
    assert red_thread.meeting_at is None


def test_e4_consent_for_red_thread_meeting_covering_all_invited_is_a_basis() -> None:
    view = authorisations()
    consent = consent_given()
    view.note_consent(consent)

    basis = view.basis_for_meeting(INVITED, PULLED_AT + timedelta(days=2))

    assert basis == Basis(LegalBasis.CONSENT, consent.consent_id)


def test_e4_consent_for_another_purpose_is_no_basis() -> None:
    view = authorisations()
    view.note_consent(consent_given(purpose="sip"))

    assert view.basis_for_meeting(INVITED, PULLED_AT + timedelta(days=2)) is None


def test_e4_consent_not_covering_one_invited_organisation_is_no_basis() -> None:
    view = authorisations()
    view.note_consent(consent_given())

    assert view.basis_for_meeting([*INVITED, SCHOOL_UNIT], PULLED_AT + timedelta(days=2)) is None


def test_e4_c4_withdrawn_consent_is_no_basis() -> None:
    view = authorisations()
    consent = consent_given()
    view.note_consent(consent)

    view.note_withdrawal(consent.consent_id)

    assert view.basis_for_meeting(INVITED, PULLED_AT + timedelta(days=2)) is None


def test_e4_c4_withdrawal_of_an_unknown_consent_is_harmless() -> None:
    view = authorisations()
    consent = consent_given()
    view.note_consent(consent)

    view.note_withdrawal(uuid4())

    assert view.basis_for_meeting(INVITED, PULLED_AT + timedelta(days=2)) == Basis(
        LegalBasis.CONSENT, consent.consent_id
    )


def test_e4_consent_expired_before_the_meeting_date_is_no_basis() -> None:
    view = authorisations()
    view.note_consent(consent_given(valid_until=date(2026, 3, 2)))

    assert view.basis_for_meeting(INVITED, datetime(2026, 3, 2, 15, 0, tzinfo=UTC)) is not None
    assert view.basis_for_meeting(INVITED, datetime(2026, 3, 3, 8, 0, tzinfo=UTC)) is None


def test_e4_consent_end_date_is_a_stockholm_date() -> None:
    """23:30 UTC on 2 March is already 3 March in Stockholm: the consent has ended."""
    view = authorisations()
    view.note_consent(consent_given(valid_until=date(2026, 3, 2)))

    assert view.basis_for_meeting(INVITED, datetime(2026, 3, 2, 23, 30, tzinfo=UTC)) is None


def test_e4_c5_emergency_disclosure_naming_the_invited_at_the_meeting_is_a_basis() -> None:
    view = authorisations()
    disclosure = disclosure_recorded()
    view.note_emergency_disclosure(disclosure)

    basis = view.basis_for_meeting(INVITED, PULLED_AT + timedelta(hours=48))

    assert basis == Basis(LegalBasis.EMERGENCY_DISCLOSURE, disclosure.disclosure_id)


def test_e4_c5_emergency_disclosure_ended_before_the_meeting_is_no_basis() -> None:
    view = authorisations()
    disclosure = disclosure_recorded(valid_until=PULLED_AT + timedelta(hours=72))
    view.note_emergency_disclosure(disclosure)

    assert view.basis_for_meeting(INVITED, PULLED_AT + timedelta(hours=72)) is None
    assert view.basis_for_meeting(INVITED, PULLED_AT + timedelta(days=4)) is None


def test_e4_c5_emergency_disclosure_not_naming_one_invited_is_no_basis() -> None:
    view = authorisations()
    view.note_emergency_disclosure(disclosure_recorded(parties=(POLICE_UNIT, SOCIAL_UNIT)))

    assert view.basis_for_meeting(INVITED, PULLED_AT + timedelta(hours=2)) is None


def test_e4_consent_is_preferred_over_emergency_disclosure() -> None:
    view = authorisations()
    view.note_emergency_disclosure(disclosure_recorded())
    consent = consent_given()
    view.note_consent(consent)

    basis = view.basis_for_meeting(INVITED, PULLED_AT + timedelta(hours=2))

    assert basis == Basis(LegalBasis.CONSENT, consent.consent_id)


def test_e4_no_consent_and_no_disclosure_is_no_basis() -> None:
    assert authorisations().basis_for_meeting(INVITED, PULLED_AT + timedelta(days=1)) is None


def test_e4_replaying_the_consent_view_reproduces_the_basis() -> None:
    view = authorisations()
    kept, withdrawn = consent_given(), consent_given()
    disclosure = disclosure_recorded()
    view.note_consent(withdrawn)
    view.note_consent(kept)
    view.note_withdrawal(withdrawn.consent_id)
    view.note_emergency_disclosure(disclosure)

    replayed: Any = None
    for domain_event in view.collect_events():
        replayed = domain_event.mutate(replayed)

    assert isinstance(replayed, SubjectAuthorisations)
    assert replayed.id == SubjectAuthorisations.create_id(SUBJECT)
    assert replayed.consents == {kept.consent_id: kept}
    assert replayed.disclosures == {disclosure.disclosure_id: disclosure}


# --- C-11: the basis for sharing outside the red thread ------------------------------------

SHARED_WITH = [SOCIAL_UNIT, HEALTH_UNIT]


def osl_disclosure(**changes: Any) -> UnbornChildDisclosureRecorded:
    fields: dict[str, Any] = {
        "subject_id": SUBJECT,
        "disclosure_id": uuid4(),
        "parties": (SOCIAL_UNIT, HEALTH_UNIT),
        "decided_by": CASEWORKER,
        "decided_at": PULLED_AT - timedelta(hours=1),
        "valid_until": PULLED_AT + timedelta(days=7),
        "consent_sought": True,
    }
    fields.update(changes)
    return UnbornChildDisclosureRecorded(**fields)


def test_c11_consent_to_information_sharing_naming_every_unit_is_a_basis() -> None:
    view = authorisations()
    view.note_consent(consent_given(purpose="red_thread_meeting"))
    view.note_consent(
        consent_given(purpose="information_sharing", parties=(SOCIAL_UNIT, POLICE_UNIT))
    )
    assert view.basis_for_sharing(SHARED_WITH, PULLED_AT) is None, "other purpose, other units"

    sharing = consent_given(purpose="information_sharing", parties=(SOCIAL_UNIT, HEALTH_UNIT))
    view.note_consent(sharing)
    assert view.basis_for_sharing(SHARED_WITH, PULLED_AT) == Basis(
        LegalBasis.CONSENT, sharing.consent_id
    )
    view.note_withdrawal(sharing.consent_id)
    assert view.basis_for_sharing(SHARED_WITH, PULLED_AT) is None  # C-4


def test_c11_an_emergency_or_osl_26_9_disclosure_naming_the_units_is_a_basis_while_it_holds() -> (
    None
):
    view = authorisations()
    osl = osl_disclosure()
    view.note_osl_disclosure(osl)
    assert view.basis_for_sharing(SHARED_WITH, PULLED_AT) == Basis(
        LegalBasis.OSL_26_9, osl.disclosure_id
    )
    assert view.basis_for_sharing(SHARED_WITH, PULLED_AT + timedelta(days=8)) is None
    assert view.basis_for_sharing([SOCIAL_UNIT, POLICE_UNIT], PULLED_AT) is None

    emergency = disclosure_recorded()
    view.note_emergency_disclosure(emergency)
    assert view.basis_for_sharing(SHARED_WITH, PULLED_AT) == Basis(
        LegalBasis.EMERGENCY_DISCLOSURE, emergency.disclosure_id
    )
    view.note_expiry(osl.disclosure_id)
    assert osl.disclosure_id not in view.osl_disclosures
