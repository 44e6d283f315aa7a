"""Assembling a service: its application, its relay, its consumer and its HTTP app.

Each service has one composition root, ``services/<svc>/service.py``, whose
``build(runtime, settings, clock)`` states *what* the service consists of in a
:class:`Service` (written, with :func:`composition_root`, as a function of its
:class:`Composition`, which fills in what every service shares). Everything
that runs a service starts from it: the HTTP process (:func:`http_app`), a
relay or consumer on its own (:func:`relay_for`, :func:`consumer_for`;
services.runtime.ops.roles), the
operator's replay, rebuild and republish commands, and the tests. This module
does the wiring for all four, so a fix to start-up or shutdown lands
everywhere at once; :func:`load_service` finds a service's root through the
``samverkan.services`` entry point group (the runtime imports no service).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, Generic, Protocol, TypeVar

from eventsourcing.application import Application
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteDatastore
from fastapi import APIRouter, FastAPI
from faststream.kafka import KafkaBroker
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from prometheus_client import CollectorRegistry, Counter

from contracts import SERVICES, dlq_topic, events_topic
from services.runtime.http.auth import TokenVerifier
from services.runtime.http.development_tokens import DEV_KEY_PATH, DevelopmentSigner
from services.runtime.http.docs import api_app
from services.runtime.http.guards import BodyLimit, DuplicateKeys, RateLimit, StoreCircuit
from services.runtime.http.idempotency.middleware import Idempotency
from services.runtime.http.idempotency.store import IdempotencyStore
from services.runtime.http.lanes import Lanes
from services.runtime.http.openapi import document_problem_responses
from services.runtime.http.operations import (
    HttpMetrics,
    ReadinessCheck,
    TraceContext,
    instrument_http,
    operations_router,
)
from services.runtime.http.problems import install_problem_handlers
from services.runtime.http.readiness import (
    Background,
    broker_check,
    consumer_check,
    relay_check,
    start_broker,
    store_check,
    watch_consumer,
)
from services.runtime.http.request_log import RequestLog
from services.runtime.kernel.clock import Clock, SystemClock
from services.runtime.kernel.identity import SubjectIdFactory
from services.runtime.messaging.audit_anchor import AuditAnchoring
from services.runtime.messaging.consumer.metrics import ConsumerMetrics
from services.runtime.messaging.consumer.subscription import TrackedConsumer
from services.runtime.messaging.consumer.target import TrackedTarget
from services.runtime.messaging.kafka import broker_security, ensure_topics, faststream_broker
from services.runtime.messaging.rebuild import RebuildableProjection
from services.runtime.messaging.relay.metrics import RelayMetrics
from services.runtime.messaging.relay.outbox import OutboxRelay
from services.runtime.messaging.relay.outgoing import Translator
from services.runtime.settings import RuntimeSettings
from services.runtime.store.application import OutboxApplication
from services.runtime.store.audit import AccessAudit, chain_key
from services.runtime.store.database import RelayPositions, store_env
from services.runtime.store.group_commit import group_writes
from services.runtime.store.leadership import leadership_for
from services.runtime.store.logged_changes import RecordsWithEvents
from services.runtime.store.privacy import Sealer

log = logging.getLogger(__name__)

IDEMPOTENCY_PURGE_SECONDS = 300.0
"""Expired idempotency keys are also purged with every claim; this round covers quiet times."""


@dataclass(frozen=True)
class Schedule:
    """Work a service does on its own clock (expiries, overdue deadlines).

    `run` is synchronous (it uses the store) and runs in a worker thread; a
    failure is logged and counted, and the next round tries again.
    """

    name: str
    every_seconds: float
    run: Callable[[], object]


SERVICES_GROUP = "samverkan.services"
"""The entry point group naming each service's composition root module (pyproject.toml)."""


@dataclass
class Service:
    """What one service is made of; its ``service.build`` fills this in.

    Built once per process, it owns the application (and so the store
    connection): whoever builds it without :func:`http_app`'s lifespan closes it.
    """

    name: str
    title: str
    description: str
    runtime: RuntimeSettings
    http_port: int
    app: Application[Any]
    routers: Sequence[APIRouter]
    translate: Translator | None = None
    upstream: Sequence[str] = ()
    """The services whose events topics the consumer reads."""
    target: TrackedTarget | None = None
    """Where the consumer applies what it reads (and ``dead-letters replay`` what it gave up)."""
    schedules: Sequence[Schedule] = ()
    projections: Mapping[str, RebuildableProjection] = field(default_factory=dict)
    """Derived data ``samverkan rebuild <name>`` can build again from the topics."""
    state: dict[str, Any] = field(default_factory=dict)
    """Shared with the routes as ``request.app.state``."""
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    """The service's Prometheus metrics, served on ``/metrics``."""

    def close(self) -> None:
        self.app.close()


class ServiceRoot(Protocol):
    """A service's ``service`` module, as the runtime sees it."""

    Settings: type[Any]

    def build(
        self, runtime: RuntimeSettings | None = None, settings: Any = None, clock: Any = None
    ) -> Service: ...


class ServiceSettings(Protocol):
    """What the runtime reads of a service's own settings class."""

    http_port: int


SettingsT = TypeVar("SettingsT", bound=ServiceSettings)


@dataclass(frozen=True)
class Composition(Generic[SettingsT]):
    """What a composition root builds its service from, with the parts every service
    wires the same way, so a root states only what is its own."""

    name: str
    runtime: RuntimeSettings
    settings: SettingsT
    clock: Clock

    def store_env(self) -> dict[str, str]:
        """The eventsourcing environment of the service's own store."""
        return store_env(self.runtime, self.name)

    def service(
        self,
        description: str,
        app: Application[Any],
        router: APIRouter,
        translate: Translator,
        *,
        upstream: Sequence[str] = (),
        target: TrackedTarget | None = None,
        schedules: Sequence[Schedule] = (),
        projections: Mapping[str, RebuildableProjection] | None = None,
        state: Mapping[str, Any] | None = None,
        registry: CollectorRegistry | None = None,
    ) -> Service:
        """The service, its routes sharing the clock and the subject ids (and `state`)."""
        return Service(
            name=self.name,
            title=f"samverkan {self.name}",
            description=description,
            runtime=self.runtime,
            http_port=self.settings.http_port,
            app=app,
            routers=[router],
            translate=translate,
            upstream=upstream,
            target=target,
            schedules=schedules,
            projections=dict(projections or {}),
            state={"clock": self.clock, "subject_ids": subject_ids(self.runtime), **(state or {})},
            registry=registry or CollectorRegistry(),
        )


def composition_root(
    name: str, settings_type: Callable[[], SettingsT]
) -> Callable[[Callable[[Composition[SettingsT]], Service]], Callable[..., Service]]:
    """Make a service's ``build(runtime, settings, clock)`` from a function of its
    `Composition`: what is not given is read from the environment, on the system clock."""

    def root(compose: Callable[[Composition[SettingsT]], Service]) -> Callable[..., Service]:
        @functools.wraps(compose)
        def build(
            runtime: RuntimeSettings | None = None,
            settings: SettingsT | None = None,
            clock: Clock | None = None,
        ) -> Service:
            return compose(
                Composition(
                    name,
                    runtime or RuntimeSettings(),
                    settings or settings_type(),
                    clock or SystemClock(),
                )
            )

        return build

    return root


def load_service(name: str) -> ServiceRoot:
    """The composition root module registered for `name` (``samverkan.services``)."""
    if name not in SERVICES:
        msg = f"unknown service {name!r}; choose one of {', '.join(SERVICES)}"
        raise LookupError(msg)
    for entry in entry_points(group=SERVICES_GROUP, name=name):
        root: ServiceRoot = entry.load()
        return root
    msg = f"no {SERVICES_GROUP} entry point for {name!r}: is the project installed?"
    raise LookupError(msg)


def token_verifier(settings: RuntimeSettings) -> TokenVerifier:
    """Verify with the provider's JWKS, a configured public key, the keys OIDC discovery
    finds for an issuer that is a URL, or (offline) the dev key. Keys are fetched over
    https only; plain http only in development on this machine (services.runtime.http.auth)."""
    common: dict[str, Any] = {
        "issuer": settings.token_issuer,
        "audience": settings.token_audience,
        "max_lifetime_seconds": settings.token_max_lifetime_seconds,
        "allow_loopback_http": settings.environment == "development",
    }
    if settings.token_jwks_url is not None:
        return TokenVerifier(**common, jwks_url=settings.token_jwks_url)
    if settings.token_public_key_file is not None:
        public_key = settings.token_public_key_file.read_text()
    elif settings.token_issuer.startswith(("https://", "http://")):
        return TokenVerifier(**common, discovery=True)
    else:
        key_path = settings.var_dir / DEV_KEY_PATH.name
        public_key = DevelopmentSigner.load_or_create(key_path).public_key_pem
    return TokenVerifier(**common, public_key=public_key)


def subject_ids(settings: RuntimeSettings) -> SubjectIdFactory:
    return SubjectIdFactory(settings.resolved_subject_key(), settings.previous_subject_keys())


def service_broker(service: Service, *, instrumented: bool = True) -> KafkaBroker:
    """The service's Kafka client as every role of it configures it."""
    settings = service.runtime
    middlewares = (
        (KafkaPrometheusMiddleware(registry=service.registry, app_name=service.name),)
        if instrumented
        else ()
    )
    return faststream_broker(
        settings.kafka_bootstrap,
        security=broker_security(settings),
        middlewares=middlewares,
        logger=logging.getLogger("samverkan.faststream"),
        log_level=logging.DEBUG,
        enable_idempotence=settings.kafka_enable_idempotence,
        acks="all",
        metadata_max_age_ms=settings.kafka_metadata_max_age_ms,
        # Topics are created by ensure_topics only, with the catalogue's partitions,
        # replicas and retention. faststream's own creation (on by default) made a
        # consumer that started first after the broker lost its log re-create its
        # upstream topics with one partition; their relays then refused to publish.
        allow_auto_create_topics=False,
    )


def consumer_for(service: Service, broker: KafkaBroker) -> TrackedConsumer | None:
    """The service's tracked consumer on `broker`'s upstream topics (None: it consumes none)."""
    if service.target is None:
        return None
    settings = service.runtime
    dead_letters = dlq_topic(service.name, prefix=settings.topic_prefix)
    consumer = TrackedConsumer(
        group_id=f"{settings.topic_prefix}.{service.name}",
        dlq_topic=dead_letters,
        target=service.target,
        metrics=ConsumerMetrics.register(service.registry),
        max_retries=settings.consumer_max_retries,
        commit_interval=settings.consumer_commit_interval_ms / 1000,
        ensure_dlq_topic=lambda: ensure_topics(settings, [dead_letters]),
        # Before each join: after the broker lost its log, the group's leader assigns
        # every upstream topic with the catalogue's partitions (consumer.rejoin).
        ensure_upstream_topics=lambda: ensure_topics(settings, upstream_topics(service)),
    )
    consumer.subscribe(
        broker,
        upstream_topics(service),
        session_timeout_ms=settings.kafka_session_timeout_ms,
        fetch_max_wait_ms=settings.kafka_fetch_max_wait_ms,
    )
    return consumer


def upstream_topics(service: Service) -> list[str]:
    return [events_topic(s, prefix=service.runtime.topic_prefix) for s in service.upstream]


def http_app(service: Service, *, relay_and_consumer: bool = True) -> FastAPI:
    """The service's ASGI app; its lifespan runs the relay and the consumer beside the API,
    or (`relay_and_consumer` False: the ``api`` role, services.runtime.ops.roles) neither,
    and then it has no Kafka client of its own to be ready with."""
    settings = service.runtime
    registry = service.registry
    broker = service_broker(service) if relay_and_consumer else None
    topics = [events_topic(service.name, prefix=settings.topic_prefix)]
    relay = relay_for(service) if relay_and_consumer else None
    consumer = consumer_for(service, broker) if broker is not None else None
    if consumer is not None:
        topics += [*upstream_topics(service), dlq_topic(service.name, prefix=settings.topic_prefix)]
    background = Background(service.name)
    # Keyed chain, anchored outside the database; make run's older unkeyed logs are
    # re-chained at start, a production log only by the operator (services.runtime.store.audit).
    audit_key = chain_key(settings)
    # Concurrent commands share one transaction (and one commit) a batch at a time, on
    # SQLite and PostgreSQL (before the idempotency claim wraps the recorder's inserts).
    writes = group_writes(service.app.recorder, service.name)
    # Keyed chain, anchored outside the database; make run's older unkeyed logs are
    # re-chained at start, a production log only by the operator (services.runtime.store.audit).
    audit_key = chain_key(settings)
    datastore = service.app.recorder.datastore  # type: ignore[attr-defined]
    access_audit = AccessAudit(
        datastore,
        service.name,
        audit_key,
        rechain_legacy=settings.environment == "development",
        # SQLite has one writer: the access records join the commands' batches.
        writes=writes if isinstance(datastore, SQLiteDatastore) else None,
    )
    # A change's access records ride in its events' transaction where its route declares
    # them first (services.runtime.store.logged_changes): one commit, not two in series.
    RecordsWithEvents(access_audit).tie_to(service.app.recorder)
    audit_anchoring = AuditAnchoring(access_audit, settings, audit_key, registry)
    idempotency = IdempotencyStore(
        service.app.recorder.datastore,  # type: ignore[attr-defined]
        writes=writes,
        ttl_seconds=settings.idempotency_ttl_seconds,
    )
    idempotency.tie_to(service.app.recorder)
    sealer = getattr(service.app, "sealer", None)
    if isinstance(sealer, Sealer):  # erasing a subject forgets the keys tied to them
        sealer.keys.erase_listeners.append(idempotency.forget_subject)
    schedules = [
        *service.schedules,
        Schedule("idempotency-expiry", IDEMPOTENCY_PURGE_SECONDS, idempotency.purge_expired),
    ]
    schedule_failures = Counter(
        "samverkan_schedule_failures",
        "Scheduled rounds (expiry, overdue checks) that failed and will be retried.",
        ["schedule"],
        registry=registry,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if relay is not None:
            background.start("relay", relay.run())
        background.start("audit-anchor", audit_anchoring.run())
        if broker is not None:
            background.start("broker", start_broker(broker, settings, topics))
            watch_consumer(background, consumer, broker)
        for schedule in schedules:
            background.start(schedule.name, _run_on_schedule(schedule, schedule_failures))
        try:
            yield
        finally:
            await background.stop()
            if broker is not None:
                await broker.stop()
            access_audit.close()
            await audit_anchoring.close()
            if writes is not None:
                writes.close()
            service.app.close()

    checks: dict[str, ReadinessCheck] = {"store": store_check(service.app)}
    if broker is not None:
        checks |= {
            "kafka": broker_check(broker, background),
            "relay": relay_check(relay, background),
            "consumer": consumer_check(consumer),
        }
    http = api_app(title=service.title, description=service.description, lifespan=lifespan)
    http.add_middleware(Lanes)  # innermost: every guard applies to a service's hot reads
    http.add_middleware(Idempotency, store=idempotency)
    http.add_middleware(DuplicateKeys)
    http.add_middleware(
        RateLimit,
        write_per_second=settings.write_rate_per_second,
        write_burst=settings.write_burst,
        read_per_second=settings.read_rate_per_second,
        read_burst=settings.read_burst,
    )
    http.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    http.add_middleware(StoreCircuit)
    http.add_middleware(HttpMetrics, registry=registry)
    http.add_middleware(RequestLog)  # in the trace: its line carries the trace id
    http.add_middleware(TraceContext)  # outermost: every answer, even a refusal, is traced
    instrument_http(http)  # with the SDK configured: the server span, outside all of these
    install_problem_handlers(http)
    document_problem_responses(http)
    http.include_router(operations_router(registry, checks))
    for router in service.routers:
        http.include_router(router)
    http.state.token_verifier = token_verifier(settings)
    http.state.access_audit = access_audit
    http.state.audit_anchoring = audit_anchoring
    http.state.application = service.app
    http.state.metrics_registry = registry
    http.state.relay = relay
    for key, value in service.state.items():
        setattr(http.state, key, value)
    return http


def relay_for(service: Service) -> OutboxRelay | None:
    """The service's outbox relay onto its events topic (None: it publishes nothing)."""
    if service.translate is None:
        return None
    settings = service.runtime
    topic = events_topic(service.name, prefix=settings.topic_prefix)
    datastore: SQLiteDatastore | PostgresDatastore = service.app.recorder.datastore  # type: ignore[attr-defined]
    relay = OutboxRelay(
        app=service.app,
        translate=service.translate,
        topic=topic,
        settings=settings,
        positions=RelayPositions(datastore),
        metrics=RelayMetrics.register(service.registry),
        leadership=leadership_for(
            datastore, f"samverkan.relay:{topic}", settings.relay_leader_lease_seconds
        ),
    )
    if isinstance(service.app, OutboxApplication):
        service.app.save_listeners.append(relay.wake)
    return relay


async def _run_on_schedule(schedule: Schedule, failures: Counter) -> None:
    while True:
        try:
            await asyncio.to_thread(schedule.run)
        except Exception:
            log.exception("scheduled %s failed; retrying next round", schedule.name)
            failures.labels(schedule.name).inc()
        await asyncio.sleep(schedule.every_seconds)
