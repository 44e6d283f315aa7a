"""The policy table's building blocks: a permission, a route's requirement, the party check."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from contracts import OrgType, Role
from services.runtime.http.auth import TokenVerifier
from services.runtime.http.caller import Caller
from services.runtime.http.development_tokens import DEV_AUDIENCE, DEV_ISSUER, DevelopmentSigner
from services.runtime.http.permissions import (
    NOT_PERMITTED,
    STAFF,
    Policy,
    Requirement,
    organisation_of,
    permit,
    route_permissions,
)
from services.runtime.http.problems import install_problem_handlers
from services.runtime.kernel.actor import Actor, NotAParty, require_party

POLICE = Actor("SE2321000016-P001", "SE2321000016-POL1", OrgType.POLICE, Role.FIRST_RESPONDER)
ADMIN = Actor("SE2321000016-A001", "SE2321000016-IT01", OrgType.POLICE, Role.ADMIN)
SOCIAL = Actor("SE2120000001-S001", "SE2120000001-SOC1", OrgType.SOCIAL_SERVICES, Role.CASEWORKER)

POLICY = Policy(
    "example",
    {
        "pull": permit("only blue light pulls", org_types={OrgType.POLICE}, rule="E-1"),
        "read": permit("only staff read"),
    },
)


def test_a_permission_is_every_pair_of_its_org_types_and_roles() -> None:
    pull = POLICY.permissions["pull"]
    assert pull.pairs == {(OrgType.POLICE, role) for role in STAFF}
    assert pull.allows(POLICE)
    assert not pull.allows(SOCIAL)
    assert not pull.allows(ADMIN)  # administrators are not staff


def test_a_permission_that_allows_no_one_and_an_unknown_action_are_refused_at_import() -> None:
    with pytest.raises(ValueError, match="allows no one"):
        permit("nobody", roles=set())
    with pytest.raises(KeyError, match="no action 'fly'"):
        POLICY.may("fly")


def test_require_party_refuses_a_unit_outside_the_parties_naming_the_rule() -> None:
    require_party(POLICE, ["SE2321000016-POL1"], what="this red thread", rule="E-3")
    with pytest.raises(NotAParty) as refused:
        require_party(SOCIAL, ["SE2321000016-POL1"], what="this red thread", rule="E-3")
    assert (refused.value.status, refused.value.rule) == (403, "E-3")
    assert "this red thread" in refused.value.message


def test_the_dependency_refuses_with_403_naming_the_rule_and_the_route_table_shows_it() -> None:
    signer = DevelopmentSigner.generate()
    app = FastAPI()
    install_problem_handlers(app)
    app.state.token_verifier = TokenVerifier(
        issuer=DEV_ISSUER, audience=DEV_AUDIENCE, public_key=signer.public_key_pem
    )

    @app.post("/v1/red-threads")
    async def pull(caller: Annotated[Caller, POLICY.may("pull")]) -> dict[str, str]:
        return {"by": caller.actor.org_id, "via": caller.request.url.path}

    client = TestClient(app)

    def call(actor: Actor) -> httpx.Response:
        token = signer.mint(actor, issuer=DEV_ISSUER, audience=DEV_AUDIENCE, now=datetime.now(UTC))
        return client.post("/v1/red-threads", headers={"Authorization": f"Bearer {token}"})

    allowed, refused = call(POLICE), call(SOCIAL)
    assert allowed.json() == {"by": POLICE.org_id, "via": "/v1/red-threads"}
    assert refused.status_code == 403
    assert refused.json()["type"] == NOT_PERMITTED
    assert refused.json()["rule"] == "E-1"
    assert client.post("/v1/red-threads").status_code == 401
    [route] = [r for r in route_permissions(app) if r.path == "/v1/red-threads"]
    assert isinstance(route.requirement, Requirement)
    assert route.requirement.action == "pull"
    assert route.authenticated


def test_an_administrators_organisation_is_the_hsa_id_before_the_dash() -> None:
    """Administrators act for their own organisation (services.runtime.http.access_log)."""
    assert organisation_of("SE2321000016-15CQ") == "SE2321000016"
    assert organisation_of("SE2120000001-IOF1") == "SE2120000001"
    assert organisation_of("SE2120000001") == "SE2120000001"
