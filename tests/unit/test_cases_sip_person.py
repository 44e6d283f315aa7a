"""The SIP as the person's plan (K-13), contact with the other principal (K-17) and the
basis of a three-party meeting (C-11). Pure domain, and the plan's document."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from services.cases.domain import Meeting, SipIncomplete
from services.cases.domain.consents import SubjectConsents
from services.cases.domain.meeting_occasions import MeetingWithoutConsent
from services.cases.domain.principal_contact import (
    NotInPrincipalContact,
    PrincipalContact,
    PrincipalContactConflict,
    PrincipalContactInvalid,
)
from services.cases.domain.principals import (
    Principal,
    SipWithoutBothPrincipals,
    principal_of,
    require_both_principals,
)
from services.cases.rendering import plan_document
from tests.unit.test_cases_sip import (
    AT,
    MUNICIPALITY,
    PLAN,
    REGION,
    STAFF,
    SUBJECT,
    establish,
    propose,
)

OTHER_MUNICIPAL_UNIT = "SE2120000001-IOF1"
PRIVATE_CARE = "SE5565594230-PV01"
CASE = UUID("1c9a8b7d-2e3f-4a5b-8c6d-7e8f9a0b1c2d")


# --- K-13: both principals ----------------------------------------------------------------


def test_k13_the_principal_is_read_from_the_hsa_ids_organisation_number() -> None:
    assert principal_of(MUNICIPALITY) is Principal.MUNICIPALITY
    assert principal_of(REGION) is Principal.REGION
    assert principal_of(PRIVATE_CARE) is None


@pytest.mark.parametrize(
    ("units", "missing"),
    [
        ([MUNICIPALITY, OTHER_MUNICIPAL_UNIT], "region"),
        ([REGION, "SE2321000016-HC01"], "municipality"),
        ([REGION, PRIVATE_CARE], "municipality"),
    ],
)
def test_k13_a_sip_without_a_unit_of_each_principal_is_refused(
    units: list[str], missing: str
) -> None:
    with pytest.raises(SipWithoutBothPrincipals, match=f"no {missing} unit") as error:
        propose(units=units, proposer_unit=units[0])
    assert (error.value.rule, error.value.field) == ("K-13", "body.units")


def test_k13_both_principals_with_others_beside_them_is_a_sip() -> None:
    require_both_principals([MUNICIPALITY, REGION, PRIVATE_CARE])
    assert propose(units=[MUNICIPALITY, REGION, PRIVATE_CARE]).units[2] == PRIVATE_CARE


# --- K-13: the person's own words -----------------------------------------------------------


@pytest.mark.parametrize("part", ["what_matters", "own_goals"])
def test_k13_the_plan_starts_from_what_matters_to_the_person_and_their_goals(part: str) -> None:
    sip = propose()
    with pytest.raises(SipIncomplete) as error:
        establish(sip, plan=dataclasses.replace(PLAN, **{part: "  "}))
    assert (error.value.rule, error.value.field) == ("K-13", f"body.plan.{part}")


def test_k13_every_version_made_is_published_for_the_person() -> None:
    sip = propose()
    establish(sip)
    published = [e for e in sip.collect_events() if isinstance(e, type(sip).PlanPublished)]
    assert [(e.plan_version, e.units, e.next_follow_up_on) for e in published] == [
        (1, [MUNICIPALITY, REGION], date(2026, 4, 1))
    ]


# --- K-13: "utan dröjsmål" as a day -----------------------------------------------------------


def test_k13_a_proposal_not_established_within_the_days_set_is_overdue_once() -> None:
    sip = propose(establish_within_days=14)
    assert sip.establish_by == date(2026, 3, 16)
    end_of_day = datetime(2026, 3, 16, 23, 0, tzinfo=UTC)  # midnight in Stockholm (CET)
    assert sip.raise_due(end_of_day - timedelta(microseconds=1)) == []
    assert sip.raise_due(end_of_day) == ["sip_establishment_overdue"]
    assert sip.raise_due(end_of_day + timedelta(days=1)) == []
    (raised,) = [
        e for e in sip.collect_events() if isinstance(e, type(sip).EstablishmentOverdueRaised)
    ]
    assert (raised.units, raised.establish_by) == ([MUNICIPALITY, REGION], date(2026, 3, 16))


def test_k13_an_established_or_closed_proposal_is_not_overdue() -> None:
    established = propose(establish_within_days=1)
    establish(established)
    closed = propose(establish_within_days=1)
    closed.close(reason="Flyttat.", unit=MUNICIPALITY, at=AT, by=STAFF)
    later = AT + timedelta(days=5)
    assert established.raise_due(later) == []
    assert closed.raise_due(later) == []


# --- K-13: the person's document -----------------------------------------------------------


def test_k13_the_plan_reads_as_the_persons_own_document_in_swedish() -> None:
    sip = propose()
    establish(sip, plan=dataclasses.replace(PLAN, what_matters="Min <katt> & mitt hem."))
    assert sip.current is not None
    html = plan_document(sip, sip.current)
    assert html.startswith('<!DOCTYPE html><html lang="sv">')
    for heading in ("Min plan", "Det här är viktigt för mig", "Mina mål", "Vem gör vad"):
        assert f"<h1>{heading}</h1>" in html or f"<h2>{heading}</h2>" in html
    assert "Min &lt;katt&gt; &amp; mitt hem." in html
    assert f"Regionen ({REGION})" in html
    assert "<p>1 april 2026</p>" in html


# --- K-17: contact with the other principal ----------------------------------------------------


def ask(**changes: object) -> PrincipalContact:
    arguments: dict[str, object] = {
        "subject_id": SUBJECT,
        "case_id": CASE,
        "case_unit": MUNICIPALITY,
        "unit": MUNICIPALITY,
        "to_unit": REGION,
        "within_days": 7,
        "at": AT,
        "by": STAFF,
    }
    arguments.update(changes)
    return PrincipalContact.request(**arguments)  # type: ignore[arg-type]


def test_k17_the_unit_holding_the_case_asks_a_unit_of_the_other_principal() -> None:
    with pytest.raises(NotInPrincipalContact):
        ask(unit=OTHER_MUNICIPAL_UNIT)
    for same_or_neither in (OTHER_MUNICIPAL_UNIT, PRIVATE_CARE):
        with pytest.raises(PrincipalContactInvalid) as error:
            ask(to_unit=same_or_neither)
        assert (error.value.rule, error.value.field) == ("K-17", "body.to_unit")
    assert ask().contact_by == date(2026, 3, 9)


def test_k17_the_asked_unit_acknowledges_once() -> None:
    contact = ask()
    with pytest.raises(NotInPrincipalContact):
        contact.acknowledge(unit=MUNICIPALITY, at=AT, by=STAFF)
    contact.acknowledge(unit=REGION, at=AT, by=STAFF)
    assert contact.how == "acknowledged"
    with pytest.raises(PrincipalContactConflict):
        contact.acknowledge(unit=REGION, at=AT, by=STAFF)


def test_k17_a_sip_proposed_with_both_units_establishes_the_contact() -> None:
    contact = ask()
    sip_id = uuid4()
    assert not contact.settle_by_sip(
        sip_id=sip_id, units=[MUNICIPALITY, PRIVATE_CARE], at=AT, by=STAFF
    )
    assert contact.settle_by_sip(sip_id=sip_id, units=[REGION, MUNICIPALITY], at=AT, by=STAFF)
    assert (contact.how, contact.sip_id) == ("sip_proposed", sip_id)
    assert contact.raise_due(AT + timedelta(days=30)) == []


def test_k17_contact_not_established_by_its_day_is_overdue_once() -> None:
    contact = ask()
    end_of_day = datetime(2026, 3, 9, 23, 0, tzinfo=UTC)
    assert contact.raise_due(end_of_day - timedelta(microseconds=1)) == []
    assert contact.raise_due(end_of_day) == ["other_principal_contact_overdue"]
    assert contact.raise_due(end_of_day + timedelta(days=1)) == []


# --- C-11: a three-party meeting rests on a basis ---------------------------------------------


def request_three_party(consent_id: UUID | None, disclosure_id: UUID | None) -> Meeting:
    return Meeting.request_three_party(
        subject_id=SUBJECT,
        case_id=CASE,
        case_unit=MUNICIPALITY,
        unit=MUNICIPALITY,
        to_unit=OTHER_MUNICIPAL_UNIT,
        consent_id=consent_id,
        disclosure_id=disclosure_id,
        at=AT,
        by=STAFF,
    )


def test_c11_a_three_party_meeting_without_consent_or_disclosure_is_refused() -> None:
    with pytest.raises(MeetingWithoutConsent) as error:
        request_three_party(None, None)
    assert (error.value.rule, error.value.status) == ("C-11", 409)
    consent, disclosure = uuid4(), uuid4()
    assert request_three_party(consent, None).consent_id == consent
    assert request_three_party(None, disclosure).disclosure_id == disclosure


def test_c11_c5_an_emergency_disclosure_covers_its_parties_in_its_window_only() -> None:
    record = SubjectConsents(subject_id=SUBJECT)
    disclosure = uuid4()
    record.learn_disclosure(
        disclosure_id=disclosure,
        parties=[MUNICIPALITY, OTHER_MUNICIPAL_UNIT],
        decided_at=AT,
        valid_until=AT + timedelta(hours=24),
    )
    both = [MUNICIPALITY, OTHER_MUNICIPAL_UNIT]
    found = record.disclosure_for(both, AT + timedelta(hours=1))
    assert found is not None
    assert found.disclosure_id == disclosure
    assert record.disclosure_for(both, AT + timedelta(hours=24)) is None
    assert record.disclosure_for([MUNICIPALITY, REGION], AT + timedelta(hours=1)) is None
