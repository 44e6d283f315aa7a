"""W-3 (first half): every created thing can be read back where its `Location` points, by
whoever created it, and by no unit the record does not name (C-10, K-10, GDPR art. 17)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from services.runtime.kernel.actor import Actor
from tests.consent_examples import refusal_body
from tests.support import (
    AOF_DEPUTY,
    COORDINATOR,
    HEALTH,
    IOF_CASEWORKER,
    PLATFORM_ADMIN,
    POLICE,
    SOCIAL,
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
