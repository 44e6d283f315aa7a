"""Loggkontroll in the cases service: every route that discloses personal data about an
individual writes an access record, found from the route table itself, so a new such
route without one fails."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from contracts import OrgType, Purpose, Role
from services.runtime.kernel.actor import Actor
from tests.cases_examples import CONTENT, ESTABLISHMENT, PSYCHIATRY, audit_screening, sip_proposal
from tests.integration.route_table import operations, personal, reads_by_id
from tests.integration.test_cases_api import (
    ADULT,
    ADULT_D6,
    CHILD_D6,
    NOW,
    YOUTH,
    Api,
    api,  # noqa: F401  (the fixture)
)
from tests.support import (
    AOF,
    AOF_CASEWORKER,
    AOF_MANAGER,
    IOF,
    IOF_CASEWORKER,
    made_up_personnummer,
)

# The municipality's administrator: an administrator follows up their own organisation's staff.
ADMIN = Actor("SE2120000001-A001", "SE2120000001-IT01", OrgType.SOCIAL_SERVICES, Role.ADMIN)

CHILD = made_up_personnummer("20150315", "133")
"""A child a child-welfare report is about (K-10)."""
HANDED = made_up_personnummer("20100520", "123")
"""A child whose case is handed over and followed through (K-5, K-12)."""

NOT_PERSONAL: set[str] = set()
"""Reads about someone that disclose nothing personal (none in cases today)."""


def test_every_read_about_an_individual_is_marked_as_personal_data(api: Api) -> None:  # noqa: F811
    marked = personal(api.app)
    lookups = {  # POST: the personnummer stays out of URLs
        (method, path)
        for method, path in operations(api.app)
        if path.startswith("/v1/") and path.endswith("/lookup") and path not in NOT_PERSONAL
    }
    reads = reads_by_id(api.app, NOT_PERSONAL, id_pattern=r"\{\w*(_id|unit)\}")
    reads_about_someone = lookups | reads
    assert reads_about_someone <= marked, f"unmarked: {reads_about_someone - marked}"
    assert ("GET", "/v1/cases/{case_id}/handovers/{handover_id}") in marked


def test_every_personal_data_route_writes_an_access_record(api: Api) -> None:  # noqa: F811
    youth = api.register(YOUTH, ["child_welfare"]).json()
    youth_id, youth_case = youth["subject_id"], youth["cases"][0]["id"]
    adult = api.register(ADULT, ["substance_misuse", "mental_illness"]).json()
    adult_id, adult_case = adult["subject_id"], adult["cases"][0]["id"]
    decided = api.grant(adult_case, **ADULT_D6)
    assert decided.status_code == 201, decided.text
    assert api.grant(youth_case, **CHILD_D6).status_code == 201

    api.consent(youth_id, [IOF, AOF])
    api.consent(youth_id, [IOF, AOF], Purpose.THREE_PARTY_MEETING)
    handover = api.call(
        IOF_CASEWORKER,
        "POST",
        f"/v1/cases/{youth_case}/handovers",
        json={"to_unit": AOF, "content": CONTENT},
    ).json()
    api.consent(adult_id, [AOF, PSYCHIATRY.org_id], Purpose.SIP)
    sip = api.call(AOF_MANAGER, "POST", "/v1/sips", json=sip_proposal(ADULT)).json()
    established = api.call(
        AOF_MANAGER, "POST", f"/v1/sips/{sip['id']}/establishment", json=ESTABLISHMENT
    )
    assert established.status_code == 200, established.text
    followed = api.call(
        PSYCHIATRY,
        "POST",
        f"/v1/sips/{sip['id']}/follow-ups",
        json={"held_on": NOW.date().isoformat(), "outcome": "Planen följs."},
    )
    assert followed.status_code == 201, followed.text
    meeting = api.call(
        IOF_CASEWORKER,
        "POST",
        f"/v1/cases/{youth_case}/three-party-meetings",
        json={"to_unit": AOF},
    ).json()
    meeting_path = f"/v1/meetings/{meeting['id']}"
    contact = api.call(  # K-17: the region asked to establish contact
        IOF_CASEWORKER,
        "POST",
        f"/v1/cases/{youth_case}/other-principal-contacts",
        json={"to_unit": PSYCHIATRY.org_id},
    )
    assert contact.status_code == 201, contact.text
    api.call(AOF_MANAGER, "POST", f"{meeting_path}/assignment", json={"caseworker": AOF_CASEWORKER})
    held = {"held_at": (NOW - timedelta(hours=1)).isoformat()}
    api.call(IOF_CASEWORKER, "POST", f"{meeting_path}/pre-meeting", json=held)
    booking = {
        "starts_at": (NOW + timedelta(days=7)).isoformat(),
        "ends_at": (NOW + timedelta(days=7, hours=1)).isoformat(),
        "location": "Rum 4",
    }
    booked = api.call(AOF_MANAGER, "POST", f"{meeting_path}/schedule", json=booking)
    assert booked.status_code == 200, booked.text
    screening = api.call(
        PSYCHIATRY, "POST", "/v1/screenings", json=audit_screening(ADULT, NOW.date(), score=9)
    )
    assert screening.status_code == 201, screening.text
    asked = {
        "personnummer": ADULT,
        "contact_on": NOW.date().isoformat(),
        "asked": True,
        "adult_exposure": "exposed",
        "children_exposure": "no_children",
        "support_offered": True,
    }
    question = api.call(PSYCHIATRY, "POST", "/v1/violence-questions", json=asked)
    assert question.status_code == 201, question.text
    report = {"personnummer": CHILD, "municipality_code": "0180"}
    reported = api.call(PSYCHIATRY, "POST", "/v1/child-welfare-reports", json=report)
    assert reported.status_code == 201, reported.text
    child_id = reported.json()["subject_id"]
    # K-12: a handover that transferred, followed through by the receiving unit.
    handed = api.register(HANDED, ["child_welfare"]).json()
    handed_id, handed_case = handed["subject_id"], handed["cases"][0]["id"]
    api.consent(handed_id, [IOF, AOF])
    handed_path = f"/v1/cases/{handed_case}/handovers"
    handed_over = api.call(
        IOF_CASEWORKER, "POST", handed_path, json={"to_unit": AOF, "content": CONTENT}
    ).json()
    handed_path += f"/{handed_over['id']}"
    acknowledgement = {"receiving_caseworker": AOF_CASEWORKER}
    api.call(AOF_MANAGER, "POST", f"{handed_path}/acknowledgement", json=acknowledgement)
    api.call(AOF_MANAGER, "POST", f"{handed_path}/transfer")
    follow_through = {"other_units": [IOF], "trustee_invited": False, **booking}
    booked = api.call(AOF_MANAGER, "POST", f"{handed_path}/follow-through", json=follow_through)
    assert booked.status_code == 201, booked.text
    api.consent(adult_id, [IOF, PSYCHIATRY.org_id], Purpose.INFORMATION_SHARING)
    referral = {
        "personnummer": ADULT,
        "municipality_code": "0180",
        "maternity_unit": PSYCHIATRY.org_id,
        "in_consultation_with_woman": True,
    }
    referred = api.call(PSYCHIATRY, "POST", "/v1/pregnancy-referrals", json=referral)
    assert referred.status_code == 201, referred.text

    ids = {
        "case_id": youth_case,
        "handover_id": handover["id"],
        "sip_id": sip["id"],
        "meeting_id": meeting["id"],
        "screening_id": screening.json()["id"],
        "question_id": question.json()["id"],
        "report_id": reported.json()["id"],
        "contact_id": contact.json()["id"],
        "referral_id": referred.json()["id"],
        "subject_id": adult_id,
        "number": 1,
    }
    # (method, path) → who asks, about whom, with what, and the path's unit
    requests: dict[tuple[str, str], tuple[Actor, str, dict[str, Any], str]] = {
        ("GET", "/v1/cases/{case_id}"): (IOF_CASEWORKER, youth_id, {}, ""),
        ("POST", "/v1/cases/lookup"): (
            IOF_CASEWORKER,
            youth_id,
            {"json": {"personnummer": YOUTH}},
            "",
        ),
        ("GET", "/v1/cases/{case_id}/handovers/{handover_id}"): (AOF_MANAGER, youth_id, {}, ""),
        ("GET", "/v1/units/{unit}/age-transitions"): (AOF_MANAGER, youth_id, {}, IOF),
        ("GET", "/v1/units/{unit}/notices"): (AOF_MANAGER, adult_id, {}, AOF),
        ("GET", "/v1/sips/{sip_id}"): (AOF_MANAGER, adult_id, {}, ""),
        # K-13: the person's own plan, handed to them by one of its units.
        ("GET", "/v1/sips/{sip_id}/document"): (AOF_MANAGER, adult_id, {}, ""),
        # K-17: the other principal reads the contact it is asked to establish.
        ("GET", "/v1/principal-contacts/{contact_id}"): (PSYCHIATRY, youth_id, {}, ""),
        # W-3: what a decision, follow-up or revision made reads back where it points.
        ("GET", "/v1/cases/{case_id}/decisions/{number}"): (IOF_CASEWORKER, youth_id, {}, ""),
        ("GET", "/v1/sips/{sip_id}/follow-ups/{number}"): (AOF_MANAGER, adult_id, {}, ""),
        ("GET", "/v1/sips/{sip_id}/versions/{number}"): (AOF_MANAGER, adult_id, {}, ""),
        ("GET", "/v1/meetings/{meeting_id}"): (AOF_MANAGER, youth_id, {}, ""),
        ("GET", "/v1/meetings/{meeting_id}/invitation.ics"): (AOF_MANAGER, youth_id, {}, ""),
        ("GET", "/v1/screenings/{screening_id}"): (PSYCHIATRY, adult_id, {}, ""),
        ("GET", "/v1/violence-questions/{question_id}"): (PSYCHIATRY, adult_id, {}, ""),
        ("GET", "/v1/cases/{case_id}/handovers/{handover_id}/follow-through"): (
            AOF_MANAGER,
            handed_id,
            {"ids": {"case_id": handed_case, "handover_id": handed_over["id"]}},
            "",
        ),
        # W-3: the receiving social services read the report where its Location points.
        ("GET", "/v1/child-welfare-reports/{report_id}"): (IOF_CASEWORKER, child_id, {}, ""),
        # K-14: social services read the referral of the pregnant woman made to them.
        ("GET", "/v1/pregnancy-referrals/{referral_id}"): (IOF_CASEWORKER, adult_id, {}, ""),
        # W-1: the same unit finds the report on its work list; the page logs whom it lists.
        ("GET", "/v1/work-items"): (
            IOF_CASEWORKER,
            child_id,
            {"params": {"kind": "child_welfare_report"}},
            "",
        ),
        # W-3: everything about the individual the unit is party to; the page logs whom.
        ("POST", "/v1/subject-records"): (
            AOF_MANAGER,
            youth_id,
            {"json": {"personnummer": YOUTH}},
            "",
        ),
        ("GET", "/v1/subjects/{subject_id}/records"): (AOF_MANAGER, adult_id, {}, ""),
        ("POST", "/v1/consent-view/lookup"): (
            IOF_CASEWORKER,
            youth_id,
            {"json": {"personnummer": YOUTH}},
            "",
        ),
        # The log about the log (loggkontroll): reading who looked is a read about them too.
        ("POST", "/v1/access-log/subject"): (
            ADMIN,
            youth_id,
            {"json": {"personnummer": YOUTH}},
            "",
        ),
        ("POST", "/v1/access-log/actor"): (
            ADMIN,
            youth_id,
            {"json": {"hsa_id": IOF_CASEWORKER.hsa_id}},
            "",
        ),
    }
    # Writes that answer with the person's record are marked too, and log a change; every
    # one of them is walked against the running service in
    # tests/security/test_cases_reporting_reads_logged.py.
    writes = {
        (m, p) for m, p in personal(api.app) if m in ("POST", "PUT") and (m, p) not in requests
    }
    assert ("POST", "/v1/cases/{case_id}/decisions") in writes
    for method, path in personal(api.app) - writes:
        assert (method, path) in requests, f"no test request for {method} {path}"

    audit = api.audit
    changes = [r for r in audit.about_subject(adult_id) if r["action"] == "changed"]
    assert {r["resource"].removeprefix("POST ").removeprefix("/v1") for r in changes} >= {
        "/cases",
        "/cases/{case_id}/decisions",
        "/sips/{sip_id}/establishment",
        "/screenings",
        "/violence-questions",
    }

    for (method, path), (actor, subject_id, kwargs, unit) in requests.items():
        before = len(audit.about_subject(subject_id))
        own_ids = ids | kwargs.pop("ids", {})
        response = api.call(actor, method, path.format(unit=unit, **own_ids), **kwargs)
        assert response.status_code == 200, (path, response.text)
        log = audit.about_subject(subject_id)
        assert len(log) == before + 1, path
        assert log[-1]["actor_hsa_id"] == actor.hsa_id
        assert log[-1]["actor_org_id"] == actor.org_id
        # The runtime names the route as its own router knows it (without the /v1 prefix).
        assert log[-1]["resource"] in (f"{method} {path}", f"{method} {path[3:]}")
        assert log[-1]["action"] in ("read", "exported")
    assert audit.verify() is None
