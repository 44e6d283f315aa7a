"""K-14 (seed 004): whoever discovers a pregnant woman with misuse refers her, preferably in
consultation with her, to the social services of her municipality and to specialist
maternity care; each finds it on its own work list and acknowledges it (W-1). Its basis
is her consent to information sharing naming both, or an OSL 26:9 disclosure (C-6, C-11).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from uuid import uuid4

import pytest

from contracts import LegalBasis, OrgType, Purpose, UnbornChildDisclosureRecorded
from services.cases.application import CasesApplication, MakePregnancyReferral
from services.cases.domain import (
    NotAReferralRecipient,
    ReferralAlreadyAcknowledged,
    ReferralWithoutBasis,
)
from services.cases.translate import to_integration_event
from services.cases.views.work_kinds import REFERRAL_MATERNITY_CARE, REFERRAL_SOCIAL_SERVICES
from services.runtime.kernel.rules import NotAllowed
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env
from tests.cases_examples import learn
from tests.integration.test_cases_application import (
    ADULT,
    AT,
    AT_AOF,
    AT_IOF,
    UNITS,
    at_unit,
    learn_consent,
)
from tests.integration.test_cases_work_list import listed
from tests.unit.units import IOF

MATERNITY = "SE2321000016-MVC1"
AT_MATERNITY = at_unit(MATERNITY, "SE2321000016-M001", OrgType.HEALTH_CARE)
MIDWIFE = at_unit("SE2321000016-BMM1", "SE2321000016-B001", OrgType.HEALTH_CARE)
"""A midwife at a maternity clinic (barnmorskemottagning): she discovers the misuse."""

REFERRAL = MakePregnancyReferral(
    subject_id=ADULT,
    municipality_code="0180",
    maternity_unit=MATERNITY,
    in_consultation_with_woman=True,
)


@pytest.fixture
def application(backend_settings: RuntimeSettings) -> Iterator[CasesApplication]:
    app = CasesApplication(env=store_env(backend_settings, "cases"), units=UNITS)
    yield app
    app.close()


def published(app: CasesApplication) -> list[object]:
    events = []
    for notification in app.recorder.select_notifications(1, 1000):
        public = to_integration_event(app.mapper.to_domain_event(notification))
        if public is not None:
            events.append(public)
    return events


def test_k14_a_referral_needs_her_consent_or_an_osl_26_9_disclosure_naming_both(
    application: CasesApplication,
) -> None:
    with pytest.raises(ReferralWithoutBasis) as refused:
        application.make_pregnancy_referral(MIDWIFE, REFERRAL, at=AT)
    assert (refused.value.rule, refused.value.field) == ("K-14", "body.personnummer")
    learn_consent(application, ADULT, [IOF, MIDWIFE.org_id], Purpose.INFORMATION_SHARING)
    with pytest.raises(ReferralWithoutBasis):
        application.make_pregnancy_referral(MIDWIFE, REFERRAL, at=AT)

    disclosure = UnbornChildDisclosureRecorded(
        subject_id=ADULT,
        disclosure_id=uuid4(),
        parties=(IOF, MATERNITY),
        decided_by="SE2120000001-S101",
        decided_at=AT - timedelta(hours=1),
        valid_until=AT + timedelta(days=30),
        consent_sought=True,
    )
    learn(application, disclosure)
    by_disclosure = application.make_pregnancy_referral(MIDWIFE, REFERRAL, at=AT)
    assert (by_disclosure.basis, by_disclosure.basis_id) == (
        LegalBasis.OSL_26_9.value,
        disclosure.disclosure_id,
    )
    with pytest.raises(ReferralWithoutBasis):  # the disclosure has lapsed
        application.make_pregnancy_referral(MIDWIFE, REFERRAL, at=AT + timedelta(days=31))

    consent = learn_consent(application, ADULT, [IOF, MATERNITY], Purpose.INFORMATION_SHARING)
    by_consent = application.make_pregnancy_referral(MIDWIFE, REFERRAL, at=AT)
    assert (by_consent.basis, by_consent.basis_id) == ("consent", consent.consent_id)


def test_k14_w1_both_recipients_find_it_on_their_lists_and_each_acknowledges_once(
    application: CasesApplication,
) -> None:
    learn_consent(application, ADULT, [IOF, MATERNITY], Purpose.INFORMATION_SHARING)
    referral = application.make_pregnancy_referral(MIDWIFE, REFERRAL, at=AT)
    assert (referral.discovered_by_unit, referral.discovered_by) == (
        MIDWIFE.org_id,
        MIDWIFE.hsa_id,
    )
    assert referral.in_consultation_with_woman
    assert referral.social_services_unit == IOF

    (social,) = listed(application, AT_IOF)
    (maternity,) = listed(application, AT_MATERNITY)
    assert (social.kind, maternity.kind) == (REFERRAL_SOCIAL_SERVICES, REFERRAL_MATERNITY_CARE)
    assert social.href == maternity.href == f"/v1/pregnancy-referrals/{referral.id}"
    assert application.read_pregnancy_referral(AT_MATERNITY, social.item_id).id == referral.id
    assert listed(application, AT_AOF) == []  # the adults' unit is not social services here
    with pytest.raises(NotAllowed):
        application.read_pregnancy_referral(AT_AOF, referral.id)
    with pytest.raises(NotAReferralRecipient):
        application.acknowledge_pregnancy_referral(MIDWIFE, referral.id, at=AT)

    application.acknowledge_pregnancy_referral(AT_IOF, referral.id, at=AT)
    assert listed(application, AT_IOF) == []
    assert [i.kind for i in listed(application, AT_MATERNITY)] == [REFERRAL_MATERNITY_CARE]
    with pytest.raises(ReferralAlreadyAcknowledged):
        application.acknowledge_pregnancy_referral(AT_IOF, referral.id, at=AT)
    application.acknowledge_pregnancy_referral(AT_MATERNITY, referral.id, at=AT)
    assert listed(application, AT_MATERNITY) == []

    made, *acknowledged = [
        e for e in published(application) if type(e).__name__.startswith("PregnancyReferral")
    ]
    assert (made.maternity_unit, made.basis, made.discoverer_org_type) == (  # type: ignore[attr-defined]
        MATERNITY,
        LegalBasis.CONSENT,
        OrgType.HEALTH_CARE,
    )
    assert [a.unit for a in acknowledged] == [IOF, MATERNITY]  # type: ignore[attr-defined]
