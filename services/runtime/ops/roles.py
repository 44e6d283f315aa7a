"""The roles one service process can take: ``serve <service> --role all|api|relay|consumer``.

A service is one image and one composition root, but its three kinds of
work scale differently: the HTTP API with requests, the outbox relay not at
all (one leader per topic publishes, services.runtime.store.leadership), the
consumer with its upstream topics' partitions. So a process runs one of them,
or all three as before (``--role``, else ``SAMVERKAN_ROLE``):

* ``all`` — the API, the relay and the consumer in one process (the default:
  ``make run``, compose's default services, the base Kubernetes Deployments);
* ``api`` — commands, reads, the schedules (expiries, overdue deadlines: the
  clock's commands) and the access log's anchoring; no relay, no consumer:
  ready when its store answers, Kafka or not;
* ``relay`` — the outbox relay alone, behind the leadership lease, so its
  replicas are standbys, not duplicates;
* ``consumer`` — the tracked consumer alone, applying upstream events to the
  store the API reads.

The relay and consumer roles serve only the operational routes (``/healthz``,
``/readyz``, ``/metrics``) on the service's port, the probes and the scrape
an orchestrator already points at every process of the image. Every role says
which it is on ``/metrics`` (``samverkan_process_role``).

The roles share the service's store, which is how the API reads what the
consumer applied and the relay publishes what the API stored: PostgreSQL, one
schema, any number of processes and hosts. Not SQLite: a process on a SQLite
file takes itself for the file's only writer and trusts what it has read
(services.runtime.store.read_models' Follower skips the database when it saved
nothing), so an API beside a consumer process would answer from views the
consumer has since changed — a split role refuses to start without
``SAMVERKAN_DATABASE_URL``. The API's saves wake the relay process
(``NOTIFY``/``LISTEN``, services.runtime.store.wake) as they wake a relay in
the same process.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from enum import StrEnum

from fastapi import FastAPI
from prometheus_client import CollectorRegistry, Gauge
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from contracts import dlq_topic
from services.runtime.http.operations import ReadinessCheck, operations_router
from services.runtime.http.readiness import (
    Background,
    broker_check,
    consumer_check,
    relay_check,
    start_broker,
    store_check,
    watch_consumer,
)
from services.runtime.service import (
    Service,
    consumer_for,
    http_app,
    relay_for,
    service_broker,
    upstream_topics,
)
from services.runtime.settings import RuntimeSettings
from services.runtime.store.application import OutboxApplication
from services.runtime.store.wake import SaveNotifier, wake_on_saves


class Role(StrEnum):
    ALL = "all"
    API = "api"
    RELAY = "relay"
    CONSUMER = "consumer"


ROLE_CHOICES = ", ".join(role.value for role in Role)


class RoleSettings(BaseSettings):
    """Which part of a service this process runs (``serve --role`` overrides it)."""

    model_config = SettingsConfigDict(env_prefix="SAMVERKAN_", extra="ignore")

    role: Role = Field(
        Role.ALL,
        description=(
            "What this process of the service runs: `all` (API, outbox relay and consumer), "
            "`api` (HTTP commands and reads, schedules; ready without Kafka), `relay` (the outbox "
            "relay alone, one leader among its replicas) or `consumer` (the upstream consumer "
            "alone). The split roles share the service's store, so they need "
            "SAMVERKAN_DATABASE_URL (PostgreSQL; docs/architecture.md, Topologies)."
        ),
    )


def describe_role(registry: CollectorRegistry, role: Role) -> None:
    """``samverkan_process_role{role=…} 1``: which part of the service a scrape came from
    (an ``api`` process has no relay series, and says why)."""
    Gauge(
        "samverkan_process_role",
        "The role this process of the service runs (all, api, relay or consumer).",
        ["role"],
        registry=registry,
    ).labels(role.value).set(1)


class RoleUnavailable(Exception):
    """The role cannot run here: the service has nothing for it (it publishes or consumes
    nothing), or its store is not one its processes can share."""


def shared_store_refusal(role: Role, runtime: RuntimeSettings) -> str | None:
    """Why `role` cannot run on these settings' store (None: it can)."""
    if role is Role.ALL or runtime.database_url is not None:
        return None
    return (
        "needs a store its processes share: set SAMVERKAN_DATABASE_URL (PostgreSQL); on "
        "SQLite a process takes itself for its store's only writer, so run --role all"
    )


def role_app(service: Service, role: Role) -> FastAPI:
    """The ASGI app of `service`'s process in `role`."""
    refusal = shared_store_refusal(role, service.runtime)
    if refusal is not None:
        raise RoleUnavailable(refusal)
    describe_role(service.registry, role)
    if role is Role.ALL:
        return http_app(service)
    if role is Role.API:
        return api_app(service)
    if role is Role.RELAY:
        return relay_app(service)
    return consumer_app(service)


def api_app(service: Service) -> FastAPI:
    """The HTTP API alone; with PostgreSQL, each save wakes the relay process
    (services.runtime.store.wake) as it wakes an in-process relay."""
    app = http_app(service, relay_and_consumer=False)
    if not isinstance(service.app, OutboxApplication):
        return app
    notifier = SaveNotifier(service.runtime, service.name)
    service.app.save_listeners.append(notifier.nudge)
    serve = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(running: FastAPI) -> AsyncIterator[None]:
        try:
            async with serve(running):
                yield
        finally:
            await asyncio.to_thread(notifier.close)

    app.router.lifespan_context = lifespan
    return app


def relay_app(service: Service) -> FastAPI:
    """The outbox relay alone; ready while its store answers and it is not failing
    (a standby, waiting for the lease, is ready: it takes over when the leader goes)."""
    relay = relay_for(service)
    if relay is None:
        raise RoleUnavailable(f"{service.name} has no outbox relay")
    background = Background(service.name)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        background.start("relay", relay.run())
        background.start("wake", wake_on_saves(service.runtime, service.name, relay.wake))
        try:
            yield
        finally:
            await background.stop()
            service.app.close()

    checks: dict[str, ReadinessCheck] = {
        "store": store_check(service.app),
        "relay": relay_check(relay, background),
    }
    return _operations_app(service, checks, lifespan)


def consumer_app(service: Service) -> FastAPI:
    """The tracked consumer alone; ready once it has joined its group."""
    broker = service_broker(service)
    consumer = consumer_for(service, broker)
    if consumer is None:
        raise RoleUnavailable(f"{service.name} consumes nothing")
    settings = service.runtime
    topics = [*upstream_topics(service), dlq_topic(service.name, prefix=settings.topic_prefix)]
    background = Background(service.name)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        background.start("broker", start_broker(broker, settings, topics))
        watch_consumer(background, consumer, broker)
        try:
            yield
        finally:
            await background.stop()
            # Leaves the group at once: a rebalance now, not after the session timeout.
            await broker.stop()
            service.app.close()

    checks: dict[str, ReadinessCheck] = {
        "store": store_check(service.app),
        "kafka": broker_check(broker, background),
        "consumer": consumer_check(consumer),
    }
    return _operations_app(service, checks, lifespan)


def _operations_app(
    service: Service,
    checks: dict[str, ReadinessCheck],
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]],
) -> FastAPI:
    app = FastAPI(
        title=service.title,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.include_router(operations_router(service.registry, checks))
    return app
