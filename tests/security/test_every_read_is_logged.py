"""Every read of personal data leaves a trace (issue #18 item 5; docs/threat-model.md).

The attack: a member of staff reads about a person through a route that writes no
access-log record (a calendar file, a deadline list, a replayed write, a write whose
answer carries the person's data), so the individual's log extract (PDL 8:1,
GDPR art. 15) and the unit's follow-up of its staff (HSLF-FS 2016:40 ch. 4) never
show it.

The net: all four services run as processes. A scenario creates realistic data in
every service through its API, about three made-up people, every free-text field
and name carrying the person's marker. Then the walker takes every operation of
every service's OpenAPI document, and for every answer about a person asserts that
the service's access log gained a record of that reader reading that person on that
route. The log is read back through the access-log API as the reader's own unit
manager would (``POST /v1/access-log/actor``).

An answer is about a person when it carries their marker or their personnummer (in
any form); for a read, and for a route marked ``x-personal-data``, also when the
request or the answer names their subject id or the id of an object about them (a
red thread's calendar file names no one, but it is the person's red thread).

- **Reads** are found in the documents, not listed here: every GET, and every POST to
  a collection that answers 200 (it creates nothing: a lookup or a query). Path,
  query and body fields are filled by name from what the scenario created; each
  reader in :data:`READERS` is tried until one is entitled.
- **Writes** are the scenario's; every write route of the documents must be
  exercised by it or named in :data:`SKIPPED`. Each write is replayed with its
  Idempotency-Key, and the replay is held to the same rule (a replay that answers
  with personal data is a read; one read back through its GET route may be logged
  there).
- Every route marked ``x-personal-data`` must be proved on an answer about someone,
  or be named in :data:`UNPROVED` with the reason the scenario cannot.
- A route the walker cannot fill is named, with the reason, in :data:`SKIPPED`; the
  test fails when an entry of either list is stale (the route is gone, or is walked or
  proved now). All problems are reported together, by kind.

Made-up identity numbers only (valid Luhn digit, no real person); no real names.
"""

from __future__ import annotations

import itertools
import json
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from contracts import OrgType, Role
from services.runtime.kernel.actor import Actor
from services.runtime.kernel.stockholm_time import stockholm_date
from services.runtime.settings import RuntimeSettings
from tests.cases_examples import registration
from tests.consent_examples import refusal_body
from tests.escalation_examples import all_done
from tests.support import (
    AOF,
    APPROVED_ACTIONS,
    CONTROLLER,
    COORDINATOR,
    HEALTH,
    IOF,
    POLICE,
    ServiceProcess,
    auth,
    made_up_personnummer,
    wait_for,
)

# Staff of their own at the two social-services units the cases service routes to by
# default (municipality 0180), IOF and AOF.
IOF_CASEWORKER = Actor("SE2120000001-S301", IOF, OrgType.SOCIAL_SERVICES, Role.CASEWORKER)
IOF_DEPUTY = Actor("SE2120000001-D301", IOF, OrgType.SOCIAL_SERVICES, Role.DEPUTY_UNIT_MANAGER)
AOF_DEPUTY = Actor("SE2120000001-D302", AOF, OrgType.SOCIAL_SERVICES, Role.DEPUTY_UNIT_MANAGER)
IOF_MANAGER = Actor("SE2120000001-E301", IOF, OrgType.SOCIAL_SERVICES, Role.UNIT_MANAGER)
IOF_ADMIN = Actor("SE2120000001-A301", IOF, OrgType.SOCIAL_SERVICES, Role.ADMIN)
IOF_HEAD = Actor("SE2120000001-H301", IOF, OrgType.SOCIAL_SERVICES, Role.DEPARTMENT_HEAD)
AOF_CASEWORKER_HSA = "SE2120000001-S302"

READERS = (
    IOF_CASEWORKER,
    IOF_DEPUTY,
    AOF_DEPUTY,
    POLICE,
    HEALTH,
    COORDINATOR,
    IOF_MANAGER,
    IOF_ADMIN,
)
"""Who the walker reads as, in this order, until one is entitled (2xx). The caseworker
comes first: the access-log routes (walked last) follow up what it read."""

PARTIES = [IOF, AOF, HEALTH.org_id, POLICE.org_id, COORDINATOR.org_id]


@dataclass(frozen=True)
class Person:
    """A made-up person; every free text and name about them carries `marker`."""

    personnummer: str
    marker: str

    def forms(self) -> tuple[str, ...]:
        """Every way the number could be written in an answer."""
        digits = self.personnummer.replace("-", "")
        return (self.personnummer, digits, self.personnummer[2:], digits[2:])

    def text(self, what: str) -> str:
        return f"{what} ({self.marker})"


ADULT = Person(made_up_personnummer("19850615", "242"), "ZYXADULT")
"""A woman (even second-to-last digit): also the subject of an OSL 26:9 disclosure."""
YOUTH = Person(made_up_personnummer("20080301", "452"), "ZYXYOUTH")
"""Turns 19 within months: an age transition (K-4)."""
CHILD = Person(made_up_personnummer("20150315", "133"), "ZYXCHILD")
"""Under 18: a guardian consents (C-1); placed in family care; a child-welfare report
(K-10)."""
PEOPLE = (ADULT, YOUTH, CHILD)

SKIPPED: dict[tuple[str, str, str], str] = {
    # Erasure destroys the person's key in every service (crypto-shredding): run here,
    # it would blind the rest of the walk. Its answer is a bare 202. Proved in
    # tests/security/test_erasure_power.py and tests/integration/test_consent_erasure.py.
    ("consent", "POST", "/v1/subjects/{subject_id}/erasure"): "erases the walk's own data",
    # Reading an erasure back needs one of the walk's people erased (the same reason); its
    # access record is proved in tests/integration/test_consent_access_audit.py.
    ("consent", "GET", "/v1/subjects/{subject_id}/erasure"): "needs the walk's data erased",
    # A unit's calendar feed (W-1): issuing it answers the unit's address, about no one; the
    # feed's secret cannot be filled by name, and the feed names neither a person nor a
    # record (tests/integration/test_calendar_feed.py holds it to that).
    ("escalation", "POST", "/v1/calendar-feeds"): "answers a unit's feed address",
    ("escalation", "GET", "/v1/calendar-feeds/{unit}/{token}/meetings.ics"): "a secret address",
}
"""Routes the walker cannot (or must not) call, and why. Kept current by the test."""

UNPROVED: dict[tuple[str, str, str], str] = {
    # A monthly meeting's answers (a new one, attendance, minutes) are proved by the termly
    # inventory, which lists the youth whose age transition the scenario announces (E-7).
    # De-identified and aggregated (D-5): the report names no one, by design.
    ("reporting", "GET", "/v1/annual-reports/{year}"): "de-identified aggregate",
}
"""Routes marked ``x-personal-data`` that the scenario cannot make answer about anyone, and
why; they are still walked, and the test fails when one of them is proved after all."""

COLLECTION_QUERY = re.compile(r"^[^{}]*$")
"""A path without parameters: a POST there that answers 200 (not 201) is a query."""


def stockholm_today() -> date:
    """Today as the services count days (Europe/Stockholm): between 22:00 and 24:00 UTC
    the machine's date is still yesterday there."""
    return stockholm_date(datetime.now(UTC))


def in_seconds(seconds: float) -> str:
    """An instant just ahead: the services run on the real clock, and a meeting is
    recorded as held only once it has begun."""
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


def wait_until(instant: str) -> None:
    time.sleep(max(0.0, (datetime.fromisoformat(instant) - datetime.now(UTC)).total_seconds()))


def soon(days: int, hour: int = 9) -> str:
    moment = datetime.now(UTC).replace(hour=hour, minute=0, second=0, microsecond=0)
    return (moment + timedelta(days=days)).isoformat()


@dataclass
class Platform:
    """The four services, with clients per actor and the subject ids of the people."""

    processes: dict[str, ServiceProcess]
    settings: RuntimeSettings
    subject_ids: dict[Person, str] = field(default_factory=dict)
    owned: dict[Person, set[str]] = field(default_factory=dict)
    """Ids of the objects that are about one person (a consent, case, red thread...)."""
    findings: list[str] = field(default_factory=list)
    marked: set[tuple[str, str, str]] = field(default_factory=set)
    """Routes whose OpenAPI operation says ``x-personal-data``."""
    proved: set[tuple[str, str, str]] = field(default_factory=set)
    """Routes that answered about someone at least once (so the check above ran)."""
    exercised: set[tuple[str, str, str]] = field(default_factory=set)
    _clients: dict[tuple[str, Actor], httpx.Client] = field(default_factory=dict)

    def client(self, service: str, actor: Actor) -> httpx.Client:
        key = (service, actor)
        if key not in self._clients:
            self._clients[key] = httpx.Client(
                base_url=self.processes[service].url,
                headers=auth(self.settings, actor),
                timeout=20,
            )
        return self._clients[key]

    def close(self) -> None:
        for client in self._clients.values():
            client.close()

    # --- the access log, read back as the reader's own unit manager ---------------------

    def log_of(self, service: str, reader: Actor) -> dict[int, dict[str, Any]]:
        """The access records of `reader` in `service`, by sequence number."""
        follow_up = Actor(
            f"{reader.org_id.split('-')[0]}-M999", reader.org_id, reader.org_type, Role.UNIT_MANAGER
        )
        answer = self.client(service, follow_up).post(
            "/v1/access-log/actor", json={"hsa_id": reader.hsa_id}
        )
        assert answer.status_code == 200, f"{service} access log: {answer.text}"
        return {entry["seq"]: entry for entry in answer.json()["entries"]}

    # --- who an answer is about -------------------------------------------------------------

    def learn(self, body: Any, answer: Any) -> None:
        """From an answer: whose subject id it names (from the number it was sent), and
        which objects in it are about whom."""
        for person in PEOPLE:
            if (
                isinstance(body, dict)
                and body.get("personnummer") == person.personnummer
                and isinstance(answer, dict)
                and isinstance(answer.get("subject_id"), str)
            ):
                self.subject_ids.setdefault(person, answer["subject_id"])
        self.own(answer)

    def own(self, answer: Any) -> None:
        """Note every object in a write's answer that is about one person (it names their
        subject id): reading it later is reading about them."""
        if isinstance(answer, dict):
            for person, subject_id in self.subject_ids.items():
                if answer.get("subject_id") == subject_id and isinstance(answer.get("id"), str):
                    self.owned.setdefault(person, set()).add(answer["id"])
            answer = list(answer.values())
        if isinstance(answer, list):
            for item in answer:
                self.own(item)

    def named_in(self, text: str, broad: bool) -> list[Person]:
        """The people `text` is about: their marker or number; when `broad`, also their
        subject id or the id of an object about them."""
        named = []
        for person in PEOPLE:
            needles = [person.marker, *person.forms()]
            if broad:
                needles += [self.subject_ids.get(person, person.marker)]
                needles += sorted(self.owned.get(person, ()))
            if any(needle in text for needle in needles):
                named.append(person)
        return named

    # --- one request, held to the rule ------------------------------------------------------

    def request(
        self,
        service: str,
        actor: Actor,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        read: bool = True,
        replay: bool = False,
    ) -> httpx.Response:
        """Call `path` (an OpenAPI template); when the answer is about someone, check that
        the reader's access records gained one about them on this route."""
        before = self.log_of(service, actor)
        url = path.format(**(params or {}))
        response = self.client(service, actor).request(
            method, url, params=query, json=body, headers=headers
        )
        if not response.is_success:
            return response
        if response.content and response.headers.get("content-type", "").startswith(
            "application/json"
        ):
            self.learn(body, response.json())
        # A read, or a route that says it discloses personal data, is about whoever the
        # request or the answer points at (a calendar file of their red thread names no
        # one); a write's answer, or a replay's, is a disclosure when it carries their
        # data (the pseudonym and ids a replay names are the writer's own).
        broad = read or ((service, method, path) in self.marked and not replay)
        asked = f" {response.request.url} {json.dumps(body, ensure_ascii=False)}" if broad else ""
        named = self.named_in(response.text + asked, broad)
        if not named:
            return response
        self.proved.add((service, method, path))
        resource = f"{method} {path}"
        # A replay may read the resource back through its own GET route (Location): that
        # route's record is the trace then.
        routes = (resource, "GET ") if replay else (resource,)
        after = self.log_of(service, actor)
        on_route = [
            entry
            for seq, entry in after.items()
            if seq not in before
            and (entry["resource"] == resource or entry["resource"].startswith(routes[1:]))
        ]
        where = f"{service} {resource}{' (replayed)' if replay else ''} as {actor.role.value}"
        for person in named:
            if not any(entry["subject_id"] == self.subject_ids.get(person) for entry in on_route):
                self.findings.append(f"{where}: about {person.marker}, no access record")
        return response


@pytest.fixture(scope="module")
def platform(
    module_platform: dict[str, ServiceProcess], module_settings: RuntimeSettings
) -> Iterator[Platform]:
    walk = Platform(module_platform, module_settings)
    yield walk
    walk.close()


# --- the scenario: realistic data in every service, through its API -----------------------------


class Scenario:
    """Writes through the API, each checked and replayed with its Idempotency-Key."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    def write(
        self,
        service: str,
        actor: Actor,
        method: str,
        path: str,
        body: Any = None,
        *,
        retry_until_known: bool = False,
        **params: str,
    ) -> Any:
        """Perform one write; `retry_until_known` waits for an upstream event (a consent
        learnt over Kafka) by retrying with a fresh key."""

        refused: list[str] = []

        def send(key: str, *, replay: bool = False) -> httpx.Response:
            return self.platform.request(
                service,
                actor,
                method,
                path,
                params=params,
                body=body,
                headers={"Idempotency-Key": key},
                read=False,
                replay=replay,
            )

        def attempt() -> httpx.Response | None:
            key = str(uuid.uuid4())
            response = send(key)
            if retry_until_known and response.status_code in (403, 404, 409, 422):
                refused[:] = [response.text]
                return None
            if not response.is_success:
                pytest.fail(f"{service} {method} {path}: {response.text}")
            # The retry a client makes when the answer was lost: a replay is a read too.
            send(key, replay=True)
            return response

        try:
            response: httpx.Response = wait_for(attempt, timeout=30, interval=0.3)
        except AssertionError:
            raise AssertionError(f"{service} {method} {path}: {refused}") from None
        self.platform.exercised.add((service, method, path))
        return response.json() if response.content else None


def create_everything(platform: Platform) -> dict[str, dict[str, str]]:
    """The scenario; returns each service's path values by parameter name."""
    s = Scenario(platform)
    ids: dict[str, dict[str, str]] = {name: {} for name in platform.processes}

    # Consent: one per purpose for the adult, a guardian's for the child, a refusal and
    # both kinds of disclosure (C-1..C-6).
    consent_ids = {}
    for purpose in (
        "case_handover",
        "sip",
        "three_party_meeting",
        "red_thread_meeting",
        "information_sharing",
    ):
        for person in (ADULT, YOUTH):
            given = s.write(
                "consent",
                IOF_CASEWORKER,
                "POST",
                "/v1/consents",
                {
                    "personnummer": person.personnummer,
                    "purpose": purpose,
                    "parties": PARTIES,
                    "form": "written",
                    "informed": True,
                },
            )
            consent_ids[(person, purpose)] = given["id"]
            platform.subject_ids[person] = given["subject_id"]
    guardian = s.write(
        "consent",
        IOF_CASEWORKER,
        "POST",
        "/v1/consents",
        {
            "personnummer": CHILD.personnummer,
            "purpose": "information_sharing",
            "parties": [IOF, HEALTH.org_id],
            "form": "written",
            "informed": True,
            "given_by": "guardian",
            "guardian_name": CHILD.text("Vårdnadshavare Testsson"),
        },
    )
    platform.subject_ids[CHILD] = guardian["subject_id"]
    s.write(
        "consent",
        IOF_CASEWORKER,
        "POST",
        "/v1/consents/{consent_id}/scope",
        {"add": [AOF]},
        consent_id=guardian["id"],
    )
    refusal = s.write(
        "consent",
        POLICE,
        "POST",
        "/v1/consent-refusals",
        refusal_body(ADULT.personnummer, "information_sharing", [POLICE.org_id, IOF]),
    )
    # C-12: a day to ask again puts the refusal on IOF's work list (W-1), about the adult.
    s.write(
        "consent",
        IOF_CASEWORKER,
        "POST",
        "/v1/consent-refusals",
        refusal_body(ADULT.personnummer, "sip", [IOF, HEALTH.org_id])
        | {"ask_again_on": (date.today() + timedelta(days=30)).isoformat()},
    )
    emergency = s.write(
        "consent",
        POLICE,
        "POST",
        "/v1/emergency-disclosures",
        {
            "personnummer": ADULT.personnummer,
            "parties": [POLICE.org_id, IOF, AOF],
            "justification": ADULT.text("Hot mot liv, akut fara i bostaden"),
            "valid_hours": 24,
        },
    )
    unborn = s.write(
        "consent",
        IOF_CASEWORKER,
        "POST",
        "/v1/unborn-child-disclosures",
        {
            "personnummer": ADULT.personnummer,
            "parties": [IOF, HEALTH.org_id],
            "justification": ADULT.text("Gravid, pågående missbruk"),
            "consent_sought": True,
            "valid_days": 90,
        },
    )
    withdrawn = s.write(
        "consent",
        IOF_CASEWORKER,
        "POST",
        "/v1/consents",
        {
            "personnummer": CHILD.personnummer,
            "purpose": "sip",
            "parties": [IOF, HEALTH.org_id],
            "form": "oral",
            "informed": True,
            "given_by": "guardian",
            "guardian_name": CHILD.text("Vårdnadshavare Testsson"),
        },
    )
    s.write(
        "consent",
        IOF_CASEWORKER,
        "POST",
        "/v1/consents/{consent_id}/withdrawal",
        consent_id=withdrawn["id"],
    )
    ids["consent"] = {
        "consent_id": consent_ids[(ADULT, "information_sharing")],
        "subject_id": platform.subject_ids[ADULT],
        "refusal_id": refusal["id"],
        "emergency_disclosure_id": emergency["id"],
        "unborn_child_disclosure_id": unborn["id"],
    }

    create_cases(s, ids)
    create_escalation(s, ids)
    create_reporting(s, ids)
    return ids


def create_cases(s: Scenario, ids: dict[str, dict[str, str]]) -> None:
    """Cases: routing, decisions, a handover, a SIP, meetings, a child-welfare report and
    a screening (K-1..K-13, D-6)."""

    def opened(person: Person, needs: list[str]) -> list[str]:
        """The ids of the cases a report about `person` opens (K-1)."""
        body = registration(person.personnummer, needs)
        answer = s.write("cases", IOF_CASEWORKER, "POST", "/v1/cases", body)
        return [case["id"] for case in answer["cases"]]

    at_iof, at_aof = opened(ADULT, ["substance_misuse", "mental_illness"])
    youth = opened(YOUTH, ["child_welfare"])[0]
    child = opened(CHILD, ["child_welfare"])[0]
    s.write(  # W-2: a need left out at registration, corrected
        "cases",
        IOF_CASEWORKER,
        "POST",
        "/v1/cases/{case_id}/correction",
        {
            "personnummer": ADULT.personnummer,
            "needs": ["substance_misuse", "mental_illness", "economic_assistance"],
            "reason": ADULT.text("Försörjningsstöd nämndes"),
        },
        case_id=at_iof,
    )
    s.write(
        "cases",
        IOF_CASEWORKER,
        "POST",
        "/v1/cases/{case_id}/decisions",
        {
            "decision": "investigation_opened",
            "affects_planning": True,
            "child_perspective_considered": True,
            "children_in_household": False,
        },
        case_id=at_iof,
    )
    s.write(  # K-11: the deciding unit told the person, when and how
        "cases",
        IOF_CASEWORKER,
        "POST",
        "/v1/cases/{case_id}/decisions/{number}/told",
        {"told_at": in_seconds(0), "manner": "letter"},
        case_id=at_iof,
        number="1",
    )
    s.write(
        "cases",
        IOF_CASEWORKER,
        "PUT",
        "/v1/cases/{case_id}/target-groups",
        {"target_groups": ["pregnant_with_risky_use", "co_morbidity"]},
        case_id=at_iof,
    )
    s.write(
        "cases",
        IOF_CASEWORKER,
        "POST",
        "/v1/cases/{case_id}/family-care-placement",
        case_id=child,
    )
    s.write(
        "cases",
        IOF_CASEWORKER,
        "POST",
        "/v1/cases/{case_id}/age-transition/announcement",
        {"to_unit": AOF, "continued_support_needed": True},
        case_id=youth,
    )
    sip = s.write(
        "cases",
        IOF_CASEWORKER,
        "POST",
        "/v1/sips",
        {
            "personnummer": ADULT.personnummer,
            "proposed_by": "individual",
            "units": [IOF, HEALTH.org_id],
        },
        retry_until_known=True,
    )
    plan = {
        "what_matters": ADULT.text("Att få bo kvar"),
        "own_goals": ADULT.text("Vara nykter"),
        "problem": ADULT.text("Missbruk"),
        "short_term_goals_and_interventions": ADULT.text("Abstinensbehandling"),
        "long_term_goals_and_interventions": ADULT.text("Eget boende"),
        "responsibilities": [
            {"unit": IOF, "interventions": ADULT.text("Boendestöd")},
            {"unit": HEALTH.org_id, "interventions": ADULT.text("Mödrahälsovård")},
        ],
        "measures_by_others": ADULT.text("Frivården"),
        "overall_responsibility": IOF,
        "follow_up_by": IOF,
    }
    s.write(
        "cases",
        IOF_CASEWORKER,
        "POST",
        "/v1/sips/{sip_id}/establishment",
        {
            "plan": plan,
            "participants": {
                "individual": True,
                "relatives": False,
                "individual_objects_to_relatives": False,
            },
            "complex_case": True,
            "coordinator": IOF_CASEWORKER.hsa_id,
            "follow_up_every_days": 30,
            "first_follow_up_on": (stockholm_today() + timedelta(days=30)).isoformat(),
        },
        sip_id=sip["id"],
    )
    s.write(
        "cases",
        IOF_CASEWORKER,
        "POST",
        "/v1/sips/{sip_id}/follow-ups",
        {"held_on": stockholm_today().isoformat(), "outcome": ADULT.text("Går framåt")},
        sip_id=sip["id"],
    )
    s.write(
        "cases",
        IOF_CASEWORKER,
        "POST",
        "/v1/sips/{sip_id}/revisions",
        {"plan": {**plan, "problem": ADULT.text("Reviderat: att få bo kvar")}},
        sip_id=sip["id"],
    )
    s.write(  # W-2: the plan closed early, with the reason
        "cases",
        IOF_CASEWORKER,
        "POST",
        "/v1/sips/{sip_id}/closure",
        {"reason": ADULT.text("Flyttat från kommunen")},
        sip_id=sip["id"],
    )
    meeting = s.write(
        "cases",
        IOF_CASEWORKER,
        "POST",
        "/v1/cases/{case_id}/three-party-meetings",
        {"to_unit": AOF},
        retry_until_known=True,
        case_id=at_iof,
    )
    # The meeting's steps (K-8): the receiving unit assigns it, then the pre-meeting, the time.
    place = ADULT.text("Socialkontoret")
    booking = {"starts_at": soon(3), "ends_at": soon(3, 10), "location": place}
    for actor, route, body in (
        (AOF_DEPUTY, "/v1/meetings/{meeting_id}/assignment", {"caseworker": AOF_CASEWORKER_HSA}),
        (IOF_CASEWORKER, "/v1/meetings/{meeting_id}/pre-meeting", {"held_at": soon(-1)}),
        (IOF_CASEWORKER, "/v1/meetings/{meeting_id}/schedule", booking),
    ):
        s.write("cases", actor, "POST", route, body, meeting_id=meeting["id"])
    # Plans change (W-2): moved to begin in a moment, so it can be recorded as held (K-8).
    starts_at = in_seconds(4)
    s.write(
        "cases",
        AOF_DEPUTY,
        "POST",
        "/v1/meetings/{meeting_id}/move",
        {"starts_at": starts_at, "ends_at": in_seconds(3600), "reason": ADULT.text("Sjuk")},
        meeting_id=meeting["id"],
    )
    wait_until(starts_at)
    s.write(
        "cases",
        IOF_CASEWORKER,
        "POST",
        "/v1/meetings/{meeting_id}/held",
        {
            "outcome": "application_made",
            "minutes": ADULT.text("Ansökan om boendestöd"),
            "attended_units": [IOF, AOF],
        },
        meeting_id=meeting["id"],
    )
    care_planning = s.write(
        "cases",
        IOF_CASEWORKER,
        "POST",
        "/v1/cases/{case_id}/care-planning-meetings",
        {
            "units": [IOF, HEALTH.org_id],
            "meeting": {"starts_at": soon(4), "ends_at": soon(4, 10)},
            "follow_up": {"starts_at": soon(18), "ends_at": soon(18, 10)},
        },
        retry_until_known=True,
        case_id=at_iof,
    )
    s.write(
        "cases",
        HEALTH,
        "POST",
        "/v1/meetings/{meeting_id}/cancellation",
        # Only its follow-up: the meeting itself stays on the units' work lists (walked).
        {"occasion": "care_planning_follow_up", "reason": ADULT.text("Ingen uppföljning")},
        meeting_id=care_planning["id"],
    )
    handing_over = {
        "to_unit": AOF,
        "content": {
            "background_and_family": ADULT.text("Bor med sin sambo"),
            "guardian": None,
            "current_situation": ADULT.text("Gravid i vecka 20"),
            "problems_and_earlier_investigations": ADULT.text("Utredd 2019"),
            "ongoing_interventions_and_planning": ADULT.text("Öppenvård"),
        },
    }
    # Plans change (W-2): a first handover declined, a second withdrawn, each with a reason.
    for actor, step, reason in (
        (AOF_DEPUTY, "declination", ADULT.text("Fel enhet")),
        (IOF_CASEWORKER, "withdrawal", ADULT.text("Felskickad")),
    ):
        changed = s.write(
            "cases",
            IOF_CASEWORKER,
            "POST",
            "/v1/cases/{case_id}/handovers",
            handing_over,
            retry_until_known=True,
            case_id=at_iof,
        )
        s.write(
            "cases",
            actor,
            "POST",
            f"/v1/cases/{{case_id}}/handovers/{{handover_id}}/{step}",
            {"reason": reason},
            case_id=at_iof,
            handover_id=changed["id"],
        )
    handover = s.write(
        "cases",
        IOF_CASEWORKER,
        "POST",
        "/v1/cases/{case_id}/handovers",
        handing_over,
        retry_until_known=True,
        case_id=at_iof,
    )
    s.write(
        "cases",
        AOF_DEPUTY,
        "POST",
        "/v1/cases/{case_id}/handovers/{handover_id}/acknowledgement",
        {"receiving_caseworker": AOF_CASEWORKER_HSA},
        case_id=at_iof,
        handover_id=handover["id"],
    )
    s.write(
        "cases",
        IOF_CASEWORKER,
        "POST",
        "/v1/cases/{case_id}/handovers/{handover_id}/transfer",
        case_id=at_iof,
        handover_id=handover["id"],
    )
    # K-12: the receiving deputy holds the joint officials' meeting, begun in a moment so it
    # can be recorded as held, and has the client told.
    follow_through = "/v1/cases/{case_id}/handovers/{handover_id}/follow-through"
    starts_at = in_seconds(4)
    s.write(
        "cases",
        AOF_DEPUTY,
        "POST",
        follow_through,
        {
            "other_units": [IOF],
            "trustee_invited": False,
            "starts_at": starts_at,
            "ends_at": in_seconds(3600),
            "location": ADULT.text("Socialkontoret"),
        },
        case_id=at_iof,
        handover_id=handover["id"],
    )
    wait_until(starts_at)
    s.write(
        "cases",
        AOF_DEPUTY,
        "POST",
        f"{follow_through}/held",
        {"attended_units": [IOF], "trustee_attended": False, "plan": ADULT.text("Ny plan")},
        case_id=at_iof,
        handover_id=handover["id"],
    )
    s.write(
        "cases",
        AOF_DEPUTY,
        "POST",
        f"{follow_through}/client-informed",
        {"informed_at": in_seconds(0), "manner": "in_person"},
        case_id=at_iof,
        handover_id=handover["id"],
    )
    report = s.write(
        "cases",
        HEALTH,
        "POST",
        "/v1/child-welfare-reports",
        {"personnummer": CHILD.personnummer, "municipality_code": "0180"},
    )
    s.write(  # K-10: the municipality's child & youth unit acknowledges it
        "cases",
        IOF_CASEWORKER,
        "POST",
        "/v1/child-welfare-reports/{report_id}/acknowledgement",
        report_id=report["id"],
    )
    referral = s.write(  # K-14: health care refers her to social services and maternity care
        "cases",
        HEALTH,
        "POST",
        "/v1/pregnancy-referrals",
        {
            "personnummer": ADULT.personnummer,
            "municipality_code": "0180",
            "maternity_unit": HEALTH.org_id,
            "in_consultation_with_woman": True,
        },
        retry_until_known=True,
    )
    s.write(
        "cases",
        IOF_CASEWORKER,
        "POST",
        "/v1/pregnancy-referrals/{referral_id}/acknowledgement",
        referral_id=referral["id"],
    )
    screening = s.write(
        "cases",
        HEALTH,
        "POST",
        "/v1/screenings",
        {
            "personnummer": ADULT.personnummer,
            "instrument": "AUDIT",
            "occasion": "new_visit",
            "outcome": "done",
            "screened_on": stockholm_today().isoformat(),
            "score": 17,
            "advice_offered": True,
            "referred": False,
        },
    )
    question = s.write(  # K-16
        "cases",
        HEALTH,
        "POST",
        "/v1/violence-questions",
        {
            "personnummer": ADULT.personnummer,
            "contact_on": stockholm_today().isoformat(),
            "asked": True,
            "adult_exposure": "declined_to_answer",
            "children_exposure": "not_exposed",
        },
    )
    s.write(
        "cases",
        AOF_DEPUTY,
        "POST",
        "/v1/cases/{case_id}/closure",
        {"reason": "needs_met"},
        case_id=at_aof,
    )
    contact = s.write(  # K-17: the region's health care asked to establish contact
        "cases",
        IOF_CASEWORKER,
        "POST",
        "/v1/cases/{case_id}/other-principal-contacts",
        {"to_unit": HEALTH.org_id},
        case_id=youth,  # still at IOF: the adult's case there was handed over
    )
    s.write(
        "cases",
        HEALTH,
        "POST",
        "/v1/principal-contacts/{contact_id}/acknowledgement",
        None,
        contact_id=contact["id"],
    )
    ids["cases"] = {
        "case_id": at_iof,
        "contact_id": contact["id"],
        "handover_id": handover["id"],
        "sip_id": sip["id"],
        "meeting_id": meeting["id"],
        "screening_id": screening["id"],
        "question_id": question["id"],
        "report_id": report["id"],
        "referral_id": referral["id"],
        "unit": IOF,
        "subject_id": s.platform.subject_ids[ADULT],
    }


def create_escalation(s: Scenario, ids: dict[str, dict[str, str]]) -> None:
    """Escalation: two red threads (one closed, one open with a meeting), a ladder
    escalation, a monthly meeting with a registration, an acute matter, a named
    consultation (E-1..E-9, C-11)."""
    pull = {
        "personnummer": ADULT.personnummer,
        "measures_tried": ["sip", "care_planning"],
        "individual_harmed": True,
        "burdened_orgs": [POLICE.org_id, IOF],
        "municipality_code": "0180",
    }
    open_thread = s.write("escalation", POLICE, "POST", "/v1/red-threads", pull)
    closed_thread = s.write("escalation", POLICE, "POST", "/v1/red-threads", pull)
    # Both meetings begin in a moment, so both can be held; the open thread's follow-up is
    # weeks ahead (its calendar files and deadlines are walked), the other is closed.
    meeting_at = in_seconds(4)
    for thread in (open_thread, closed_thread):
        s.write(
            "escalation",
            COORDINATOR,
            "POST",
            "/v1/red-threads/{red_thread_id}/coordinator",
            {"coordinator": COORDINATOR.hsa_id},
            red_thread_id=thread["id"],
        )
        s.write(
            "escalation",
            COORDINATOR,
            "POST",
            "/v1/red-threads/{red_thread_id}/meeting",
            {"meeting_at": meeting_at, "invited_orgs": [IOF, HEALTH.org_id]},
            retry_until_known=True,
            red_thread_id=thread["id"],
        )
    wait_until(meeting_at)
    follow_up_at = {open_thread["id"]: soon(20), closed_thread["id"]: in_seconds(3)}
    held: dict[str, Any] = {}
    for thread in (open_thread, closed_thread):
        action = {"responsible_org": IOF, "what": ADULT.text("Boendestöd"), "due_on": soon(7)[:10]}
        held[thread["id"]] = s.write(
            "escalation",
            COORDINATOR,
            "POST",
            "/v1/red-threads/{red_thread_id}/meeting/held",
            {
                "attended_orgs": [IOF, HEALTH.org_id],
                "outcome": "partly_agreed",
                "notes": ADULT.text("Boende ordnas"),
                "actions": [action],
            },
            red_thread_id=thread["id"],
        )
        s.write(
            "escalation",
            COORDINATOR,
            "POST",
            "/v1/red-threads/{red_thread_id}/follow-up",
            {"follow_up_at": follow_up_at[thread["id"]]},
            red_thread_id=thread["id"],
        )
    # Plans change (W-2): the open thread's follow-up is moved, cancelled and booked again.
    open_ids = {"red_thread_id": open_thread["id"]}
    follow_up = "/v1/red-threads/{red_thread_id}/follow-up"
    moved = {"follow_up_at": soon(21), "reason": ADULT.text("Krockar med behandling")}
    s.write("escalation", COORDINATOR, "POST", f"{follow_up}/move", moved, **open_ids)
    cancelled = {"reason": ADULT.text("Ny tid bokas")}
    s.write("escalation", COORDINATOR, "POST", f"{follow_up}/cancellation", cancelled, **open_ids)
    booked = {"follow_up_at": follow_up_at[open_thread["id"]]}
    s.write("escalation", COORDINATOR, "POST", follow_up, booked, **open_ids)
    closing = {"red_thread_id": closed_thread["id"]}
    wait_until(follow_up_at[closed_thread["id"]])
    s.write(
        "escalation",
        COORDINATOR,
        "POST",
        "/v1/red-threads/{red_thread_id}/follow-up/evaluation",
        {
            "attended_orgs": [IOF, HEALTH.org_id],
            "result": "improved",
            "notes": ADULT.text("Bättre"),
            "actions": all_done(held[closed_thread["id"]]),
        },
        **closing,
    )
    s.write("escalation", COORDINATOR, "POST", "/v1/red-threads/{red_thread_id}/closure", **closing)
    # A third thread's meeting is moved, then cancelled, and the thread closed early (W-2).
    early_thread = s.write("escalation", POLICE, "POST", "/v1/red-threads", pull)
    early = {"red_thread_id": early_thread["id"]}
    meeting = "/v1/red-threads/{red_thread_id}/meeting"
    s.write(
        "escalation",
        COORDINATOR,
        "POST",
        meeting,
        {"meeting_at": soon(3), "invited_orgs": [IOF, HEALTH.org_id]},
        retry_until_known=True,
        **early,
    )
    moved = {"meeting_at": soon(4), "reason": ADULT.text("Krockar med rättegång")}
    s.write("escalation", COORDINATOR, "POST", f"{meeting}/move", moved, **early)
    cancelled = {"reason": ADULT.text("Mötet behövs inte")}
    s.write("escalation", COORDINATOR, "POST", f"{meeting}/cancellation", cancelled, **early)
    closed_early = {"reason": ADULT.text("Flyttat från kommunen")}
    s.write(
        "escalation",
        COORDINATOR,
        "POST",
        "/v1/red-threads/{red_thread_id}/closure",
        closed_early,
        **early,
    )

    raised = s.write(
        "escalation",
        IOF_CASEWORKER,
        "POST",
        "/v1/escalations",
        {
            "track": "needs",
            "personnummer": ADULT.personnummer,
            "responsible_org": IOF,
            "counterpart_orgs": [AOF],
            "reason": ADULT.text("Oenighet om boendestöd"),
        },
        retry_until_known=True,
    )
    # Each unit agrees for itself (E-6) before the step to the unit managers.
    s.write(
        "escalation",
        AOF_DEPUTY,
        "POST",
        "/v1/escalations/{escalation_id}/agreements",
        {},
        escalation_id=raised["id"],
    )
    s.write(
        "escalation",
        IOF_DEPUTY,
        "POST",
        "/v1/escalations/{escalation_id}/steps",
        {
            "to_level": "unit_manager",
            "reason": ADULT.text("Olöst på biträdande nivå"),
            "written_summary": ADULT.text("Båda enheterna är överens om att lyfta ärendet"),
            "agreed_by_orgs": [IOF, AOF],
        },
        escalation_id=raised["id"],
    )
    series = s.write(
        "escalation",
        IOF_DEPUTY,
        "POST",
        "/v1/meeting-series",
        {"name": "Samverkan IoF och ÄoF", "members": [IOF, AOF]},
    )
    held = s.write(
        "escalation",
        IOF_DEPUTY,
        "POST",
        "/v1/meeting-series/{series_id}/meetings",
        {"starts_at": (held_at := in_seconds(3))},
        series_id=series["id"],
    )
    monthly = s.write(
        "escalation",
        IOF_DEPUTY,
        "POST",
        "/v1/meeting-series/{series_id}/meetings",
        {"starts_at": soon(40)},  # once a month (E-7)
        series_id=series["id"],
    )
    registered = s.write(
        "escalation",
        IOF_DEPUTY,
        "POST",
        "/v1/monthly-meetings/{meeting_id}/registrations",
        {
            "personnummer": YOUTH.personnummer,
            "name": YOUTH.text("Testa Testsson"),
            "age": 18,
            "background": YOUTH.text("Känd inom barn och unga"),
            "current_situation": YOUTH.text("Familjehemsplacerad"),
            "problem_and_question": YOUTH.text("Stöd efter 19 år?"),
        },
        retry_until_known=True,
        meeting_id=monthly["id"],
    )
    # The year's routine review (E-13), about no one: held once it has begun.
    review = s.write(
        "escalation",
        IOF_HEAD,
        "POST",
        "/v1/routine-reviews",
        {
            "municipality_code": "0180",
            "members": [IOF, AOF],
            "starts_at": (review_at := in_seconds(3)),
        },
    )
    # A case is registered by noon the day before (E-7), attendance and minutes once the
    # meeting has begun: the walk reads the meeting ahead; the one just begun is minuted.
    wait_until(held_at)
    wait_until(review_at)
    s.write(
        "escalation",
        IOF_HEAD,
        "POST",
        "/v1/routine-reviews/{review_id}/held",
        {
            "present_orgs": [IOF, AOF],
            "minutes": "Rutinen förankrad.",
            "revisions": ["Ny kontaktlista."],
        },
        review_id=review["id"],
    )
    s.write(
        "escalation",
        IOF_DEPUTY,
        "POST",
        "/v1/monthly-meetings/{meeting_id}/attendance",
        {"present_orgs": [IOF, AOF]},
        meeting_id=held["id"],
    )
    s.write(
        "escalation",
        IOF_DEPUTY,
        "POST",
        "/v1/monthly-meetings/{meeting_id}/minutes",
        {"text": "Protokoll: inga ärenden anmälda.", "cases": []},
        meeting_id=held["id"],
    )
    assert registered["id"]
    # Plans change (W-2): the meeting ahead, with its case, moved within the day, then
    # cancelled; each answer carries its agenda.
    s.write(
        "escalation",
        AOF_DEPUTY,
        "POST",
        "/v1/monthly-meetings/{meeting_id}/move",
        {"starts_at": soon(40, hour=10), "reason": "Lokalen är upptagen."},
        meeting_id=monthly["id"],
    )
    s.write(
        "escalation",
        AOF_DEPUTY,
        "POST",
        "/v1/monthly-meetings/{meeting_id}/cancellation",
        {"reason": "Lokalen är upptagen."},
        meeting_id=monthly["id"],
    )
    matter = s.write(
        "escalation",
        IOF_CASEWORKER,
        "POST",
        "/v1/acute-matters",
        {
            "to_org": AOF,
            "personnummer": ADULT.personnummer,
            "question": ADULT.text("Utskrivning i dag utan boende"),
        },
        retry_until_known=True,
    )
    s.write(
        "escalation",
        AOF_DEPUTY,
        "POST",
        "/v1/acute-matters/{matter_id}/taken",
        matter_id=matter["id"],
    )
    consultation = s.write(
        "escalation",
        IOF_DEPUTY,
        "POST",
        "/v1/consultations",
        {
            "anonymous": False,
            "personnummer": ADULT.personnummer,
            "consulted_orgs": [AOF],
            "outcome": "parallel_investigation",
            "notes": ADULT.text("Samsjuklighet"),
        },
        retry_until_known=True,
    )
    # A cost question taken to the department heads, who settle who pays (E-6, E-12).
    cost = s.write(
        "escalation",
        IOF_DEPUTY,
        "POST",
        "/v1/escalations",
        {
            "track": "needs",
            "personnummer": ADULT.personnummer,
            "cost_question": True,
            "responsible_org": IOF,
            "counterpart_orgs": [AOF],
            "reason": ADULT.text("Vem bekostar behandlingen"),
        },
        retry_until_known=True,
    )
    s.write(
        "escalation",
        IOF_DEPUTY,
        "POST",
        "/v1/escalations/{escalation_id}/steps",
        {"to_level": "department_head", "reason": ADULT.text("En kostnadsfråga")},
        escalation_id=cost["id"],
    )
    s.write(
        "escalation",
        IOF_HEAD,
        "POST",
        "/v1/escalations/{escalation_id}/cost-responsibility",
        {"basis": "addiction_treatment", "payers": ["IOF"]},
        escalation_id=cost["id"],
    )
    s.write(
        "escalation",
        IOF_MANAGER,
        "POST",
        "/v1/escalations/{escalation_id}/resolution",
        {"resolution": "agreed", "notes": ADULT.text("Överens")},
        escalation_id=raised["id"],
    )
    ids["escalation"] = {
        "red_thread_id": open_thread["id"],
        "escalation_id": raised["id"],
        "series_id": series["id"],
        "meeting_id": monthly["id"],
        "matter_id": matter["id"],
        "consultation_id": consultation["id"],
        "review_id": review["id"],
    }


def create_reporting(s: Scenario, ids: dict[str, dict[str, str]]) -> None:
    """Reporting: a deviation about the adult in both steps, one about the youth on a work
    list (W-1), and a published annual report (D-1, D-2, D-5)."""
    deviation = s.write(
        "reporting",
        HEALTH,
        "POST",
        "/v1/deviations",
        {
            "category": "communication",
            "affected_orgs": [IOF],
            "what_happened": ADULT.text("Kallelsen kom aldrig fram"),
            "perceived_as": ADULT.text("Allvarligt"),
            "improvement_proposal": ADULT.text("Gemensam rutin"),
            "reporter_name": ADULT.text("Rapportör Testsson"),
            "reporter_title": "Biträdande enhetschef",
            "personnummer": ADULT.personnummer,
        },
    )
    s.write(
        "reporting",
        IOF_DEPUTY,
        "PUT",
        "/v1/deviations/{deviation_id}/summary",
        {
            "solution": ADULT.text("Ny rutin"),
            "remaining_problems": ADULT.text("Inga"),
            "signer_name": ADULT.text("Undertecknare Testsson"),
            "signer_title": "Biträdande enhetschef",
        },
        deviation_id=deviation["id"],
    )
    s.write(
        "reporting",
        HEALTH,
        "POST",
        "/v1/deviations/{deviation_id}/summary/countersignature",
        {"signer_name": ADULT.text("Kontrasignerare Testsson"), "signer_title": "Enhetschef"},
        deviation_id=deviation["id"],
    )
    # D-8: the filled-in report is filed by the municipality's controller (204, no body).
    s.write(
        "reporting",
        CONTROLLER,
        "POST",
        "/v1/deviations/{deviation_id}/filing",
        deviation_id=deviation["id"],
    )
    # A second deviation, about the youth, left at step 1: it waits on the affected unit's
    # work list (W-1), so the list has someone to answer about.
    s.write(
        "reporting",
        HEALTH,
        "POST",
        "/v1/deviations",
        {
            "category": "routines",
            "affected_orgs": [IOF],
            "what_happened": YOUTH.text("Överrapporteringen uteblev"),
            "perceived_as": YOUTH.text("Oroande"),
            "improvement_proposal": YOUTH.text("Fast tid för överrapportering"),
            "reporter_name": YOUTH.text("Rapportör Testsson"),
            "reporter_title": "Biträdande enhetschef",
            "personnummer": YOUTH.personnummer,
        },
    )
    # A third, about no one, closed early (W-2): it answers 204 and is off every list.
    closed = s.write(
        "reporting",
        HEALTH,
        "POST",
        "/v1/deviations",
        {
            "category": "communication",
            "affected_orgs": [IOF],
            "what_happened": "Kallelsen skickades till fel adress.",
            "perceived_as": "Störande",
            "improvement_proposal": "Kontrollera adresslistan.",
            "reporter_name": "Rapportör Testsson",
            "reporter_title": "Biträdande enhetschef",
        },
    )
    s.write(
        "reporting",
        IOF_DEPUTY,
        "POST",
        "/v1/deviations/{deviation_id}/closure",
        {"reason": "Missförstånd; adressen var rätt."},
        deviation_id=closed["id"],
    )
    # D-5, D-9: the working group's review, drafted, analysed and approved, then published.
    year = str(stockholm_today().year)
    review = "/v1/annual-reports/{year}/review"
    s.write("reporting", HEALTH, "POST", review, {"area": "all"}, year=year)
    s.write("reporting", HEALTH, "PUT", f"{review}/analysis", {"analysis": "Få."}, year=year)
    approval = {"approver_name": "A", "approver_title": "B", "actions": APPROVED_ACTIONS}
    s.write("reporting", HEALTH, "PUT", f"{review}/approval", approval, year=year)
    s.write("reporting", HEALTH, "POST", "/v1/annual-reports", {"year": stockholm_today().year})
    ids["reporting"] = {"deviation_id": deviation["id"], "year": str(stockholm_today().year)}


# --- the walker ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    service: str
    method: str
    path: str
    spec: dict[str, Any]
    components: dict[str, Any]

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.service, self.method, self.path)

    @property
    def marked(self) -> bool:
        return bool(self.spec.get("x-personal-data"))

    @property
    def is_read(self) -> bool:
        """GET, or a POST to a collection that answers 200 (a lookup; creates nothing)."""
        if self.method == "GET":
            return True
        answers = {status for status in self.spec.get("responses", {}) if status.startswith("2")}
        return (
            self.method == "POST"
            and COLLECTION_QUERY.match(self.path) is not None
            and answers == {"200"}
        )

    def body_schema(self) -> dict[str, Any] | None:
        content = self.spec.get("requestBody", {}).get("content", {})
        schema = content.get("application/json", {}).get("schema")
        if schema and "$ref" in schema:
            resolved: dict[str, Any] = self.components[schema["$ref"].rsplit("/", 1)[1]]
            return resolved
        return schema


def operations(platform: Platform) -> list[Operation]:
    """Every API operation of every service, from its OpenAPI document."""
    found = []
    for service, process in platform.processes.items():
        document = httpx.get(f"{process.url}/openapi.json").json()
        components = document.get("components", {}).get("schemas", {})
        for path, item in document["paths"].items():
            if path.startswith("/v1/"):
                for method, spec in item.items():
                    found.append(Operation(service, method.upper(), path, spec, components))
    return found


def fillers(platform: Platform, ids: dict[str, str]) -> dict[str, tuple[str, ...]]:
    """Values for parameters and body fields, by name; a unit's lists are walked for both
    units the scenario involves."""
    values = {name: (value,) for name, value in ids.items()}
    return {
        **values,
        "unit": (IOF, AOF),
        "personnummer": (ADULT.personnummer,),
        "subject": (platform.subject_ids[ADULT], ADULT.personnummer),
        "subject_id": (platform.subject_ids[ADULT],),
        "hsa_id": (IOF_CASEWORKER.hsa_id,),
        "from_org": (IOF,),
        "to_org": (AOF,),
        "purpose": ("case_handover",),
        # W-3: the first decision in the case, follow-up and version of the plan.
        "number": ("1",),
    }


class Unfillable(Exception):
    """The walker has no value for a required parameter or field."""


Request = dict[str, Any]
"""Keyword arguments of Platform.request: params, query and (for a POST) body."""


def requests_for(operation: Operation, values: dict[str, tuple[str, ...]]) -> list[list[Request]]:
    """The requests that walk `operation`, in groups: each group is one answer to walk
    (every alternative value of a path parameter, every value of an optional enum query
    parameter such as an answer's format); within a group, the alternative ways of asking
    (each value a required field may take, each optional body field alone), of which the
    first that is answered is enough."""
    paths: list[dict[str, str]] = [{}]
    asks: list[Request] = [{"query": {}}]
    options: list[dict[str, str]] = [{}]
    for parameter in operation.spec.get("parameters", []):
        name, where = parameter["name"], parameter["in"]
        if where == "path" or parameter.get("required"):
            if name not in values:
                raise Unfillable(f"{where} parameter {name}")
            if where == "path":
                paths = [{**params, name: value} for params in paths for value in values[name]]
            else:
                asks = [{"query": {**a["query"], name: v}} for a in asks for v in values[name]]
        elif "enum" in parameter.get("schema", {}):
            options += [{name: value} for value in parameter["schema"]["enum"]]
    if (schema := operation.body_schema()) is not None:
        required = schema.get("required", [])
        if missing := [name for name in required if name not in values]:
            raise Unfillable(f"body fields {missing}")
        bodies: list[dict[str, Any]] = [{}]
        for name in required:
            bodies = [{**body, name: value} for body in bodies for value in values[name]]
        optional = [name for name in schema.get("properties", {}) if name not in required]
        bodies += [
            {**body, name: value}
            for body in bodies[:1]
            for name in optional
            if name in values
            for value in values[name]
        ]
        asks = [{**ask, "body": body} for ask in asks for body in bodies]
    return [
        [{**ask, "params": params, "query": {**ask["query"], **option}} for ask in asks]
        for params in paths
        for option in options
    ]


def walk(platform: Platform, operation: Operation, values: dict[str, tuple[str, ...]]) -> bool:
    """Read `operation` as the first entitled reader, each group of requests until one is
    answered; True when every group was."""
    walked = True
    for group in requests_for(operation, values):
        answered = False
        for request, reader in itertools.product(group, READERS):
            response = platform.request(
                operation.service,
                reader,
                operation.method,
                operation.path,
                params=request["params"],
                query=request["query"] or None,
                body=request.get("body"),
            )
            if response.is_success:
                answered = True
                break
        walked = walked and answered
    return walked


@pytest.mark.timeout(480)  # one walk over every route of four services
def test_every_answer_about_a_person_leaves_an_access_record(platform: Platform) -> None:
    """Item 5 of #18: every answer about a person (reads from the OpenAPI documents,
    writes from the scenario, their replays by Idempotency-Key) writes an access-log
    record of that reader reading that person on that route; every route marked
    ``x-personal-data`` is proved on an answer about someone."""
    everything = operations(platform)
    known = {operation.key for operation in everything}
    platform.marked = {operation.key for operation in everything if operation.marked}
    ids = create_everything(platform)

    reads = sorted(
        (op for op in everything if op.is_read and op.key not in SKIPPED),
        # The access-log routes last: they follow up what the walk read.
        key=lambda op: ("/access-log" in op.path, op.service, op.path),
    )
    unread: dict[tuple[str, str, str], str] = {}
    for operation in reads:
        try:
            if not walk(platform, operation, fillers(platform, ids[operation.service])):
                unread[operation.key] = "a request no reader in READERS got a 2xx for"
        except Unfillable as reason:
            unread[operation.key] = f"cannot fill {reason}"
    for key in sorted(platform.marked - platform.proved - set(SKIPPED) - set(UNPROVED)):
        unread.setdefault(key, "marked x-personal-data, never answered about anyone")
    walked = {op.key for op in reads} - set(unread)
    writes = {op.key for op in everything if not op.is_read}

    problems = {
        "answers about a person that leave no trace": sorted(set(platform.findings)),
        "routes the walk could not prove (fill them, or add to SKIPPED or UNPROVED)": [
            f"{key}: {why}" for key, why in sorted(unread.items())
        ],
        "writes the scenario does not exercise (add them, or to SKIPPED)": sorted(
            map(str, writes - platform.exercised - set(SKIPPED))
        ),
        "stale SKIPPED entries (the route is gone, or walked now)": [
            str(key)
            for key in SKIPPED
            if key not in known or key in platform.exercised or key in walked
        ],
        "stale UNPROVED entries (the route is gone, or proved now)": [
            str(key) for key in UNPROVED if key not in known or key in platform.proved
        ],
    }
    report = [f"{title}:\n  " + "\n  ".join(lines) for title, lines in problems.items() if lines]
    if report:
        pytest.fail("\n".join(report), pytrace=False)
