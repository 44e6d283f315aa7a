"""Attack: the consent decision API as an oracle (C-9, C-10).

A unit asks "may I share with X about this personnummer?" for people it has nothing to do
with. Before the fix the answer carried the pseudonymous subject id (linking a personnummer
to the Kafka key every topic is keyed on), left no access-log record, and the GET form took
the personnummer in the URL, where proxies and access logs keep it. Now: only a party to the
question is answered, the answer carries no subject id, every answer is in the access log,
and the URL refuses a personnummer with a problem pointing at POST.
"""

from __future__ import annotations

from typing import Any

import httpx

from contracts import SUBJECT_ID_PATTERN, OrgType, Role
from services.runtime.kernel.actor import Actor
from tests.support import (
    HEALTH,
    POLICE,
    SOCIAL,
    ServiceProcess,
    call,
    decision,
    give_sip_consent,
    made_up_personnummer,
)

NUMBER = made_up_personnummer("19770707", "135")
SOCIAL_MANAGER = Actor(
    "SE2120000001-M001", SOCIAL.org_id, OrgType.SOCIAL_SERVICES, Role.UNIT_MANAGER
)
POLICE_MANAGER = Actor("SE2321000016-M002", POLICE.org_id, OrgType.POLICE, Role.UNIT_MANAGER)


def ask(consent: ServiceProcess, actor: Actor, from_org: str, to_org: str) -> httpx.Response:
    return call(
        consent,
        actor,
        "POST",
        "/v1/decisions",
        json={"personnummer": NUMBER, "from_org": from_org, "to_org": to_org, "purpose": "sip"},
    )


def decision_reads(consent: ServiceProcess, manager: Actor, subject_id: str) -> list[Any]:
    """The unit's own accesses to the person's data through the decision API."""
    log = call(consent, manager, "GET", f"/v1/subjects/{subject_id}/access-log")
    assert log.status_code == 200, log.text
    return [e for e in log.json() if e["resource"].endswith(" /v1/decisions")]


def test_c9_a_unit_may_not_ask_about_sharing_between_two_others(consent: ServiceProcess) -> None:
    give_sip_consent(consent, NUMBER)
    refused = ask(consent, POLICE, SOCIAL.org_id, HEALTH.org_id)
    assert refused.status_code == 403
    assert refused.json()["rule"] == "C-9"
    assert NUMBER not in refused.text


def test_c9_the_answer_links_no_personnummer_to_a_subject_id(consent: ServiceProcess) -> None:
    subject_id = give_sip_consent(consent, NUMBER)
    # A unit with no relation to the person asks about itself, and learns "no", nothing more.
    stranger = ask(consent, POLICE, POLICE.org_id, SOCIAL.org_id)
    assert stranger.status_code == 200, stranger.text
    assert stranger.json()["allowed"] is False
    assert "subject_id" not in stranger.json()
    assert subject_id not in stranger.text
    # Nor does a party's answer carry it.
    party = ask(consent, SOCIAL, SOCIAL.org_id, HEALTH.org_id)
    assert party.json()["allowed"] is True
    assert subject_id not in party.text
    # The documented answer has no such member either.
    schema = httpx.get(f"{consent.url}/openapi.json").json()["components"]["schemas"]
    assert "subject_id" not in schema["DecisionView"]["properties"]


def test_c9_every_decision_writes_an_access_log_record(consent: ServiceProcess) -> None:
    subject_id = give_sip_consent(consent, NUMBER)
    assert ask(consent, SOCIAL, SOCIAL.org_id, HEALTH.org_id).status_code == 200
    by_id = decision(consent, subject_id, by=POLICE, from_org=POLICE.org_id)
    assert by_id.status_code == 200, by_id.text

    [social_read] = decision_reads(consent, SOCIAL_MANAGER, subject_id)
    assert social_read["actor_hsa_id"] == SOCIAL.hsa_id
    assert social_read["resource"] == "POST /v1/decisions"
    [police_read] = decision_reads(consent, POLICE_MANAGER, subject_id)
    assert police_read["actor_hsa_id"] == POLICE.hsa_id
    assert police_read["resource"] == "GET /v1/decisions"


def test_c9_no_personnummer_in_a_url(consent: ServiceProcess) -> None:
    give_sip_consent(consent, NUMBER)
    in_url = decision(consent, NUMBER)
    assert in_url.status_code in (400, 422), in_url.text
    assert in_url.headers["content-type"] == "application/problem+json"
    problem = in_url.json()
    assert "allowed" not in problem
    assert "POST /v1/decisions" in problem["detail"]
    assert [e["field"] for e in problem["errors"]] == ["query.subject"]
    assert NUMBER not in in_url.text  # a problem never echoes what it refuses

    # The documented GET takes a subject id only (its pattern), and says where a number goes.
    document = httpx.get(f"{consent.url}/openapi.json").json()
    [subject] = [
        p for p in document["paths"]["/v1/decisions"]["get"]["parameters"] if p["name"] == "subject"
    ]
    assert subject["schema"]["pattern"] == SUBJECT_ID_PATTERN
    assert "POST /v1/decisions" in subject["description"]
