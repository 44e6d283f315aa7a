"""An administrator reads the access log for their own organisation only (issue #18, item 7).

Before: an administrator of any organisation type read every service's access
log for anyone, so a police IT administrator could learn that a person was
seen by psychiatry or social services (secret between authorities, OSL
ch. 25-26). Now an administrator follows up the accesses made by staff of
their own organisation (the HSA-id part before the ``-`` of the staff
member's unit, e.g. ``SE2321000016``); a unit manager keeps seeing their own
unit's; the extract itself is written to the log.
"""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from contracts import SERVICES, OrgType, Role
from services.runtime.http.access_log import FOLLOW_UP
from services.runtime.kernel.actor import Actor
from tests.support import ServiceProcess

# One worker starts the module's platform once (make test runs --dist loadgroup).
pytestmark = pytest.mark.xdist_group("administrator-scope")

SOCIAL_MANAGER = Actor(
    "SE2120000001-E001", "SE2120000001-SOC1", OrgType.SOCIAL_SERVICES, Role.UNIT_MANAGER
)
HEALTH_MANAGER = Actor(
    "SE2321000016-E002", "SE2321000016-HC01", OrgType.HEALTH_CARE, Role.UNIT_MANAGER
)
SOCIAL_ADMIN = Actor("SE2120000001-A001", "SE2120000001-IT01", OrgType.SOCIAL_SERVICES, Role.ADMIN)
REGION_ADMIN = Actor("SE2321000016-A001", "SE2321000016-IT01", OrgType.HEALTH_CARE, Role.ADMIN)
POLICE_ADMIN = Actor("SE2021000076-A001", "SE2021000076-IT01", OrgType.POLICE, Role.ADMIN)


def extract(service: ServiceProcess, actor: Actor, route: str, **query: str) -> dict[str, Any]:
    """The access-log extract `actor` asks the service for on `route` (loggkontroll)."""
    with service.client(actor) as client:
        response = client.post(f"/v1/access-log/{route}", json=query)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def about(service: ServiceProcess, actor: Actor, subject_id: str) -> dict[str, Any]:
    """The extract about one individual, by subject id."""
    return extract(service, actor, "subject", subject_id=subject_id)


def by_actor(service: ServiceProcess, actor: Actor, hsa_id: str) -> dict[str, Any]:
    """The extract of what one member of staff looked at."""
    return extract(service, actor, "actor", hsa_id=hsa_id)


def actors(extract: dict[str, Any]) -> list[str]:
    return [entry["actor_hsa_id"] for entry in extract["entries"]]


@pytest.mark.parametrize("name", SERVICES)
def test_an_administrator_sees_only_accesses_by_their_own_organisations_staff(
    module_platform: dict[str, ServiceProcess], name: str
) -> None:
    service = module_platform[name]
    subject_id = secrets.token_hex(32)
    # Staff of two organisations look the person up (each look is an access record).
    about(service, SOCIAL_MANAGER, subject_id)
    about(service, HEALTH_MANAGER, subject_id)

    police = about(service, POLICE_ADMIN, subject_id)
    assert (police["scope"], police["org_id"]) == ("organisation", "SE2021000076")
    assert police["entries"] == []  # neither the municipality's nor the region's accesses

    region = about(service, REGION_ADMIN, subject_id)
    assert (region["scope"], region["org_id"]) == ("organisation", "SE2321000016")
    assert actors(region) == [HEALTH_MANAGER.hsa_id]
    assert by_actor(service, REGION_ADMIN, SOCIAL_MANAGER.hsa_id)["entries"] == []

    municipality = about(service, SOCIAL_ADMIN, subject_id)
    assert actors(municipality) == [SOCIAL_MANAGER.hsa_id]

    # The individual's extract is itself logged: the region's next extract shows who pulled it.
    again = about(service, REGION_ADMIN, subject_id)["entries"]
    assert [e["actor_hsa_id"] for e in again] == [HEALTH_MANAGER.hsa_id, REGION_ADMIN.hsa_id]
    assert again[-1]["purpose"] == FOLLOW_UP

    # A unit manager keeps their own unit's follow-up, not their organisation's other units'.
    unit = about(service, SOCIAL_MANAGER, subject_id)
    assert (unit["scope"], unit["org_id"]) == ("unit", SOCIAL_MANAGER.org_id)
    assert actors(unit) == [SOCIAL_MANAGER.hsa_id]


def test_consents_older_extract_route_is_scoped_the_same_way(
    module_platform: dict[str, ServiceProcess],
) -> None:
    consent = module_platform["consent"]
    subject_id = secrets.token_hex(32)
    about(consent, SOCIAL_MANAGER, subject_id)
    with consent.client(POLICE_ADMIN) as client:
        response = client.get(f"/v1/subjects/{subject_id}/access-log")
    assert response.status_code == 200, response.text
    assert response.json() == []
    with consent.client(SOCIAL_ADMIN) as client:
        entries = client.get(f"/v1/subjects/{subject_id}/access-log").json()
    assert [e["actor_hsa_id"] for e in entries] == [SOCIAL_MANAGER.hsa_id]
