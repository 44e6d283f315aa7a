"""Run one service: ``python -m services.runtime.ops.serve consent [--role api]``.

Each service's composition root (``services/<svc>/service.py``, found through
the ``samverkan.services`` entry points) builds the service with its
``http_port``; this is the one place that turns it into a uvicorn server with
JSON logs, so every service starts and stops the same way. ``--role`` (or
``SAMVERKAN_ROLE``) says which part of it this process runs: ``all`` (the
default), ``api``, ``relay`` or ``consumer`` (services.runtime.ops.roles).

It is also where a service refuses to start on settings that are unsafe with
real data (placeholder keys, keys that would be created in var_dir, a
plain-http identity provider), before anything is created or fetched: an
operator sees one message naming each setting instead of a platform that runs
with public keys.
"""

from __future__ import annotations

import gc
import logging
import os
import sys

import uvicorn

from services.runtime.http.auth import identity_provider_url_problem
from services.runtime.ops.json_logs import configure_logging
from services.runtime.ops.production_safety import unsafe_settings
from services.runtime.ops.roles import (
    ROLE_CHOICES,
    Role,
    RoleSettings,
    RoleUnavailable,
    role_app,
    shared_store_refusal,
)
from services.runtime.ops.telemetry import configure_tracing
from services.runtime.service import ServiceRoot, load_service
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import setup_lock

log = logging.getLogger(__name__)


def service_root(service: str) -> ServiceRoot:
    try:
        return load_service(service)
    except LookupError as error:
        raise SystemExit(str(error)) from error


def http_port(service: str) -> int:
    port: int = service_root(service).Settings().http_port
    return port


def startup_refusals(runtime: RuntimeSettings) -> list[str]:
    """Every reason not to start with these settings (empty: start)."""
    refusals = unsafe_settings(runtime)
    development = runtime.environment == "development"
    for variable, url in _identity_provider_urls(runtime):
        problem = identity_provider_url_problem(url, allow_loopback_http=development)
        if problem is not None:
            refusals.append(f"{variable}={url} {problem}")
    return refusals


def _identity_provider_urls(runtime: RuntimeSettings) -> list[tuple[str, str]]:
    """The URLs keys would be fetched from (services.runtime.service.token_verifier)."""
    if runtime.token_jwks_url is not None:
        return [("SAMVERKAN_TOKEN_JWKS_URL", runtime.token_jwks_url)]
    if runtime.token_public_key_file is None and runtime.token_issuer.startswith(
        ("https://", "http://")
    ):
        return [("SAMVERKAN_TOKEN_ISSUER", runtime.token_issuer)]
    return []


def refuse_unsafe_start(service: str, runtime: RuntimeSettings) -> None:
    """Exit (status 1) with one line per unsafe setting, naming it, if there is any."""
    refusals = startup_refusals(runtime)
    if not refusals:
        if runtime.environment == "production" and runtime.kafka_security_protocol == "PLAINTEXT":
            # Not refused: compose keeps Kafka on a network of its own. Anywhere else
            # events with sealed personal data and subject ids cross the wire in clear.
            log.warning(
                "SAMVERKAN_KAFKA_SECURITY_PROTOCOL=PLAINTEXT in production: use SASL_SSL "
                "unless the broker is on a network only the platform reaches (docs/kafka-acls.md)"
            )
        return
    log.critical("refusing to start: %s", "; ".join(refusals))
    lines = "\n".join(f"  - {refusal}" for refusal in refusals)
    raise SystemExit(
        f"{service}: refusing to start with SAMVERKAN_ENVIRONMENT={runtime.environment}:\n"
        f"{lines}\n"
        "Set real secrets (docs/runbook.md), or SAMVERKAN_ENVIRONMENT=development on a "
        "laptop with no real data."
    )


USAGE = "usage: python -m services.runtime.ops.serve <service> [--role all|api|relay|consumer]"


def chosen_role(service: str, args: list[str]) -> Role:
    """The role `--role` names, else ``SAMVERKAN_ROLE``, else `all`; a wrong name is one
    line naming it and the choices (exit status 1), not a validation traceback."""
    text = args[1] if args else None
    try:
        return Role(text) if text is not None else RoleSettings().role
    except ValueError:
        given = text if text is not None else os.environ.get("SAMVERKAN_ROLE", "")
        source = "--role" if text is not None else "SAMVERKAN_ROLE"
        raise SystemExit(
            f"{service}: {source}: unknown role {given!r}; choose one of {ROLE_CHOICES}"
        ) from None


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (1, 3) or (len(args) == 3 and args[1] != "--role"):
        raise SystemExit(USAGE)
    service = args[0]
    root = service_root(service)
    role = chosen_role(service, args[1:])
    runtime = RuntimeSettings()
    refusal = shared_store_refusal(role, runtime)
    if refusal is not None:
        raise SystemExit(f"{service}: --role {role}: {refusal}")
    configure_logging(service if role is Role.ALL else f"{service}-{role}", runtime.log_level)
    configure_tracing(service)  # off unless the standard OTEL_* variables ask for it
    refuse_unsafe_start(service, runtime)
    with setup_lock(runtime, service):  # replicas starting together create tables in turn
        built = root.build(runtime)
        try:
            app = role_app(built, role)
        except RoleUnavailable as error:
            built.close()
            raise SystemExit(f"{service}: --role {role}: {error}") from None
    # Everything built so far lives as long as the process: keep it out of the
    # collector's way, and collect young objects less often, so a request
    # does not pay for a full collection of the start-up heap (tail latency).
    gc.freeze()
    gc.set_threshold(50_000, 50, 1000)
    uvicorn.run(
        app,
        host="127.0.0.1" if runtime.http_host is None else runtime.http_host,
        port=built.http_port,
        log_config=None,
        access_log=False,  # services.runtime.http.request_log's line, without the raw path
        timeout_graceful_shutdown=10,
    )


if __name__ == "__main__":
    main()
