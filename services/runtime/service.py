"""Assembling a service: its application, its relay, its consumer and its HTTP app.

Each service's ``main`` module states *what* it consists of in a
:class:`ServiceParts`; this module does the same wiring for all four, so a
fix to start-up or shutdown lands everywhere at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiokafka.errors import KafkaError
from eventsourcing.application import Application
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteDatastore
from fastapi import APIRouter, FastAPI
from faststream.kafka import KafkaBroker
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from prometheus_client import CollectorRegistry, Counter

from contracts import dlq_topic, events_topic
from services.runtime.application import OutboxApplication
from services.runtime.audit import AccessAudit, chain_key
from services.runtime.audit_anchor import AuditAnchoring
from services.runtime.auth import DEV_KEY_PATH, DevelopmentSigner, TokenVerifier
from services.runtime.consumer import ConsumerMetrics, TrackedConsumer, TrackedTarget
from services.runtime.group_commit import group_writes
from services.runtime.guards import BodyLimit, DuplicateKeys, RateLimit, StoreCircuit
from services.runtime.http import HttpMetrics, ReadinessCheck, TraceContext, operations_router
from services.runtime.idempotency import Idempotency, IdempotencyStore
from services.runtime.identity import SubjectIdFactory
from services.runtime.kafka import broker_security, ensure_topics
from services.runtime.leadership import leadership_for
from services.runtime.openapi import document_problem_responses
from services.runtime.privacy import Sealer
from services.runtime.problems import install_problem_handlers
from services.runtime.relay import OutboxRelay, RelayMetrics, Translator
from services.runtime.settings import RuntimeSettings
from services.runtime.store import RelayPositions

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


@dataclass
class ServiceParts:
    """What one service is made of; its ``main`` fills this in."""

    name: str
    title: str
    description: str
    app: Application[Any]
    routers: Sequence[APIRouter]
    translate: Translator | None = None
    upstream: Sequence[str] = ()
    target: TrackedTarget | None = None
    schedules: Sequence[Schedule] = ()
    state: dict[str, Any] = field(default_factory=dict)


def token_verifier(settings: RuntimeSettings) -> TokenVerifier:
    """Verify with the provider's JWKS, a configured public key, the keys OIDC discovery
    finds for an issuer that is a URL, or (offline) the dev key. Keys are fetched over
    https only; plain http only in development on this machine (services.runtime.auth)."""
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


def create_http_app(parts: ServiceParts, settings: RuntimeSettings) -> FastAPI:
    """The service's ASGI app; its lifespan runs the relay and the consumer beside the API."""
    registry = CollectorRegistry()
    broker = KafkaBroker(
        settings.kafka_bootstrap,
        security=broker_security(settings),
        middlewares=(KafkaPrometheusMiddleware(registry=registry, app_name=parts.name),),
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
    topics = [events_topic(parts.name, prefix=settings.topic_prefix)]
    relay = _relay(parts, settings, registry, topics[0]) if parts.translate else None
    consumer: TrackedConsumer | None = None
    if parts.target is not None:
        upstream = [events_topic(s, prefix=settings.topic_prefix) for s in parts.upstream]
        dead_letters = dlq_topic(parts.name, prefix=settings.topic_prefix)
        topics += [*upstream, dead_letters]
        consumer = TrackedConsumer(
            group_id=f"{settings.topic_prefix}.{parts.name}",
            dlq_topic=dead_letters,
            target=parts.target,
            metrics=ConsumerMetrics.register(registry),
            max_retries=settings.consumer_max_retries,
            ensure_dlq_topic=lambda: ensure_topics(settings, [dead_letters]),
        )
        consumer.subscribe(
            broker,
            upstream,
            session_timeout_ms=settings.kafka_session_timeout_ms,
            fetch_max_wait_ms=settings.kafka_fetch_max_wait_ms,
        )
    background: dict[str, asyncio.Task[None]] = {}
    # Keyed chain, anchored outside the database; make run's older unkeyed logs are
    # re-chained at start, a production log only by the operator (services.runtime.audit).
    audit_key = chain_key(settings)
    access_audit = AccessAudit(
        parts.app.recorder.datastore,  # type: ignore[attr-defined]
        parts.name,
        audit_key,
        rechain_legacy=settings.environment == "development",
    )
    audit_anchoring = AuditAnchoring(access_audit, settings, audit_key, registry)
    # Concurrent commands share SQLite's one writer a batch at a time (before the
    # idempotency claim wraps the recorder's inserts).
    writes = group_writes(parts.app.recorder, parts.name)
    idempotency = IdempotencyStore(
        parts.app.recorder.datastore,  # type: ignore[attr-defined]
        writes=writes,
        ttl_seconds=settings.idempotency_ttl_seconds,
    )
    idempotency.tie_to(parts.app.recorder)
    sealer = getattr(parts.app, "sealer", None)
    if isinstance(sealer, Sealer):  # erasing a subject forgets the keys tied to them
        sealer.keys.erase_listeners.append(idempotency.forget_subject)
    schedules = [
        *parts.schedules,
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
            background["relay"] = asyncio.create_task(relay.run(), name=f"{parts.name}-relay")
        background["audit-anchor"] = asyncio.create_task(
            audit_anchoring.run(), name=f"{parts.name}-audit-anchor"
        )
        background["broker"] = asyncio.create_task(
            _start_broker(broker, settings, topics), name=f"{parts.name}-broker"
        )
        for schedule in schedules:
            background[schedule.name] = asyncio.create_task(
                _run_on_schedule(schedule, schedule_failures), name=f"{parts.name}-{schedule.name}"
            )
        try:
            yield
        finally:
            for task in background.values():
                task.cancel()
            for task in background.values():
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await broker.stop()
            access_audit.close()
            await audit_anchoring.close()
            if writes is not None:
                writes.close()
            parts.app.close()

    async def store_ready() -> str | None:
        try:
            # Bounded: the store library would retry a lost database for seconds.
            await asyncio.wait_for(
                asyncio.to_thread(parts.app.recorder.max_notification_id), timeout=2.0
            )
        except TimeoutError:
            return "store: no answer within 2 s"
        except Exception as error:
            return f"store: {error!r}"[:200]
        return None

    async def broker_ready() -> str | None:
        task = background.get("broker")
        if task is None or not task.done() or task.exception() is not None:
            return "kafka: not connected yet"
        return None if await broker.ping(timeout=1.0) else "kafka: no answer"

    async def relay_ready() -> str | None:
        task = background.get("relay")
        if task is not None and task.done():
            return f"relay stopped: {task.exception()!r}"
        if relay is not None and relay.last_error is not None:
            return f"relay failing: {relay.last_error}"
        return None

    async def consumer_ready() -> str | None:
        if consumer is not None and not consumer.joined:
            return "consumer: not yet in its group"
        return None

    checks: dict[str, ReadinessCheck] = {
        "store": store_ready,
        "kafka": broker_ready,
        "relay": relay_ready,
        "consumer": consumer_ready,
    }
    http = FastAPI(title=parts.title, description=parts.description, lifespan=lifespan)
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
    http.add_middleware(TraceContext)  # outermost: every answer, even a refusal, is traced
    install_problem_handlers(http)
    document_problem_responses(http)
    http.include_router(operations_router(registry, checks))
    for router in parts.routers:
        http.include_router(router)
    http.state.token_verifier = token_verifier(settings)
    http.state.access_audit = access_audit
    http.state.audit_anchoring = audit_anchoring
    http.state.application = parts.app
    http.state.metrics_registry = registry
    http.state.relay = relay
    for key, value in parts.state.items():
        setattr(http.state, key, value)
    return http


def _relay(
    parts: ServiceParts, settings: RuntimeSettings, registry: CollectorRegistry, topic: str
) -> OutboxRelay:
    assert parts.translate is not None
    datastore: SQLiteDatastore | PostgresDatastore = parts.app.recorder.datastore  # type: ignore[attr-defined]
    relay = OutboxRelay(
        app=parts.app,
        translate=parts.translate,
        topic=topic,
        settings=settings,
        positions=RelayPositions(datastore),
        metrics=RelayMetrics.register(registry),
        leadership=leadership_for(
            datastore, f"samverkan.relay:{topic}", settings.relay_leader_lease_seconds
        ),
    )
    if isinstance(parts.app, OutboxApplication):
        parts.app.save_listeners.append(relay.wake)
    return relay


async def _run_on_schedule(schedule: Schedule, failures: Counter) -> None:
    while True:
        try:
            await asyncio.to_thread(schedule.run)
        except Exception:
            log.exception("scheduled %s failed; retrying next round", schedule.name)
            failures.labels(schedule.name).inc()
        await asyncio.sleep(schedule.every_seconds)


async def _start_broker(broker: KafkaBroker, settings: RuntimeSettings, topics: list[str]) -> None:
    """Connect, waiting out a broker that is not up yet (start order must not matter)."""
    delay = 0.1
    while True:
        try:
            await ensure_topics(settings, topics)
            await broker.start()
            return
        except (KafkaError, OSError) as error:
            log.warning("kafka not reachable yet: %r", error)
            await broker.stop()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
