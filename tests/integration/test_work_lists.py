"""The work list (W-1) and the records by individual (W-3) over HTTP: found from the list,
read back where it points, paged by an opaque cursor; a bad query is a 422 naming the field
and the rule. Escalation's and the cases service's, each answering for its own objects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from contracts import OrgType, Purpose, Role
from services.escalation.service import Settings as EscalationSettings
from services.runtime.kernel.actor import Actor
from tests.cases_examples import CONTENT, PSYCHIATRY, audit_screening
from tests.escalation_examples import red_thread_pull
from tests.integration.test_cases_api import (
    NOW,
    YOUTH,
    Api,
    api,  # noqa: F401  (the fixture)
)
from tests.support import (
    AOF,
    AOF_DEPUTY,
    COORDINATOR,
    IOF,
    IOF_CASEWORKER,
    POLICE,
    InProcessService,
    call,
    made_up_personnummer,
)

SCHOOL = Actor("SE2120000001-S999", "SE2120000001-SKL1", OrgType.SCHOOL, Role.CASEWORKER)
"""A unit party to none of the records below."""


@pytest.fixture
def escalation(start_in_process: Callable[..., InProcessService]) -> InProcessService:
    return start_in_process("escalation", EscalationSettings())


def pulled(escalation: InProcessService, serial: str) -> str:
    body = red_thread_pull(made_up_personnummer("19900101", serial))
    response = call(escalation, POLICE, "POST", "/v1/red-threads", json=body)
    assert response.status_code == 201, response.text
    red_thread_id: str = response.json()["id"]
    return red_thread_id


def work_items(escalation: InProcessService, query: str = "") -> Any:
    return call(escalation, COORDINATOR, "GET", f"/v1/work-items{query}")


def test_w1_w3_the_coordinator_finds_the_pulled_thread_and_reads_it_where_it_points(
    escalation: InProcessService,
) -> None:
    red_thread_id = pulled(escalation, "123")

    answer = work_items(escalation)

    assert answer.status_code == 200, answer.text
    (item,) = answer.json()["items"]
    assert (item["item_id"], item["kind"], item["state"]) == (
        red_thread_id,
        "red_thread_meeting",
        "new",
    )
    assert (item["rule"], item["role"], item["addressed_to"]) == (
        "E-3",
        "coordinator",
        "municipality:0180",
    )
    assert answer.json()["next_cursor"] is None
    read = call(escalation, COORDINATOR, "GET", item["href"])
    assert read.status_code == 200, read.text
    assert read.json()["id"] == red_thread_id


def test_w1_pages_follow_the_link_header_and_list_every_item_once(
    escalation: InProcessService,
) -> None:
    pulled_ids = {pulled(escalation, serial) for serial in ("123", "234", "345")}

    first = work_items(escalation, "?limit=2")
    assert first.status_code == 200, first.text
    link = first.headers["link"]
    assert link.endswith('>; rel="next"')
    next_url = link.removeprefix("<").split(">")[0]
    assert f"cursor={first.json()['next_cursor']}" in next_url
    second = call(escalation, COORDINATOR, "GET", next_url)

    ids = [i["item_id"] for page in (first, second) for i in page.json()["items"]]
    assert sorted(ids) == sorted(pulled_ids)
    assert second.json()["next_cursor"] is None
    assert "link" not in second.headers


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?cursor=bm90LWEtY3Vyc29y", "query.cursor"),
        ("?kind=red_thread_meeting&kind=handover", "query.kind"),
        ("?limit=0", "query.limit"),
        ("?limit=201", "query.limit"),
    ],
)
def test_w1_a_bad_query_is_a_422_naming_the_field(
    escalation: InProcessService, query: str, field: str
) -> None:
    answer = work_items(escalation, query)

    assert answer.status_code == 422, answer.text
    assert [e["field"] for e in answer.json()["errors"]] == [field]


# --- everything about one individual (W-3) ----------------------------------------------------


def test_w3_a_unit_lists_what_it_is_party_to_about_a_person_by_number_or_subject_id(
    escalation: InProcessService,
) -> None:
    personnummer = made_up_personnummer("19900101", "123")
    red_thread_id = pulled(escalation, "123")
    pulled(escalation, "234")  # someone else

    by_number = call(
        escalation, POLICE, "POST", "/v1/subject-records", json={"personnummer": personnummer}
    )
    assert by_number.status_code == 200, by_number.text
    (record,) = by_number.json()["records"]
    assert (record["item_id"], record["kind"], record["state"]) == (
        red_thread_id,
        "red_thread",
        "pulled",
    )
    assert call(escalation, POLICE, "GET", record["href"]).status_code == 200
    subject_id = by_number.json()["subject_id"]
    by_id = call(escalation, COORDINATOR, "GET", f"/v1/subjects/{subject_id}/records")
    assert [r["item_id"] for r in by_id.json()["records"]] == [red_thread_id]
    not_a_party = call(escalation, SCHOOL, "GET", f"/v1/subjects/{subject_id}/records")
    assert not_a_party.status_code == 200
    assert not_a_party.json()["records"] == []


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"/v1/subjects/{'ab' * 32}/records?cursor=bm9wZQ", "query.cursor"),
        (f"/v1/subjects/{'ab' * 32}/records?kind=handover", "query.kind"),
        ("/v1/subjects/19121212-1212/records", "path.subject_id"),
    ],
)
def test_w3_a_bad_listing_is_a_422_naming_the_field(
    escalation: InProcessService, path: str, field: str
) -> None:
    answer = call(escalation, POLICE, "GET", path)

    assert answer.status_code == 422, answer.text
    assert [e["field"] for e in answer.json()["errors"]] == [field]


# --- the cases service ------------------------------------------------------------------------


def test_w1_w3_k5_k8_the_receiving_unit_finds_its_handover_and_request_and_reads_them(
    api: Api,  # noqa: F811
) -> None:
    """K-5: the receiving unit's handover with its deadline; K-8: the asked unit's deputy
    the three-party request; each read back where its `href` points, by the addressee."""
    registered = api.register(YOUTH, ["child_welfare"]).json()
    subject_id, case_id = registered["subject_id"], registered["cases"][0]["id"]
    api.consent(subject_id, [IOF, AOF])
    api.consent(subject_id, [IOF, AOF], Purpose.THREE_PARTY_MEETING)
    handover = api.call(
        IOF_CASEWORKER,
        "POST",
        f"/v1/cases/{case_id}/handovers",
        json={"to_unit": AOF, "content": CONTENT},
    )
    assert handover.status_code == 201, handover.text
    meeting = api.call(
        IOF_CASEWORKER, "POST", f"/v1/cases/{case_id}/three-party-meetings", json={"to_unit": AOF}
    )
    assert meeting.status_code == 201, meeting.text

    answer = api.call(AOF_DEPUTY, "GET", "/v1/work-items")

    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    by_kind = {i["kind"]: i for i in items}
    assert list(by_kind) == [  # the deadline first
        "handover_acknowledgement",
        "three_party_preparation",
        "three_party_request",
    ]
    acknowledgement = by_kind["handover_acknowledgement"]
    assert (acknowledgement["rule"], acknowledgement["addressed_to"]) == ("K-5", AOF)
    assert acknowledgement["due_at"] is not None
    assert acknowledgement["subject_id"] == subject_id
    request = by_kind["three_party_request"]
    assert (request["rule"], request["role"]) == ("K-8", "deputy_unit_manager")
    assert request["item_id"] == meeting.json()["id"]
    for item in items:
        read = api.call(AOF_DEPUTY, "GET", item["href"])
        assert read.status_code == 200, (item["href"], read.text)
    assert read.json()["id"] == meeting.json()["id"]

    asking = api.call(IOF_CASEWORKER, "GET", "/v1/work-items?kind=three_party_request")
    assert asking.json()["items"] == []  # the asking unit's deputy is not asked


def test_w1_w3_k10_the_child_and_youth_unit_finds_reads_and_acknowledges_the_report(
    api: Api,  # noqa: F811
) -> None:
    child = made_up_personnummer("20150315", "133")
    report = {"personnummer": child, "municipality_code": "0180"}
    reported = api.call(PSYCHIATRY, "POST", "/v1/child-welfare-reports", json=report)
    assert reported.status_code == 201, reported.text

    answer = api.call(IOF_CASEWORKER, "GET", "/v1/work-items?kind=child_welfare_report")

    assert answer.status_code == 200, answer.text
    (item,) = answer.json()["items"]
    assert (item["item_id"], item["rule"]) == (reported.json()["id"], "K-10")
    assert item["addressed_to"] == "municipality:0180:IOF"
    read = api.call(IOF_CASEWORKER, "GET", item["href"])
    assert read.status_code == 200, read.text
    assert api.call(AOF_DEPUTY, "GET", "/v1/work-items").json()["items"] == []

    refused = api.call(AOF_DEPUTY, "POST", f"{item['href']}/acknowledgement")
    assert refused.status_code == 403, refused.text
    assert refused.json()["rule"] == "K-10"
    acknowledged = api.call(IOF_CASEWORKER, "POST", f"{item['href']}/acknowledgement")
    assert acknowledged.status_code == 200, acknowledged.text
    assert acknowledged.json()["acknowledged_by"] == IOF_CASEWORKER.hsa_id
    again = api.call(IOF_CASEWORKER, "POST", f"{item['href']}/acknowledgement")
    assert (again.status_code, again.json()["rule"]) == (409, "K-10")
    assert api.call(IOF_CASEWORKER, "GET", "/v1/work-items").json()["items"] == []


def test_w1_a_kind_of_another_service_is_a_422_naming_the_field_and_rule(
    api: Api,  # noqa: F811
) -> None:
    answer = api.call(IOF_CASEWORKER, "GET", "/v1/work-items?kind=red_thread_meeting")

    assert answer.status_code == 422, answer.text
    assert [(e["field"], e.get("rule")) for e in answer.json()["errors"]] == [("query.kind", "W-1")]


def test_w3_k3_k5_k8_a_unit_lists_the_cases_records_about_a_person_and_reads_each_back(
    api: Api,  # noqa: F811
) -> None:
    """The receiving unit finds the case, the handover and the meeting about the youth by
    number or subject id, newest first, and reads each where its href points; a unit
    party to none of them is listed nothing."""
    registered = api.register(YOUTH, ["child_welfare"]).json()
    subject_id, case_id = registered["subject_id"], registered["cases"][0]["id"]
    api.consent(subject_id, [IOF, AOF])
    handover = api.call(
        IOF_CASEWORKER,
        "POST",
        f"/v1/cases/{case_id}/handovers",
        json={"to_unit": AOF, "content": CONTENT},
    )
    assert handover.status_code == 201, handover.text

    by_number = api.call(AOF_DEPUTY, "POST", "/v1/subject-records", json={"personnummer": YOUTH})

    assert by_number.status_code == 200, by_number.text
    assert by_number.json()["subject_id"] == subject_id
    records = by_number.json()["records"]
    assert {(r["kind"], r["state"]) for r in records} == {
        ("case", "handover_requested"),
        ("handover", "requested"),
    }
    for record in records:
        read = api.call(AOF_DEPUTY, "GET", record["href"])
        assert read.status_code == 200, (record["href"], read.text)
        assert read.json()["id"] == record["item_id"]
    by_id = api.call(IOF_CASEWORKER, "GET", f"/v1/subjects/{subject_id}/records?kind=handover")
    assert [r["item_id"] for r in by_id.json()["records"]] == [handover.json()["id"]]
    first = api.call(IOF_CASEWORKER, "GET", f"/v1/subjects/{subject_id}/records?limit=1")
    assert 'rel="next"' in first.headers["link"]
    assert first.json()["next_cursor"] is not None
    nothing = api.call(SCHOOL, "GET", f"/v1/subjects/{subject_id}/records")
    assert (nothing.status_code, nothing.json()["records"]) == (200, [])


def test_w3_d6_a_record_is_not_listed_to_a_role_its_href_would_refuse(
    api: Api,  # noqa: F811
) -> None:
    """D-6: a screening is read by the roles that screen at the unit that recorded it; a
    coordinator at the same unit would get 403 there, so is not listed it either."""
    screened = api.call(
        PSYCHIATRY, "POST", "/v1/screenings", json=audit_screening(YOUTH, NOW.date(), score=9)
    )
    assert screened.status_code == 201, screened.text
    coordinator = Actor(
        "SE2321000016-P299", PSYCHIATRY.org_id, PSYCHIATRY.org_type, Role.COORDINATOR
    )
    lookup = {"personnummer": YOUTH}

    (record,) = api.call(PSYCHIATRY, "POST", "/v1/subject-records", json=lookup).json()["records"]
    assert (record["kind"], record["state"]) == ("screening", "done")
    assert api.call(PSYCHIATRY, "GET", record["href"]).status_code == 200
    assert api.call(coordinator, "GET", record["href"]).status_code == 403
    listed = api.call(coordinator, "POST", "/v1/subject-records", json=lookup)
    assert (listed.status_code, listed.json()["records"]) == (200, [])


def test_w3_a_kind_of_another_service_is_a_422_naming_the_field_and_rule(
    api: Api,  # noqa: F811
) -> None:
    lookup = {"personnummer": YOUTH, "kind": ["red_thread"]}
    answer = api.call(IOF_CASEWORKER, "POST", "/v1/subject-records", json=lookup)

    assert answer.status_code == 422, answer.text
    assert [(e["field"], e.get("rule")) for e in answer.json()["errors"]] == [("body.kind", "W-3")]
