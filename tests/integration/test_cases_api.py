"""The cases HTTP API in-process on a real SQLite store: routing (K-1, K-2), notices
(K-3), the transition list and announcement (K-4), handover (K-5, C-8), and bad input
that answers with a problem naming field and rule and stores nothing.

The consumer and relay do not run here (no lifespan); consent is taught to the
application the way the consumer does it. The Kafka path is in the scenario.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from contracts import ConsentWithdrawn, Purpose
from services.cases.application import CasesApplication
from services.cases.domain import ChildWelfareReport
from services.runtime.kernel.actor import Actor
from services.runtime.settings import RuntimeSettings
from tests.cases_examples import (
    CONTENT,
    ESTABLISHMENT,
    PLAN,
    PSYCHIATRY,
    learn,
    registration,
    sip_proposal,
    written_consent,
)
from tests.integration.in_process import InProcessApp, serving
from tests.support import (
    AOF,
    AOF_CASEWORKER,
    AOF_MANAGER,
    HEALTH,
    IOF,
    IOF_CASEWORKER,
    POLICE,
    made_up_personnummer,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

ADULT = made_up_personnummer("20070115", "123")  # 19 on NOW
YOUTH = made_up_personnummer("20071015", "123")  # 19 on 15 October 2026

ADULT_D6 = {"child_perspective_considered": True, "children_in_household": False}
"""A decision's D-6 answers in an adult's case."""
CHILD_D6 = {"child_perspective_considered": True}
"""A decision's D-6 answer in a child's case (children and youth)."""


class Api(InProcessApp):
    """The cases app in-process, with the steps its tests take through it."""

    @property
    def application(self) -> CasesApplication:
        app: CasesApplication = self.app.state.application
        return app

    def register(self, personnummer: str, needs: list[str], **extra: Any) -> httpx.Response:
        body = registration(personnummer, needs, **extra)
        return self.call(IOF_CASEWORKER, "POST", "/v1/cases", json=body)

    def grant(self, case_id: str, by: Actor = IOF_CASEWORKER, **answers: Any) -> httpx.Response:
        """`by` records that an intervention is granted in the case (K-3), with the D-6
        answers given; the answer, whatever it is."""
        body = {"decision": "intervention_granted", **answers}
        return self.call(by, "POST", f"/v1/cases/{case_id}/decisions", json=body)

    def consent(
        self, subject_id: str, parties: list[str], purpose: Purpose = Purpose.CASE_HANDOVER
    ) -> UUID:
        given = written_consent(
            subject_id, parties, purpose, recorded_by=IOF_CASEWORKER.hsa_id, given_at=NOW
        )
        self.learn(given)
        return given.consent_id

    def learn(self, event: Any) -> None:
        """As if cases' consumer had applied the next message on consent's topic."""
        learn(self.application, event)

    def stored(self) -> int:
        return self.application.recorder.max_notification_id() or 0


@pytest.fixture
def api(runtime_settings: RuntimeSettings) -> Iterator[Api]:
    yield from serving(Api, "cases", runtime_settings, NOW)


def problem(response: httpx.Response, status: int, rule: str | None, field: str | None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert body.get("rule") == rule
    if field is not None:
        assert field in [error["field"] for error in body["errors"]], body


# --- K-1, K-2 ------------------------------------------------------------------------------


def test_k1_a_19_year_old_with_misuse_and_social_psychiatry_gets_parallel_investigations(
    api: Api,
) -> None:
    response = api.register(ADULT, ["substance_misuse", "mental_illness"])

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["routing"] == {
        "unit_kind": "IOF",
        "rule": "K-1",
        "reason": "adult_iof_need",
        "age_on_arrival": 19,
        "arrived_on": "2026-03-02",
        "parallel": "AOF",
    }
    first, parallel = body["cases"]
    assert (first["unit"], parallel["unit"]) == (IOF, AOF)
    assert parallel["parallel_to"] == first["id"]
    assert response.headers["Location"] == f"/v1/cases/{first['id']}"

    seen = api.call(AOF_MANAGER, "GET", f"/v1/cases/{parallel['id']}")
    assert seen.json()["needs"] == ["substance_misuse", "mental_illness"]
    problem(api.call(AOF_MANAGER, "GET", f"/v1/cases/{first['id']}"), 403, "K-3", None)
    looked_up = api.call(IOF_CASEWORKER, "POST", "/v1/cases/lookup", json={"personnummer": ADULT})
    assert [c["id"] for c in looked_up.json()] == [first["id"]]


def test_k1_a_report_about_someone_with_a_case_open_at_the_unit_joins_it(api: Api) -> None:
    """K-1: the second report opens no second case: it joins the open one, answered 200
    with the existing case's Location; its parallel case, new, is 201 the first time."""
    first = api.register(ADULT, ["substance_misuse"])
    assert first.status_code == 201, first.text
    (opened,) = first.json()["cases"]
    assert not opened["joined"]

    again = api.register(ADULT, ["substance_misuse", "mental_illness"])

    assert again.status_code == 200, again.text
    routed, parallel = again.json()["cases"]
    assert (routed["id"], routed["joined"]) == (opened["id"], True)
    assert (parallel["unit"], parallel["joined"], parallel["parallel_to"]) == (
        AOF,
        False,
        opened["id"],
    )
    assert again.headers["Location"] == f"/v1/cases/{opened['id']}"
    looked_up = api.call(IOF_CASEWORKER, "POST", "/v1/cases/lookup", json={"personnummer": ADULT})
    assert [c["id"] for c in looked_up.json()] == [opened["id"]]
    case = api.application.read_case(IOF_CASEWORKER, UUID(opened["id"]))
    assert [r["needs"] for r in case.joined_reports] == [["substance_misuse", "mental_illness"]]

    api.call(IOF_CASEWORKER, "POST", f"/v1/cases/{opened['id']}/closure", json={"reason": "other"})
    after_closing = api.register(ADULT, ["substance_misuse"])
    assert after_closing.status_code == 201, after_closing.text
    assert after_closing.json()["cases"][0]["id"] != opened["id"]


def test_k1_only_social_services_register_reports(api: Api) -> None:
    body = {"personnummer": ADULT, "municipality_code": "0180", "needs": ["disability"]}
    problem(api.call(POLICE, "POST", "/v1/cases", json=body), 403, "K-1", None)


def test_k1_bad_reports_are_problems_naming_the_field_and_store_nothing(api: Api) -> None:
    problem(
        api.register(ADULT, ["disability"], municipality_code="9999"),
        422,
        "K-1",
        "body.municipality_code",
    )
    later = (NOW + timedelta(hours=1)).isoformat()
    problem(api.register(ADULT, ["disability"], received_at=later), 422, "K-1", "body.received_at")
    problem(api.register(ADULT, ["astrology"]), 422, None, "body.needs.0")
    problem(api.register(ADULT, []), 422, None, "body.needs")
    problem(api.register("19121212-1213", ["disability"]), 422, None, "body.personnummer")

    assert api.stored() == 0


def test_k2_a_returning_child_case_comes_back_to_iof(api: Api) -> None:
    child = made_up_personnummer("20120601", "123")
    response = api.register(child, ["disability"], previously_known_child_case=True)

    assert response.json()["routing"]["rule"] == "K-2"
    assert [c["unit"] for c in response.json()["cases"]] == [IOF, AOF]


# --- K-3 -----------------------------------------------------------------------------------


def test_k3_a_decision_reaches_the_other_units_view(api: Api) -> None:
    first, parallel = api.register(ADULT, ["substance_misuse", "mental_illness"]).json()["cases"]

    decided = api.grant(first["id"], **ADULT_D6)
    assert decided.status_code == 201, decided.text
    closed = api.call(
        AOF_MANAGER, "POST", f"/v1/cases/{parallel['id']}/closure", json={"reason": "needs_met"}
    )
    assert closed.json()["status"] == "closed"

    at_aof = api.call(AOF_MANAGER, "GET", f"/v1/units/{AOF}/notices").json()
    assert [(n["case_id"], n["what"]) for n in at_aof] == [(first["id"], "intervention_granted")]
    at_iof = api.call(IOF_CASEWORKER, "GET", f"/v1/units/{IOF}/notices").json()
    assert [(n["case_id"], n["kind"]) for n in at_iof] == [(parallel["id"], "closed")]
    problem(api.call(IOF_CASEWORKER, "GET", f"/v1/units/{AOF}/notices"), 403, "K-3", None)
    problem(
        api.grant(parallel["id"], AOF_MANAGER, **ADULT_D6),
        409,
        "K-3",
        None,
    )


# --- K-4 -----------------------------------------------------------------------------------


def test_k4_upcoming_transitions_per_unit_and_the_announcement(api: Api) -> None:
    case = api.register(YOUTH, ["child_welfare"]).json()["cases"][0]
    path = f"/v1/units/{IOF}/age-transitions"

    listed = api.call(AOF_MANAGER, "GET", path)  # the receiving unit plans for it
    assert listed.status_code == 200, listed.text
    assert [(t["case_id"], t["transition_on"], t["announce_by"]) for t in listed.json()] == [
        (case["id"], "2026-10-15", "2026-04-15")
    ]
    assert api.call(AOF_MANAGER, "GET", path, params={"until": "2026-10-14"}).json() == []
    problem(api.call(HEALTH, "GET", path), 403, "K-4", None)
    problem(
        api.call(IOF_CASEWORKER, "GET", "/v1/units/SE2120000001-NONE/age-transitions"),
        422,
        "K-4",
        "path.unit",
    )

    announce = f"/v1/cases/{case['id']}/age-transition/announcement"
    unknown = {"to_unit": "SE2120000001-NONE", "continued_support_needed": True}
    problem(api.call(IOF_CASEWORKER, "POST", announce, json=unknown), 422, "K-4", "body.to_unit")
    announced = api.call(
        IOF_CASEWORKER, "POST", announce, json={"to_unit": AOF, "continued_support_needed": True}
    )
    assert announced.json()["age_transition"]["announced_to"] == AOF
    problem(
        api.call(
            IOF_CASEWORKER,
            "POST",
            announce,
            json={"to_unit": AOF, "continued_support_needed": True},
        ),
        409,
        "K-4",
        None,
    )


def test_k4_family_care_placement_moves_the_transition_to_21(api: Api) -> None:
    case = api.register(YOUTH, ["child_welfare"]).json()["cases"][0]

    placed = api.call(IOF_CASEWORKER, "POST", f"/v1/cases/{case['id']}/family-care-placement")

    assert placed.json()["age_transition"]["transition_on"] == "2028-10-15"
    assert placed.json()["age_transition"]["announce_by"] == "2028-04-15"


# --- K-5, C-8 ------------------------------------------------------------------------------


def test_k5_c8_handover_bad_input_then_acknowledged_once_and_transferred(api: Api) -> None:
    registered = api.register(YOUTH, ["child_welfare"]).json()
    case_id = registered["cases"][0]["id"]
    path = f"/v1/cases/{case_id}/handovers"
    before = api.stored()

    blank = {**CONTENT, "current_situation": " "}
    problem(
        api.call(IOF_CASEWORKER, "POST", path, json={"to_unit": AOF, "content": blank}),
        422,
        "K-5",
        "body.content.current_situation",
    )
    no_guardian = {k: v for k, v in CONTENT.items() if k != "guardian"}
    problem(
        api.call(IOF_CASEWORKER, "POST", path, json={"to_unit": AOF, "content": no_guardian}),
        422,
        None,
        "body.content.guardian",
    )
    problem(
        api.call(
            IOF_CASEWORKER,
            "POST",
            path,
            json={"to_unit": "SE2120000001-NONE", "content": CONTENT},
        ),
        422,
        "K-5",
        "body.to_unit",
    )
    problem(
        api.call(IOF_CASEWORKER, "POST", path, json={"to_unit": AOF, "content": CONTENT}),
        409,
        "C-8",
        None,
    )
    problem(
        api.call(AOF_MANAGER, "POST", path, json={"to_unit": IOF, "content": CONTENT}),
        403,
        "K-5",
        None,
    )
    assert api.stored() == before

    api.consent(registered["subject_id"], [IOF, AOF])
    requested = api.call(IOF_CASEWORKER, "POST", path, json={"to_unit": AOF, "content": CONTENT})
    assert requested.status_code == 201, requested.text
    handover = requested.json()
    assert handover["acknowledge_by"] == "2026-03-05"  # Monday + 3 working days

    read = api.call(AOF_MANAGER, "GET", f"{path}/{handover['id']}")
    assert read.json()["content"] == CONTENT
    problem(api.call(HEALTH, "GET", f"{path}/{handover['id']}"), 403, "K-5", None)

    acknowledge = f"{path}/{handover['id']}/acknowledgement"
    caseworker = {"receiving_caseworker": AOF_CASEWORKER}
    problem(api.call(IOF_CASEWORKER, "POST", acknowledge, json=caseworker), 403, "K-5", None)
    problem(
        api.call(AOF_MANAGER, "POST", acknowledge, json={}), 422, None, "body.receiving_caseworker"
    )
    problem(api.call(AOF_MANAGER, "POST", f"{path}/{handover['id']}/transfer"), 409, "K-5", None)
    acknowledged = api.call(AOF_MANAGER, "POST", acknowledge, json=caseworker)
    assert acknowledged.json()["handovers"][0]["status"] == "acknowledged"
    problem(api.call(AOF_MANAGER, "POST", acknowledge, json=caseworker), 409, "K-5", None)

    problem(
        api.grant(case_id, AOF_MANAGER, **CHILD_D6),
        409,
        "K-5",
        "body.decision",
    )
    transferred = api.call(AOF_MANAGER, "POST", f"{path}/{handover['id']}/transfer")
    assert transferred.status_code == 200, transferred.text
    assert (transferred.json()["unit"], transferred.json()["caseworker"]) == (AOF, AOF_CASEWORKER)
    granted = api.grant(case_id, AOF_MANAGER, **CHILD_D6)
    assert granted.status_code == 201, granted.text


def test_c9_the_receiving_unit_reads_a_handover_only_while_the_consent_holds(api: Api) -> None:
    registered = api.register(YOUTH, ["child_welfare"]).json()
    path = f"/v1/cases/{registered['cases'][0]['id']}/handovers"
    consent_id = api.consent(registered["subject_id"], [IOF, AOF])
    handover = api.call(IOF_CASEWORKER, "POST", path, json={"to_unit": AOF, "content": CONTENT})
    read = f"{path}/{handover.json()['id']}"
    assert api.call(AOF_MANAGER, "GET", read).json()["content"] == CONTENT

    api.learn(
        ConsentWithdrawn(
            subject_id=registered["subject_id"],
            consent_id=consent_id,
            withdrawn_at=NOW,
            recorded_by=IOF_CASEWORKER.hsa_id,
        )
    )

    problem(api.call(AOF_MANAGER, "GET", read), 403, "C-9", None)
    # The sending unit's own documentation stays readable to it.
    assert api.call(IOF_CASEWORKER, "GET", read).json()["content"] == CONTENT


def test_k5_unknown_handover_and_case_are_not_found(api: Api) -> None:
    case_id = api.register(ADULT, ["substance_misuse"]).json()["cases"][0]["id"]

    problem(api.call(IOF_CASEWORKER, "GET", f"/v1/cases/{uuid4()}"), 404, "K-3", None)
    problem(
        api.call(IOF_CASEWORKER, "GET", f"/v1/cases/{case_id}/handovers/{uuid4()}"),
        404,
        "K-5",
        None,
    )


# --- K-6, K-7, C-7 -------------------------------------------------------------------------


def test_c7_k6_k7_a_sip_refuses_bad_input_then_is_made_followed_up_and_revised(api: Api) -> None:
    proposal = sip_proposal(ADULT)
    problem(api.call(AOF_MANAGER, "POST", "/v1/sips", json=proposal), 409, "C-7", None)
    alone = {**proposal, "units": [AOF]}
    problem(api.call(AOF_MANAGER, "POST", "/v1/sips", json=alone), 422, "K-6", "body.units")
    assert api.stored() == 0

    created = api.register(ADULT, ["mental_illness"]).json()  # for the subject id
    api.consent(created["subject_id"], [AOF, PSYCHIATRY.org_id], Purpose.SIP)
    proposed = api.call(AOF_MANAGER, "POST", "/v1/sips", json=proposal)
    assert proposed.status_code == 201, proposed.text
    path = f"/v1/sips/{proposed.json()['id']}"
    before = api.stored()

    objected = {**ESTABLISHMENT["participants"], "individual_objects_to_relatives": True}
    for body, rule, field in [
        ({**ESTABLISHMENT, "participants": objected}, "K-6", "body.participants.relatives"),
        ({**ESTABLISHMENT, "plan": {**PLAN, "problem": ""}}, "K-6", "body.plan.problem"),
        (
            {**ESTABLISHMENT, "first_follow_up_on": "2026-03-01"},
            "K-7",
            "body.first_follow_up_on",
        ),
        ({**ESTABLISHMENT, "coordinator": None}, "K-7", "body.coordinator"),
    ]:
        problem(api.call(AOF_MANAGER, "POST", f"{path}/establishment", json=body), 422, rule, field)
    no_part_3 = {k: v for k, v in PLAN.items() if k != "measures_by_others"}
    problem(
        api.call(
            AOF_MANAGER,
            "POST",
            f"{path}/establishment",
            json={**ESTABLISHMENT, "plan": no_part_3},
        ),
        422,
        None,
        "body.plan.measures_by_others",
    )
    assert api.stored() == before

    established = api.call(AOF_MANAGER, "POST", f"{path}/establishment", json=ESTABLISHMENT)
    assert established.status_code == 200, established.text
    assert established.json()["next_follow_up_on"] == "2026-04-01"
    early = {"held_on": "2026-03-01", "outcome": "För tidigt."}
    problem(
        api.call(PSYCHIATRY, "POST", f"{path}/follow-ups", json=early), 422, "K-7", "body.held_on"
    )
    followed = api.call(
        PSYCHIATRY, "POST", f"{path}/follow-ups", json={"held_on": "2026-03-02", "outcome": "Ok."}
    )
    assert followed.json()["next_follow_up_on"] == "2026-05-01"
    revised = api.call(
        PSYCHIATRY,
        "POST",
        f"{path}/revisions",
        json={"plan": {**PLAN, "measures_by_others": "Frivilligorganisation."}},
    )
    assert [v["number"] for v in revised.json()["versions"]] == [1, 2]
    problem(api.call(POLICE, "GET", path), 403, "K-6", None)


# --- K-8, K-9 ------------------------------------------------------------------------------


def youth_case_with_three_party_consent(api: Api) -> str:
    """A youth case at IOF whose individual consented to a three-party meeting with AOF
    (C-11); its id."""
    registered = api.register(YOUTH, ["child_welfare"]).json()
    api.consent(registered["subject_id"], [IOF, AOF], Purpose.THREE_PARTY_MEETING)
    return str(registered["cases"][0]["id"])


def test_k8_three_party_meeting_via_deputy_manager_after_a_pre_meeting_with_invitation(
    api: Api,
) -> None:
    case_id = youth_case_with_three_party_consent(api)
    requested = api.call(
        IOF_CASEWORKER, "POST", f"/v1/cases/{case_id}/three-party-meetings", json={"to_unit": AOF}
    )
    assert requested.status_code == 201, requested.text
    path = f"/v1/meetings/{requested.json()['id']}"
    starts = (NOW + timedelta(days=7)).isoformat()
    ends = (NOW + timedelta(days=7, hours=1)).isoformat()
    booking = {"starts_at": starts, "ends_at": ends, "location": "Rum 4"}

    problem(api.call(IOF_CASEWORKER, "POST", f"{path}/schedule", json=booking), 409, "K-8", None)
    caseworker = {"caseworker": AOF_CASEWORKER}
    problem(
        api.call(IOF_CASEWORKER, "POST", f"{path}/assignment", json=caseworker), 403, "K-8", None
    )
    assert api.call(AOF_MANAGER, "POST", f"{path}/assignment", json=caseworker).status_code == 200
    held = {"held_at": (NOW - timedelta(hours=1)).isoformat()}
    assert api.call(IOF_CASEWORKER, "POST", f"{path}/pre-meeting", json=held).status_code == 200
    problem(api.call(HEALTH, "GET", f"{path}/invitation.ics"), 403, "K-8", None)
    problem(api.call(AOF_MANAGER, "GET", f"{path}/invitation.ics"), 409, "K-8", None)

    booked = api.call(AOF_MANAGER, "POST", f"{path}/schedule", json=booking)
    assert booked.status_code == 200, booked.text
    ics = api.call(AOF_MANAGER, "GET", booked.json()["invitation"])
    assert ics.status_code == 200
    assert ics.headers["content-type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in ics.content
    assert b"SUMMARY:Trepartsm" in ics.content
    assert b"DTSTART;TZID=Europe/Stockholm:20260309T100000" in ics.content


def test_k9_a_care_planning_meeting_takes_no_decisions(api: Api) -> None:
    case_id = api.register(ADULT, ["disability"]).json()["cases"][0]["id"]  # AOF
    meeting = {
        "starts_at": (NOW + timedelta(days=2)).isoformat(),
        "ends_at": (NOW + timedelta(days=2, hours=2)).isoformat(),
    }
    too_late = {
        "starts_at": (NOW + timedelta(days=30)).isoformat(),
        "ends_at": (NOW + timedelta(days=30, hours=1)).isoformat(),
    }
    path = f"/v1/cases/{case_id}/care-planning-meetings"
    body = {"units": [IOF, HEALTH.org_id], "meeting": meeting, "follow_up": too_late}
    problem(api.call(AOF_MANAGER, "POST", path, json=body), 422, "K-9", "body.follow_up.starts_at")
    follow_up = {
        "starts_at": (NOW + timedelta(days=5)).isoformat(),
        "ends_at": (NOW + timedelta(days=5, hours=1)).isoformat(),
    }
    planned = api.call(AOF_MANAGER, "POST", path, json={**body, "follow_up": follow_up})
    assert planned.status_code == 201, planned.text
    assert [o["kind"] for o in planned.json()["occasions"]] == [
        "care_planning",
        "care_planning_follow_up",
    ]

    decision = {"decision": "intervention_granted", "meeting_id": planned.json()["id"], **ADULT_D6}
    problem(
        api.call(AOF_MANAGER, "POST", f"/v1/cases/{case_id}/decisions", json=decision),
        409,
        "K-9",
        "body.meeting_id",
    )
    assert api.call(IOF_CASEWORKER, "GET", planned.json()["invitation"]).status_code == 200


# --- W-2, K-8, K-9, E-11: meetings once booked ---------------------------------------------


def booked_three_party(api: Api) -> str:
    """A three-party meeting booked for Monday 9 March 2026, 10:00 in Stockholm; its path."""
    case_id = youth_case_with_three_party_consent(api)
    requested = api.call(
        IOF_CASEWORKER, "POST", f"/v1/cases/{case_id}/three-party-meetings", json={"to_unit": AOF}
    )
    path = f"/v1/meetings/{requested.json()['id']}"
    api.call(AOF_MANAGER, "POST", f"{path}/assignment", json={"caseworker": AOF_CASEWORKER})
    held = {"held_at": (NOW - timedelta(hours=1)).isoformat()}
    api.call(IOF_CASEWORKER, "POST", f"{path}/pre-meeting", json=held)
    booking = {
        "starts_at": (NOW + timedelta(days=7)).isoformat(),
        "ends_at": (NOW + timedelta(days=7, hours=1)).isoformat(),
        "location": "Rum 4",
    }
    booked = api.call(AOF_MANAGER, "POST", f"{path}/schedule", json=booking)
    assert booked.status_code == 200, booked.text
    return path


def test_w2_k8_a_meeting_moved_with_a_reason_then_recorded_as_held_once(api: Api) -> None:
    path = booked_three_party(api)
    moved_to = NOW + timedelta(days=8)
    move = {
        "starts_at": moved_to.isoformat(),
        "ends_at": (moved_to + timedelta(hours=1)).isoformat(),
        "reason": " ",
    }
    problem(api.call(IOF_CASEWORKER, "POST", f"{path}/move", json=move), 422, "W-2", "body.reason")
    problem(api.call(POLICE, "POST", f"{path}/move", json=move), 403, "W-2", None)
    move["reason"] = "Den enskilde är sjuk."
    problem(api.call(HEALTH, "POST", f"{path}/move", json=move), 403, "K-8", None)
    moved = api.call(IOF_CASEWORKER, "POST", f"{path}/move", json=move)
    assert moved.status_code == 200, moved.text
    (occasion,) = moved.json()["occasions"]
    assert datetime.fromisoformat(occasion["starts_at"]) == moved_to
    assert occasion["revision"] == 1
    ics = api.call(AOF_MANAGER, "GET", f"{path}/invitation.ics").content
    assert b"SEQUENCE:1" in ics
    assert b"DTSTART;TZID=Europe/Stockholm:20260310T100000" in ics

    held = {
        "outcome": "application_made",
        "minutes": "Ansökan om boendestöd lämnades.",
        "attended_units": [IOF, AOF],
    }
    problem(api.call(AOF_MANAGER, "POST", f"{path}/held", json=held), 409, "K-8", None)
    api.app.state.clock.advance(timedelta(days=8, hours=2))
    problem(
        api.call(AOF_MANAGER, "POST", f"{path}/held", json={**held, "outcome": "decided"}),
        422,
        None,
        "body.outcome",
    )
    problem(
        api.call(
            AOF_MANAGER,
            "POST",
            f"{path}/held",
            json={**held, "outcome": "information_exchanged"},
        ),
        422,
        "K-8",
        "body.outcome",
    )
    recorded = api.call(AOF_MANAGER, "POST", f"{path}/held", json=held)
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["occasions"][0]["held"]["outcome"] == "application_made"
    assert recorded.json()["occasions"][0]["held"]["minutes"] == held["minutes"]
    problem(api.call(AOF_MANAGER, "POST", f"{path}/held", json=held), 409, "K-8", None)
    cancel = {"reason": "För sent."}
    problem(api.call(AOF_MANAGER, "POST", f"{path}/cancellation", json=cancel), 409, "W-2", None)


def test_w2_k9_e11_a_care_planning_meeting_overdue_then_cancelled_with_its_follow_up(
    api: Api,
) -> None:
    case_id = api.register(ADULT, ["disability"]).json()["cases"][0]["id"]  # AOF
    starts = NOW + timedelta(days=2)  # Wednesday 4 March
    body = {
        "units": [IOF],
        "meeting": {
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=2)).isoformat(),
        },
        "follow_up": {
            "starts_at": (starts + timedelta(days=7)).isoformat(),
            "ends_at": (starts + timedelta(days=7, hours=1)).isoformat(),
        },
    }
    planned = api.call(
        AOF_MANAGER, "POST", f"/v1/cases/{case_id}/care-planning-meetings", json=body
    )
    path = f"/v1/meetings/{planned.json()['id']}"

    clock = api.app.state.clock
    clock.advance(timedelta(days=3, hours=14))  # Thursday 5 March has ended in Stockholm
    assert api.application.raise_due(clock.now()) == 1
    overdue = api.call(IOF_CASEWORKER, "GET", "/v1/work-items?overdue=true").json()["items"]
    assert [(i["kind"], i["rule"], i["href"]) for i in overdue] == [
        ("meeting", "K-8, K-9, E-11", path)
    ]

    cancelled = api.call(
        IOF_CASEWORKER, "POST", f"{path}/cancellation", json={"reason": "Inskrivning avbröts."}
    )
    assert cancelled.status_code == 200, cancelled.text
    assert all(o["cancelled_at"] is not None for o in cancelled.json()["occasions"])
    ics = api.call(AOF_MANAGER, "GET", f"{path}/invitation.ics").content
    assert ics.count(b"STATUS:CANCELLED") == 2
    assert api.call(IOF_CASEWORKER, "GET", "/v1/work-items").json()["items"] == []
    problem(
        api.call(
            IOF_CASEWORKER,
            "POST",
            f"{path}/held",
            json={"outcome": "information_exchanged", "minutes": "x", "attended_units": [IOF]},
        ),
        409,
        "K-9",
        None,
    )


# --- K-10 ----------------------------------------------------------------------------------


def test_k10_anyone_working_with_children_records_a_report_to_the_childs_municipality(
    api: Api,
) -> None:
    child = made_up_personnummer("20140501", "123")
    recorded = api.call(
        POLICE,
        "POST",
        "/v1/child-welfare-reports",
        json={"personnummer": child, "municipality_code": "2281"},
    )
    assert recorded.status_code == 201, recorded.text
    anonymous = api.call(
        HEALTH, "POST", "/v1/child-welfare-reports", json={"municipality_code": "2281"}
    )
    assert anonymous.json()["subject_id"] is None

    before = api.stored()
    adult = {"personnummer": ADULT, "municipality_code": "2281"}
    problem(
        api.call(POLICE, "POST", "/v1/child-welfare-reports", json=adult),
        422,
        "K-10",
        "body.personnummer",
    )
    problem(
        api.call(POLICE, "POST", "/v1/child-welfare-reports", json={"municipality_code": "22"}),
        422,
        None,
        "body.municipality_code",
    )
    assert api.stored() == before
    stored = api.application.find(UUID(recorded.json()["id"]), ChildWelfareReport)
    assert stored is not None
    assert (stored.reporter_org_type, stored.municipality_code) == ("police", "2281")


# --- W-2: plans change -----------------------------------------------------------------------


def test_w2_k5_a_handover_declined_then_withdrawn_over_http_each_with_a_reason(
    api: Api,
) -> None:
    registered = api.register(YOUTH, ["child_welfare"]).json()
    case_id = registered["cases"][0]["id"]
    path = f"/v1/cases/{case_id}/handovers"
    api.consent(registered["subject_id"], [IOF, AOF])
    first = api.call(IOF_CASEWORKER, "POST", path, json={"to_unit": AOF, "content": CONTENT})
    decline = f"{path}/{first.json()['id']}/declination"
    before = api.stored()

    problem(api.call(AOF_MANAGER, "POST", decline, json={}), 422, "W-2", "body.reason")
    problem(api.call(AOF_MANAGER, "POST", decline, json={"reason": " "}), 422, "W-2", "body.reason")
    problem(api.call(IOF_CASEWORKER, "POST", decline, json={"reason": "Nej."}), 403, "K-5", None)
    problem(api.call(HEALTH, "POST", decline, json={"reason": "Nej."}), 403, "K-5", None)
    assert api.stored() == before

    declined = api.call(AOF_MANAGER, "POST", decline, json={"reason": "Hör till IFO."})
    assert declined.status_code == 200, declined.text
    assert declined.json()["unit"] == IOF
    assert [h["status"] for h in declined.json()["handovers"]] == ["declined"]
    read = api.call(IOF_CASEWORKER, "GET", f"{path}/{first.json()['id']}").json()
    assert (read["status"], read["reason"]) == ("declined", "Hör till IFO.")
    problem(api.call(AOF_MANAGER, "POST", decline, json={"reason": "Igen."}), 409, "K-5", None)

    # The case stays with IOF, which hands it over anew, then withdraws that.
    second = api.call(IOF_CASEWORKER, "POST", path, json={"to_unit": AOF, "content": CONTENT})
    assert second.status_code == 201, second.text
    withdraw = f"{path}/{second.json()['id']}/withdrawal"
    problem(api.call(AOF_MANAGER, "POST", withdraw, json={"reason": "Nej."}), 403, "K-5", None)
    withdrawn = api.call(IOF_CASEWORKER, "POST", withdraw, json={"reason": "Felskickad."})
    assert withdrawn.status_code == 200, withdrawn.text
    assert [h["status"] for h in withdrawn.json()["handovers"]] == ["declined", "withdrawn"]
    problem(api.call(IOF_CASEWORKER, "POST", withdraw, json={"reason": "Igen."}), 409, "K-5", None)
    problem(
        api.call(
            AOF_MANAGER,
            "POST",
            f"{path}/{second.json()['id']}/acknowledgement",
            json={"receiving_caseworker": AOF_CASEWORKER},
        ),
        409,
        "K-5",
        None,
    )


def test_w2_k7_a_sip_closed_early_over_http_and_refused_after(api: Api) -> None:
    created = api.register(ADULT, ["mental_illness"]).json()
    api.consent(created["subject_id"], [AOF, PSYCHIATRY.org_id], Purpose.SIP)
    proposed = api.call(AOF_MANAGER, "POST", "/v1/sips", json=sip_proposal(ADULT))
    path = f"/v1/sips/{proposed.json()['id']}"
    api.call(AOF_MANAGER, "POST", f"{path}/establishment", json=ESTABLISHMENT)
    before = api.stored()

    problem(api.call(PSYCHIATRY, "POST", f"{path}/closure", json={}), 422, "W-2", "body.reason")
    problem(
        api.call(PSYCHIATRY, "POST", f"{path}/closure", json={"reason": ""}),
        422,
        "W-2",
        "body.reason",
    )
    problem(
        api.call(IOF_CASEWORKER, "POST", f"{path}/closure", json={"reason": "x"}), 403, "K-6", None
    )
    problem(api.call(POLICE, "POST", f"{path}/closure", json={"reason": "x"}), 403, "W-2", None)
    assert api.stored() == before

    closed = api.call(PSYCHIATRY, "POST", f"{path}/closure", json={"reason": "Har flyttat."})
    assert closed.status_code == 200, closed.text
    assert closed.json()["closing_reason"] == "Har flyttat."
    assert closed.json()["closed_at"] is not None
    followed = {"held_on": "2026-03-02", "outcome": "Ok."}
    problem(api.call(PSYCHIATRY, "POST", f"{path}/follow-ups", json=followed), 409, "W-2", None)
    problem(
        api.call(PSYCHIATRY, "POST", f"{path}/closure", json={"reason": "Igen."}), 409, "W-2", None
    )


def test_w2_k1_a_cases_registered_facts_corrected_over_http_old_values_kept(api: Api) -> None:
    registered = api.register(ADULT, ["substance_misuse"]).json()
    path = f"/v1/cases/{registered['cases'][0]['id']}/correction"
    fix = {"personnummer": ADULT, "needs": ["substance_misuse", "economic_assistance"]}
    before = api.stored()

    problem(api.call(IOF_CASEWORKER, "POST", path, json=fix), 422, "W-2", "body.reason")
    wrong = {**fix, "personnummer": YOUTH, "reason": "Fel."}
    problem(api.call(IOF_CASEWORKER, "POST", path, json=wrong), 422, "W-2", "body.personnummer")
    to_aof = {**fix, "needs": ["mental_illness"], "reason": "Fel behov."}
    problem(api.call(IOF_CASEWORKER, "POST", path, json=to_aof), 409, "K-1", None)
    problem(api.call(AOF_MANAGER, "POST", path, json={**fix, "reason": "Fel."}), 403, "K-3", None)
    problem(api.call(HEALTH, "POST", path, json={**fix, "reason": "Fel."}), 403, "W-2", None)
    assert api.stored() == before

    corrected = api.call(IOF_CASEWORKER, "POST", path, json={**fix, "reason": "Försörjningsstöd."})

    assert corrected.status_code == 200, corrected.text
    body = corrected.json()
    assert body["needs"] == ["substance_misuse", "economic_assistance"]
    (entry,) = body["corrections"]
    assert entry["previous_needs"] == ["substance_misuse"]
    assert entry["reason"] == "Försörjningsstöd."
    assert entry["corrected_by"] == IOF_CASEWORKER.hsa_id
