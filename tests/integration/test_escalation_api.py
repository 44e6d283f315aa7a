"""The escalation API with its clock in the test's hand: bad input is a 4xx problem naming
the rule and stores nothing; the ladder, the monthly meetings, acute matters and
consultations over HTTP; calendar files, deadlines and the overdue gauge."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import icalendar
import pytest

from contracts import OrgType, Role, decode, events_topic
from services.escalation.service import Settings as EscalationSettings
from services.runtime.http.problems import PROBLEM_JSON
from services.runtime.kernel.actor import Actor
from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.settings import RuntimeSettings
from tests.escalation_examples import (
    INDIVIDUAL,
    IOF_CASEWORKER,
    meeting_registration,
    named_consultation,
    red_thread_pull,
    sharing_allowed,
)
from tests.steps import escalation_raised, monthly_meeting_planned
from tests.support import (
    AOF,
    AOF_DEPUTY,
    COORDINATOR,
    HEALTH,
    IOF,
    IOF_DEPUTY,
    POLICE,
    SOCIAL,
    InProcessService,
    MovableClock,
    made_up_personnummer,
    read_topic,
    wait_for,
)

AOF_UNIT_MANAGER = Actor("SE2120000001-E002", AOF, OrgType.SOCIAL_SERVICES, Role.UNIT_MANAGER)
SCHOOL = Actor("SE2120000001-S999", "SE2120000001-SKL1", OrgType.SCHOOL, Role.CASEWORKER)
START = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(START)


@pytest.fixture
def escalation(start_in_process: Callable[..., InProcessService]) -> InProcessService:
    return start_in_process("escalation", EscalationSettings(overdue_check_seconds=0.1))


def call(
    service: InProcessService, actor: Actor, method: str, path: str, body: Any = None
) -> httpx.Response:
    with service.client(actor) as client:
        return client.request(method, path, json=body)


def assert_problem(response: httpx.Response, status: int, rule: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert response.json()["rule"] == rule, response.json()


def pull(escalation: InProcessService) -> dict[str, Any]:
    body = red_thread_pull(made_up_personnummer("19900101", "123"))
    pulled = call(escalation, POLICE, "POST", "/v1/red-threads", body)
    assert pulled.status_code == 201, pulled.text
    body: dict[str, Any] = pulled.json()
    return body


def recorded_about(
    escalation: InProcessService, personnummer: str, *, reason: str, question: str, notes: str
) -> dict[str, Any]:
    """Everything escalation keeps about one person, by kind: a monthly meeting with them on
    its agenda (E-7), an escalation (E-6), an acute matter (E-8) and a named consultation
    (E-9), as the service answered each: on their consent to share with ÄoF (C-11)."""
    sharing_allowed(escalation, personnummer)
    meeting = monthly_meeting_planned(escalation, START + timedelta(days=10))
    registered = call(
        escalation,
        IOF_DEPUTY,
        "POST",
        f"/v1/monthly-meetings/{meeting['id']}/registrations",
        meeting_registration(personnummer=personnummer),
    )
    assert registered.status_code == 201, registered.text
    raised = escalation_raised(escalation, IOF_CASEWORKER, personnummer, reason).json()
    matter = call(
        escalation,
        IOF_CASEWORKER,
        "POST",
        "/v1/acute-matters",
        {"to_org": AOF, "question": question, "personnummer": personnummer},
    ).json()
    consultation = call(
        escalation,
        IOF_DEPUTY,
        "POST",
        "/v1/consultations",
        named_consultation(personnummer, notes=notes),
    ).json()
    return {
        "meeting": meeting,
        "registration": registered.json(),
        "escalation": raised,
        "matter": matter,
        "consultation": consultation,
    }


# --- E-1..E-5 over HTTP ------------------------------------------------------------------------


def test_e5_closing_a_thread_before_its_follow_up_is_409_naming_e5_and_stores_nothing(
    escalation: InProcessService,
) -> None:
    red_thread = pull(escalation)
    path = f"/v1/red-threads/{red_thread['id']}"

    closed = call(escalation, COORDINATOR, "POST", f"{path}/closure")
    not_held = call(
        escalation,
        COORDINATOR,
        "POST",
        f"{path}/meeting/held",
        {"attended_orgs": [], "outcome": "not_agreed"},
    )
    no_follow_up = call(
        escalation,
        COORDINATOR,
        "POST",
        f"{path}/follow-up",
        {"follow_up_at": (START + timedelta(days=20)).isoformat()},
    )

    assert_problem(closed, 409, "E-5")
    assert_problem(not_held, 409, "E-3")
    assert_problem(no_follow_up, 409, "E-5")
    after = call(escalation, POLICE, "GET", path).json()
    assert after == red_thread
    assert after["status"] == "pulled"


def test_e3_only_the_coordinator_convenes_records_and_closes(
    escalation: InProcessService,
) -> None:
    path = f"/v1/red-threads/{pull(escalation)['id']}"
    for step, body in (
        ("coordinator", {}),
        ("meeting/held", {"attended_orgs": [], "outcome": "not_agreed"}),
        ("closure", None),
    ):
        assert_problem(call(escalation, POLICE, "POST", f"{path}/{step}", body), 403, "E-3")

    assigned = call(escalation, COORDINATOR, "POST", f"{path}/coordinator", {})
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["coordinator"] == COORDINATOR.hsa_id


def test_deadlines_list_the_e3_limit_and_the_overdue_gauge_counts_it(
    escalation: InProcessService,
    clock: MovableClock,
    runtime_settings: RuntimeSettings,
    kafka: EmbeddedBroker,
) -> None:
    red_thread = pull(escalation)

    deadlines = call(escalation, SOCIAL, "GET", "/v1/deadlines").json()
    assert [(d["item_id"], d["rule"], d["overdue"]) for d in deadlines] == [
        (red_thread["id"], "E-3", False)
    ]
    assert call(escalation, HEALTH, "GET", "/v1/deadlines").json() == []

    clock.advance(timedelta(days=15))

    def overdue_on_topic() -> list[Any]:
        topic = events_topic("escalation", prefix=runtime_settings.topic_prefix)
        events = [decode(r.value, r.headers).event for r in read_topic(kafka.bootstrap, topic)]
        return [e for e in events if type(e).__name__ == "RedThreadMeetingOverdue"]

    overdue = wait_for(overdue_on_topic, timeout=20)
    assert str(overdue[0].red_thread_id) == red_thread["id"]
    assert [d["overdue"] for d in call(escalation, SOCIAL, "GET", "/v1/deadlines").json()] == [True]
    wait_for(
        lambda: "samverkan_red_threads_overdue 1.0" in httpx.get(f"{escalation.url}/metrics").text
    )
    view = call(escalation, POLICE, "GET", f"/v1/red-threads/{red_thread['id']}").json()
    assert view["meeting_overdue_since"] is not None


# --- E-6 over HTTP ----------------------------------------------------------------------------


def test_e6_skipping_a_ladder_step_is_422_naming_e6(escalation: InProcessService) -> None:
    person = made_up_personnummer("20080301", "456")
    sharing_allowed(escalation, person)
    raised = escalation_raised(
        escalation, IOF_CASEWORKER, person, "Oenighet om boendestöd efter 19 år."
    )
    assert raised.status_code == 201, raised.text
    path = f"/v1/escalations/{raised.json()['id']}"
    assert raised.json()["level"] == "deputy_unit_manager"
    assert raised.json()["next_steps"] == ["unit_manager"]

    def step_up(by: Actor, **body: Any) -> httpx.Response:
        """`by` lifts the escalation a step up the ladder (E-6)."""
        return call(escalation, by, "POST", f"{path}/steps", body)

    skipped = step_up(IOF_DEPUTY, to_level="department_head", reason="Snabbare.")
    unresolved = {"to_level": "unit_manager", "reason": "Olöst på biträdande nivå."}
    not_agreed = step_up(
        IOF_DEPUTY, **unresolved, written_summary="Se bifogat underlag.", agreed_by_orgs=[IOF]
    )
    assert_problem(skipped, 422, "E-6")
    assert_problem(not_agreed, 422, "E-6")
    # No unit agrees for another: IOF naming AOF's agreement is not taken at its word.
    for_another = step_up(
        IOF_DEPUTY, **unresolved, written_summary="Se bifogat underlag.", agreed_by_orgs=[IOF, AOF]
    )
    assert_problem(for_another, 422, "E-6")
    assert AOF in for_another.json()["detail"]
    assert len(call(escalation, AOF_DEPUTY, "GET", path).json()["steps"]) == 1
    agreed = call(escalation, IOF_DEPUTY, "POST", f"{path}/agreements", {})
    assert agreed.status_code == 200, agreed.text
    assert agreed.json()["agreed_orgs"] == [IOF]

    stepped = step_up(
        AOF_DEPUTY,
        **unresolved,
        written_summary="Båda enheterna är överens om att lyfta ärendet.",
        agreed_by_orgs=[IOF, AOF],
    )
    assert stepped.status_code == 200, stepped.text
    assert [s["level"] for s in stepped.json()["steps"]] == ["deputy_unit_manager", "unit_manager"]
    assert stepped.json()["responsible_org"] == IOF
    unexplained = {"resolution": "withdrawn", "notes": " "}  # W-2: closed early, say why
    withdrawn = call(escalation, IOF_DEPUTY, "POST", f"{path}/resolution", unexplained)
    assert_problem(withdrawn, 422, "W-2")
    assert withdrawn.json()["errors"][0]["field"] == "body.notes"
    resolved = call(
        escalation, AOF_UNIT_MANAGER, "POST", f"{path}/resolution", {"resolution": "agreed"}
    )
    assert resolved.json()["resolution"] == "agreed"
    assert_problem(call(escalation, SCHOOL, "GET", path), 403, "E-6")


# --- E-7 over HTTP ----------------------------------------------------------------------------


def test_e7_registering_after_noon_the_day_before_is_422_naming_e7_across_dst(
    escalation: InProcessService, clock: MovableClock
) -> None:
    # Monday 29 March 2027; the day before is the spring-forward Sunday: noon CEST = 10:00 UTC.
    meeting = monthly_meeting_planned(escalation, datetime(2027, 3, 29, 7, 0, tzinfo=UTC))
    assert meeting["registration_closes_at"] == "2027-03-28T12:00:00+02:00"
    path = f"/v1/monthly-meetings/{meeting['id']}"

    clock.advance(datetime(2027, 3, 28, 9, 59, tzinfo=UTC) - clock.now())
    sharing_allowed(escalation, INDIVIDUAL)
    in_time = call(escalation, IOF_DEPUTY, "POST", f"{path}/registrations", meeting_registration())
    assert in_time.status_code == 201, in_time.text

    clock.advance(timedelta(minutes=1, seconds=1))  # 12:00:01 CEST
    late = call(escalation, IOF_DEPUTY, "POST", f"{path}/registrations", meeting_registration())
    assert_problem(late, 422, "E-7")

    read = call(escalation, AOF_DEPUTY, "GET", path).json()
    assert [(r["name"], r["age"]) for r in read["agenda"]] == [("Testa Testsson", 18)]
    assert read["kind"] == "alignment"
    assert read["inventory"] == []
    assert_problem(call(escalation, SCHOOL, "GET", path), 403, "E-7")


def test_e7_registrations_are_for_deputies_of_member_units_with_every_field(
    escalation: InProcessService,
) -> None:
    meeting_id = monthly_meeting_planned(escalation, START + timedelta(days=10))["id"]
    path = f"/v1/monthly-meetings/{meeting_id}/registrations"

    assert_problem(
        call(escalation, IOF_CASEWORKER, "POST", path, meeting_registration()), 403, "E-7"
    )
    outsider = Actor(
        "SE2120000001-D099", "SE2120000001-XXX9", OrgType.SOCIAL_SERVICES, Role.DEPUTY_UNIT_MANAGER
    )
    assert_problem(call(escalation, outsider, "POST", path, meeting_registration()), 403, "E-7")
    blank = call(escalation, IOF_DEPUTY, "POST", path, meeting_registration(background="   "))
    assert_problem(blank, 422, "E-7")
    missing = call(escalation, IOF_DEPUTY, "POST", path, {"name": "Testa Testsson", "age": 18})
    assert missing.status_code == 422

    minutes = call(
        escalation,
        AOF_DEPUTY,
        "POST",
        f"/v1/monthly-meetings/{meeting_id}/minutes",
        {"text": "Protokoll."},
    )
    assert_problem(minutes, 403, "E-7")  # the first meeting's minute-taker is IOF


def test_e7_a_monthly_meeting_downloads_as_icalendar(escalation: InProcessService) -> None:
    starts_at = START + timedelta(days=10)
    meeting_id = monthly_meeting_planned(escalation, starts_at)["id"]

    response = call(
        escalation, AOF_DEPUTY, "GET", f"/v1/monthly-meetings/{meeting_id}/calendar.ics"
    )

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    event = icalendar.Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == starts_at
    assert "Avstämningsmöte" in str(event["summary"])


# --- E-8, E-9 over HTTP -----------------------------------------------------------------------


def test_e8_acute_matter_goes_to_the_other_deputy_outside_the_monthly_rhythm(
    escalation: InProcessService,
) -> None:
    raised = call(
        escalation,
        IOF_CASEWORKER,
        "POST",
        "/v1/acute-matters",
        {"to_org": AOF, "question": "Utskrivning i dag utan boende; behöver boendestöd."},
    )
    assert raised.status_code == 201, raised.text
    path = f"/v1/acute-matters/{raised.json()['id']}/taken"

    assert_problem(call(escalation, AOF_UNIT_MANAGER, "POST", path), 403, "E-8")
    taken = call(escalation, AOF_DEPUTY, "POST", path)
    assert taken.status_code == 200, taken.text
    assert taken.json()["taken_by"] == AOF_DEPUTY.hsa_id
    to_self = call(
        escalation, IOF_CASEWORKER, "POST", "/v1/acute-matters", {"to_org": IOF, "question": "?"}
    )
    assert_problem(to_self, 422, "E-8")


def test_e9_consultation_is_anonymous_without_a_subject_or_named_with_one(
    escalation: InProcessService,
) -> None:
    person = made_up_personnummer("19700707", "707")

    def consult(**body: Any) -> httpx.Response:
        """IOF consults AOF (E-9), anonymously or not, naming someone or not."""
        consultation = {
            "consulted_orgs": [AOF],
            "outcome": "parallel_investigation",
            "notes": "Samsjuklighet.",
        }
        return call(escalation, IOF_DEPUTY, "POST", "/v1/consultations", consultation | body)

    anonymous = consult(anonymous=True)
    sharing_allowed(escalation, person)
    named = consult(anonymous=False, personnummer=person)
    inconsistent = consult(anonymous=True, personnummer=person)

    assert anonymous.status_code == named.status_code == 201, anonymous.text + named.text
    assert (anonymous.json()["anonymous"], anonymous.json()["subject_id"]) == (True, None)
    assert named.json()["anonymous"] is False
    assert len(named.json()["subject_id"]) == 64
    assert_problem(inconsistent, 422, "E-9")


# --- C-11: every flow that shares personal data has a basis -----------------------------------


def test_c11_named_flows_without_a_basis_are_409_naming_c11_and_anonymous_ones_need_none(
    escalation: InProcessService,
) -> None:
    person = made_up_personnummer("19650505", "505")
    meeting = monthly_meeting_planned(escalation, START + timedelta(days=10))
    registrations = f"/v1/monthly-meetings/{meeting['id']}/registrations"
    matter = {"to_org": AOF, "question": "Utskriven i dag utan boende."}
    consultation = {"consulted_orgs": [AOF], "outcome": "parallel_investigation"}

    def refused(response: httpx.Response) -> None:
        assert_problem(response, 409, "C-11")
        assert AOF in response.json()["detail"], "names the units the data would go to"

    refused(
        call(
            escalation, IOF_DEPUTY, "POST", registrations, meeting_registration(personnummer=person)
        )
    )
    refused(escalation_raised(escalation, IOF_CASEWORKER, person, "Oenighet om boendestöd."))
    refused(
        call(
            escalation,
            IOF_CASEWORKER,
            "POST",
            "/v1/acute-matters",
            matter | {"personnummer": person},
        )
    )
    named = named_consultation(person)
    refused(call(escalation, IOF_DEPUTY, "POST", "/v1/consultations", named))
    # A registration always names someone: without a personnummer no basis can be checked.
    nameless = meeting_registration()
    del nameless["personnummer"]
    unchecked = call(escalation, IOF_DEPUTY, "POST", registrations, nameless)
    assert_problem(unchecked, 409, "C-11")
    assert unchecked.json()["errors"][0]["field"] == "body.personnummer"
    # An anonymous consultation, and a matter or question naming no one, need none.
    anonymous = consultation | {"anonymous": True}
    assert call(escalation, IOF_DEPUTY, "POST", "/v1/consultations", anonymous).status_code == 201
    assert call(escalation, IOF_CASEWORKER, "POST", "/v1/acute-matters", matter).status_code == 201

    # With the individual's consent to information sharing naming IoF and ÄoF: each goes ahead.
    sharing_allowed(escalation, person)
    for response in (
        call(
            escalation, IOF_DEPUTY, "POST", registrations, meeting_registration(personnummer=person)
        ),
        escalation_raised(escalation, IOF_CASEWORKER, person, "Oenighet om boendestöd."),
        call(
            escalation,
            IOF_CASEWORKER,
            "POST",
            "/v1/acute-matters",
            matter | {"personnummer": person},
        ),
        call(escalation, IOF_DEPUTY, "POST", "/v1/consultations", named),
    ):
        assert response.status_code == 201, response.text


def test_c11_a_consent_not_naming_every_unit_that_sees_the_data_is_no_basis(
    escalation: InProcessService,
) -> None:
    person = made_up_personnummer("19650606", "606")
    sharing_allowed(escalation, person, parties=[IOF, HEALTH.org_id])  # not ÄoF
    named = named_consultation(person)

    assert_problem(call(escalation, IOF_DEPUTY, "POST", "/v1/consultations", named), 409, "C-11")
