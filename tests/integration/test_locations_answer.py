"""W-3 (first half): every created thing can be read back where its `Location` points, by
whoever created it, and by no unit the record does not name (C-10, K-10, GDPR art. 17)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from contracts import OrgType, Purpose, Role
from services.escalation.service import Settings as EscalationSettings
from services.reporting.service import Settings as ReportingSettings
from services.runtime.kernel.actor import Actor
from tests.cases_examples import (
    CONTENT,
    ESTABLISHMENT,
    PLAN,
    PSYCHIATRY,
    audit_screening,
    sip_proposal,
)
from tests.consent_examples import refusal_body
from tests.escalation_examples import (
    meeting_registration,
    named_consultation,
    red_thread_pull,
    sharing_allowed,
)
from tests.integration.route_table import operations
from tests.integration.test_cases_api import (
    NOW,
    YOUTH,
    Api,
    api,  # noqa: F401  (the fixture)
)
from tests.support import (
    AOF,
    AOF_DEPUTY,
    APPROVED_ACTIONS,
    COORDINATOR,
    HEALTH,
    IOF,
    IOF_CASEWORKER,
    IOF_DEPUTY,
    PLATFORM_ADMIN,
    POLICE,
    SOCIAL,
    InProcessService,
    MovableClock,
    ServiceProcess,
    call,
    consent_given,
    made_up_personnummer,
)

ADULT = made_up_personnummer("19800505", "246")  # a woman: OSL 26:9 applies
ERASED = made_up_personnummer("19700707", "135")
CHILD = made_up_personnummer("20160606", "357")
JUSTIFICATION = "Akut fara för liv i bostaden"


def created(service: ServiceProcess, actor: Actor, path: str, body: Any = None) -> httpx.Response:
    answer = call(service, actor, "POST", path, json=body)
    assert answer.status_code in (201, 202), (path, answer.text)
    assert "location" in answer.headers, path
    return answer


def test_w3_c10_every_location_is_read_back_by_its_creator_and_refused_to_a_unit_not_named(
    module_platform: dict[str, ServiceProcess],
) -> None:
    """Each create below answers with a Location; a GET there by the same actor answers 200
    with the created record's id, and a unit the record does not name is refused as the
    service's other reads refuse (403, or 404 where the record is not to be known)."""
    consent, cases = module_platform["consent"], module_platform["cases"]
    parties = [POLICE.org_id, SOCIAL.org_id]
    writes: list[tuple[ServiceProcess, Actor, str, Any, Actor]] = [
        # service, creator, collection, body, a unit the record does not name
        (
            consent,
            POLICE,
            "/v1/consent-refusals",
            refusal_body(ADULT, "red_thread_meeting", parties),
            COORDINATOR,
        ),
        (
            consent,
            POLICE,
            "/v1/emergency-disclosures",
            {"personnummer": ADULT, "parties": parties, "justification": JUSTIFICATION},
            HEALTH,
        ),
        (
            consent,
            SOCIAL,
            "/v1/unborn-child-disclosures",
            {"personnummer": ADULT, "parties": [SOCIAL.org_id, HEALTH.org_id]}
            | {"justification": JUSTIFICATION, "consent_sought": True},
            POLICE,
        ),
        (
            cases,
            HEALTH,
            "/v1/child-welfare-reports",
            {"personnummer": CHILD, "municipality_code": "0180"},
            AOF_DEPUTY,  # the municipality's adult care: not the receiving social services
        ),
    ]
    for service, creator, path, body, outsider in writes:
        answer = created(service, creator, path, body)
        location = answer.headers["location"]
        read = call(service, creator, "GET", location)
        assert read.status_code == 200, (location, read.text)
        assert read.json()["id"] == answer.json()["id"], location
        refused = call(service, outsider, "GET", location)
        assert refused.status_code in (403, 404), (location, refused.status_code)
        assert JUSTIFICATION not in refused.text

    # Seen by the platform (a consent about them), so they may be erased.
    subject_id = consent_given(consent, ERASED, form="oral")["subject_id"]
    erased = created(consent, PLATFORM_ADMIN, f"/v1/subjects/{subject_id}/erasure")
    read = call(consent, PLATFORM_ADMIN, "GET", erased.headers["location"])
    assert read.status_code == 200, read.text
    assert read.json()["id"] == erased.json()["id"]
    assert (read.json()["erased_by"], read.json()["reason"]) == (PLATFORM_ADMIN.hsa_id, "request")
    # Another organisation's administrator may not erase, so may not learn who was erased.
    other_admin = Actor("SE2120000001-A009", SOCIAL.org_id, SOCIAL.org_type, PLATFORM_ADMIN.role)
    assert call(consent, other_admin, "GET", erased.headers["location"]).status_code == 403


def test_w3_k10_the_receiving_social_services_read_a_child_welfare_report(
    module_platform: dict[str, ServiceProcess],
) -> None:
    """K-10: the report goes to the social services of the child's municipality, so its
    IOF unit reads the record the reporter made; an unknown id is the service's 404."""
    cases = module_platform["cases"]
    answer = created(cases, POLICE, "/v1/child-welfare-reports", {"municipality_code": "0180"})
    read = call(cases, IOF_CASEWORKER, "GET", answer.headers["location"])
    assert read.status_code == 200, read.text
    assert read.json()["reporter_unit"] == POLICE.org_id
    assert read.json()["subject_id"] is None
    unknown = call(cases, IOF_CASEWORKER, "GET", "/v1/child-welfare-reports/" + "0" * 32)
    assert unknown.status_code == 404, unknown.text


@pytest.mark.parametrize(
    "path",
    [
        "/v1/consent-refusals/00000000-0000-0000-0000-000000000000",
        "/v1/emergency-disclosures/00000000-0000-0000-0000-000000000000",
        "/v1/unborn-child-disclosures/00000000-0000-0000-0000-000000000000",
    ],
)
def test_w3_an_unknown_consent_record_is_the_services_404(
    module_platform: dict[str, ServiceProcess], path: str
) -> None:
    answer = call(module_platform["consent"], SOCIAL, "GET", path)
    assert answer.status_code == 404, answer.text
    assert answer.headers["content-type"] == "application/problem+json"


# --- the cases service: every create, read back where it points -----------------------------


def test_w3_every_cases_create_answers_a_location_its_creator_reads_and_an_outsider_cannot(
    api: Api,  # noqa: F811
) -> None:
    """Every cases route that answers 201 is called here (the route table says which); its
    Location reads back (200) for the creator, with what was created, and a unit the record
    does not name is refused (403, or 404 where the record is not to be known). A decision,
    a SIP follow-up and a revision are parts of their case or plan: each reads back by its
    number there, as the client that made it expects (not the whole case or plan again)."""
    youth = api.register(YOUTH, ["child_welfare"])
    youth_case = youth.json()["cases"][0]["id"]
    adult = api.register(ADULT, ["substance_misuse"]).json()
    api.consent(youth.json()["subject_id"], [IOF, AOF])
    api.consent(youth.json()["subject_id"], [IOF, AOF], Purpose.THREE_PARTY_MEETING)
    api.consent(adult["subject_id"], [AOF, PSYCHIATRY.org_id], Purpose.SIP)
    api.consent(adult["subject_id"], [IOF, PSYCHIATRY.org_id], Purpose.INFORMATION_SHARING)
    starts_at = NOW + timedelta(days=7)
    occasion = {"starts_at": starts_at.isoformat(), "ends_at": (starts_at + HOUR).isoformat()}
    follow_up = {
        "starts_at": (starts_at + DAY).isoformat(),
        "ends_at": (starts_at + DAY + HOUR).isoformat(),
    }

    creates: list[tuple[Actor, str, Any]] = [
        (
            IOF_CASEWORKER,
            f"/v1/cases/{youth_case}/decisions",
            {"decision": "investigation_opened", **CHILD_D6},
        ),
        (IOF_CASEWORKER, f"/v1/cases/{youth_case}/handovers", {"to_unit": AOF, "content": CONTENT}),
        (IOF_CASEWORKER, f"/v1/cases/{youth_case}/three-party-meetings", {"to_unit": AOF}),
        (
            IOF_CASEWORKER,
            f"/v1/cases/{youth_case}/other-principal-contacts",
            {"to_unit": PSYCHIATRY.org_id},
        ),
        (
            IOF_CASEWORKER,
            f"/v1/cases/{youth_case}/care-planning-meetings",
            {"units": [AOF], "meeting": occasion | {"location": "Rum 1"}, "follow_up": follow_up},
        ),
        (PSYCHIATRY, "/v1/screenings", audit_screening(ADULT, NOW.date(), score=9)),
        (
            PSYCHIATRY,
            "/v1/violence-questions",
            {
                "personnummer": ADULT,
                "contact_on": NOW.date().isoformat(),
                "asked": True,
                "adult_exposure": "not_exposed",
                "children_exposure": "no_children",
            },
        ),
        (
            PSYCHIATRY,
            "/v1/child-welfare-reports",
            {"personnummer": CHILD, "municipality_code": "0180"},
        ),
        (  # K-14: psychiatry discovers her; specialist maternity care is another region unit
            PSYCHIATRY,
            "/v1/pregnancy-referrals",
            {
                "personnummer": ADULT,
                "municipality_code": "0180",
                "maternity_unit": PSYCHIATRY.org_id,
                "in_consultation_with_woman": True,
            },
        ),
    ]
    answers = {"POST /v1/cases": youth}
    for creator, path, body in creates:
        answers[f"POST {path}"] = created_in(api, creator, path, body)
    sip = created_in(api, AOF_DEPUTY, "/v1/sips", sip_proposal(ADULT))
    sip_path = sip.headers["location"]
    established = api.call(AOF_DEPUTY, "POST", f"{sip_path}/establishment", json=ESTABLISHMENT)
    assert established.status_code == 200, established.text
    outcome = {"held_on": NOW.date().isoformat(), "outcome": "Planen följs."}
    revised_plan = {"plan": {**PLAN, "measures_by_others": "Frivilligorganisation."}}
    answers["POST /v1/sips"] = sip
    answers[f"POST {sip_path}/follow-ups"] = created_in(
        api, PSYCHIATRY, f"{sip_path}/follow-ups", outcome
    )
    answers[f"POST {sip_path}/revisions"] = created_in(
        api, AOF_DEPUTY, f"{sip_path}/revisions", revised_plan
    )
    # K-12: after the transfer, the receiving deputy books the joint officials' meeting.
    handover_path = answers[f"POST /v1/cases/{youth_case}/handovers"].headers["location"]
    acknowledgement = {"receiving_caseworker": "SE2120000001-S202"}
    acknowledged = api.call(
        AOF_DEPUTY, "POST", f"{handover_path}/acknowledgement", json=acknowledgement
    )
    assert acknowledged.status_code == 200, acknowledged.text
    assert api.call(AOF_DEPUTY, "POST", f"{handover_path}/transfer").status_code == 200
    booking = {"other_units": [IOF], "trustee_invited": False, "location": "Rum 2", **occasion}
    follow_through = f"{handover_path}/follow-through"
    answers[f"POST {follow_through}"] = created_in(api, AOF_DEPUTY, follow_through, booking)

    reads = {
        key: api.call(creator_of(key, creates), "GET", answer.headers["location"])
        for key, answer in answers.items()
    }
    for key, read in reads.items():
        assert read.status_code == 200, (key, read.text)
        refused = api.call(OUTSIDER, "GET", answers[key].headers["location"])
        assert refused.status_code in (403, 404), (key, refused.status_code)
    decision = reads[f"POST /v1/cases/{youth_case}/decisions"].json()
    assert (decision["case_id"], decision["number"], decision["decision"]) == (
        youth_case,
        1,
        "investigation_opened",
    )
    followed = reads[f"POST {sip_path}/follow-ups"].json()
    assert (followed["number"], followed["outcome"]) == (1, "Planen följs.")
    version = reads[f"POST {sip_path}/revisions"].json()
    assert (version["number"], version["plan"]["measures_by_others"]) == (
        2,
        "Frivilligorganisation.",
    )
    assert api.call(AOF_DEPUTY, "GET", f"{sip_path}/versions/3").status_code == 404
    assert api.call(AOF_DEPUTY, "GET", f"{sip_path}/follow-ups/0").status_code == 422

    made = {template(key) for key in answers}
    assert made == creating_routes(api), "a 201 route of cases is not called here"


OUTSIDER = Actor("SE2120000009-S901", "SE2120000009-IOF9", OrgType.SOCIAL_SERVICES, Role.CASEWORKER)
"""A caseworker at another municipality's social services, named in no record here."""
CHILD_D6 = {"child_perspective_considered": True}
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


def created_in(api: Api, creator: Actor, path: str, body: Any) -> httpx.Response:  # noqa: F811
    answer = api.call(creator, "POST", path, json=body)
    assert answer.status_code == 201, (path, answer.text)
    assert "location" in answer.headers, path
    return answer


def creator_of(key: str, creates: list[tuple[Actor, str, Any]]) -> Actor:
    """Who made what `key` answered (the registration is the IOF caseworker's)."""
    by_path = {f"POST {path}": creator for creator, path, _ in creates}
    if key.startswith("POST /v1/sips"):
        return PSYCHIATRY
    return by_path.get(key, IOF_CASEWORKER)


def template(key: str) -> str:
    """`POST /v1/cases/<uuid>/decisions` → `POST /v1/cases/{}/decisions`."""
    return re.sub(r"/[0-9a-f-]{36}", "/{}", key)


def creating_routes(api: Api) -> set[str]:  # noqa: F811
    """The cases operations that answer 201, as `template` writes a call to them."""
    return {
        f"{method} {re.sub(r'{[a-z_]+}', '{}', path)}"
        for (method, path), operation in operations(api.app).items()
        if "201" in operation.get("responses", {})
    }


# --- escalation and reporting ------------------------------------------------------------------

ESCALATION_AND_REPORTING_START = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)


def test_w3_every_escalation_and_reporting_create_answers_a_location_its_creator_reads(
    start_in_process: Callable[..., InProcessService], clock: MovableClock
) -> None:
    """Every escalation and reporting route that answers 201 is called here (their route
    tables say which), and its Location reads back (200) for whoever made the thing; a
    monthly meeting's registration reads back on the meeting's agenda, and a unit's
    calendar feed at its own secret address."""
    clock.advance(ESCALATION_AND_REPORTING_START - clock.now())
    escalation = start_in_process("escalation", EscalationSettings())
    reporting = start_in_process("reporting", ReportingSettings())
    person = made_up_personnummer("19900101", "123")
    soon = (clock.now() + timedelta(days=10)).isoformat()

    def made(service: InProcessService, creator: Actor, path: str, body: Any = None) -> str:
        answer = call(service, creator, "POST", path, json=body)
        assert answer.status_code == 201, (path, answer.text)
        location: str = answer.headers["location"]
        read = call(service, creator, "GET", location)
        assert read.status_code == 200, (path, location, read.text)
        return location

    forum = {"name": "IoF och ÄoF", "members": [IOF, AOF]}
    sharing_allowed(escalation, person)  # C-11: a named consultation goes to ÄoF
    series = made(escalation, IOF_DEPUTY, "/v1/meeting-series", forum)
    meeting = made(escalation, IOF_DEPUTY, f"{series}/meetings", {"starts_at": soon})
    locations = {
        "POST /v1/red-threads": made(
            escalation, POLICE, "/v1/red-threads", red_thread_pull(person)
        ),
        "POST /v1/escalations": made(
            escalation,
            IOF_CASEWORKER,
            "/v1/escalations",
            {
                "track": "needs",
                "responsible_org": IOF,
                "counterpart_orgs": [AOF],
                "reason": "Oenighet.",
            },
        ),
        "POST /v1/acute-matters": made(
            escalation, IOF_CASEWORKER, "/v1/acute-matters", {"to_org": AOF, "question": "Akut?"}
        ),
        "POST /v1/consultations": made(
            escalation, IOF_DEPUTY, "/v1/consultations", named_consultation(person)
        ),
        "POST /v1/meeting-series": series,
        "POST /v1/meeting-series/{}/meetings": meeting,
        "POST /v1/monthly-meetings/{}/registrations": made(
            escalation,
            IOF_DEPUTY,
            f"{meeting}/registrations",
            meeting_registration(personnummer=person),
        ),
        "POST /v1/calendar-feeds": made(escalation, IOF_DEPUTY, "/v1/calendar-feeds"),
        "POST /v1/routine-reviews": made(  # E-13
            escalation,
            Actor("SE2120000001-A001", IOF, OrgType.SOCIAL_SERVICES, Role.DEPARTMENT_HEAD),
            "/v1/routine-reviews",
            {"municipality_code": "0180", "members": [IOF, AOF], "starts_at": soon},
        ),
    }
    # D-5: the report is drafted, analysed and approved before it is published.
    review = made(reporting, HEALTH, "/v1/annual-reports/2026/review", {"area": "all"})
    for step, body in (
        ("analysis", {"analysis": "Få brister."}),
        ("approval", {"approver_name": "A", "approver_title": "B", "actions": APPROVED_ACTIONS}),
    ):
        done = call(reporting, HEALTH, "PUT", f"/v1/annual-reports/2026/review/{step}", json=body)
        assert done.status_code == 204, done.text
    reported = {
        "POST /v1/annual-reports/{}/review": review,
        "POST /v1/deviations": made(
            reporting,
            HEALTH,
            "/v1/deviations",
            {
                "category": "routines",
                "affected_orgs": [SOCIAL.org_id],
                "what_happened": "Kallelsen kom sent.",
                "perceived_as": "Allvarligt",
                "improvement_proposal": "Gemensam rutin.",
                "reporter_name": "Testa Testsson",
                "reporter_title": "Biträdande enhetschef",
            },
        ),
        "POST /v1/annual-reports": made(
            reporting, HEALTH, "/v1/annual-reports", {"year": 2026, "area": "all"}
        ),
    }
    assert locations["POST /v1/monthly-meetings/{}/registrations"] == meeting  # its agenda

    for service, walked in ((escalation, locations), (reporting, reported)):
        assert set(walked) == creating_routes_of(service), "a 201 route is not called here"


def creating_routes_of(service: InProcessService) -> set[str]:
    assert service.server is not None
    app = service.server.config.app
    return {
        f"{method} {re.sub(r'{[a-z_]+}', '{}', path)}"
        for (method, path), operation in operations(app).items()
        if "201" in operation.get("responses", {})
    }
