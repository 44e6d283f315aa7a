"""The cases API for K-11 and K-12: problem details naming the rule and the field, the
work lists that carry each step, and the basis the joint officials' meeting shares on
(C-11)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

from contracts import EmergencyDisclosureRecorded, Purpose
from tests.cases_examples import CONTENT, PSYCHIATRY
from tests.integration.test_cases_api import (
    ADULT,
    ADULT_D6,
    NOW,
    YOUTH,
    Api,
    api,  # noqa: F401  (the fixture)
    problem,
)
from tests.support import AOF, AOF_CASEWORKER, AOF_DEPUTY, IOF, IOF_CASEWORKER

STARTS = NOW + timedelta(days=3)


def transferred(api: Api) -> tuple[str, str]:  # noqa: F811
    """The youth's case handed over from IoF to ÄoF on consent and transferred (K-5); the
    case's and the follow-through's paths."""
    youth = api.register(YOUTH, ["child_welfare"]).json()
    case = f"/v1/cases/{youth['cases'][0]['id']}"
    api.consent(youth["subject_id"], [IOF, AOF])
    body = {"to_unit": AOF, "content": CONTENT}
    handover = api.call(IOF_CASEWORKER, "POST", f"{case}/handovers", json=body).json()
    path = f"{case}/handovers/{handover['id']}"
    acknowledgement = {"receiving_caseworker": AOF_CASEWORKER}
    assert api.call(AOF_DEPUTY, "POST", f"{path}/acknowledgement", json=acknowledgement).is_success
    assert api.call(AOF_DEPUTY, "POST", f"{path}/transfer").is_success
    return case, f"{path}/follow-through"


def booking(*other_units: str) -> dict[str, Any]:
    return {
        "other_units": list(other_units),
        "trustee_invited": False,
        "starts_at": STARTS.isoformat(),
        "ends_at": (STARTS + timedelta(hours=1)).isoformat(),
        "location": "ÄoF, rum 2",
    }


def items(api: Api, actor: Any, kind: str) -> list[dict[str, Any]]:  # noqa: F811
    answer = api.call(actor, "GET", "/v1/work-items", params={"kind": kind})
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["items"]
    return found


def test_k11_a_decision_waits_on_the_deciding_units_list_until_the_person_is_told(
    api: Api,  # noqa: F811
) -> None:
    adult = api.register(ADULT, ["substance_misuse"]).json()
    case = f"/v1/cases/{adult['cases'][0]['id']}"
    assert api.grant(case.removeprefix("/v1/cases/"), **ADULT_D6).status_code == 201

    (waiting,) = items(api, IOF_CASEWORKER, "decision_to_tell")
    assert (waiting["rule"], waiting["href"]) == ("K-11", f"{case}/decisions/1")
    assert items(api, AOF_DEPUTY, "decision_to_tell") == []
    problem(
        api.call(AOF_DEPUTY, "POST", f"{case}/decisions/1/told", json={"manner": "letter"}),
        422,
        None,
        "body.told_at",
    )
    told = {"told_at": NOW.isoformat(), "manner": "letter"}
    answer = api.call(IOF_CASEWORKER, "POST", f"{waiting['href']}/told", json=told)
    assert answer.status_code == 200, answer.text
    assert answer.json()["decisions"][0]["told_how"] == "letter"
    assert items(api, IOF_CASEWORKER, "decision_to_tell") == []
    problem(
        api.call(IOF_CASEWORKER, "POST", f"{waiting['href']}/told", json=told), 409, "K-11", None
    )


def test_k12_the_follow_through_waits_on_the_receiving_deputys_list_through_each_step(
    api: Api,  # noqa: F811
) -> None:
    _, path = transferred(api)

    (waiting,) = items(api, AOF_DEPUTY, "handover_follow_through")
    assert (waiting["rule"], waiting["state"], waiting["href"]) == (
        "K-12",
        "to_book",
        f"/v1{path[3:]}",
    )
    assert items(api, IOF_CASEWORKER, "handover_follow_through") == []
    problem(api.call(AOF_DEPUTY, "GET", path), 404, "K-12", None)
    booked = api.call(AOF_DEPUTY, "POST", path, json=booking(IOF))
    assert booked.status_code == 201, booked.text
    assert booked.headers["location"] == path
    problem(api.call(AOF_DEPUTY, "POST", path, json=booking(IOF)), 409, "K-12", None)
    (waiting,) = items(api, AOF_DEPUTY, "handover_follow_through")
    assert waiting["state"] == "booked"

    api.app.state.clock.advance(timedelta(days=3, minutes=10))
    held = {"attended_units": [IOF], "trustee_attended": False, "plan": "Eget boende."}
    problem(
        api.call(AOF_DEPUTY, "POST", f"{path}/held", json={**held, "plan": ""}),
        422,
        "K-12",
        "body.plan",
    )
    assert api.call(AOF_DEPUTY, "POST", f"{path}/held", json=held).status_code == 200
    (waiting,) = items(api, AOF_DEPUTY, "handover_follow_through")
    assert waiting["state"] == "client_to_inform"

    informed = {"informed_at": api.app.state.clock.now().isoformat(), "manner": "phone"}
    answer = api.call(AOF_DEPUTY, "POST", f"{path}/client-informed", json=informed)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["status"], answer.json()["informed_how"]) == ("client_informed", "phone")
    assert items(api, AOF_DEPUTY, "handover_follow_through") == []


def test_k12_only_the_receiving_units_deputy_books_the_meeting(api: Api) -> None:  # noqa: F811
    _, path = transferred(api)

    problem(api.call(IOF_CASEWORKER, "POST", path, json=booking()), 403, "K-12", None)


def test_c11_a_care_provider_takes_part_only_on_a_consent_that_names_it(
    api: Api,  # noqa: F811
) -> None:
    case, path = transferred(api)
    subject_id = api.call(IOF_CASEWORKER, "GET", case).json()["subject_id"]

    problem(
        api.call(AOF_DEPUTY, "POST", path, json=booking(IOF, PSYCHIATRY.org_id)), 409, "C-11", None
    )
    parties = [AOF, IOF, PSYCHIATRY.org_id]
    consent_id = api.consent(subject_id, parties, Purpose.INFORMATION_SHARING)
    booked = api.call(AOF_DEPUTY, "POST", path, json=booking(IOF, PSYCHIATRY.org_id))
    assert booked.status_code == 201, booked.text
    assert booked.json()["units"] == [AOF, IOF, PSYCHIATRY.org_id]
    # Invited, the care provider reads it; the consent relied on is recorded.
    read = api.call(PSYCHIATRY, "GET", path)
    assert read.status_code == 200, read.text
    assert (read.json()["legal_basis"], read.json()["basis_id"]) == ("consent", str(consent_id))
    # W-3: and finds it among what it may read about the person.
    records = api.call(PSYCHIATRY, "GET", f"/v1/subjects/{subject_id}/records")
    assert records.status_code == 200, records.text
    assert [(r["kind"], r["href"], r["state"]) for r in records.json()["records"]] == [
        ("handover_follow_through", path, "booked")
    ]


def test_c11_an_emergency_disclosure_naming_every_unit_is_a_basis_while_it_lasts(
    api: Api,  # noqa: F811
) -> None:
    case, path = transferred(api)
    subject_id = api.call(IOF_CASEWORKER, "GET", case).json()["subject_id"]
    units = [AOF, IOF, PSYCHIATRY.org_id]
    disclosure = EmergencyDisclosureRecorded(
        subject_id=subject_id,
        disclosure_id=uuid4(),
        parties=tuple(units),
        decided_by=AOF_DEPUTY.hsa_id,
        decided_at=NOW - timedelta(hours=1),
        valid_until=NOW + timedelta(hours=1),
    )
    api.learn(disclosure)

    booked = api.call(AOF_DEPUTY, "POST", path, json=booking(IOF, PSYCHIATRY.org_id))
    assert booked.status_code == 201, booked.text
    assert (booked.json()["legal_basis"], booked.json()["basis_id"]) == (
        "emergency_disclosure",
        str(disclosure.disclosure_id),
    )
    # C-5: limited in time: once its window closed, the meeting is not recorded held on it.
    api.app.state.clock.advance(timedelta(days=3, minutes=10))
    held = {"attended_units": units, "trustee_attended": False, "plan": "Skyddat boende."}
    problem(api.call(AOF_DEPUTY, "POST", f"{path}/held", json=held), 409, "C-11", None)
