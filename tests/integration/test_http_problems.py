"""Bad input anywhere gives a 4xx problem response naming the field or rule, never a 500.

Runs against the real consent, escalation and cases services as processes.
Starting a service takes seconds, so the three are started once for this
module and shared; every test makes its own subjects, so none depends on another.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from contracts import OrgType, Role
from services.runtime.http.development_tokens import DEV_AUDIENCE, DEV_ISSUER, DevelopmentSigner
from services.runtime.http.problems import PROBLEM_JSON
from services.runtime.kernel.actor import Actor
from services.runtime.kernel.identity import luhn_check_digit
from services.runtime.settings import RuntimeSettings
from tests.escalation_examples import red_thread_pull
from tests.support import (
    COORDINATOR,
    HEALTH,
    POLICE,
    SOCIAL,
    TEST_PERSONNUMMER,
    ServiceProcess,
    consent_body,
)
from tests.tokens import minted

SERVICES = ("consent", "escalation", "cases")
_serials = itertools.count(100)


def made_up_personnummer(birth: date = date(1985, 6, 15)) -> str:
    """A fresh, made-up number with a valid check digit: a subject no other test uses."""
    serial = f"{next(_serials) % 1000:03d}"
    check = luhn_check_digit(f"{birth:%y%m%d}{serial}")
    return f"{birth:%Y%m%d}-{serial}{check}"


def in_other_digits(text: str, zero: str) -> str:
    """``text`` with 0-9 written in another script's digits (``zero`` is that script's 0)."""
    return text.translate({ord("0") + d: ord(zero) + d for d in range(10)})


def with_check_digit(century: str, yymmdd: str, serial: str) -> str:
    """A number whose check digit is right, so only its date can be wrong."""
    return f"{century}{yymmdd}-{serial}{luhn_check_digit(yymmdd + serial)}"


# --- the services, once per module ----------------------------------------------------


@pytest.fixture(scope="module")
def settings(module_settings: RuntimeSettings) -> RuntimeSettings:
    return module_settings


@pytest.fixture(scope="module")
def services(module_platform: dict[str, ServiceProcess]) -> dict[str, ServiceProcess]:
    return module_platform


@pytest.fixture(scope="module")
def consent(services: dict[str, ServiceProcess]) -> ServiceProcess:
    return services["consent"]


@pytest.fixture(scope="module")
def escalation(services: dict[str, ServiceProcess]) -> ServiceProcess:
    return services["escalation"]


@pytest.fixture(scope="module")
def cases(services: dict[str, ServiceProcess]) -> ServiceProcess:
    return services["cases"]


# --- requests and the problem every one must answer with ------------------------------


def disclosure_body(personnummer: str = TEST_PERSONNUMMER, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "personnummer": personnummer,
        "parties": [SOCIAL.org_id, POLICE.org_id],
        "justification": "Omedelbar fara för liv.",
        "valid_hours": 24,
    }
    body.update(changes)
    return body


def pull_body(personnummer: str = TEST_PERSONNUMMER, **changes: Any) -> dict[str, Any]:
    return red_thread_pull(personnummer, [SOCIAL.org_id, HEALTH.org_id], **changes)


def lookup_body(personnummer: str = TEST_PERSONNUMMER, **changes: Any) -> dict[str, Any]:
    return {"personnummer": personnummer, **changes}


@dataclass(frozen=True)
class Endpoint:
    """A route of a running service, a builder of a good body for it and an actor
    allowed to call it."""

    service: ServiceProcess
    path: str
    body: Callable[..., dict[str, Any]]
    actor: Actor

    def post(self, **kwargs: Any) -> httpx.Response:
        """POST to the route as `actor`; the answer, whatever it is."""
        with self.service.client(self.actor) as client:
            return client.post(self.path, **kwargs)

    def post_authorized_by(self, authorization: str | None) -> httpx.Response:
        """POST a good body with this Authorization header (None: without one)."""
        headers = {} if authorization is None else {"Authorization": authorization}
        with self.service.client() as client:
            return client.post(self.path, json=self.body(), headers=headers)


# (service, path, body builder, an actor allowed to call it)
PERSONNUMMER_ENDPOINTS = [
    pytest.param(("consent", "/v1/consents", consent_body, SOCIAL), id="consent-give"),
    pytest.param(
        ("consent", "/v1/emergency-disclosures", disclosure_body, POLICE), id="consent-disclose"
    ),
    pytest.param(("escalation", "/v1/red-threads", pull_body, POLICE), id="escalation-pull"),
    pytest.param(("cases", "/v1/consent-view/lookup", lookup_body, SOCIAL), id="cases-lookup"),
]
# One authenticated route per service, for the token tests (which bring their own token).
AUTHENTICATED = [
    pytest.param(("consent", "/v1/consents", consent_body, SOCIAL), id="consent"),
    pytest.param(("escalation", "/v1/red-threads", pull_body, POLICE), id="escalation"),
    pytest.param(("cases", "/v1/consent-view/lookup", lookup_body, SOCIAL), id="cases"),
]


@pytest.fixture(params=PERSONNUMMER_ENDPOINTS)
def endpoint(request: pytest.FixtureRequest, services: dict[str, ServiceProcess]) -> Endpoint:
    """Each route that takes a personnummer in its body, in turn."""
    service, path, body, actor = request.param
    return Endpoint(services[service], path, body, actor)


@pytest.fixture(params=AUTHENTICATED)
def authenticated(request: pytest.FixtureRequest, services: dict[str, ServiceProcess]) -> Endpoint:
    """One authenticated route per service, in turn."""
    service, path, body, actor = request.param
    return Endpoint(services[service], path, body, actor)


def assert_problem(
    response: httpx.Response,
    status: int,
    *,
    rule: str | None = None,
    field: str | None = None,
    bug: str = "",
) -> dict[str, Any]:
    """The response is an RFC 9457 problem with ``status``, never a 500."""
    assert response.status_code != 500, (
        f"{bug or 'bad input must give a 4xx problem, never a 500'}: "
        f"{response.request.method} {response.request.url.path} -> {response.text}"
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON), response.headers
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    assert problem["title"]
    assert problem["instance"] == response.request.url.path
    if rule is not None:
        assert problem.get("rule") == rule, problem
    if field is not None:
        assert field in [error["field"] for error in problem.get("errors", [])], problem
    return problem


def pulled_red_thread(escalation: ServiceProcess, personnummer: str | None = None) -> str:
    with escalation.client(POLICE) as police:
        pulled = police.post(
            "/v1/red-threads", json=pull_body(personnummer or made_up_personnummer())
        )
    assert pulled.status_code == 201, pulled.text
    red_thread_id: str = pulled.json()["id"]
    return red_thread_id


def schedule_meeting(
    escalation: ServiceProcess,
    actor: Actor,
    red_thread_id: str,
    meeting_at: str,
    invited: list[str] | None = None,
) -> httpx.Response:
    """`actor` schedules the red thread's meeting (E-3), inviting social services and
    health care unless said otherwise; the answer, whatever it is."""
    with escalation.client(actor) as client:
        return client.post(
            f"/v1/red-threads/{red_thread_id}/meeting",
            json={
                "meeting_at": meeting_at,
                "invited_orgs": [SOCIAL.org_id, HEALTH.org_id] if invited is None else invited,
            },
        )


def in_days(days: int) -> str:
    """The instant `days` from now, as the API takes it."""
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def signing_key(settings: RuntimeSettings) -> Any:
    """The development key the services verify with (see ``DevelopmentSigner``)."""
    pem = (settings.var_dir / "dev-signing-key.pem").read_bytes()
    return serialization.load_pem_private_key(pem, password=None)


def claims(**changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    base: dict[str, Any] = {
        "iss": DEV_ISSUER,
        "aud": DEV_AUDIENCE,
        "sub": SOCIAL.hsa_id,
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(hours=1),
        "hsa_id": SOCIAL.hsa_id,
        "org_id": SOCIAL.org_id,
        "org_type": str(SOCIAL.org_type),
        "role": str(SOCIAL.role),
    }
    base.update(changes)
    return base


# --- identity numbers -----------------------------------------------------------------

BAD_PERSONNUMMER = [
    pytest.param("19121212-1213", id="wrong-check-digit"),
    pytest.param("191212121213", id="wrong-check-digit-no-separator"),
    pytest.param(with_check_digit("20", "230230", "123"), id="30-february"),
    pytest.param(with_check_digit("19", "851315", "123"), id="month-13"),
    pytest.param(with_check_digit("20", "991231", "123"), id="born-in-the-future"),
    pytest.param("abcdefgh-ijkl", id="garbage"),
    pytest.param("", id="empty"),
    pytest.param("19121212-12121212", id="too-long"),
]


@pytest.mark.parametrize("personnummer", BAD_PERSONNUMMER)
def test_bad_personnummer_is_422_naming_the_field_without_echoing_it(
    endpoint: Endpoint, personnummer: str
) -> None:
    response = endpoint.post(json=endpoint.body(personnummer))

    problem = assert_problem(response, 422)
    assert problem["errors"][0]["field"] == "body.personnummer"
    if personnummer:
        assert personnummer not in response.text
        assert personnummer.replace("-", "") not in response.text


@pytest.mark.parametrize(
    "personnummer",
    [
        pytest.param(in_other_digits(TEST_PERSONNUMMER, "\u0660"), id="arabic-indic-digits"),
        pytest.param(in_other_digits(TEST_PERSONNUMMER, "\uff10"), id="fullwidth-digits"),
    ],
)
def test_personnummer_with_non_ascii_digits_is_422_not_500(
    endpoint: Endpoint, personnummer: str
) -> None:
    """A personnummer is written with the digits 0-9 only.

    Known bug: services/runtime/kernel/identity.py's ``_PATTERN`` uses ``\\d``, which
    matches any Unicode digit; the number parses, and
    ``SubjectIdFactory.subject_id`` then fails on ``canonical.encode("ascii")``.
    """
    response = endpoint.post(json=endpoint.body(personnummer))

    problem = assert_problem(
        response,
        422,
        bug=(
            "BUG services/runtime/kernel/identity.py: _PATTERN's \\d accepts non-ASCII digits, "
            "then SubjectIdFactory.subject_id raises UnicodeEncodeError (500); "
            "use [0-9] (or re.ASCII)"
        ),
    )
    assert problem["errors"][0]["field"] == "body.personnummer"
    assert personnummer not in response.text


# --- tokens ---------------------------------------------------------------------------


def test_missing_token_is_401_with_a_bearer_challenge(authenticated: Endpoint) -> None:
    response = authenticated.post_authorized_by(None)

    problem = assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert "missing bearer token" in problem["detail"]


def test_expired_token_is_401_invalid_token(
    authenticated: Endpoint, settings: RuntimeSettings
) -> None:
    expired = minted(settings, SOCIAL, ago=timedelta(hours=9))

    response = authenticated.post_authorized_by(f"Bearer {expired}")

    problem = assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert problem["detail"] == "token expired"


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param("Bearer not.a.token", id="garbage"),
        pytest.param("Bearer " + "x" * 2000, id="long-garbage"),
        pytest.param("Basic dXNlcjpwYXNz", id="wrong-scheme"),
        pytest.param("Bearer", id="scheme-without-token"),
    ],
)
def test_garbage_token_is_401(authenticated: Endpoint, authorization: str) -> None:
    response = authenticated.post_authorized_by(authorization)

    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_token_from_another_key_is_401(authenticated: Endpoint) -> None:
    stranger = DevelopmentSigner.generate().mint(
        SOCIAL, issuer=DEV_ISSUER, audience=DEV_AUDIENCE, now=datetime.now(UTC)
    )

    response = authenticated.post_authorized_by(f"Bearer {stranger}")

    assert assert_problem(response, 401)["detail"] == "bad signature"


@pytest.mark.parametrize(
    ("claim", "value"), [("org_type", "martians"), ("role", "emperor")], ids=["org_type", "role"]
)
def test_token_with_an_unknown_claim_value_is_401_naming_the_claim(
    authenticated: Endpoint, settings: RuntimeSettings, claim: str, value: str
) -> None:
    token = jwt.encode(
        claims(**{claim: value}), signing_key(settings), algorithm="EdDSA", headers={"kid": "dev"}
    )

    response = authenticated.post_authorized_by(f"Bearer {token}")

    problem = assert_problem(response, 401)
    assert claim in problem["detail"]
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


# --- malformed and invalid bodies -----------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b'{"personnummer": ', id="truncated"),
        pytest.param(b"{'personnummer': 1}", id="single-quotes"),
        pytest.param(b"\xff\xfe\x00garbage", id="not-utf8"),
    ],
)
def test_malformed_json_is_400(endpoint: Endpoint, content: bytes) -> None:
    response = endpoint.post(content=content, headers={"Content-Type": "application/json"})

    assert_problem(response, 400)


def test_unknown_field_is_422_naming_it(endpoint: Endpoint) -> None:
    response = endpoint.post(json=endpoint.body(nickname="Kalle"))

    assert_problem(response, 422, field="body.nickname")
    assert "Kalle" not in response.text


def test_body_that_is_not_an_object_is_422(endpoint: Endpoint) -> None:
    response = endpoint.post(json=[TEST_PERSONNUMMER])

    assert_problem(response, 422, field="body")
    assert TEST_PERSONNUMMER not in response.text


def test_wrong_purpose_is_422_naming_body_purpose(consent: ServiceProcess) -> None:
    with consent.client(SOCIAL) as social:
        response = social.post("/v1/consents", json=consent_body(purpose="gossip"))

    assert_problem(response, 422, field="body.purpose")


def test_wrong_form_and_bad_party_are_422_naming_each_field(consent: ServiceProcess) -> None:
    body = consent_body(form="telepathic", parties=[SOCIAL.org_id, "not-an-hsa-id"])

    with consent.client(SOCIAL) as social:
        response = social.post("/v1/consents", json=body)

    problem = assert_problem(response, 422, field="body.form")
    assert "body.parties.1" in [error["field"] for error in problem["errors"]]


def test_oversized_justification_is_422(consent: ServiceProcess) -> None:
    with consent.client(POLICE) as police:
        response = police.post(
            "/v1/emergency-disclosures", json=disclosure_body(justification="x" * 5000)
        )

    assert_problem(response, 422, field="body.justification")


def test_naive_meeting_time_is_422_naming_body_meeting_at(escalation: ServiceProcess) -> None:
    red_thread_id = pulled_red_thread(escalation)
    naive = (datetime.now(UTC) + timedelta(days=2)).replace(tzinfo=None).isoformat()

    response = schedule_meeting(
        escalation, COORDINATOR, red_thread_id, naive, invited=[SOCIAL.org_id]
    )

    assert_problem(response, 422, field="body.meeting_at")


def test_malformed_id_in_the_path_is_422_naming_it(consent: ServiceProcess) -> None:
    with consent.client(SOCIAL) as social:
        response = social.get("/v1/consents/not-a-uuid")

    assert_problem(response, 422, field="path.consent_id")


# --- consent rules over HTTP ----------------------------------------------------------


def test_c2_uninformed_consent_is_422_rule_c2(consent: ServiceProcess) -> None:
    with consent.client(SOCIAL) as social:
        response = social.post("/v1/consents", json=consent_body(informed=False))

    assert_problem(response, 422, rule="C-2")


def test_c3_consent_ending_in_the_past_is_422_rule_c3(consent: ServiceProcess) -> None:
    with consent.client(SOCIAL) as social:
        response = social.post("/v1/consents", json=consent_body(valid_until="2020-01-31"))

    assert_problem(response, 422, rule="C-3")


def test_c3_consent_for_sharing_the_caller_is_not_part_of_is_403(consent: ServiceProcess) -> None:
    with consent.client(POLICE) as police:
        response = police.post("/v1/consents", json=consent_body())

    assert_problem(response, 403, rule="C-3")


def test_c4_second_withdrawal_is_409_rule_c4(consent: ServiceProcess) -> None:
    with consent.client(SOCIAL) as social:
        given = social.post("/v1/consents", json=consent_body(made_up_personnummer()))
        assert given.status_code == 201, given.text
        withdrawal = f"/v1/consents/{given.json()['id']}/withdrawal"
        assert social.post(withdrawal).status_code == 204

        response = social.post(withdrawal)

    assert_problem(response, 409, rule="C-4")


def test_c5_disclosure_longer_than_configured_is_422_rule_c5(consent: ServiceProcess) -> None:
    with consent.client(POLICE) as police:
        response = police.post("/v1/emergency-disclosures", json=disclosure_body(valid_hours=100))

    assert_problem(response, 422, rule="C-5")


# --- escalation rules over HTTP -------------------------------------------------------


def test_e1_social_services_pulling_is_403_rule_e1(escalation: ServiceProcess) -> None:
    with escalation.client(SOCIAL) as social:
        response = social.post("/v1/red-threads", json=pull_body(made_up_personnummer()))

    assert_problem(response, 403, rule="E-1")


def test_e2_pull_without_measures_is_422_naming_body_measures_tried(
    escalation: ServiceProcess,
) -> None:
    with escalation.client(POLICE) as police:
        response = police.post("/v1/red-threads", json=pull_body(measures_tried=[]))

    assert_problem(response, 422, field="body.measures_tried")


def test_e2_pull_without_sip_or_harm_is_422_naming_the_field_and_e2(
    escalation: ServiceProcess,
) -> None:
    with escalation.client(POLICE) as police:
        no_sip = police.post("/v1/red-threads", json=pull_body(measures_tried=["care_planning"]))
        no_harm = police.post("/v1/red-threads", json=pull_body(individual_harmed=False))

    assert_problem(no_sip, 422, rule="E-2", field="body.measures_tried")
    assert_problem(no_harm, 422, rule="E-2", field="body.individual_harmed")


@pytest.mark.parametrize(
    ("actor", "days_ahead", "birth", "status", "rule"),
    [
        pytest.param(COORDINATOR, -1, None, 422, "E-3", id="e3-in-the-past-422"),
        pytest.param(COORDINATOR, 16, None, 422, "E-3", id="e3-more-than-14-days-after-pull-422"),
        pytest.param(POLICE, 2, None, 403, None, id="e3-only-the-coordinator-403"),
        pytest.param(
            COORDINATOR,
            2,
            date(1979, 2, 3),
            409,
            "E-4",
            id="e4-without-consent-or-disclosure-409",
        ),
    ],
)
def test_e3_e4_a_meeting_the_rules_refuse_is_a_problem_naming_the_rule(
    escalation: ServiceProcess,
    actor: Actor,
    days_ahead: int,
    birth: date | None,
    status: int,
    rule: str | None,
) -> None:
    """E-3: the coordinator schedules the meeting, not in the past and within 14 days of
    the pull; E-4: not without consent or an emergency disclosure."""
    personnummer = made_up_personnummer(birth) if birth is not None else None
    red_thread_id = pulled_red_thread(escalation, personnummer)

    response = schedule_meeting(escalation, actor, red_thread_id, in_days(days_ahead))

    assert_problem(response, status, rule=rule)


def test_e3_meeting_at_the_end_of_the_calendar_is_422_not_500(escalation: ServiceProcess) -> None:
    """Known bug: the Stockholm date of 9999-12-31T23:30Z is in year 10000 (OverflowError)."""
    red_thread_id = pulled_red_thread(escalation)

    response = schedule_meeting(
        escalation, COORDINATOR, red_thread_id, "9999-12-31T23:30:00Z", invited=[SOCIAL.org_id]
    )

    assert_problem(
        response,
        422,
        rule="E-3",
        bug=(
            "BUG services/escalation/domain.py RedThread.schedule_meeting: "
            "stockholm_date(meeting_at) overflows past year 9999 (OverflowError -> 500); "
            "compare instants (meeting_at >= start of the day after the deadline) instead"
        ),
    )


def test_red_thread_is_hidden_from_organisations_outside_it(escalation: ServiceProcess) -> None:
    red_thread_id = pulled_red_thread(escalation)
    outsider = Actor(
        hsa_id="SE2120000001-S999",
        org_id="SE2120000001-SKL1",
        org_type=OrgType.SCHOOL,
        role=Role.CASEWORKER,
    )

    with escalation.client(outsider) as school:
        response = school.get(f"/v1/red-threads/{red_thread_id}")

    assert_problem(response, 403)


# --- unknown ids, paths and methods ---------------------------------------------------


@pytest.mark.parametrize(
    ("service", "method", "path", "json"),
    [
        pytest.param("consent", "GET", "/v1/consents/{id}", None, id="consent-read"),
        pytest.param("consent", "POST", "/v1/consents/{id}/withdrawal", None, id="withdraw"),
        pytest.param("escalation", "GET", "/v1/red-threads/{id}", None, id="red-thread-read"),
        pytest.param(
            "escalation",
            "POST",
            "/v1/red-threads/{id}/meeting",
            {"meeting_at": "2999-01-01T10:00:00Z", "invited_orgs": ["SE2120000001-SOC1"]},
            id="meeting",
        ),
    ],
)
def test_unknown_id_is_404_problem(
    services: dict[str, ServiceProcess],
    service: str,
    method: str,
    path: str,
    json: dict[str, Any] | None,
) -> None:
    with services[service].client(COORDINATOR) as client:
        response = client.request(method, path.format(id=uuid.uuid4()), json=json)

    assert_problem(response, 404)


@pytest.mark.parametrize("service", SERVICES)
def test_unknown_path_is_404_problem(services: dict[str, ServiceProcess], service: str) -> None:
    with services[service].client(SOCIAL) as client:
        response = client.get("/v1/no-such-thing")

    assert_problem(response, 404)


@pytest.mark.parametrize(
    ("service", "method", "path"),
    [
        pytest.param("consent", "GET", "/v1/consents", id="consent-list"),
        pytest.param("consent", "DELETE", "/v1/consents/{id}", id="consent-delete"),
        pytest.param("escalation", "PUT", "/v1/red-threads/{id}", id="red-thread-put"),
        pytest.param("escalation", "GET", "/v1/red-threads", id="red-thread-list"),
        pytest.param("cases", "GET", "/v1/consent-view/lookup", id="lookup-get"),
    ],
)
def test_wrong_method_is_405_problem(
    services: dict[str, ServiceProcess], service: str, method: str, path: str
) -> None:
    with services[service].client(SOCIAL) as client:
        response = client.request(method, path.format(id=uuid.uuid4()))

    assert_problem(response, 405)
    assert "allow" in response.headers
