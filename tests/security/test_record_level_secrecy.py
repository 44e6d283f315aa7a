"""Attack: a unit with no relation to a person makes itself party to one record about them
and reads everything else (C-10, record-level secrecy; OSL 25:1, 26:1).

A police unit records a consent refusal naming itself and one other unit. Before C-10 that
made it "a party" to the person, and every consent read (the history by subject id and by
personnummer, the decision log) answered with every record about them, the other units'
OSL 26:9 and emergency justifications included. Each read must now show a record only to
the units it names and the unit that recorded it.
"""

from __future__ import annotations

from typing import Any

import httpx

from contracts import OrgType, Role
from services.runtime.kernel.actor import Actor
from tests.consent_examples import refusal_body
from tests.support import (
    COORDINATOR,
    HEALTH,
    POLICE,
    SOCIAL,
    ServiceProcess,
    call,
    consent_given,
    emergency_disclosure,
    made_up_personnummer,
)

NUMBER = made_up_personnummer("19880808", "246")
OSL_JUSTIFICATION = "Graviditet och missbruk; barnets skydd kräver uppgiftslämnande."
EMERGENCY_JUSTIFICATION = "Akut fara för liv; samtycke går inte att inhämta."
PSYCHIATRY = Actor("SE2321000016-Y001", "SE2321000016-PSY1", OrgType.HEALTH_CARE, Role.CASEWORKER)


def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def the_others_records(consent: ServiceProcess) -> dict[str, Any]:
    """Social services and health care share about the person; nobody else is named."""
    given = consent_given(consent, NUMBER)
    osl = created(
        call(
            consent,
            SOCIAL,
            "POST",
            "/v1/unborn-child-disclosures",
            json={
                "personnummer": NUMBER,
                "parties": [SOCIAL.org_id, HEALTH.org_id],
                "justification": OSL_JUSTIFICATION,
                "consent_sought": True,
            },
        )
    )
    emergency = created(
        emergency_disclosure(
            consent, HEALTH, NUMBER, [HEALTH.org_id, PSYCHIATRY.org_id], EMERGENCY_JUSTIFICATION
        )
    )
    asked = call(
        consent,
        SOCIAL,
        "POST",
        "/v1/decisions",
        json={
            "personnummer": NUMBER,
            "from_org": SOCIAL.org_id,
            "to_org": HEALTH.org_id,
            "purpose": "sip",
        },
    )
    assert asked.status_code == 200, asked.text
    return {"consent": given, "osl": osl, "emergency": emergency}


def histories(consent: ServiceProcess, actor: Actor, subject_id: str) -> list[httpx.Response]:
    """The same history asked both ways: by subject id and by personnummer."""
    return [
        call(consent, actor, "GET", f"/v1/subjects/{subject_id}/history"),
        call(consent, actor, "POST", "/v1/history", json={"personnummer": NUMBER}),
    ]


def test_c10_party_to_one_record_reads_no_other_record_about_the_person(
    consent: ServiceProcess,
) -> None:
    records = the_others_records(consent)
    subject_id = records["consent"]["subject_id"]
    refusal = created(
        call(
            consent,
            POLICE,
            "POST",
            "/v1/consent-refusals",
            json=refusal_body(NUMBER, "red_thread_meeting", [POLICE.org_id, COORDINATOR.org_id]),
        )
    )

    # The attacker (who recorded the refusal) and the unit it named see that refusal only.
    for reader in (POLICE, COORDINATOR):
        for response in histories(consent, reader, subject_id):
            assert response.status_code == 200, response.text
            events = response.json()["events"]
            assert {e["id"] for e in events} == {refusal["id"]}, (reader, events)
            assert OSL_JUSTIFICATION not in response.text
            assert EMERGENCY_JUSTIFICATION not in response.text
        log = call(consent, reader, "GET", f"/v1/subjects/{subject_id}/decisions")
        assert log.status_code in (200, 403), log.text
        if log.status_code == 200:
            assert log.json() == [], "social services' question is not the police's to read"
        for record in ("consent",):
            one = call(consent, reader, "GET", f"/v1/consents/{records[record]['id']}")
            assert one.status_code in (403, 404)
            assert one.json()["rule"] == "C-10"


def test_c10_a_justification_is_read_only_by_the_deciding_unit_and_the_named_recipients(
    consent: ServiceProcess,
) -> None:
    records = the_others_records(consent)
    subject_id = records["consent"]["subject_id"]

    # Social services decided the OSL 26:9 disclosure and is party to the consent; the
    # emergency disclosure was decided by health care for psychiatry: not social's to read.
    for response in histories(consent, SOCIAL, subject_id):
        assert response.status_code == 200, response.text
        ids = {e["id"] for e in response.json()["events"]}
        assert ids == {records["consent"]["id"], records["osl"]["id"]}
        assert OSL_JUSTIFICATION in response.text
        assert EMERGENCY_JUSTIFICATION not in response.text

    # Psychiatry is a named recipient of the emergency disclosure only.
    for response in histories(consent, PSYCHIATRY, subject_id):
        assert response.status_code == 200, response.text
        assert {e["id"] for e in response.json()["events"]} == {records["emergency"]["id"]}
        assert EMERGENCY_JUSTIFICATION in response.text
        assert OSL_JUSTIFICATION not in response.text

    # Health care decided one and is named in the other two.
    for response in histories(consent, HEALTH, subject_id):
        assert {e["id"] for e in response.json()["events"]} == {
            records[name]["id"] for name in ("consent", "osl", "emergency")
        }
        assert OSL_JUSTIFICATION in response.text
        assert EMERGENCY_JUSTIFICATION in response.text


def test_c10_the_recording_unit_keeps_its_view_after_leaving_the_scope(
    consent: ServiceProcess,
) -> None:
    given = consent_given(
        consent,
        NUMBER,
        purpose="case_handover",
        parties=[SOCIAL.org_id, HEALTH.org_id, PSYCHIATRY.org_id],
        form="oral",
    )
    removed = call(
        consent,
        HEALTH,
        "POST",
        f"/v1/consents/{given['id']}/scope",
        json={"remove": [SOCIAL.org_id]},
    )
    assert removed.status_code == 200, removed.text

    # The unit that recorded it still reads the record it made ...
    own = call(consent, SOCIAL, "GET", f"/v1/consents/{given['id']}")
    assert own.status_code == 200, own.text
    # ... and a unit that was never named does not.
    foreign = call(consent, POLICE, "GET", f"/v1/consents/{given['id']}")
    assert foreign.status_code == 403
    assert foreign.json()["rule"] == "C-10"
