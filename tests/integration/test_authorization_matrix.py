"""The authorisation matrix, generated from the four services' route tables (OWASP API1,
API2, API5).

For every route of every service, every organisation type and every role:

- the route declares an action of its service's policy table (a route without one
  fails here, so a new route cannot ship unauthorised);
- a pair the table does not allow is refused with 403, never a 2xx, and a pair it
  allows is never refused by the table;
- a forged, expired, wrong-audience, wrong-issuer or ``alg: none`` token gets 401;
- an actor of a foreign organisation gets 403 or 404 on an object it is not a party
  to (test_object_level_*), for every pair the table allows.

The apps run in-process (no lifespan: no broker, no relay) on real SQLite stores,
one set-up per service for the whole module.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from contracts import OrgType, Purpose, Role
from services.runtime.http.development_tokens import DEV_AUDIENCE, DEV_ISSUER, DevelopmentSigner
from services.runtime.http.permissions import (
    ACCESS_LOG,
    NOT_PERMITTED,
    SUBJECT_RECORDS,
    WORK_LIST,
    RoutePermission,
    route_permissions,
)
from services.runtime.kernel.actor import Actor
from services.runtime.settings import RuntimeSettings
from tests.cases_examples import (
    CONTENT,
    ESTABLISHMENT,
    PLAN,
    audit_screening,
    learn,
    registration,
    sip_proposal,
    written_consent,
)
from tests.consent_examples import refusal_body
from tests.escalation_examples import STEP_UP, meeting_registration, red_thread_pull
from tests.support import (
    CONTROLLER,
    OTHER_CONTROLLER,
    MovableClock,
    consent_body,
    service_app,
)

pytestmark = pytest.mark.xdist_group("authorization-matrix")  # the four apps, built once

SERVICES = ("consent", "cases", "escalation", "reporting")
CONTRACTS = Path(__file__).parents[2] / "contracts"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
"""The services' clock (the cases fixtures' dates are relative to it)."""

PUBLIC = {
    "/healthz",
    "/readyz",
    "/metrics",
    "/asyncapi.yaml",
    "/asyncapi-partner.yaml",
    "/openapi.json",
    "/docs",
    "/docs/assets",
    "/redoc",
    "/v1/calendar-feeds/{unit}/{token}/meetings.ics",
}
"""What answers without a bearer token: health, readiness, metrics and the documents (with
the Swagger UI and ReDoc files they load from ``/docs/assets``, issue 23 item 8); and a
unit's calendar feed, whose secret address is its credential (calendar programs send no
token; tests/integration/test_calendar_feed.py holds it to its address)."""

PATH_VALUES = {
    "subject_id": "ab" * 32,
    "unit": "SE2120000001-IOF1",
    "year": "2026",
}
"""Path parameters that are not UUIDs; every other one is a fresh UUID."""

ORG_ID = {org_type: f"SE2321000016-{org_type.value[:3].upper()}9" for org_type in OrgType}
"""One made-up organisation unit per type: parties to nothing the tests create."""


def actor(org_type: OrgType, role: Role, org_id: str | None = None) -> Actor:
    return Actor(
        hsa_id=f"SE2321000016-{org_type.value[:2].upper()}{role.value[:2].upper()}1",
        org_id=org_id or ORG_ID[org_type],
        org_type=org_type,
        role=role,
    )


EVERYONE = [(org_type, role) for org_type in OrgType for role in Role]

Call = tuple[Actor | str | None, str, str, dict[str, Any]]
"""Who (an actor, a raw token, or no one), method, path and the request's keyword arguments."""


@dataclass
class Service:
    name: str
    app: FastAPI
    client: TestClient
    signer: DevelopmentSigner
    tokens: dict[Actor, str] = field(default_factory=dict)

    def token(self, who: Actor) -> str:
        if who not in self.tokens:
            self.tokens[who] = self.signer.mint(
                who, issuer=DEV_ISSUER, audience=DEV_AUDIENCE, now=datetime.now(UTC)
            )
        return self.tokens[who]

    def call(
        self, who: Actor | str | None, method: str, path: str, **kwargs: Any
    ) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if who is not None:
            token = who if isinstance(who, str) else self.token(who)
            headers["Authorization"] = f"Bearer {token}"
        return self.client.request(method, path, headers=headers, **kwargs)

    def calls(self, requests: list[Call]) -> list[httpx.Response]:
        """Many requests at once, in-process on one event loop (the matrix is thousands)."""

        async def run() -> list[httpx.Response]:
            transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                limit = asyncio.Semaphore(8)

                async def one(who: Actor | str | None, method: str, path: str, kwargs: Any):  # type: ignore[no-untyped-def]
                    headers = {}
                    if who is not None:
                        token = who if isinstance(who, str) else self.token(who)
                        headers["Authorization"] = f"Bearer {token}"
                    async with limit:
                        return await client.request(method, path, headers=headers, **kwargs)

                return list(await asyncio.gather(*(one(*request) for request in requests)))

        return asyncio.run(run())

    def routes(self) -> list[RoutePermission]:
        return [r for r in route_permissions(self.app) if r.path not in PUBLIC]


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("matrix") / "var"


@pytest.fixture(scope="module")
def services(var_dir: Path, kafka: Any) -> Iterator[dict[str, Service]]:
    settings = RuntimeSettings(
        environment="development",  # development keys under var_dir, as the fixtures use
        var_dir=var_dir,
        # No lifespan runs (no relay, no consumers); the access log's chain check reads
        # its anchor topic, so the broker must be there.
        kafka_bootstrap=kafka.bootstrap,
        topic_prefix=f"t{uuid4().hex[:12]}.samverkan",
        write_burst=100_000,
    )
    var_dir.mkdir(parents=True, exist_ok=True)
    signer = DevelopmentSigner.load_or_create(var_dir / "dev-signing-key.pem")
    started: dict[str, Service] = {}
    clock = MovableClock(NOW)
    for name in SERVICES:
        app = service_app(name, settings, clock=clock)
        client = TestClient(app, raise_server_exceptions=False)
        started[name] = Service(name, app, client, signer)
    yield started
    for service in started.values():
        service.app.state.application.close()


def concrete(path: str) -> str:
    """The route's path with every parameter filled in (ids that name nothing)."""
    parts = []
    for part in path.split("/"):
        if part.startswith("{") and part.endswith("}"):
            part = PATH_VALUES.get(part[1:-1], str(uuid4()))
        parts.append(part)
    return "/".join(parts)


def request_kwargs(method: str) -> dict[str, Any]:
    return {"json": {}} if method in ("POST", "PUT", "PATCH") else {}


def all_routes(services: dict[str, Service]) -> list[tuple[Service, RoutePermission]]:
    return [(service, route) for service in services.values() for route in service.routes()]


# --- every route is in the table ------------------------------------------------------------


def test_every_route_but_health_metrics_and_docs_names_an_action_of_its_policy(
    services: dict[str, Service],
) -> None:
    unlisted = [
        f"{service.name}: {route.method} {route.path}"
        for service, route in all_routes(services)
        if route.requirement is None
    ]
    assert not unlisted, "routes without a policy action (add one to <service>/policy.py): " + (
        ", ".join(unlisted)
    )
    for service, route in all_routes(services):
        assert route.requirement is not None
        # Its own service's table, or one the shared access-log, work-list and listing routes use.
        shared = (ACCESS_LOG.service, WORK_LIST.service, SUBJECT_RECORDS.service)
        assert route.requirement.policy.service in (service.name, *shared), route


def test_public_routes_answer_without_a_token(services: dict[str, Service]) -> None:
    for service in services.values():
        public = [r for r in route_permissions(service.app) if r.path in PUBLIC]
        assert {r.path for r in public} >= {"/healthz", "/metrics"}
        for route in public:
            assert not route.authenticated, route
        assert service.call(None, "GET", "/healthz").status_code == 200
        assert service.call(None, "GET", "/openapi.json").status_code == 200
        for page in ("/docs", "/redoc", "/docs/assets/swagger-ui-bundle.js"):
            assert service.call(None, "GET", page).status_code == 200, page
        # Both event documents, as packaged: the partner view's relative references
        # into asyncapi.yaml resolve beside it (issue 23 item 5).
        for document in ("asyncapi.yaml", "asyncapi-partner.yaml"):
            served = service.call(None, "GET", f"/{document}")
            assert served.status_code == 200, document
            assert served.text == (CONTRACTS / document).read_text(), document


# --- function level (API5): the table, and only the table -------------------------------------


@pytest.mark.parametrize("name", SERVICES)
def test_api5_every_pair_the_table_does_not_allow_is_refused_403_never_2xx(
    services: dict[str, Service], name: str
) -> None:
    service = services[name]
    wrong: list[str] = []
    checked = 0
    routes = [r for r in service.routes() if r.requirement is not None]  # others: see above
    requests: list[Call] = []
    expected: list[tuple[RoutePermission, OrgType, Role, bool]] = []
    for route in routes:
        assert route.requirement is not None
        path = concrete(route.path)
        for org_type, role in EVERYONE:
            who = actor(org_type, role)
            requests.append((who, route.method, path, request_kwargs(route.method)))
            expected.append((route, org_type, role, route.requirement.permission.allows(who)))
    for (route, org_type, role, allowed), response in zip(
        expected, service.calls(requests), strict=True
    ):
        assert route.requirement is not None
        permission = route.requirement.permission
        by_table = (
            response.status_code == 403
            and response.headers["content-type"] == "application/problem+json"
            and response.json().get("type") == NOT_PERMITTED
        )
        checked += 1
        if allowed and by_table:
            wrong.append(f"{route.method} {route.path}: {org_type}/{role} refused by table")
        if not allowed and not by_table:
            wrong.append(
                f"{route.method} {route.path}: {org_type}/{role} got {response.status_code}"
            )
        if not allowed and response.json().get("rule") != permission.rule:
            wrong.append(f"{route.method} {route.path}: refusal names the wrong rule")
        assert not (not allowed and 200 <= response.status_code < 300)
    assert not wrong, "\n".join(wrong[:40])
    assert checked == len(routes) * len(EVERYONE)


# --- authentication (API2): every token that must not work, on every route -----------------


def _b64(data: dict[str, Any] | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@cache
def bad_tokens(signer_key: bytes) -> dict[str, str]:
    """Tokens for an actor the table allows everywhere it allows anyone, each broken one way."""
    signer = DevelopmentSigner(_load(signer_key))
    who = actor(OrgType.SOCIAL_SERVICES, Role.DEPUTY_UNIT_MANAGER)
    now = datetime.now(UTC)
    claims = {
        "iss": DEV_ISSUER,
        "aud": DEV_AUDIENCE,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(hours=1)).timestamp()),
        "hsa_id": who.hsa_id,
        "org_id": who.org_id,
        "org_type": who.org_type.value,
        "role": who.role.value,
    }
    return {
        "forged": DevelopmentSigner.generate().mint(
            who, issuer=DEV_ISSUER, audience=DEV_AUDIENCE, now=now
        ),
        "expired": signer.mint(
            who,
            issuer=DEV_ISSUER,
            audience=DEV_AUDIENCE,
            now=now - timedelta(hours=9),
            ttl=timedelta(hours=8),
        ),
        "wrong audience": signer.mint(who, issuer=DEV_ISSUER, audience="another-api", now=now),
        "wrong issuer": signer.mint(who, issuer="someone-else", audience=DEV_AUDIENCE, now=now),
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.",
    }


def _load(pem: bytes) -> Any:
    from cryptography.hazmat.primitives import serialization

    return serialization.load_pem_private_key(pem, password=None)


def test_api2_forged_expired_wrong_audience_wrong_issuer_and_alg_none_get_401_everywhere(
    services: dict[str, Service], var_dir: Path
) -> None:
    tokens = bad_tokens((var_dir / "dev-signing-key.pem").read_bytes())
    wrong: list[str] = []
    for service in services.values():
        sent: list[tuple[str, str, str]] = []
        requests: list[Call] = []
        for route in service.routes():
            path = concrete(route.path)
            for kind, token in [*tokens.items(), ("none at all", "")]:
                sent.append((route.method, route.path, kind))
                requests.append((token or None, route.method, path, request_kwargs(route.method)))
        for (method, path, kind), response in zip(sent, service.calls(requests), strict=True):
            if response.status_code != 401 or "www-authenticate" not in response.headers:
                wrong.append(f"{method} {path} with {kind}: {response.status_code}")
    assert not wrong, "\n".join(wrong[:40])


# --- object level (API1): a foreign organisation's staff on objects it is not party to -------

PLATFORM_WIDE = {
    ("POST", "/v1/subjects/{subject_id}/erasure"),
    ("GET", "/v1/subjects/{subject_id}/erasure"),
    ("GET", "/v1/subjects/{subject_id}/access-log"),
    ("GET", "/v1/annual-reports/{year}"),
    ("POST", "/v1/annual-reports/{year}/review"),
    ("GET", "/v1/annual-reports/{year}/review"),
    ("PUT", "/v1/annual-reports/{year}/review/analysis"),
    ("PUT", "/v1/annual-reports/{year}/review/approval"),
}
"""Routes with an id in the path that address no one organisation's object: erasure, and
reading it back, is the platform administrators' (GDPR art. 17), the access log answers
only with the caller's own unit's accesses (or all, for administrators), and the annual
report and the working group's review of it (D-5, D-9) are de-identified and belong to
the collaboration area, not to one organisation."""

FILTERED_LISTS = {("GET", "/v1/subjects/{subject_id}/records")}
"""Routes with an id in the path that answer a list filtered to what the caller's unit is
party to (W-3): 200 and nothing for a foreign unit, as the lists addressed by the body
(test_api1_lists_a_foreign_organisation_may_ask_for_show_it_nothing_of_others)."""

IOF, AOF = "SE2120000001-IOF1", "SE2120000001-AOF1"
PSY = "SE2321000016-PSY1"
POLICE_UNIT, SOCIAL_UNIT = "SE2321000016-POL1", "SE2120000001-SOC1"
COORDINATOR = Actor(
    "SE2321000016-K001", "SE2321000016-NVK1", OrgType.COORDINATION_OFFICE, Role.COORDINATOR
)
IOF_CASEWORKER = Actor("SE2120000001-S101", IOF, OrgType.SOCIAL_SERVICES, Role.CASEWORKER)
IOF_DEPUTY = Actor("SE2120000001-D001", IOF, OrgType.SOCIAL_SERVICES, Role.DEPUTY_UNIT_MANAGER)
AOF_DEPUTY = Actor("SE2120000001-S201", AOF, OrgType.SOCIAL_SERVICES, Role.DEPUTY_UNIT_MANAGER)
IOF_HEAD = Actor("SE2120000001-A001", IOF, OrgType.SOCIAL_SERVICES, Role.DEPARTMENT_HEAD)
POLICE = Actor("SE2321000016-P001", POLICE_UNIT, OrgType.POLICE, Role.FIRST_RESPONDER)
HEALTH_DEPUTY = Actor(
    "SE2321000016-H001", "SE2321000016-HC01", OrgType.HEALTH_CARE, Role.DEPUTY_UNIT_MANAGER
)


def made_up(birth: str, serial: str) -> str:
    from tests.support import made_up_personnummer

    return made_up_personnummer(birth, serial)


ADULT = made_up("20070115", "123")  # 19 on NOW
YOUTH = made_up("20071015", "123")
Request = tuple[str, dict[str, Any]]
"""A concrete path and the request's keyword arguments (its body)."""


def expect(response: httpx.Response, what: str) -> Any:
    assert 200 <= response.status_code < 300, f"{what}: {response.status_code} {response.text}"
    return response.json() if response.content else None


def located(response: httpx.Response) -> str:
    """Where the record a create made is read (W-3)."""
    expect(response, response.request.url.path)
    return response.headers["location"]


def teach_consent(service: Service, subject_id: str, parties: list[str], purpose: str) -> None:
    """Give the service a consent the way its consumer would (no broker here)."""
    given = written_consent(
        subject_id, parties, Purpose(purpose), recorded_by=IOF_CASEWORKER.hsa_id, given_at=NOW
    )
    learn(service.app.state.application, given)


@pytest.fixture(scope="module")
def objects(services: dict[str, Service]) -> dict[str, dict[tuple[str, str], Request]]:
    """One object of every kind, made by its own parties through the API, and for every
    object route the request a foreign organisation would make with it."""
    return {
        "consent": consent_objects(services["consent"]),
        "cases": cases_objects(services["cases"]),
        "escalation": escalation_objects(services["escalation"]),
        "reporting": reporting_objects(services["reporting"]),
    }


def consent_objects(service: Service) -> dict[tuple[str, str], Request]:
    body = consent_body(ADULT, purpose="red_thread_meeting", parties=[POLICE_UNIT, SOCIAL_UNIT])
    given = expect(service.call(POLICE, "POST", "/v1/consents", json=body), "consent")
    consent, subject = f"/v1/consents/{given['id']}", given["subject_id"]
    # W-3: each record is read where the Location its create answered with points.
    parties = [POLICE_UNIT, SOCIAL_UNIT]
    reason = {"personnummer": ADULT, "parties": parties, "justification": "Fara."}
    # C-12: a day to ask again puts the refusal on POLICE_UNIT's work list, and no other.
    refusal = refusal_body(ADULT, "red_thread_meeting", parties) | {"ask_again_on": "2026-04-01"}
    refused = located(service.call(POLICE, "POST", "/v1/consent-refusals", json=refusal))
    emergency = located(service.call(POLICE, "POST", "/v1/emergency-disclosures", json=reason))
    social = Actor("SE2120000001-S009", SOCIAL_UNIT, OrgType.SOCIAL_SERVICES, Role.CASEWORKER)
    woman = reason | {"personnummer": made_up("19800505", "246"), "consent_sought": True}
    unborn = located(service.call(social, "POST", "/v1/unborn-child-disclosures", json=woman))
    return {
        ("GET", "/v1/consents/{consent_id}"): (consent, {}),
        ("GET", "/v1/consent-refusals/{refusal_id}"): (refused, {}),
        ("GET", "/v1/emergency-disclosures/{emergency_disclosure_id}"): (emergency, {}),
        ("GET", "/v1/unborn-child-disclosures/{unborn_child_disclosure_id}"): (unborn, {}),
        ("POST", "/v1/consents/{consent_id}/scope"): (f"{consent}/scope", {"json": {}}),
        ("POST", "/v1/consents/{consent_id}/withdrawal"): (f"{consent}/withdrawal", {}),
        ("GET", "/v1/subjects/{subject_id}/history"): (f"/v1/subjects/{subject}/history", {}),
        ("GET", "/v1/subjects/{subject_id}/decisions"): (f"/v1/subjects/{subject}/decisions", {}),
        # Addressed by the body: the individual, or the organisations asked about.
        ("POST", "/v1/history"): ("/v1/history", {"json": {"personnummer": ADULT}}),
        ("GET", "/v1/decisions"): (
            "/v1/decisions",
            {
                "params": {
                    "subject": subject,
                    "from_org": POLICE_UNIT,
                    "to_org": SOCIAL_UNIT,
                    "purpose": "red_thread_meeting",
                }
            },
        ),
        ("POST", "/v1/decisions"): (
            "/v1/decisions",
            {
                "json": {
                    "personnummer": ADULT,
                    "from_org": POLICE_UNIT,
                    "to_org": SOCIAL_UNIT,
                    "purpose": "red_thread_meeting",
                }
            },
        ),
    }


def cases_objects(service: Service) -> dict[tuple[str, str], Request]:
    def register(number: str, needs: list[str]) -> dict[str, Any]:
        body = registration(number, needs)
        return expect(service.call(IOF_CASEWORKER, "POST", "/v1/cases", json=body), "case")  # type: ignore[no-any-return]

    youth = register(YOUTH, ["child_welfare"])
    adult = register(ADULT, ["mental_illness"])
    youth_case = f"/v1/cases/{youth['cases'][0]['id']}"
    teach_consent(service, youth["subject_id"], [IOF, AOF], "case_handover")
    teach_consent(service, youth["subject_id"], [IOF, AOF], "three_party_meeting")
    teach_consent(service, adult["subject_id"], [AOF, PSY], "sip")
    handover = expect(
        service.call(
            IOF_CASEWORKER,
            "POST",
            f"{youth_case}/handovers",
            json={"to_unit": AOF, "content": CONTENT},
        ),
        "handover",
    )
    aof = AOF_DEPUTY
    sip = expect(service.call(aof, "POST", "/v1/sips", json=sip_proposal(ADULT)), "sip")
    meeting = expect(
        service.call(
            IOF_CASEWORKER, "POST", f"{youth_case}/three-party-meetings", json={"to_unit": AOF}
        ),
        "meeting",
    )
    contact = expect(
        service.call(
            IOF_CASEWORKER,
            "POST",
            f"{youth_case}/other-principal-contacts",
            json={"to_unit": PSY},
        ),
        "contact with the other principal",
    )
    screening = expect(
        service.call(
            HEALTH_DEPUTY,
            "POST",
            "/v1/screenings",
            json=audit_screening(ADULT, NOW.date(), score=7),
        ),
        "screening",
    )
    question = expect(
        service.call(
            HEALTH_DEPUTY,
            "POST",
            "/v1/violence-questions",
            json={
                "personnummer": ADULT,
                "contact_on": NOW.date().isoformat(),
                "asked": True,
                "adult_exposure": "not_exposed",
                "children_exposure": "no_children",
            },
        ),
        "violence question",
    )
    report = {"personnummer": made_up("20150315", "133"), "municipality_code": "0180"}
    reported = service.call(HEALTH_DEPUTY, "POST", "/v1/child-welfare-reports", json=report)
    teach_consent(service, adult["subject_id"], [IOF, PSY], "information_sharing")
    referral = {
        "personnummer": ADULT,
        "municipality_code": "0180",
        "maternity_unit": PSY,
        "in_consultation_with_woman": True,
    }
    referred = service.call(HEALTH_DEPUTY, "POST", "/v1/pregnancy-referrals", json=referral)
    referral_path = located(referred)
    handover_path = f"{youth_case}/handovers/{handover['id']}"
    report_path = located(reported)
    sip_path, meeting_path = f"/v1/sips/{sip['id']}", f"/v1/meetings/{meeting['id']}"
    soon = NOW + timedelta(days=7)
    occasion = {
        "starts_at": soon.isoformat(),
        "ends_at": (soon + timedelta(hours=1)).isoformat(),
        "location": "Rum 4",
    }
    return {
        ("GET", "/v1/cases/{case_id}"): (youth_case, {}),
        ("GET", "/v1/cases/{case_id}/decisions/{number}"): (f"{youth_case}/decisions/1", {}),
        ("POST", "/v1/cases/{case_id}/decisions"): (
            f"{youth_case}/decisions",
            {"json": {"decision": "intervention_granted", "child_perspective_considered": True}},
        ),
        ("POST", "/v1/cases/{case_id}/correction"): (
            f"{youth_case}/correction",
            {
                "json": {
                    "personnummer": YOUTH,
                    "needs": ["child_welfare", "relationship_violence"],
                    "reason": "Våld nämndes i anmälan.",
                }
            },
        ),
        ("POST", "/v1/cases/{case_id}/closure"): (
            f"{youth_case}/closure",
            {"json": {"reason": "needs_met"}},
        ),
        ("POST", "/v1/cases/{case_id}/family-care-placement"): (
            f"{youth_case}/family-care-placement",
            {},
        ),
        ("POST", "/v1/cases/{case_id}/age-transition/announcement"): (
            f"{youth_case}/age-transition/announcement",
            {"json": {"to_unit": AOF, "continued_support_needed": True}},
        ),
        ("GET", "/v1/units/{unit}/age-transitions"): (f"/v1/units/{IOF}/age-transitions", {}),
        ("GET", "/v1/units/{unit}/notices"): (f"/v1/units/{IOF}/notices", {}),
        ("POST", "/v1/cases/{case_id}/handovers"): (
            f"{youth_case}/handovers",
            {"json": {"to_unit": AOF, "content": CONTENT}},
        ),
        ("GET", "/v1/cases/{case_id}/handovers/{handover_id}"): (handover_path, {}),
        ("POST", "/v1/cases/{case_id}/handovers/{handover_id}/acknowledgement"): (
            f"{handover_path}/acknowledgement",
            {"json": {"receiving_caseworker": "SE2120000001-S202"}},
        ),
        ("POST", "/v1/cases/{case_id}/handovers/{handover_id}/transfer"): (
            f"{handover_path}/transfer",
            {},
        ),
        ("POST", "/v1/cases/{case_id}/handovers/{handover_id}/declination"): (
            f"{handover_path}/declination",
            {"json": {"reason": "Fel enhet."}},
        ),
        ("POST", "/v1/cases/{case_id}/handovers/{handover_id}/withdrawal"): (
            f"{handover_path}/withdrawal",
            {"json": {"reason": "Felskickad."}},
        ),
        ("POST", "/v1/cases/{case_id}/decisions/{number}/told"): (
            f"{youth_case}/decisions/1/told",
            {"json": {"told_at": NOW.isoformat(), "manner": "letter"}},
        ),
        ("POST", "/v1/cases/{case_id}/handovers/{handover_id}/follow-through"): (
            f"{handover_path}/follow-through",
            {"json": {"other_units": [IOF], "trustee_invited": False, **occasion}},
        ),
        ("GET", "/v1/cases/{case_id}/handovers/{handover_id}/follow-through"): (
            f"{handover_path}/follow-through",
            {},
        ),
        ("POST", "/v1/cases/{case_id}/handovers/{handover_id}/follow-through/held"): (
            f"{handover_path}/follow-through/held",
            {"json": {"attended_units": [IOF], "trustee_attended": False, "plan": "Plan."}},
        ),
        ("POST", "/v1/cases/{case_id}/handovers/{handover_id}/follow-through/client-informed"): (
            f"{handover_path}/follow-through/client-informed",
            {"json": {"informed_at": NOW.isoformat(), "manner": "phone"}},
        ),
        ("GET", "/v1/sips/{sip_id}"): (sip_path, {}),
        ("GET", "/v1/sips/{sip_id}/document"): (f"{sip_path}/document", {}),
        ("POST", "/v1/cases/{case_id}/other-principal-contacts"): (
            f"{youth_case}/other-principal-contacts",
            {"json": {"to_unit": PSY}},
        ),
        ("GET", "/v1/principal-contacts/{contact_id}"): (
            f"/v1/principal-contacts/{contact['id']}",
            {},
        ),
        ("POST", "/v1/principal-contacts/{contact_id}/acknowledgement"): (
            f"/v1/principal-contacts/{contact['id']}/acknowledgement",
            {},
        ),
        ("GET", "/v1/sips/{sip_id}/follow-ups/{number}"): (f"{sip_path}/follow-ups/1", {}),
        ("GET", "/v1/sips/{sip_id}/versions/{number}"): (f"{sip_path}/versions/1", {}),
        ("POST", "/v1/sips/{sip_id}/establishment"): (
            f"{sip_path}/establishment",
            {"json": ESTABLISHMENT},
        ),
        ("POST", "/v1/sips/{sip_id}/follow-ups"): (
            f"{sip_path}/follow-ups",
            {"json": {"held_on": "2026-03-02", "outcome": "Ok."}},
        ),
        ("POST", "/v1/sips/{sip_id}/revisions"): (
            f"{sip_path}/revisions",
            {"json": {"plan": PLAN}},
        ),
        ("POST", "/v1/sips/{sip_id}/closure"): (
            f"{sip_path}/closure",
            {"json": {"reason": "Individen har flyttat."}},
        ),
        ("POST", "/v1/cases/{case_id}/three-party-meetings"): (
            f"{youth_case}/three-party-meetings",
            {"json": {"to_unit": AOF}},
        ),
        ("POST", "/v1/meetings/{meeting_id}/assignment"): (
            f"{meeting_path}/assignment",
            {"json": {"caseworker": "SE2120000001-S202"}},
        ),
        ("POST", "/v1/meetings/{meeting_id}/pre-meeting"): (
            f"{meeting_path}/pre-meeting",
            {"json": {"held_at": (NOW - timedelta(hours=1)).isoformat()}},
        ),
        ("POST", "/v1/meetings/{meeting_id}/schedule"): (
            f"{meeting_path}/schedule",
            {"json": occasion},
        ),
        ("POST", "/v1/cases/{case_id}/care-planning-meetings"): (
            f"{youth_case}/care-planning-meetings",
            {
                "json": {
                    "units": [AOF],
                    "meeting": occasion,
                    "follow_up": {
                        "starts_at": (soon + timedelta(days=1)).isoformat(),
                        "ends_at": (soon + timedelta(days=1, hours=1)).isoformat(),
                        "location": "Rum 4",
                    },
                }
            },
        ),
        ("POST", "/v1/meetings/{meeting_id}/move"): (
            f"{meeting_path}/move",
            {
                "json": {
                    "starts_at": occasion["starts_at"],
                    "ends_at": occasion["ends_at"],
                    "reason": "Den enskilde är sjuk.",
                }
            },
        ),
        ("POST", "/v1/meetings/{meeting_id}/cancellation"): (
            f"{meeting_path}/cancellation",
            {"json": {"reason": "Den enskilde har flyttat."}},
        ),
        ("POST", "/v1/meetings/{meeting_id}/held"): (
            f"{meeting_path}/held",
            {
                "json": {
                    "outcome": "application_made",
                    "minutes": "Ansökan lämnades.",
                    "attended_units": [IOF, AOF],
                }
            },
        ),
        ("GET", "/v1/meetings/{meeting_id}"): (meeting_path, {}),
        ("PUT", "/v1/cases/{case_id}/target-groups"): (
            f"{youth_case}/target-groups",
            {"json": {"target_groups": ["children_and_youth"]}},
        ),
        ("GET", "/v1/screenings/{screening_id}"): (f"/v1/screenings/{screening['id']}", {}),
        ("GET", "/v1/violence-questions/{question_id}"): (
            f"/v1/violence-questions/{question['id']}",
            {},
        ),
        ("GET", "/v1/child-welfare-reports/{report_id}"): (report_path, {}),
        ("POST", "/v1/child-welfare-reports/{report_id}/acknowledgement"): (
            f"{report_path}/acknowledgement",
            {},
        ),
        ("GET", "/v1/meetings/{meeting_id}/invitation.ics"): (
            f"{meeting_path}/invitation.ics",
            {},
        ),
        ("GET", "/v1/pregnancy-referrals/{referral_id}"): (referral_path, {}),
        ("POST", "/v1/pregnancy-referrals/{referral_id}/acknowledgement"): (
            f"{referral_path}/acknowledgement",
            {},
        ),
    }


def escalation_objects(service: Service) -> dict[tuple[str, str], Request]:
    pulled = service.call(POLICE, "POST", "/v1/red-threads", json=red_thread_pull(ADULT))
    red_thread = expect(pulled, "red thread")
    thread = f"/v1/red-threads/{red_thread['id']}"
    teach_consent(service, red_thread["subject_id"], [IOF, AOF], "information_sharing")  # C-11
    expect(service.call(COORDINATOR, "POST", f"{thread}/coordinator", json={}), "coordinator")
    escalation = expect(
        service.call(
            IOF_CASEWORKER,
            "POST",
            "/v1/escalations",
            json={
                "track": "needs",
                "personnummer": ADULT,
                "responsible_org": IOF,
                "counterpart_orgs": [AOF],
                "reason": "Oenighet om boendestöd efter 19 år.",
            },
        ),
        "escalation",
    )
    series = expect(
        service.call(
            IOF_DEPUTY,
            "POST",
            "/v1/meeting-series",
            json={"name": "Samverkan IoF och ÄoF", "members": [IOF, AOF]},
        ),
        "forum",
    )
    monthly = expect(
        service.call(
            IOF_DEPUTY,
            "POST",
            f"/v1/meeting-series/{series['id']}/meetings",
            json={"starts_at": (NOW + timedelta(days=10)).isoformat()},
        ),
        "monthly meeting",
    )
    matter = expect(
        service.call(
            IOF_CASEWORKER,
            "POST",
            "/v1/acute-matters",
            json={"to_org": AOF, "question": "Utskrivning i dag utan boende."},
        ),
        "acute matter",
    )
    consultation = expect(
        service.call(
            IOF_DEPUTY,
            "POST",
            "/v1/consultations",
            json={
                "anonymous": False,
                "personnummer": ADULT,
                "consulted_orgs": [AOF],
                "outcome": "parallel_investigation",
            },
        ),
        "consultation",
    )
    review = expect(
        service.call(
            IOF_HEAD,
            "POST",
            "/v1/routine-reviews",
            json={
                "municipality_code": "0180",
                "members": [IOF, AOF],
                "starts_at": (NOW + timedelta(days=20)).isoformat(),
            },
        ),
        "routine review",
    )
    later = (NOW + timedelta(days=3)).isoformat()
    ladder = f"/v1/escalations/{escalation['id']}"
    month = f"/v1/monthly-meetings/{monthly['id']}"
    routine = f"/v1/routine-reviews/{review['id']}"
    return {
        ("GET", "/v1/red-threads/{red_thread_id}"): (thread, {}),
        ("POST", "/v1/red-threads/{red_thread_id}/coordinator"): (
            f"{thread}/coordinator",
            {"json": {}},
        ),
        ("POST", "/v1/red-threads/{red_thread_id}/meeting"): (
            f"{thread}/meeting",
            {"json": {"meeting_at": later, "invited_orgs": [SOCIAL_UNIT]}},
        ),
        ("POST", "/v1/red-threads/{red_thread_id}/meeting/move"): (
            f"{thread}/meeting/move",
            {"json": {"meeting_at": later, "reason": "Krockar med en rättegång."}},
        ),
        ("POST", "/v1/red-threads/{red_thread_id}/meeting/cancellation"): (
            f"{thread}/meeting/cancellation",
            {"json": {"reason": "Individen har flyttat."}},
        ),
        ("POST", "/v1/red-threads/{red_thread_id}/meeting/held"): (
            f"{thread}/meeting/held",
            {"json": {"attended_orgs": [], "outcome": "not_agreed"}},
        ),
        ("POST", "/v1/red-threads/{red_thread_id}/follow-up"): (
            f"{thread}/follow-up",
            {"json": {"follow_up_at": later}},
        ),
        ("POST", "/v1/red-threads/{red_thread_id}/follow-up/move"): (
            f"{thread}/follow-up/move",
            {"json": {"follow_up_at": later, "reason": "Krockar med en rättegång."}},
        ),
        ("POST", "/v1/red-threads/{red_thread_id}/follow-up/cancellation"): (
            f"{thread}/follow-up/cancellation",
            {"json": {"reason": "Individen har flyttat."}},
        ),
        ("POST", "/v1/red-threads/{red_thread_id}/follow-up/evaluation"): (
            f"{thread}/follow-up/evaluation",
            {"json": {"attended_orgs": [], "result": "improved"}},
        ),
        ("POST", "/v1/red-threads/{red_thread_id}/closure"): (f"{thread}/closure", {}),
        ("GET", "/v1/red-threads/{red_thread_id}/meeting.ics"): (f"{thread}/meeting.ics", {}),
        ("GET", "/v1/red-threads/{red_thread_id}/follow-up.ics"): (f"{thread}/follow-up.ics", {}),
        ("GET", "/v1/escalations/{escalation_id}"): (ladder, {}),
        ("POST", "/v1/escalations/{escalation_id}/agreements"): (f"{ladder}/agreements", {}),
        ("POST", "/v1/escalations/{escalation_id}/steps"): (
            f"{ladder}/steps",
            {"json": STEP_UP},
        ),
        ("POST", "/v1/escalations/{escalation_id}/resolution"): (
            f"{ladder}/resolution",
            {"json": {"resolution": "agreed"}},
        ),
        ("POST", "/v1/escalations/{escalation_id}/cost-responsibility"): (
            f"{ladder}/cost-responsibility",
            {"json": {"basis": "addiction_treatment", "payers": ["IOF"]}},
        ),
        ("GET", "/v1/routine-reviews/{review_id}"): (routine, {}),
        ("POST", "/v1/routine-reviews/{review_id}/held"): (
            f"{routine}/held",
            {"json": {"present_orgs": [IOF], "minutes": "Rutinen gicks igenom."}},
        ),
        ("GET", "/v1/meeting-series/{series_id}"): (f"/v1/meeting-series/{series['id']}", {}),
        ("POST", "/v1/meeting-series/{series_id}/meetings"): (
            f"/v1/meeting-series/{series['id']}/meetings",
            {"json": {"starts_at": (NOW + timedelta(days=40)).isoformat()}},
        ),
        ("GET", "/v1/monthly-meetings/{meeting_id}"): (month, {}),
        ("POST", "/v1/monthly-meetings/{meeting_id}/registrations"): (
            f"{month}/registrations",
            {"json": meeting_registration(personnummer=ADULT)},
        ),
        ("POST", "/v1/monthly-meetings/{meeting_id}/attendance"): (
            f"{month}/attendance",
            {"json": {"present_orgs": [IOF, AOF]}},
        ),
        ("POST", "/v1/monthly-meetings/{meeting_id}/minutes"): (
            f"{month}/minutes",
            {"json": {"text": "Protokoll."}},
        ),
        ("GET", "/v1/monthly-meetings/{meeting_id}/calendar.ics"): (f"{month}/calendar.ics", {}),
        ("POST", "/v1/monthly-meetings/{meeting_id}/move"): (
            f"{month}/move",
            {"json": {"starts_at": later, "reason": "Lokalen är upptagen."}},
        ),
        ("POST", "/v1/monthly-meetings/{meeting_id}/cancellation"): (
            f"{month}/cancellation",
            {"json": {"reason": "Lokalen är upptagen."}},
        ),
        ("GET", "/v1/acute-matters/{matter_id}"): (f"/v1/acute-matters/{matter['id']}", {}),
        ("POST", "/v1/acute-matters/{matter_id}/taken"): (
            f"/v1/acute-matters/{matter['id']}/taken",
            {},
        ),
        ("GET", "/v1/consultations/{consultation_id}"): (
            f"/v1/consultations/{consultation['id']}",
            {},
        ),
    }


def reporting_objects(service: Service) -> dict[tuple[str, str], Request]:
    deviation = expect(
        service.call(
            HEALTH_DEPUTY,
            "POST",
            "/v1/deviations",
            json={
                "category": "communication",
                "affected_orgs": [SOCIAL_UNIT],
                "what_happened": "Kallelsen kom sent.",
                "perceived_as": "Allvarligt",
                "improvement_proposal": "Gemensam rutin.",
                "reporter_name": "Testa Testsson",
                "reporter_title": "Biträdande enhetschef",
            },
        ),
        "deviation",
    )
    path = f"/v1/deviations/{deviation['id']}"
    signature = {"signer_name": "Prova Provsson", "signer_title": "Enhetschef"}
    return {
        ("GET", "/v1/deviations/{deviation_id}"): (path, {}),
        ("GET", "/v1/deviations/{deviation_id}/export"): (f"{path}/export", {}),
        ("GET", "/v1/deviations/{deviation_id}/form"): (f"{path}/form", {}),
        ("POST", "/v1/deviations/{deviation_id}/filing"): (f"{path}/filing", {}),
        ("PUT", "/v1/deviations/{deviation_id}/summary"): (
            f"{path}/summary",
            {"json": {"solution": "Rutin.", "remaining_problems": "Inga.", **signature}},
        ),
        ("POST", "/v1/deviations/{deviation_id}/closure"): (
            f"{path}/closure",
            {"json": {"reason": "Missförstånd."}},
        ),
        ("POST", "/v1/deviations/{deviation_id}/summary/countersignature"): (
            f"{path}/summary/countersignature",
            {"json": signature},
        ),
    }


@pytest.mark.parametrize("name", SERVICES)
def test_api1_a_foreign_organisation_gets_403_or_404_on_every_object_route(
    services: dict[str, Service], objects: dict[str, dict[tuple[str, str], Request]], name: str
) -> None:
    service, requests = services[name], objects[name]
    object_routes = [
        route
        for route in service.routes()
        if "{" in route.path and (route.method, route.path) not in PLATFORM_WIDE | FILTERED_LISTS
    ]
    missing = [f"{r.method} {r.path}" for r in object_routes if (r.method, r.path) not in requests]
    assert not missing, f"no object-level request for: {missing} (add it to {name}_objects)"
    wrong: list[str] = []
    sent: list[tuple[RoutePermission, OrgType, Role]] = []
    calls: list[Call] = []
    for route in service.routes():
        if (route.method, route.path) not in requests or route.requirement is None:
            continue
        path, kwargs = requests[(route.method, route.path)]
        for org_type, role in EVERYONE:
            who = actor(org_type, role)  # a unit that is party to nothing made above
            if not route.requirement.permission.allows(who):
                continue  # refused by the table: the function-level test covers it
            sent.append((route, org_type, role))
            calls.append((who, route.method, path, kwargs))
    for (route, org_type, role), response in zip(sent, service.calls(calls), strict=True):
        if response.status_code not in (403, 404):
            wrong.append(
                f"{route.method} {route.path}: {org_type}/{role} got "
                f"{response.status_code} {response.text[:120]}"
            )
    assert not wrong, "\n".join(wrong[:40])


def test_api1_lists_a_foreign_organisation_may_ask_for_show_it_nothing_of_others(
    services: dict[str, Service], objects: dict[str, dict[tuple[str, str], Request]]
) -> None:
    """Reads addressed by the body or by the caller's own unit answer 200, filtered to what
    the caller's unit takes part in: for a unit that takes part in nothing, nothing."""
    cases, escalation, consent = services["cases"], services["escalation"], services["consent"]
    insider = escalation.call(
        IOF_CASEWORKER, "POST", "/v1/subject-records", json={"personnummer": ADULT}
    ).json()
    assert insider["records"], "the escalation objects above are about the adult"
    waiting = consent.call(POLICE, "GET", "/v1/work-items").json()["items"]
    assert waiting, "the consent refusal above waits at POLICE_UNIT to ask again (C-12)"
    adult = insider["subject_id"]
    # W-3: the cases objects above are about the youth and the adult; the receiving social
    # services (the youth's handover, the adult's SIP) find them listed.
    in_cases = {
        number: cases.call(AOF_DEPUTY, "POST", "/v1/subject-records", json={"personnummer": number})
        for number in (YOUTH, ADULT)
    }
    for number, answer in in_cases.items():
        assert answer.json()["records"], (number, answer.text)
    for org_type, role in EVERYONE:
        who = actor(org_type, role)
        for path in ("/v1/cases/lookup", "/v1/consent-view/lookup"):
            response = cases.call(who, "POST", path, json={"personnummer": YOUTH})
            if response.status_code == 200:
                body = response.json()
                assert (body if isinstance(body, list) else body["consents"]) == [], path
            else:
                assert response.status_code == 403, (path, response.text)
        deadlines = escalation.call(who, "GET", "/v1/deadlines")
        assert deadlines.status_code in (200, 403)
        if deadlines.status_code == 200:
            assert deadlines.json() == []
        listings: list[tuple[Any, ...]] = [
            ("GET", "/v1/work-items", None, "items"),
            ("GET", "/v1/work-items", None, "items", consent),
            ("GET", f"/v1/subjects/{adult}/records", None, "records"),
            ("POST", "/v1/subject-records", {"personnummer": ADULT}, "records"),
        ]
        for number, answer in in_cases.items():
            subject_id = answer.json()["subject_id"]
            listings += [
                ("GET", f"/v1/subjects/{subject_id}/records", None, "records", cases),
                ("POST", "/v1/subject-records", {"personnummer": number}, "records", cases),
            ]
        # D-8: a controller of no municipality listed, or anyone party to nothing, lists no
        # deviation.
        listings.append(("GET", "/v1/deviations", None, "items", services["reporting"]))
        for method, path, body, key, *service in listings:
            listed = (service or [escalation])[0].call(who, method, path, json=body)
            assert listed.status_code in (200, 403), (path, listed.text)  # 403: administrators
            if listed.status_code == 200:
                assert listed.json()[key] == [], (path, listed.text)


def test_d8_the_municipalitys_controller_reads_lists_and_prints_its_deviations_only(
    services: dict[str, Service], objects: dict[str, dict[tuple[str, str], Request]]
) -> None:
    """D-8: the controller the reporting service names for the municipality of the
    deviation's affected unit (SE2120000001) reads, lists and prints it; the same role at a
    unit not named keeps nothing; a controller reports, signs and exports nothing."""
    reporting = services["reporting"]
    path, _ = objects["reporting"][("GET", "/v1/deviations/{deviation_id}")]
    for route in (path, f"{path}/form"):
        assert reporting.call(CONTROLLER, "GET", route).status_code == 200, route
        assert reporting.call(OTHER_CONTROLLER, "GET", route).status_code == 403, route
    listed = reporting.call(CONTROLLER, "GET", "/v1/deviations").json()["items"]
    assert [d["href"] for d in listed] == [path]
    assert reporting.call(OTHER_CONTROLLER, "GET", "/v1/deviations").json()["items"] == []
    for method, route in (("POST", "/v1/deviations"), ("GET", f"{path}/export")):
        refused = reporting.call(CONTROLLER, method, route, json={})
        assert refused.status_code == 403, (route, refused.text)
        assert refused.json()["type"] == NOT_PERMITTED


# --- record level (C-10): party to one record about a person, reader of no other ------------

SECRET = "Akut fara för liv; motiveringen är IoF:s och ÄoF:s."


def test_c10_records_for_a_and_b_are_not_readable_by_c_even_as_party_to_another_record(
    services: dict[str, Service],
) -> None:
    """A (IoF) and B (ÄoF) share about a person under a consent and an emergency
    disclosure; C (police) records a refusal about the same person naming itself and D
    (the coordination office). Every member of C's and D's units, in every role the table
    lets read, reads C's refusal and nothing of A's and B's: not by id, not in the history
    (by subject id or personnummer), not in the decision log, not in cases' consent view."""
    consent, cases = services["consent"], services["cases"]
    number = made_up("19900101", "321")
    ab_consent = expect(
        consent.call(
            IOF_CASEWORKER,
            "POST",
            "/v1/consents",
            json={
                "personnummer": number,
                "purpose": "sip",
                "parties": [IOF, AOF],
                "form": "written",
                "informed": True,
            },
        ),
        "A and B's consent",
    )
    subject = ab_consent["subject_id"]
    ab_disclosure = expect(
        consent.call(
            AOF_DEPUTY,
            "POST",
            "/v1/emergency-disclosures",
            json={"personnummer": number, "parties": [AOF, IOF], "justification": SECRET},
        ),
        "A and B's emergency disclosure",
    )
    asked = consent.call(
        IOF_CASEWORKER,
        "POST",
        "/v1/decisions",
        json={"personnummer": number, "from_org": IOF, "to_org": AOF, "purpose": "sip"},
    )
    assert asked.json()["allowed"] is True, asked.text
    c_refusal = expect(
        consent.call(
            POLICE,
            "POST",
            "/v1/consent-refusals",
            json=refusal_body(number, "red_thread_meeting", [POLICE_UNIT, COORDINATOR.org_id]),
        ),
        "C's refusal",
    )
    teach_consent(cases, subject, [IOF, AOF], "sip")
    teach_consent(cases, subject, [POLICE_UNIT, COORDINATOR.org_id], "red_thread_meeting")
    a_and_b = {ab_consent["id"], ab_disclosure["id"]}

    wrong: list[str] = []
    for unit in (POLICE_UNIT, COORDINATOR.org_id):
        for org_type, role in EVERYONE:
            who = actor(org_type, role, org_id=unit)
            label = f"{unit} {org_type}/{role}"
            one = consent.call(who, "GET", f"/v1/consents/{ab_consent['id']}")
            if one.status_code not in (403, 404):
                wrong.append(f"{label}: GET A and B's consent got {one.status_code}")
            # W-3's read of a disclosure is held to C-10 like the consent's.
            one = consent.call(who, "GET", f"/v1/emergency-disclosures/{ab_disclosure['id']}")
            if one.status_code not in (403, 404) or SECRET in one.text:
                wrong.append(f"{label}: GET A and B's disclosure got {one.status_code}")
            for history in (
                consent.call(who, "GET", f"/v1/subjects/{subject}/history"),
                consent.call(who, "POST", "/v1/history", json={"personnummer": number}),
            ):
                if history.status_code == 200:
                    ids = {e["id"] for e in history.json()["events"]}
                    if ids != {c_refusal["id"]} or SECRET in history.text:
                        wrong.append(f"{label}: history shows {ids & a_and_b or 'the secret'}")
                elif history.status_code != 403:
                    wrong.append(f"{label}: history got {history.status_code}")
            log = consent.call(who, "GET", f"/v1/subjects/{subject}/decisions")
            if log.status_code == 200 and log.json():
                wrong.append(f"{label}: the decision log shows A's question")
            view = cases.call(who, "POST", "/v1/consent-view/lookup", json={"personnummer": number})
            if view.status_code == 200:
                purposes = {c["purpose"] for c in view.json()["consents"]}
                if purposes != {"red_thread_meeting"}:
                    wrong.append(f"{label}: cases' consent view shows {purposes}")
            elif view.status_code != 403:
                wrong.append(f"{label}: cases' consent view got {view.status_code}")
    assert not wrong, "\n".join(wrong[:40])

    # A and B themselves still read both of their records, and the justification.
    for reader in (IOF_CASEWORKER, AOF_DEPUTY):
        history = consent.call(reader, "GET", f"/v1/subjects/{subject}/history")
        assert {e["id"] for e in history.json()["events"]} == a_and_b, history.text
        assert SECRET in history.text
