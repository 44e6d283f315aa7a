"""The application on a real store: the SIP's deadline to be made (K-13), contact with the
other principal (K-17) on the work lists and the deadline schedule, and the three-party
meeting's basis learnt from consent's topic (C-11, C-5)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from contracts import EmergencyDisclosureRecorded, Purpose, SipProposer
from services.cases.application import CasesApplication, ProposeSip
from services.cases.domain import Need, SipConflict
from services.cases.domain.meeting_occasions import MeetingWithoutConsent
from services.cases.domain.principal_contact import (
    NotInPrincipalContact,
    PrincipalContactConflict,
)
from services.cases.views.work_kinds import OTHER_PRINCIPAL_CONTACT, SIP_ESTABLISHMENT
from services.runtime.kernel.actor import NotAParty
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env
from services.runtime.store.subject_records import RecordQuery
from tests.cases_examples import learn
from tests.integration.test_cases_application import (
    ADULT,
    AT,
    AT_AOF,
    AT_IOF,
    AT_REGION,
    REGION,
    STAFF,
    UNITS,
    learn_consent,
    published,
    register,
)
from tests.integration.test_cases_work_list import listed
from tests.unit.units import AOF, IOF


@pytest.fixture
def application(backend_settings: RuntimeSettings) -> Iterator[CasesApplication]:
    app = CasesApplication(
        env=store_env(backend_settings, "cases"),
        units=UNITS,
        sip_establishment_days=10,
        other_principal_contact_days=5,
    )
    yield app
    app.close()


def test_k13_d7_a_proposal_not_made_in_the_days_set_is_raised_listed_and_published(
    application: CasesApplication,
) -> None:
    learn_consent(application, ADULT, [AOF, REGION], Purpose.SIP)
    sip = application.propose_sip(
        AT_AOF, ProposeSip(ADULT, date(1990, 1, 1), SipProposer.REGION, [AOF, REGION]), at=AT
    )
    (item,) = [i for i in listed(application, AT_REGION) if i.kind == SIP_ESTABLISHMENT]
    due = datetime(2026, 1, 22, 23, 0, tzinfo=UTC)  # the end of 22 January in Stockholm
    assert item.due_at == due
    assert application.raise_due(due - timedelta(seconds=1)) == 0
    assert application.raise_due(due) == 1
    assert application.raise_due(due + timedelta(days=1)) == 0
    for actor in (AT_AOF, AT_REGION):
        (late,) = [i for i in listed(application, actor, due) if i.kind == SIP_ESTABLISHMENT]
        assert (late.item_id, late.overdue) == (sip.id, True)
    assert "SipEstablishmentOverdue" in published(application)


def test_k17_contact_waits_on_the_other_principals_list_until_a_sip_with_both_is_proposed(
    application: CasesApplication,
) -> None:
    case = register(application, ADULT, date(1990, 1, 1), [Need.SUBSTANCE_MISUSE]).cases[0]
    assert case.unit == IOF
    with pytest.raises(NotInPrincipalContact):
        application.request_other_principal_contact(AT_AOF, case.id, to_unit=REGION, at=AT)
    contact = application.request_other_principal_contact(AT_IOF, case.id, to_unit=REGION, at=AT)
    with pytest.raises(PrincipalContactConflict):
        application.request_other_principal_contact(AT_IOF, case.id, to_unit=REGION, at=AT)
    (item,) = [i for i in listed(application, AT_REGION) if i.kind == OTHER_PRINCIPAL_CONTACT]
    assert (item.item_id, item.due_at) == (contact.id, datetime(2026, 1, 17, 23, 0, tzinfo=UTC))
    assert application.read_other_principal_contact(AT_REGION, contact.id).to_unit == REGION

    # A SIP between other units than the two settles nothing; one with both does.
    learn_consent(application, ADULT, [IOF, AOF, REGION], Purpose.SIP)
    application.propose_sip(
        AT_AOF, ProposeSip(ADULT, date(1990, 1, 1), SipProposer.REGION, [AOF, REGION]), at=AT
    )
    assert application.read_other_principal_contact(AT_IOF, contact.id).established_at is None
    sip = application.propose_sip(
        AT_IOF, ProposeSip(ADULT, date(1990, 1, 1), SipProposer.MUNICIPALITY, [IOF, REGION]), at=AT
    )
    settled = application.read_other_principal_contact(AT_IOF, contact.id)
    assert (settled.how, settled.sip_id) == ("sip_proposed", sip.id)
    assert [i for i in listed(application, AT_REGION) if i.kind == OTHER_PRINCIPAL_CONTACT] == []
    assert application.raise_due(AT + timedelta(days=30)) == 2  # only the SIPs' own deadlines
    assert published(application).count("OtherPrincipalContactEstablished") == 1
    assert "OtherPrincipalContactOverdue" not in published(application)


def test_k17_d7_w3_contact_not_acknowledged_in_time_is_overdue_on_the_list_and_record(
    application: CasesApplication,
) -> None:
    case = register(application, ADULT, date(1990, 1, 1), [Need.SUBSTANCE_MISUSE]).cases[0]
    contact = application.request_other_principal_contact(AT_IOF, case.id, to_unit=REGION, at=AT)
    late = datetime(2026, 1, 17, 23, 0, tzinfo=UTC)
    assert application.raise_due(late) == 1
    (item,) = [i for i in listed(application, AT_REGION, late) if i.kind == OTHER_PRINCIPAL_CONTACT]
    assert item.overdue is True
    assert published(application)[-1] == "OtherPrincipalContactOverdue"
    (record,) = application.records_of(
        AT_REGION, [ADULT], RecordQuery(kinds=("other_principal_contact",)), late
    ).records
    assert (record.href, record.state) == (f"/v1/principal-contacts/{contact.id}", "overdue")
    application.acknowledge_other_principal_contact(AT_REGION, contact.id, at=late)
    assert [
        i for i in listed(application, AT_REGION, late) if i.kind == OTHER_PRINCIPAL_CONTACT
    ] == []


def test_c11_c5_a_three_party_meeting_rests_on_consent_or_an_emergency_disclosure(
    application: CasesApplication,
) -> None:
    case = register(application, ADULT, date(1990, 1, 1), [Need.SUBSTANCE_MISUSE]).cases[0]
    with pytest.raises(MeetingWithoutConsent):
        application.request_three_party_meeting(AT_IOF, case.id, to_unit=AOF, at=AT)
    # A consent for another purpose, or not naming the asked unit, is no basis.
    learn_consent(application, ADULT, [IOF, AOF], Purpose.CASE_HANDOVER)
    learn_consent(application, ADULT, [IOF, REGION], Purpose.THREE_PARTY_MEETING)
    with pytest.raises(MeetingWithoutConsent):
        application.request_three_party_meeting(AT_IOF, case.id, to_unit=AOF, at=AT)

    disclosure = EmergencyDisclosureRecorded(
        subject_id=ADULT,
        disclosure_id=uuid4(),
        parties=(IOF, AOF),
        decided_by=STAFF,
        decided_at=AT,
        valid_until=AT + timedelta(hours=24),
    )
    learn(application, disclosure)
    meeting = application.request_three_party_meeting(AT_IOF, case.id, to_unit=AOF, at=AT)
    assert (meeting.consent_id, meeting.disclosure_id) == (None, disclosure.disclosure_id)
    with pytest.raises(MeetingWithoutConsent):  # its window has closed
        application.request_three_party_meeting(
            AT_IOF, case.id, to_unit=AOF, at=AT + timedelta(days=1)
        )

    consent = learn_consent(application, ADULT, [IOF, AOF], Purpose.THREE_PARTY_MEETING)
    later = application.request_three_party_meeting(
        AT_IOF, case.id, to_unit=AOF, at=AT + timedelta(days=1)
    )
    assert later.consent_id == consent.consent_id


def test_k13_the_persons_document_is_read_by_the_plans_units_once_it_is_made(
    application: CasesApplication,
) -> None:
    learn_consent(application, ADULT, [AOF, REGION], Purpose.SIP)
    sip = application.propose_sip(
        AT_AOF, ProposeSip(ADULT, date(1990, 1, 1), SipProposer.REGION, [AOF, REGION]), at=AT
    )
    with pytest.raises(SipConflict) as error:
        application.read_plan_document(AT_REGION, sip.id)
    assert error.value.rule == "K-13"
    with pytest.raises(NotAParty):
        application.read_plan_document(AT_IOF, sip.id)
