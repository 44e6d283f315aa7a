"""Consent rules C-1..C-10 and C-12 as pure domain code: guardians, scope, expiry, decisions,
record-level secrecy, and who may erase."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from contracts import ConsentRefused, LegalBasis, OrgType
from services.consent.domain import (
    AskAgainInvalid,
    Authorisation,
    Consent,
    ConsentNoLongerActive,
    ConsentNotDocumented,
    ConsentRefusal,
    ConsentScopeInvalid,
    EmergencyDisclosure,
    GivenBy,
    UnbornChildDisclosure,
    UnbornChildDisclosureInvalid,
    age_on,
    decide,
    end_of_day,
    may_erase,
    may_read_record,
    readable_by,
)
from services.consent.policy import POLICY
from services.consent.translate import to_integration_event
from services.runtime.kernel.personal import Personal, text_of
from tests.unit.consents import consent_given
from tests.unit.units import HEALTH_UNIT as HEALTH
from tests.unit.units import POLICE_UNIT as POLICE
from tests.unit.units import SOCIAL_UNIT as SOCIAL

SUBJECT = "ab" * 32
SCHOOL = "SE2120000001-SKO1"
STAFF = "SE2321000016-K001"
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def consent(**overrides: object) -> Consent:
    """An oral SIP consent between social services and health care, given at AT."""
    fields: dict[str, Any] = {
        "subject_id": SUBJECT,
        "parties": [SOCIAL, HEALTH],
        "recorded_by": STAFF,
        "given_at": AT,
    }
    return consent_given(**(fields | overrides))


def emergency_disclosure(**overrides: object) -> EmergencyDisclosure:
    """A disclosure to police and health care decided at AT, for its longest window."""
    fields: dict[str, object] = {
        "subject_id": SUBJECT,
        "parties": [POLICE, HEALTH],
        "justification": "Akut fara för liv.",
        "decided_by": STAFF,
        "decided_at": AT,
        "valid_for": timedelta(hours=72),
        "longest": timedelta(hours=72),
    }
    fields.update(overrides)
    return EmergencyDisclosure.decide(**fields)  # type: ignore[arg-type]


def unborn_child_disclosure(**overrides: object) -> UnbornChildDisclosure:
    """A disclosure about an unborn child between social services and health care (C-6),
    decided at AT for 30 days of at most 280."""
    fields: dict[str, object] = {
        "subject_id": SUBJECT,
        "parties": [SOCIAL, HEALTH],
        "justification": "Missbruk under graviditet.",
        "decided_by": STAFF,
        "decided_at": AT,
        "valid_for": timedelta(days=30),
        "longest": timedelta(days=280),
        "consent_sought": True,
    }
    fields.update(overrides)
    return UnbornChildDisclosure.decide(**fields)  # type: ignore[arg-type]


# --- C-1: who gives consent -----------------------------------------------------------


def test_c1_a_guardian_may_consent_for_a_child() -> None:
    given = consent(
        given_by=GivenBy.GUARDIAN,
        guardian_name="Vårdnadshavare Testsson",
        subject_birth_date=date(2015, 5, 1),
    )
    assert given.given_by == "guardian"
    assert text_of(given.guardian_name) == "Vårdnadshavare Testsson"


def test_c1_a_guardian_may_not_consent_for_an_adult() -> None:
    with pytest.raises(ConsentNotDocumented) as refused:
        consent(
            given_by=GivenBy.GUARDIAN,
            guardian_name="Vårdnadshavare Testsson",
            subject_birth_date=date(2000, 1, 1),
        )
    assert refused.value.rule == "C-1"


def test_c1_a_guardian_consent_names_the_guardian() -> None:
    with pytest.raises(ConsentNotDocumented):
        consent(given_by=GivenBy.GUARDIAN, guardian_name=" ", subject_birth_date=date(2015, 5, 1))


def test_c1_someone_born_on_29_february_comes_of_age_on_1_march() -> None:
    born = date(2008, 2, 29)
    assert age_on(born, date(2026, 2, 28)) == 17
    assert age_on(born, date(2026, 3, 1)) == 18


# --- C-3: scope and end date ------------------------------------------------------------


def test_c3_a_consent_holds_through_its_last_day_in_sweden() -> None:
    ends = end_of_day(date(2026, 6, 30))
    assert ends == datetime(2026, 6, 30, 22, 0, tzinfo=UTC)  # midnight, summer time
    given = consent(valid_until=date(2026, 6, 30))
    assert given.status(ends - timedelta(microseconds=1)) == "active"
    assert given.status(ends) == "expired"


def test_c3_a_scope_change_is_a_new_event_that_keeps_the_old_scope_on_record() -> None:
    given = consent()
    given.change_scope(add=[POLICE], remove=[HEALTH], at=AT + timedelta(days=1), recorded_by=STAFF)
    events = given.collect_events()
    assert [type(e).__name__ for e in events] == ["Given", "ScopeChanged"]
    assert events[0].parties == [SOCIAL, HEALTH]  # type: ignore[attr-defined]
    assert given.parties == [SOCIAL, POLICE]
    assert events[1].added == [POLICE]  # type: ignore[attr-defined]
    assert events[1].removed == [HEALTH]  # type: ignore[attr-defined]


def test_c3_a_scope_change_must_leave_two_parties_and_change_something() -> None:
    given = consent()
    with pytest.raises(ConsentScopeInvalid):
        given.change_scope(add=[], remove=[HEALTH], at=AT, recorded_by=STAFF)
    with pytest.raises(ConsentScopeInvalid):
        given.change_scope(add=[SOCIAL], remove=[], at=AT, recorded_by=STAFF)


def test_c3_expiry_is_recorded_once_at_the_end_of_the_last_day() -> None:
    given = consent(valid_until=date(2026, 3, 10))
    assert not given.expire_if_due(datetime(2026, 3, 10, 22, 0, tzinfo=UTC))
    assert given.expire_if_due(datetime(2026, 3, 12, 8, 0, tzinfo=UTC))
    assert given.expired_at == datetime(2026, 3, 10, 23, 0, tzinfo=UTC)  # the fact, not "now"
    assert not given.expire_if_due(datetime(2026, 3, 13, tzinfo=UTC))


# --- C-4: withdrawal and refusal ----------------------------------------------------------


def test_c4_a_withdrawn_consent_cannot_change_scope() -> None:
    given = consent()
    given.withdraw(at=AT, recorded_by=STAFF)
    with pytest.raises(ConsentNoLongerActive) as refused:
        given.change_scope(add=[POLICE], remove=[], at=AT + timedelta(hours=1), recorded_by=STAFF)
    assert refused.value.rule == "C-4"


def test_c4_an_expired_consent_cannot_be_withdrawn() -> None:
    given = consent(valid_until=date(2026, 3, 2))
    with pytest.raises(ConsentNoLongerActive):
        given.withdraw(at=datetime(2026, 3, 5, tzinfo=UTC), recorded_by=STAFF)


def test_c4_a_refusal_is_recorded_with_its_scope() -> None:
    refusal = ConsentRefusal.record(
        subject_id=SUBJECT,
        purpose="sip",
        parties=[SOCIAL, HEALTH, SOCIAL],
        refused_at=AT,
        recorded_by=STAFF,
        informed=True,
    )
    assert refusal.parties == [SOCIAL, HEALTH]
    assert refusal.refused_at == AT


def refusal(**overrides: object) -> ConsentRefusal:
    """An informed refusal of a SIP between social services and health care, at AT."""
    fields: dict[str, Any] = {
        "subject_id": SUBJECT,
        "purpose": "sip",
        "parties": [SOCIAL, HEALTH],
        "refused_at": AT,
        "recorded_by": STAFF,
        "informed": True,
        "recording_unit": SOCIAL,
    }
    return ConsentRefusal.record(**(fields | overrides))


def test_c12_a_refusal_carries_the_day_to_ask_again_and_the_motivational_work_planned() -> None:
    planned = refusal(ask_again_on=date(2026, 4, 1), motivational_work=" MI-samtal varje vecka. ")
    assert planned.ask_again_on == date(2026, 4, 1)
    assert planned.motivational_work == Personal(SUBJECT, "MI-samtal varje vecka.")
    plain = refusal()
    assert (plain.ask_again_on, plain.motivational_work) == (None, None)


def test_c12_the_day_to_ask_again_is_after_the_swedish_day_of_the_refusal() -> None:
    for too_soon in (date(2026, 3, 1), date(2026, 3, 2)):
        with pytest.raises(AskAgainInvalid) as refused:
            refusal(ask_again_on=too_soon)
        assert (refused.value.rule, refused.value.field) == ("C-12", "body.ask_again_on")
    assert refusal(ask_again_on=date(2026, 3, 3)).ask_again_on == date(2026, 3, 3)
    # 23:30 UTC on 2 March is already 3 March in Stockholm.
    late = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    with pytest.raises(AskAgainInvalid):
        refusal(refused_at=late, ask_again_on=date(2026, 3, 3))


def test_c12_the_published_refusal_names_the_recording_unit_and_the_day_not_the_plan() -> None:
    """Partners put the day in the recording unit's own inbox (docs/partners.md); the
    motivational work planned is free text about the individual and stays here."""
    planned = refusal(ask_again_on=date(2026, 4, 1), motivational_work="MI-samtal.")
    (refused,) = planned.collect_events()

    public = to_integration_event(refused)

    assert isinstance(public, ConsentRefused)
    assert (public.recording_unit, public.ask_again_on) == (SOCIAL, date(2026, 4, 1))
    assert "MI-samtal" not in public.model_dump_json()
    assert (
        ConsentRefused.model_validate(
            public.model_dump(exclude={"recording_unit", "ask_again_on"})
        ).ask_again_on
        is None
    )  # a refusal published before C-12 still reads


def test_c12_motivational_work_when_given_says_what_is_planned() -> None:
    with pytest.raises(AskAgainInvalid) as refused:
        refusal(ask_again_on=date(2026, 4, 1), motivational_work="  ")
    assert (refused.value.rule, refused.value.field) == ("C-12", "body.motivational_work")


# --- C-5, C-6: disclosures without consent -------------------------------------------------


def test_c5_an_emergency_disclosure_expires_when_its_window_closes() -> None:
    disclosure = emergency_disclosure()
    assert not disclosure.expire_if_due(AT + timedelta(hours=71))
    assert disclosure.expire_if_due(AT + timedelta(hours=80))
    assert disclosure.expired_at == AT + timedelta(hours=72)


def test_c6_an_unborn_child_disclosure_needs_a_justification_and_a_bound() -> None:
    with pytest.raises(UnbornChildDisclosureInvalid) as refused:
        unborn_child_disclosure(justification="  ")
    assert refused.value.rule == "C-6"
    with pytest.raises(UnbornChildDisclosureInvalid):
        unborn_child_disclosure(valid_for=timedelta(days=300))


def test_c6_the_record_says_whether_consent_was_sought() -> None:
    disclosure = unborn_child_disclosure(
        consent_sought=False, consent_not_sought_reason="Kvinnan gick inte att nå."
    )
    assert disclosure.consent_sought is False
    assert disclosure.valid_until == AT + timedelta(days=30)


def test_c6_consent_not_sought_says_why_as_the_womans_personal_data() -> None:
    for missing in ({}, {"consent_not_sought_reason": "   "}):
        with pytest.raises(UnbornChildDisclosureInvalid) as refused:
            unborn_child_disclosure(consent_sought=False, **missing)
        assert refused.value.rule == "C-6"
        assert refused.value.field == "body.consent_not_sought_reason"

    disclosure = unborn_child_disclosure(
        consent_sought=False, consent_not_sought_reason=" Akut läge, kvinnan avvek. "
    )
    assert disclosure.consent_not_sought_reason == Personal(SUBJECT, "Akut läge, kvinnan avvek.")
    assert unborn_child_disclosure().consent_not_sought_reason is None


def test_c6_consent_sought_is_answered_yes_or_no_and_a_yes_has_no_reason_not_to() -> None:
    with pytest.raises(UnbornChildDisclosureInvalid) as unanswered:
        unborn_child_disclosure(consent_sought=None)
    assert unanswered.value.field == "body.consent_sought"
    with pytest.raises(UnbornChildDisclosureInvalid) as contradicted:
        unborn_child_disclosure(consent_sought=True, consent_not_sought_reason="Hann inte.")
    assert contradicted.value.field == "body.consent_not_sought_reason"


def test_c6_social_services_or_health_care_decide_an_unborn_child_disclosure() -> None:
    """Seed 004: "från socialtjänsten eller från hälso- och sjukvården"; not police, school
    or private providers, which are not the authorities whose secrecy OSL 26:9 lifts."""
    deciding = POLICY.permissions["disclosure.unborn_child"]
    assert {org_type for org_type, _ in deciding.pairs} == {
        OrgType.SOCIAL_SERVICES,
        OrgType.HEALTH_CARE,
        OrgType.PSYCHIATRY,
    }


# --- C-9 (with C-3..C-8): decisions with their legal basis ---------------------------------


def authorisation(
    kind: LegalBasis,
    purpose: str | None,
    parties: set[str],
    starts: datetime = AT,
    ends: datetime | None = None,
) -> Authorisation:
    return Authorisation(kind, uuid4(), purpose, frozenset(parties), starts, ends)


def test_c9_a_decision_names_its_legal_basis() -> None:
    given = authorisation(LegalBasis.CONSENT, "sip", {SOCIAL, HEALTH})
    decision = decide([given], from_org=SOCIAL, to_org=HEALTH, purpose="sip", at=AT)
    assert decision.allowed
    assert (decision.kind, decision.basis_id) == (LegalBasis.CONSENT, given.basis_id)


def test_c9_no_basis_means_no() -> None:
    decision = decide([], from_org=SOCIAL, to_org=HEALTH, purpose="sip", at=AT)
    assert not decision.allowed
    assert decision.kind is None


def test_c3_consent_covers_only_its_purpose_and_its_parties() -> None:
    given = [authorisation(LegalBasis.CONSENT, "sip", {SOCIAL, HEALTH})]
    assert not decide(given, from_org=SOCIAL, to_org=HEALTH, purpose="case_handover", at=AT).allowed
    assert not decide(given, from_org=SOCIAL, to_org=SCHOOL, purpose="sip", at=AT).allowed


def test_c4_after_withdrawal_the_same_question_gets_no_but_the_past_stays_answered() -> None:
    withdrawn_at = AT + timedelta(days=3)
    given = [authorisation(LegalBasis.CONSENT, "sip", {SOCIAL, HEALTH}, ends=withdrawn_at)]
    before = decide(
        given, from_org=SOCIAL, to_org=HEALTH, purpose="sip", at=withdrawn_at - timedelta(seconds=1)
    )
    after = decide(given, from_org=SOCIAL, to_org=HEALTH, purpose="sip", at=withdrawn_at)
    assert before.allowed
    assert before.valid_until == withdrawn_at
    assert not after.allowed


def test_c5_an_emergency_disclosure_authorises_any_purpose_but_only_its_parties() -> None:
    emergency = [authorisation(LegalBasis.EMERGENCY_DISCLOSURE, None, {POLICE, HEALTH})]
    meeting = decide(emergency, from_org=POLICE, to_org=HEALTH, purpose="red_thread_meeting", at=AT)
    assert (meeting.allowed, meeting.kind) == (True, LegalBasis.EMERGENCY_DISCLOSURE)
    assert not decide(emergency, from_org=POLICE, to_org=SOCIAL, purpose="sip", at=AT).allowed


def test_c5_the_individuals_consent_is_preferred_over_an_emergency_disclosure() -> None:
    both = [
        authorisation(LegalBasis.EMERGENCY_DISCLOSURE, None, {SOCIAL, HEALTH}),
        authorisation(LegalBasis.CONSENT, "red_thread_meeting", {SOCIAL, HEALTH}),
    ]
    decision = decide(both, from_org=SOCIAL, to_org=HEALTH, purpose="red_thread_meeting", at=AT)
    assert decision.kind is LegalBasis.CONSENT


def test_c6_osl_26_9_authorises_information_sharing_with_the_named_authority() -> None:
    osl = [authorisation(LegalBasis.OSL_26_9, "information_sharing", {SOCIAL, HEALTH})]
    sharing = decide(osl, from_org=SOCIAL, to_org=HEALTH, purpose="information_sharing", at=AT)
    assert (sharing.allowed, sharing.kind) == (True, LegalBasis.OSL_26_9)
    assert not decide(osl, from_org=SOCIAL, to_org=HEALTH, purpose="sip", at=AT).allowed


def test_c7_an_adults_sip_needs_a_consent_for_sip() -> None:
    other_purpose = [authorisation(LegalBasis.CONSENT, "information_sharing", {SOCIAL, HEALTH})]
    assert not decide(other_purpose, from_org=SOCIAL, to_org=HEALTH, purpose="sip", at=AT).allowed
    for_sip = [*other_purpose, authorisation(LegalBasis.CONSENT, "sip", {SOCIAL, HEALTH})]
    assert decide(for_sip, from_org=SOCIAL, to_org=HEALTH, purpose="sip", at=AT).allowed


def test_c8_a_case_handover_needs_consent_for_case_handover_covering_both_units() -> None:
    handover = [authorisation(LegalBasis.CONSENT, "case_handover", {SOCIAL, HEALTH})]
    assert decide(handover, from_org=SOCIAL, to_org=HEALTH, purpose="case_handover", at=AT).allowed
    assert not decide(
        handover, from_org=SOCIAL, to_org=SCHOOL, purpose="case_handover", at=AT
    ).allowed
    # Not yet given is not given: a question about before the consent gets no.
    later = [
        authorisation(
            LegalBasis.CONSENT, "case_handover", {SOCIAL, HEALTH}, starts=AT + timedelta(days=1)
        )
    ]
    assert not decide(later, from_org=SOCIAL, to_org=HEALTH, purpose="case_handover", at=AT).allowed


# --- C-10: record-level secrecy ---------------------------------------------------------------


def test_c10_a_record_is_read_by_the_units_it_names_and_its_recording_unit_only() -> None:
    given = consent(parties=[SOCIAL, HEALTH, SCHOOL], recording_unit=SOCIAL)
    given.change_scope(add=[], remove=[SOCIAL], at=AT + timedelta(hours=1), recorded_by=STAFF)
    assert readable_by(given, SOCIAL)  # it recorded it, though no longer named
    assert readable_by(given, HEALTH)
    assert readable_by(given, SCHOOL)
    assert not readable_by(given, POLICE)
    assert may_read_record(POLICE, parties=[POLICE, SCHOOL], recording_unit=None)
    # A record stored before the recording unit was kept: its parties only.
    assert not may_read_record(SOCIAL, parties=[HEALTH, SCHOOL], recording_unit=None)


def test_c10_a_disclosures_justification_follows_its_record() -> None:
    disclosure = emergency_disclosure(
        parties=[HEALTH, POLICE],
        justification="Akut fara.",
        valid_for=timedelta(hours=1),
        recording_unit=HEALTH,
    )
    assert [u for u in (SOCIAL, HEALTH, POLICE, SCHOOL) if readable_by(disclosure, u)] == [
        HEALTH,
        POLICE,
    ]


def test_erasure_only_by_the_configured_platform_unit_and_by_no_one_unconfigured() -> None:
    assert may_erase("SE2321000016-IT01", "SE2321000016-IT01")
    assert not may_erase(SOCIAL, "SE2321000016-IT01")
    assert not may_erase(SOCIAL, None)
