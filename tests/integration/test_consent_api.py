"""The consent service's HTTP API on a real process: decisions, scope, refusal,
disclosures, history and the decision log (C-1..C-9), and bad input that changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.runtime.kernel.actor import Actor
from tests.consent_examples import refusal_body
from tests.support import (
    HEALTH,
    POLICE,
    SOCIAL,
    TEST_PERSONNUMMER,
    ServiceProcess,
    call,
    consent_body,
    decision,
    emergency_disclosure,
    made_up_personnummer,
)

# Made-up numbers with valid check digits (siblings of the tax agency's test number).
ADULT = TEST_PERSONNUMMER
CHILD = made_up_personnummer("20150315", "123")
OTHER = made_up_personnummer("19850615", "123")


@pytest.fixture(scope="module")
def consent(module_platform: dict[str, ServiceProcess]) -> ServiceProcess:
    return module_platform["consent"]


def give(consent: ServiceProcess, personnummer: str = ADULT, **overrides: Any) -> httpx.Response:
    body = consent_body(personnummer, form="written") | overrides
    return call(consent, SOCIAL, "POST", "/v1/consents", json=body)


def history(consent: ServiceProcess, subject_id: str, actor: Actor = SOCIAL) -> httpx.Response:
    return call(consent, actor, "GET", f"/v1/subjects/{subject_id}/history")


def test_c9_a_decision_answers_with_its_legal_basis(consent: ServiceProcess) -> None:
    given = give(consent, OTHER, purpose="information_sharing")
    assert given.status_code == 201, given.text
    subject_id = given.json()["subject_id"]

    by_subject_id = decision(consent, subject_id, purpose="information_sharing")
    assert by_subject_id.status_code == 200, by_subject_id.text
    assert by_subject_id.json()["allowed"] is True
    assert by_subject_id.json()["basis"] == {"kind": "consent", "id": given.json()["id"]}

    by_number = call(
        consent,
        SOCIAL,
        "POST",
        "/v1/decisions",
        json={
            "personnummer": OTHER,
            "from_org": SOCIAL.org_id,
            "to_org": HEALTH.org_id,
            "purpose": "case_handover",
        },
    )
    assert by_number.json()["allowed"] is False
    assert by_number.json()["basis"] == {"kind": "none", "id": None}


def test_c9_only_a_party_to_the_sharing_may_ask(consent: ServiceProcess) -> None:
    subject_id = give(consent).json()["subject_id"]
    response = decision(consent, subject_id, by=POLICE)
    assert response.status_code == 403
    assert response.json()["rule"] == "C-9"


def test_c4_withdrawal_is_effective_for_the_very_next_decision(consent: ServiceProcess) -> None:
    given = give(consent, purpose="three_party_meeting").json()
    assert decision(consent, given["subject_id"], purpose="three_party_meeting").json()["allowed"]
    withdrawn = call(consent, SOCIAL, "POST", f"/v1/consents/{given['id']}/withdrawal")
    assert withdrawn.status_code == 204
    assert not decision(consent, given["subject_id"], purpose="three_party_meeting").json()[
        "allowed"
    ]


def test_c3_scope_change_through_the_api(consent: ServiceProcess) -> None:
    given = give(consent, purpose="case_handover").json()
    changed = call(
        consent,
        SOCIAL,
        "POST",
        f"/v1/consents/{given['id']}/scope",
        json={"add": [POLICE.org_id], "remove": [HEALTH.org_id]},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["parties"] == [SOCIAL.org_id, POLICE.org_id]
    assert not decision(consent, given["subject_id"], purpose="case_handover").json()["allowed"]


def test_c1_a_guardian_consents_for_a_child_but_not_for_an_adult(consent: ServiceProcess) -> None:
    guardian = {"given_by": "guardian", "guardian_name": "Vårdnadshavare Testsson"}
    child = give(consent, CHILD, **guardian)
    assert child.status_code == 201, child.text
    assert (
        call(consent, SOCIAL, "GET", f"/v1/consents/{child.json()['id']}").json()["given_by"]
        == "guardian"
    )
    adult = give(consent, ADULT, **guardian)
    assert adult.status_code == 422
    assert adult.json()["rule"] == "C-1"


def test_c5_an_emergency_disclosure_authorises_the_parties_it_names(
    consent: ServiceProcess,
) -> None:
    recorded = emergency_disclosure(
        consent,
        POLICE,
        OTHER,
        [POLICE.org_id, HEALTH.org_id],
        "Akut fara för liv; samtycke går inte att inhämta.",
        valid_hours=24,
    )
    assert recorded.status_code == 201, recorded.text
    asked = decision(
        consent,
        recorded.json()["subject_id"],
        "red_thread_meeting",
        by=POLICE,
        from_org=POLICE.org_id,
    ).json()
    assert asked["allowed"] is True
    assert asked["basis"] == {"kind": "emergency", "id": recorded.json()["id"]}


def test_c6_only_social_services_or_health_care_disclose_under_osl_26_9(
    consent: ServiceProcess,
) -> None:
    body = {
        "personnummer": OTHER,
        "parties": [SOCIAL.org_id, HEALTH.org_id, POLICE.org_id],
        "justification": "Missbruk under graviditet; barnets skydd går före.",
        "consent_sought": True,
    }
    refused = call(consent, POLICE, "POST", "/v1/unborn-child-disclosures", json=body)
    assert refused.status_code == 403
    assert refused.json()["rule"] == "C-6"
    by_health_care = call(consent, HEALTH, "POST", "/v1/unborn-child-disclosures", json=body)
    assert by_health_care.status_code == 201, by_health_care.text
    recorded = call(consent, SOCIAL, "POST", "/v1/unborn-child-disclosures", json=body)
    assert recorded.status_code == 201, recorded.text
    asked = decision(consent, recorded.json()["subject_id"], purpose="information_sharing").json()
    assert asked["allowed"] is True
    # An earlier consent for information sharing to the same parties is preferred if present.
    assert asked["basis"]["kind"] in {"consent", "osl_26_9"}


def test_c4_history_shows_consent_refusal_and_withdrawal_to_the_parties_only(
    consent: ServiceProcess,
) -> None:
    number = made_up_personnummer("19700101", "123")
    given = give(consent, number, purpose="three_party_meeting").json()
    refused = call(
        consent,
        SOCIAL,
        "POST",
        "/v1/consent-refusals",
        json=refusal_body(number, "sip", [SOCIAL.org_id, HEALTH.org_id]),
    )
    assert refused.status_code == 201, refused.text
    call(consent, SOCIAL, "POST", f"/v1/consents/{given['id']}/withdrawal")

    seen = history(consent, given["subject_id"])
    assert seen.status_code == 200, seen.text
    assert [e["type"] for e in seen.json()["events"]] == [
        "ConsentGiven",
        "ConsentRefused",
        "ConsentWithdrawn",
    ]
    assert history(consent, given["subject_id"], actor=POLICE).status_code == 403


def test_c9_the_decision_log_shows_who_asked_what(consent: ServiceProcess) -> None:
    number = made_up_personnummer("19700101", "124")
    given = give(consent, number, purpose="sip").json()
    decision(consent, given["subject_id"])
    log = call(consent, SOCIAL, "GET", f"/v1/subjects/{given['subject_id']}/decisions")
    assert log.status_code == 200, log.text
    entries = log.json()
    assert [(e["asked_by"], e["allowed"], e["kind"]) for e in entries] == [
        (SOCIAL.hsa_id, True, "consent")
    ]


@pytest.mark.parametrize(
    ("overrides", "field", "rule"),
    [
        ({"valid_until": str(date(2020, 1, 1))}, None, "C-3"),
        ({"purpose": "gossip"}, "body.purpose", None),
        ({"parties": []}, "body.parties", None),
        ({"informed": False}, None, "C-2"),
        ({"personnummer": "19121212-1213"}, "body.personnummer", None),
    ],
)
def test_bad_consent_input_is_a_4xx_naming_the_field_or_rule_and_stores_nothing(
    consent: ServiceProcess, overrides: dict[str, Any], field: str | None, rule: str | None
) -> None:
    number = made_up_personnummer("19600101", "123")
    subject_id = _subject_of(consent, number)
    before = history(consent, subject_id).json()["events"]

    response = give(consent, **({"personnummer": number} | overrides))

    assert response.status_code in {400, 422}, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    if rule:
        assert problem["rule"] == rule
    if field:
        assert field in {e["field"] for e in problem["errors"]}
    assert history(consent, subject_id).json()["events"] == before


def test_c4_withdrawing_twice_is_a_409_naming_c4(consent: ServiceProcess) -> None:
    given = give(consent, purpose="red_thread_meeting").json()
    assert (
        call(consent, SOCIAL, "POST", f"/v1/consents/{given['id']}/withdrawal").status_code == 204
    )
    again = call(consent, SOCIAL, "POST", f"/v1/consents/{given['id']}/withdrawal")
    assert again.status_code == 409
    assert again.json()["rule"] == "C-4"


def test_c5_an_emergency_disclosure_without_justification_is_refused(
    consent: ServiceProcess,
) -> None:
    response = emergency_disclosure(consent, POLICE, OTHER, [POLICE.org_id, HEALTH.org_id], "   ")
    assert response.status_code == 422
    assert response.json()["rule"] == "C-5"


def test_c9_a_decision_about_the_past_is_answered_as_it_was_then(consent: ServiceProcess) -> None:
    number = made_up_personnummer("19700101", "125")
    given = give(consent, number, purpose="information_sharing").json()
    before = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    asked = decision(consent, given["subject_id"], purpose="information_sharing", at=before).json()
    assert asked["allowed"] is False  # the consent was not given yet


def _subject_of(consent: ServiceProcess, personnummer: str) -> str:
    """The subject id for a number, by giving (and so creating) a consent for it."""
    response = give(consent, personnummer, purpose="information_sharing")
    assert response.status_code == 201, response.text
    subject_id: str = response.json()["subject_id"]
    return subject_id
