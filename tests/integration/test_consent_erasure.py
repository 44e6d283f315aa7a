"""Erasure (GDPR art. 17) in the consent service: personal data sealed per subject reads
as erased afterwards, the facts stay, and SubjectErased (v2, reason request) reaches the
topic."""

from __future__ import annotations

import pytest

from contracts import events_topic
from services.runtime.store.privacy import ERASED
from tests.support import (
    PLATFORM_ADMIN,
    POLICE,
    SOCIAL,
    ServiceProcess,
    call,
    consent_given,
    decision,
    emergency_disclosure,
    made_up_personnummer,
    read_topic,
    wait_for,
)

CHILD = made_up_personnummer("20140707", "456")
JUSTIFICATION = "Barnet riskerar allvarlig skada i hemmet hos Testa Testsson"
GUARDIAN = "Vårdnadshavare Testsson"


@pytest.fixture(scope="module")
def consent(module_platform: dict[str, ServiceProcess]) -> ServiceProcess:
    return module_platform["consent"]


def test_erasure_makes_personal_data_read_as_erased_and_keeps_the_facts(
    consent: ServiceProcess,
) -> None:
    given = consent_given(consent, CHILD, given_by="guardian", guardian_name=GUARDIAN)
    subject_id = given["subject_id"]
    disclosed = emergency_disclosure(
        consent, POLICE, CHILD, [POLICE.org_id, SOCIAL.org_id], JUSTIFICATION
    )
    assert disclosed.status_code == 201, disclosed.text
    before = call(consent, SOCIAL, "GET", f"/v1/subjects/{subject_id}/history").json()["events"]
    assert [
        e["details"].get("justification") for e in before if "justification" in e["details"]
    ] == [JUSTIFICATION]
    assert (
        call(consent, SOCIAL, "GET", f"/v1/consents/{given['id']}").json()["guardian_name"]
        == GUARDIAN
    )

    refused = call(consent, SOCIAL, "POST", f"/v1/subjects/{subject_id}/erasure")
    assert refused.status_code == 403  # administrators only
    erased = call(consent, PLATFORM_ADMIN, "POST", f"/v1/subjects/{subject_id}/erasure")
    assert erased.status_code == 202, erased.text

    after = call(consent, SOCIAL, "GET", f"/v1/subjects/{subject_id}/history").json()["events"]
    assert [e["type"] for e in after] == [e["type"] for e in before] + ["SubjectErasedV2"]
    assert after[-1]["details"]["reason"] == "request"  # not culling: partners erase too
    justifications = [
        e["details"]["justification"] for e in after if "justification" in e["details"]
    ]
    assert justifications == [ERASED]
    assert (
        call(consent, SOCIAL, "GET", f"/v1/consents/{given['id']}").json()["guardian_name"]
        == ERASED
    )
    # The facts stay: decisions still answer (the consent itself is not personal text).
    assert decision(consent, subject_id).json()["allowed"] is True

    topic = events_topic("consent", prefix=consent.settings.topic_prefix)

    def erased_on_topic() -> bool:
        records = read_topic(consent.settings.kafka_bootstrap, topic)
        return any(dict(r.headers)["ce_type"].endswith(b"SubjectErased.v2") for r in records)

    wait_for(erased_on_topic, timeout=15)
    for record in read_topic(consent.settings.kafka_bootstrap, topic):
        assert b"Testsson" not in (record.value or b"")
    # Nor is it readable in the store's files.
    for path in consent.settings.var_dir.glob("consent.db*"):
        assert b"Testsson" not in path.read_bytes()
