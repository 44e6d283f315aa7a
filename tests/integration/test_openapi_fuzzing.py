"""schemathesis against the four services' OpenAPI documents, in-process (ASGI).

Every operation is called with generated requests, as a caller the policy table
allows (a valid development token), once with data the document says is valid
and once with data it says is not. The checks: no server error; the status
code, the content type and the body are the documented ones; invalid data is
refused with a 4xx. Examples are bounded and derandomised, so the run is the same
every time and stays short; the apps run without their lifespan (no broker, no
relay) on real SQLite stores.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.config import SchemathesisConfig
from starlette.types import ASGIApp, Receive, Scope, Send

from contracts import OrgType, Role
from services.runtime.http.development_tokens import DEV_AUDIENCE, DEV_ISSUER, DevelopmentSigner
from services.runtime.http.permissions import route_permissions
from services.runtime.kernel.actor import Actor
from services.runtime.settings import RuntimeSettings
from tests.support import service_app

SERVICES = ("consent", "cases", "escalation", "reporting")
EXAMPLES = {GenerationMode.POSITIVE: 8, GenerationMode.NEGATIVE: 4}
"""Per operation: enough to find the shapes a route forgets, few enough for `make test`."""

CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            # A body made too long by the generator is refused by the body limit first.
            "negative_data_rejection": {
                "expected-statuses": [400, 401, 403, 404, 405, 409, 413, 415, 422, 429]
            }
        }
    }
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
PREFERRED = [
    (OrgType.SOCIAL_SERVICES, Role.DEPUTY_UNIT_MANAGER),
    (OrgType.SOCIAL_SERVICES, Role.CASEWORKER),
    (OrgType.POLICE, Role.FIRST_RESPONDER),
    (OrgType.COORDINATION_OFFICE, Role.COORDINATOR),
    (OrgType.SOCIAL_SERVICES, Role.ADMIN),
]
"""Who calls an operation: the first of these the policy table allows (a unit of the
development unit directory), so that as many requests as possible get past the table."""
NEEDS_THE_BROKER = frozenset({"/readyz", "/v1/access-log/verify"})
"""Answer 503 here on purpose: no broker is running (readiness; the access log's anchor
topic). Documented, so checked otherwise."""


class WithoutLifespan:
    """The service's app without start-up work: no broker connection, no relay, no schedules."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            # Refusing the lifespan scope is how an ASGI app says it has none.
            raise RuntimeError("no lifespan in this test")
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> RuntimeSettings:
    var_dir = tmp_path_factory.mktemp("fuzz") / "var"
    var_dir.mkdir(parents=True)
    return RuntimeSettings(
        var_dir=var_dir,
        environment="development",
        kafka_bootstrap="127.0.0.1:9",  # never dialled: the lifespan does not run
        write_burst=1_000_000,
        write_rate_per_second=1_000_000,
        read_burst=1_000_000,
        read_rate_per_second=1_000_000,
    )


def authorised_headers(app: Any, signer: DevelopmentSigner) -> Callable[[str, str], dict[str, str]]:
    """Headers for a caller the policy table allows on the operation (none on public ones)."""
    requirements = {(r.method, r.path): r.requirement for r in route_permissions(app)}
    now = datetime.now(UTC)
    tokens: dict[tuple[str, str], dict[str, str]] = {}
    for key, requirement in requirements.items():
        if requirement is None:
            tokens[key] = {}
            continue
        allowed = requirement.permission.pairs
        org_type, role = next((pair for pair in PREFERRED if pair in allowed), min(allowed))
        who = Actor("SE2120000001-F001", "SE2120000001-IOF1", org_type, role)
        token = signer.mint(who, issuer=DEV_ISSUER, audience=DEV_AUDIENCE, now=now)
        tokens[key] = {"Authorization": f"Bearer {token}"}
    return lambda method, path: tokens[(method, path)]


@pytest.mark.parametrize("name", SERVICES)
def test_every_operation_answers_as_documented_and_never_with_a_server_error(
    runtime: RuntimeSettings, name: str
) -> None:
    app = service_app(name, runtime)
    signer = DevelopmentSigner.load_or_create(Path(runtime.var_dir) / "dev-signing-key.pem")
    headers_for = authorised_headers(app, signer)
    schema = schemathesis.openapi.from_asgi("/openapi.json", WithoutLifespan(app), config=CONFIG)
    failures: list[str] = []
    try:
        for result in schema.get_all_operations():
            operation = result.ok()
            method, path = operation.method.upper(), operation.path
            headers = headers_for(method, path)
            checks = [
                c for c in CHECKS if not (path in NEEDS_THE_BROKER and c is not_a_server_error)
            ]
            for mode, examples in EXAMPLES.items():
                if mode is GenerationMode.NEGATIVE and not _has_parameters(operation):
                    continue  # nothing in the request that could be invalid
                try:
                    fuzz(operation, mode, examples, headers, checks)
                except Exception as error:  # collected: one run reports every operation
                    failures.append(f"{method} {path} ({mode.value}): {error}"[:3000])
    finally:
        app.state.application.close()
    assert not failures, "\n\n".join(failures)


def fuzz(
    operation: Any,
    mode: GenerationMode,
    examples: int,
    headers: dict[str, str],
    checks: list[Any],
) -> None:
    """Call one operation with generated requests; the first failure is raised."""
    if mode is GenerationMode.NEGATIVE:
        checks = [*checks, negative_data_rejection]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=checks)

    run()


def _has_parameters(operation: Any) -> bool:
    definition = operation.definition.raw
    return bool(definition.get("parameters") or definition.get("requestBody"))
