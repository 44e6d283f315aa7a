"""Attack: read a person's data in cases and reporting through a route that leaves no trace.

Issue #18 item 5. A member of staff does not need a read route to see a person's
record: a write answers with it (the case with its decisions and handovers, the
SIP with its plan unsealed, the meeting with its time and place), a registration
or a deviation report answers with the subject id of the personnummer sent (the
link between a person and the key of every event about them), the annual report
shows the deviations' free text. None of those wrote an access-log record, so
the person's log extract (PDL 8:1, GDPR art. 15) and the unit's follow-up of its
staff (HSLF-FS 2016:40 ch. 4) never showed them.

The walk: consent, cases and reporting run as processes. The scenario exercises
every operation of cases and reporting under /v1 that can answer with personal
data, reads and writes, and after each asserts that the service's access log
(its table, as the log extract reads it) gained a record of that member of staff
and that person on that route. Operations that answer with nothing personal are
named with the reason in :data:`NOTHING_PERSONAL`; the test fails when an
operation of either service is neither walked nor named, so a new route has to
be placed on one side or the other.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest

from contracts import OrgType, Role
from services.runtime.kernel.actor import Actor
from services.runtime.kernel.stockholm_time import STOCKHOLM
from services.runtime.settings import RuntimeSettings
from tests.cases_examples import (
    CONTENT,
    ESTABLISHMENT,
    PLAN,
    PSYCHIATRY,
    audit_screening,
    registration,
    sip_proposal,
)
from tests.reporting_examples import deviation_body
from tests.support import (
    AOF,
    AOF_CASEWORKER,
    AOF_MANAGER,
    CONTROLLER,
    HEALTH,
    IOF,
    IOF_CASEWORKER,
    POLICE,
    ServiceProcess,
    consent_given,
    made_up_personnummer,
    wait_for,
)

SOCIAL_MANAGER = Actor("SE2120000001-S009", IOF, OrgType.SOCIAL_SERVICES, Role.UNIT_MANAGER)

NOTHING_PERSONAL: dict[tuple[str, str, str], str] = {
    ("cases", "POST", "/v1/cases/{case_id}/handovers"): (
        "answers with the handover's id, the case id and the deadline only"
    ),
    ("reporting", "PUT", "/v1/deviations/{deviation_id}/summary"): "answers 204, no body",
    ("reporting", "POST", "/v1/deviations/{deviation_id}/closure"): "answers 204, no body",
    ("reporting", "POST", "/v1/deviations/{deviation_id}/filing"): "answers 204, no body",
    ("reporting", "POST", "/v1/deviations/{deviation_id}/summary/countersignature"): (
        "answers with the HSA-ids of the units that got feedback"
    ),
    ("reporting", "POST", "/v1/annual-reports"): "answers with the publication's id and year",
    # D-5, D-9: the working group's review of the de-identified report names no one.
    ("reporting", "POST", "/v1/annual-reports/{year}/review"): "answers the review's id and year",
    ("reporting", "GET", "/v1/annual-reports/{year}/review"): "analysis and action plan only",
    ("reporting", "PUT", "/v1/annual-reports/{year}/review/analysis"): "answers 204, no body",
    ("reporting", "PUT", "/v1/annual-reports/{year}/review/approval"): "answers 204, no body",
    ("reporting", "GET", "/v1/statistics"): "aggregated counts under disclosure control (D-5)",
    ("reporting", "GET", "/v1/statistics.csv"): "the same counts as CSV",
}
ELSEWHERE: dict[tuple[str, str], str] = {
    ("POST", "/v1/consent-view/lookup"): "cases' consent view: another part of issue #18",
    ("POST", "/v1/access-log/subject"): "the runtime's access-log routes, shared by all services",
    ("POST", "/v1/access-log/actor"): "the runtime's access-log routes, shared by all services",
    ("GET", "/v1/access-log/verify"): "the runtime's access-log routes, shared by all services",
}
"""Routes of these services that are held to the rule by other tests."""


def born_years_ago(years: int, months: int, today: date) -> str:
    """A birth date `years` and `months` before today, as YYYYMMDD."""
    month_index = today.year * 12 + today.month - 1 - years * 12 - months
    year, month = divmod(month_index, 12)
    return f"{year:04d}{month + 1:02d}{min(today.day, 28):02d}"


@dataclass
class Walk:
    platform: dict[str, ServiceProcess]
    settings: RuntimeSettings
    walked: set[tuple[str, str, str]] = field(default_factory=set)
    findings: list[str] = field(default_factory=list)

    def log(self, service: str) -> list[tuple[int, str, str, str]]:
        path = self.settings.var_dir / f"{service}.db"
        with sqlite3.connect(path) as db:
            rows = db.execute(
                "SELECT seq, actor_hsa_id, subject_id, resource FROM access_audit ORDER BY seq"
            ).fetchall()
        return [(int(seq), actor, subject, resource) for seq, actor, subject, resource in rows]

    def call(
        self,
        service: str,
        actor: Actor,
        method: str,
        route: str,
        about: str | Callable[[httpx.Response], str] | None,
        *,
        status: int = 200,
        path: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """Call `route` (its template, filled from `path`) and check that the answer left
        an access record of `actor` about the person (`about`: their subject id, or how
        to read it from the answer) on that route. A 409 is retried: cases learns of a
        consent from consent's topic, a moment after it is given."""
        before = {row[0] for row in self.log(service)}

        def answered() -> httpx.Response | None:
            with self.platform[service].client(actor) as client:
                response = client.request(method, route.format(**(path or {})), **kwargs)
            return None if response.status_code == 409 else response

        response: httpx.Response = wait_for(answered, timeout=30)
        assert response.status_code == status, (route, response.text)
        self.walked.add((service, method, route))
        subject_id = about(response) if callable(about) else about
        if subject_id is None:
            return response
        resources = {f"{method} {route}", f"{method} {route.removeprefix('/v1')}"}
        new = [row for row in self.log(service) if row[0] not in before]
        if not any(
            (actor_id, subject) == (actor.hsa_id, subject_id) and resource in resources
            for _, actor_id, subject, resource in new
        ):
            self.findings.append(f"{service} {method} {route}: no access record")
        return response

    def operations(self, service: str) -> set[tuple[str, str, str]]:
        with self.platform[service].client() as client:
            paths = client.get("/openapi.json").json()["paths"]
        return {
            (service, method.upper(), path)
            for path, item in paths.items()
            if path.startswith("/v1/")
            for method in item
            if (method.upper(), path) not in ELSEWHERE
        }


def scenario(walk: Walk) -> None:
    now = datetime.now(STOCKHOLM)
    today = now.date()
    youth = made_up_personnummer(born_years_ago(18, 3, today), "321")
    adult = made_up_personnummer(born_years_ago(40, 1, today), "321")
    soon = now + timedelta(days=3)
    occasion = {"starts_at": soon.isoformat(), "ends_at": (soon + timedelta(hours=1)).isoformat()}

    # --- cases: registration, the case's own steps --------------------------------------
    def subject_of(response: httpx.Response) -> str:
        subject_id: str = response.json()["subject_id"]
        return subject_id

    def register(personnummer: str, need: str) -> tuple[str, dict[str, Any]]:
        """The person's subject id and their (first) case, registered with `need`."""
        body = registration(personnummer, [need])
        response = walk.call(
            "cases", IOF_CASEWORKER, "POST", "/v1/cases", subject_of, status=201, json=body
        )
        return response.json()["subject_id"], response.json()["cases"][0]

    youth_id, youth_registered = register(youth, "child_welfare")
    adult_id, adult_registered = register(adult, "disability")
    youth_case, adult_case = youth_registered["id"], adult_registered["id"]
    assert adult_registered["unit"] == AOF
    case = {"case_id": youth_case}
    walk.call("cases", IOF_CASEWORKER, "GET", "/v1/cases/{case_id}", youth_id, path=case)
    walk.call(
        "cases", IOF_CASEWORKER, "POST", "/v1/cases/lookup", youth_id, json={"personnummer": youth}
    )
    walk.call(  # W-2: a need left out at registration, corrected
        "cases",
        IOF_CASEWORKER,
        "POST",
        "/v1/cases/{case_id}/correction",
        youth_id,
        path=case,
        json={
            "personnummer": youth,
            "needs": ["child_welfare", "relationship_violence"],
            "reason": "Våld nämndes i anmälan.",
        },
    )
    walk.call(
        "cases",
        IOF_CASEWORKER,
        "PUT",
        "/v1/cases/{case_id}/target-groups",
        youth_id,
        path=case,
        json={"target_groups": ["children_and_youth", "exposed_to_violence"]},
    )
    walk.call(
        "cases",
        AOF_MANAGER,
        "POST",
        "/v1/cases/{case_id}/decisions",
        adult_id,
        status=201,
        path={"case_id": adult_case},
        json={
            "decision": "intervention_granted",
            "child_perspective_considered": True,
            "children_in_household": False,
        },
    )
    at_decision = {"case_id": adult_case, "number": 1}  # W-3: where its Location points
    walk.call(  # K-11: the deciding unit told the person
        "cases",
        AOF_MANAGER,
        "POST",
        "/v1/cases/{case_id}/decisions/{number}/told",
        adult_id,
        path=at_decision,
        json={"told_at": datetime.now(STOCKHOLM).isoformat(), "manner": "letter"},
    )
    walk.call(
        "cases",
        AOF_MANAGER,
        "GET",
        "/v1/cases/{case_id}/decisions/{number}",
        adult_id,
        path=at_decision,
    )
    walk.call(
        "cases",
        IOF_CASEWORKER,
        "POST",
        "/v1/cases/{case_id}/family-care-placement",
        youth_id,
        path=case,
    )
    walk.call(
        "cases",
        IOF_CASEWORKER,
        "POST",
        "/v1/cases/{case_id}/age-transition/announcement",
        youth_id,
        path=case,
        json={"to_unit": AOF, "continued_support_needed": True},
    )
    walk.call(
        "cases",
        AOF_MANAGER,
        "GET",
        "/v1/units/{unit}/age-transitions",
        youth_id,
        path={"unit": IOF},
        params={"until": (today + timedelta(days=365 * 4)).isoformat()},
    )

    # --- meetings (K-8, K-9) and the calendar file, on consent (C-11) ---------------------
    consent_given(
        walk.platform["consent"],
        youth,
        by=IOF_CASEWORKER,
        purpose="three_party_meeting",
        parties=[IOF, AOF],
    )
    meeting = walk.call(
        "cases",
        IOF_CASEWORKER,
        "POST",
        "/v1/cases/{case_id}/three-party-meetings",
        youth_id,
        status=201,
        path=case,
        json={"to_unit": AOF},
    ).json()
    at_meeting = {"meeting_id": meeting["id"]}
    walk.call(
        "cases",
        AOF_MANAGER,
        "POST",
        "/v1/meetings/{meeting_id}/assignment",
        youth_id,
        path=at_meeting,
        json={"caseworker": AOF_CASEWORKER},
    )
    walk.call(
        "cases",
        IOF_CASEWORKER,
        "POST",
        "/v1/meetings/{meeting_id}/pre-meeting",
        youth_id,
        path=at_meeting,
        json={"held_at": (now - timedelta(hours=1)).isoformat()},
    )
    walk.call(
        "cases",
        AOF_MANAGER,
        "POST",
        "/v1/meetings/{meeting_id}/schedule",
        youth_id,
        path=at_meeting,
        json={**occasion, "location": "Rum 4"},
    )
    walk.call("cases", AOF_MANAGER, "GET", "/v1/meetings/{meeting_id}", youth_id, path=at_meeting)
    walk.call(
        "cases",
        AOF_MANAGER,
        "GET",
        "/v1/meetings/{meeting_id}/invitation.ics",
        youth_id,
        path=at_meeting,
    )
    # Plans change (W-2): moved to begin in a moment, so it can be recorded as held (K-8).
    starts_at = datetime.now(STOCKHOLM) + timedelta(seconds=3)
    walk.call(
        "cases",
        IOF_CASEWORKER,
        "POST",
        "/v1/meetings/{meeting_id}/move",
        youth_id,
        path=at_meeting,
        json={
            "starts_at": starts_at.isoformat(),
            "ends_at": (starts_at + timedelta(hours=1)).isoformat(),
            "reason": "Den enskilde är sjuk.",
        },
    )
    time.sleep(max(0.0, (starts_at - datetime.now(STOCKHOLM)).total_seconds()))
    walk.call(
        "cases",
        AOF_MANAGER,
        "POST",
        "/v1/meetings/{meeting_id}/held",
        youth_id,
        path=at_meeting,
        json={
            "outcome": "information_given",
            "minutes": "Informerades om boendestöd.",
            "attended_units": [IOF, AOF],
        },
    )
    later = soon + timedelta(days=1)
    care_planning = walk.call(
        "cases",
        AOF_MANAGER,
        "POST",
        "/v1/cases/{case_id}/care-planning-meetings",
        adult_id,
        status=201,
        path={"case_id": adult_case},
        json={
            "units": [IOF, HEALTH.org_id],
            "meeting": occasion,
            "follow_up": {
                "starts_at": later.isoformat(),
                "ends_at": (later + timedelta(hours=1)).isoformat(),
            },
        },
    ).json()
    walk.call(
        "cases",
        IOF_CASEWORKER,
        "POST",
        "/v1/meetings/{meeting_id}/cancellation",
        adult_id,
        path={"meeting_id": care_planning["id"]},
        json={"reason": "Inskrivningen avbröts."},
    )

    # --- handover (K-5), on the individual's consent (C-8) ------------------------------
    consent = walk.platform["consent"]
    consent_given(consent, youth, by=IOF_CASEWORKER, purpose="case_handover", parties=[IOF, AOF])
    # Plans change (W-2): one handover declined by the receiving unit, one withdrawn by
    # the sending unit; the case stays with IOF and is handed over anew.
    for actor, step, reason in (
        (AOF_MANAGER, "declination", "Fel enhet."),
        (IOF_CASEWORKER, "withdrawal", "Felskickad."),
    ):
        changed = walk.call(
            "cases",
            IOF_CASEWORKER,
            "POST",
            "/v1/cases/{case_id}/handovers",
            None,
            status=201,
            path=case,
            json={"to_unit": AOF, "content": CONTENT},
        )
        walk.call(
            "cases",
            actor,
            "POST",
            f"/v1/cases/{{case_id}}/handovers/{{handover_id}}/{step}",
            youth_id,
            path={**case, "handover_id": changed.json()["id"]},
            json={"reason": reason},
        )
    handover = walk.call(
        "cases",
        IOF_CASEWORKER,
        "POST",
        "/v1/cases/{case_id}/handovers",
        None,
        status=201,
        path=case,
        json={"to_unit": AOF, "content": CONTENT},
    )
    at_handover = {**case, "handover_id": handover.json()["id"]}
    # W-1: the receiving unit learns of it from its work list.
    walk.call("cases", AOF_MANAGER, "GET", "/v1/work-items", youth_id)
    # W-3: and everything about the youth it may read, by number or by subject id.
    lookup = {"personnummer": youth}
    walk.call("cases", AOF_MANAGER, "POST", "/v1/subject-records", youth_id, json=lookup)
    at_subject = {"subject_id": youth_id}
    walk.call(
        "cases", AOF_MANAGER, "GET", "/v1/subjects/{subject_id}/records", youth_id, path=at_subject
    )
    # The receiving unit reads, acknowledges and takes over the handover, in that order.
    for method, route, body in (
        ("GET", "/v1/cases/{case_id}/handovers/{handover_id}", None),
        (
            "POST",
            "/v1/cases/{case_id}/handovers/{handover_id}/acknowledgement",
            {"receiving_caseworker": AOF_CASEWORKER},
        ),
        ("POST", "/v1/cases/{case_id}/handovers/{handover_id}/transfer", None),
    ):
        walk.call("cases", AOF_MANAGER, method, route, youth_id, path=at_handover, json=body)
    # K-12: the receiving deputy books the joint officials' meeting, to begin in a moment
    # so it can be recorded as held, and then has the client told.
    starts_at = datetime.now(STOCKHOLM) + timedelta(seconds=3)
    follow_through = "/v1/cases/{case_id}/handovers/{handover_id}/follow-through"
    booking = {
        "other_units": [IOF],
        "trustee_invited": False,
        "starts_at": starts_at.isoformat(),
        "ends_at": (starts_at + timedelta(hours=1)).isoformat(),
        "location": "Rum 2",
    }
    walk.call(
        "cases",
        AOF_MANAGER,
        "POST",
        follow_through,
        youth_id,
        status=201,
        path=at_handover,
        json=booking,
    )
    walk.call("cases", AOF_MANAGER, "GET", follow_through, youth_id, path=at_handover)
    time.sleep(max(0.0, (starts_at - datetime.now(STOCKHOLM)).total_seconds()))
    held = {"attended_units": [IOF], "trustee_attended": False, "plan": "Ny plan."}
    walk.call(
        "cases",
        AOF_MANAGER,
        "POST",
        f"{follow_through}/held",
        youth_id,
        path=at_handover,
        json=held,
    )
    informed = {"informed_at": datetime.now(STOCKHOLM).isoformat(), "manner": "in_person"}
    walk.call(
        "cases",
        AOF_MANAGER,
        "POST",
        f"{follow_through}/client-informed",
        youth_id,
        path=at_handover,
        json=informed,
    )
    walk.call(
        "cases",
        AOF_MANAGER,
        "POST",
        "/v1/cases/{case_id}/closure",
        adult_id,
        path={"case_id": adult_case},
        json={"reason": "needs_met"},
    )
    walk.call("cases", IOF_CASEWORKER, "GET", "/v1/units/{unit}/notices", None, path={"unit": IOF})

    # --- SIP (K-6, K-7), on consent to `sip` (C-7) ---------------------------------------
    consent_given(consent, adult, by=AOF_MANAGER, purpose="sip", parties=[AOF, PSYCHIATRY.org_id])
    proposal = sip_proposal(adult)

    sip = walk.call("cases", AOF_MANAGER, "POST", "/v1/sips", adult_id, status=201, json=proposal)
    at_sip = {"sip_id": sip.json()["id"]}
    walk.call(
        "cases",
        AOF_MANAGER,
        "POST",
        "/v1/sips/{sip_id}/establishment",
        adult_id,
        path=at_sip,
        json={**ESTABLISHMENT, "first_follow_up_on": (today + timedelta(days=30)).isoformat()},
    )
    walk.call(
        "cases",
        PSYCHIATRY,
        "POST",
        "/v1/sips/{sip_id}/follow-ups",
        adult_id,
        status=201,
        path=at_sip,
        json={"held_on": today.isoformat(), "outcome": "Går framåt."},
    )
    walk.call(
        "cases",
        AOF_MANAGER,
        "POST",
        "/v1/sips/{sip_id}/revisions",
        adult_id,
        status=201,
        path=at_sip,
        json={"plan": {**PLAN, "measures_by_others": "Frivilligorganisation."}},
    )
    walk.call("cases", PSYCHIATRY, "GET", "/v1/sips/{sip_id}", adult_id, path=at_sip)
    # W-3: the follow-up and the new version read back where their Locations point.
    for route, number in (
        ("/v1/sips/{sip_id}/follow-ups/{number}", 1),
        ("/v1/sips/{sip_id}/versions/{number}", 2),
    ):
        walk.call("cases", PSYCHIATRY, "GET", route, adult_id, path={**at_sip, "number": number})
    # K-13: the person's own plan, handed to them by one of its units.
    walk.call("cases", AOF_MANAGER, "GET", "/v1/sips/{sip_id}/document", adult_id, path=at_sip)
    walk.call(  # W-2: closed early, with the reason
        "cases",
        PSYCHIATRY,
        "POST",
        "/v1/sips/{sip_id}/closure",
        adult_id,
        path=at_sip,
        json={"reason": "Individen har flyttat."},
    )

    # --- contact with the other principal (K-17) ----------------------------------------
    contact = walk.call(
        "cases",
        AOF_MANAGER,
        "POST",
        "/v1/cases/{case_id}/other-principal-contacts",
        adult_id,
        status=201,
        path={"case_id": adult_case},
        json={"to_unit": PSYCHIATRY.org_id},
    )
    at_contact = {"contact_id": contact.json()["id"]}
    for method, route in (
        ("GET", "/v1/principal-contacts/{contact_id}"),
        ("POST", "/v1/principal-contacts/{contact_id}/acknowledgement"),
    ):
        walk.call("cases", PSYCHIATRY, method, route, adult_id, path=at_contact)

    # --- screening (D-6) and the child-welfare report (K-10) ----------------------------
    screening = walk.call(
        "cases",
        PSYCHIATRY,
        "POST",
        "/v1/screenings",
        adult_id,
        status=201,
        json=audit_screening(adult, today, score=9),
    )
    walk.call(
        "cases",
        PSYCHIATRY,
        "GET",
        "/v1/screenings/{screening_id}",
        adult_id,
        path={"screening_id": screening.json()["id"]},
    )
    question = walk.call(  # K-16
        "cases",
        PSYCHIATRY,
        "POST",
        "/v1/violence-questions",
        adult_id,
        status=201,
        json={
            "personnummer": adult,
            "contact_on": today.isoformat(),
            "asked": True,
            "adult_exposure": "not_exposed",
            "children_exposure": "exposed",
            "support_offered": False,
        },
    )
    walk.call(
        "cases",
        PSYCHIATRY,
        "GET",
        "/v1/violence-questions/{question_id}",
        adult_id,
        path={"question_id": question.json()["id"]},
    )
    child = made_up_personnummer(born_years_ago(12, 0, today), "321")
    report = walk.call(
        "cases",
        POLICE,
        "POST",
        "/v1/child-welfare-reports",
        subject_of,
        status=201,
        json={"personnummer": child, "municipality_code": "0180"},
    )
    walk.call(
        "cases",
        POLICE,
        "GET",
        "/v1/child-welfare-reports/{report_id}",
        subject_of(report),
        path={"report_id": report.json()["id"]},
    )
    walk.call(
        "cases",
        IOF_CASEWORKER,
        "POST",
        "/v1/child-welfare-reports/{report_id}/acknowledgement",
        subject_of(report),
        path={"report_id": report.json()["id"]},
    )

    # --- K-14: a pregnant woman referred to social services and maternity care ----------
    consent_given(
        consent,
        adult,
        by=IOF_CASEWORKER,
        purpose="information_sharing",
        parties=[IOF, PSYCHIATRY.org_id],
    )
    referral = walk.call(
        "cases",
        PSYCHIATRY,
        "POST",
        "/v1/pregnancy-referrals",
        adult_id,
        status=201,
        json={
            "personnummer": adult,
            "municipality_code": "0180",
            "maternity_unit": PSYCHIATRY.org_id,
            "in_consultation_with_woman": False,
        },
    )
    at_referral = {"referral_id": referral.json()["id"]}
    walk.call(
        "cases",
        IOF_CASEWORKER,
        "GET",
        "/v1/pregnancy-referrals/{referral_id}",
        adult_id,
        path=at_referral,
    )
    walk.call(
        "cases",
        IOF_CASEWORKER,
        "POST",
        "/v1/pregnancy-referrals/{referral_id}/acknowledgement",
        adult_id,
        path=at_referral,
    )

    # --- reporting: the deviation, its export and the annual review (D-2, D-4, D-5) ------
    deviation = walk.call(
        "reporting",
        HEALTH,
        "POST",
        "/v1/deviations",
        youth_id,
        status=201,
        json=deviation_body(affected_orgs=[IOF], personnummer=youth),
    ).json()
    at_deviation = {"deviation_id": deviation["id"]}
    # W-1: the affected unit finds it on its work list.
    walk.call("reporting", SOCIAL_MANAGER, "GET", "/v1/work-items", youth_id)
    walk.call(
        "reporting",
        SOCIAL_MANAGER,
        "GET",
        "/v1/deviations/{deviation_id}",
        youth_id,
        path=at_deviation,
    )
    walk.call(
        "reporting",
        SOCIAL_MANAGER,
        "GET",
        "/v1/deviations/{deviation_id}/export",
        youth_id,
        path=at_deviation,
        params={"format": "csv"},
    )
    # D-8: the municipality's controller lists its deviations and prints one as the form.
    walk.call("reporting", CONTROLLER, "GET", "/v1/deviations", youth_id)
    walk.call(
        "reporting",
        CONTROLLER,
        "GET",
        "/v1/deviations/{deviation_id}/form",
        youth_id,
        path=at_deviation,
    )
    walk.call(
        "reporting",
        HEALTH,
        "GET",
        "/v1/annual-reports/{year}",
        youth_id,
        path={"year": today.year},
    )


@pytest.mark.timeout(480)  # one walk over every route of four services
@pytest.mark.long_running(90)  # started before shorter work (tests/grouping.py)
def test_every_cases_and_reporting_route_that_answers_with_personal_data_is_logged(
    start_services: Any, runtime_settings: RuntimeSettings
) -> None:
    platform = start_services("consent", "cases", "reporting")
    walk = Walk(platform, runtime_settings)

    scenario(walk)

    operations = walk.operations("cases") | walk.operations("reporting")
    unplaced = operations - walk.walked - set(NOTHING_PERSONAL)
    assert not unplaced, f"neither walked nor named as answering nothing personal: {unplaced}"
    stale = set(NOTHING_PERSONAL) - operations
    assert not stale, f"NOTHING_PERSONAL names routes that are gone: {stale}"
    assert not walk.findings, "answers with personal data and no access record:\n" + "\n".join(
        walk.findings
    )
