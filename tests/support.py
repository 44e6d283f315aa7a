"""Test support: made-up actors, tokens, service processes, reading topics as a partner.

Every test gets its own topic prefix, var directory and schema prefix, so
tests run in parallel (pytest-xdist) without sharing topics, ports or schemas.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import importlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import uvicorn
from aiokafka import AIOKafkaProducer, ConsumerRecord
from faststream.kafka import KafkaBroker
from prometheus_client import CollectorRegistry

from contracts import ConsentGiven, OrgType, Purpose, Role, dlq_topic, encode, events_topic
from services.escalation.domain import SubjectAuthorisations, authorisations_id
from services.runtime.http.development_tokens import DEV_AUDIENCE, DEV_ISSUER, DevelopmentSigner
from services.runtime.kernel.actor import Actor
from services.runtime.kernel.identity import luhn_check_digit
from services.runtime.messaging import peek
from services.runtime.messaging.consumer.gaps import GAP_GRACE_SECONDS
from services.runtime.messaging.consumer.metrics import ConsumerMetrics
from services.runtime.messaging.consumer.subscription import TrackedConsumer
from services.runtime.messaging.consumer.target import TrackedTarget
from services.runtime.messaging.embedded_broker import free_port
from services.runtime.messaging.kafka import ensure_topics, faststream_broker
from services.runtime.messaging.relay.metrics import RelayMetrics
from services.runtime.messaging.relay.outbox import OutboxRelay
from services.runtime.service import http_app, load_service
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import RelayPositions

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("SAMVERKAN_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")

# Made-up identity numbers only: the tax agency's published test number.
TEST_PERSONNUMMER = "19121212-1212"
START_SECONDS = 60.0
"""How long a service process may take to answer /readyz: on a 2-core CI machine running the
suite in parallel, importing a service alone has taken over 25 seconds."""

# The four organisations of the stories, one actor each: Actor(hsa_id, org_id, org_type, role).
POLICE = Actor("SE2321000016-P001", "SE2321000016-POL1", OrgType.POLICE, Role.FIRST_RESPONDER)
SOCIAL = Actor("SE2120000001-S001", "SE2120000001-SOC1", OrgType.SOCIAL_SERVICES, Role.CASEWORKER)
HEALTH = Actor(
    "SE2321000016-H001", "SE2321000016-HC01", OrgType.HEALTH_CARE, Role.DEPUTY_UNIT_MANAGER
)
COORDINATOR = Actor(
    "SE2321000016-K001", "SE2321000016-NVK1", OrgType.COORDINATION_OFFICE, Role.COORDINATOR
)
CONTROLLER = Actor(
    "SE2120000001-C001", "SE2120000001-CTL1", OrgType.SOCIAL_SERVICES, Role.CONTROLLER
)
"""The municipality's (SE2120000001) verksamhetscontroller IoF: keeps its deviation reports
(D-8; the reporting service's development default `controllers` names this unit)."""
OTHER_CONTROLLER = Actor(
    "SE2120000002-C001", "SE2120000002-CTL1", OrgType.SOCIAL_SERVICES, Role.CONTROLLER
)
"""Another municipality's controller: keeps none of the stories' reports (D-8)."""

# One municipality's social services as two units: individual and family care (children
# and youth) and adult care, with the staff the case and red-thread stories meet.
IOF = "SE2120000001-IOF1"
AOF = "SE2120000001-AOF1"
IOF_CASEWORKER = Actor("SE2120000001-S101", IOF, OrgType.SOCIAL_SERVICES, Role.CASEWORKER)
IOF_DEPUTY = Actor("SE2120000001-D001", IOF, OrgType.SOCIAL_SERVICES, Role.DEPUTY_UNIT_MANAGER)
AOF_DEPUTY = Actor("SE2120000001-D002", AOF, OrgType.SOCIAL_SERVICES, Role.DEPUTY_UNIT_MANAGER)
AOF_MANAGER = Actor("SE2120000001-S201", AOF, OrgType.SOCIAL_SERVICES, Role.DEPUTY_UNIT_MANAGER)
AOF_CASEWORKER = "SE2120000001-S202"
"""Adult care's caseworker who acknowledges a handover (named, never signed in)."""
PLATFORM_ADMIN = Actor(
    "SE2321000016-A001", "SE2321000016-IT01", OrgType.SOCIAL_SERVICES, Role.ADMIN
)
"""An administrator of the unit consent's erasure setting names (settings_env)."""


def on_store(settings: RuntimeSettings, store_backend: str, schema_prefix: str) -> RuntimeSettings:
    """`settings` with their stores where `store_backend` says: as they are (SQLite files
    under the var dir), or the shared PostgreSQL in schemas named by `schema_prefix`."""
    if store_backend != "postgres":
        return settings
    return settings.model_copy(
        update={"database_url": PG_URL, "database_schema_prefix": schema_prefix}
    )


def service_app(
    name: str, runtime: RuntimeSettings, settings: Any = None, clock: Any = None
) -> Any:
    """A service's HTTP app as ``serve`` builds it: from its composition root."""
    return http_app(load_service(name).build(runtime, settings, clock))


def settings_env(settings: RuntimeSettings) -> dict[str, str]:
    """The environment a service process needs to read exactly these settings."""
    env = {
        "SAMVERKAN_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "SAMVERKAN_TOPIC_PREFIX": settings.topic_prefix,
        "SAMVERKAN_VAR_DIR": str(settings.var_dir),
        "SAMVERKAN_RELAY_LOG_CHECK_SECONDS": str(settings.relay_log_check_seconds),
        "SAMVERKAN_KAFKA_SESSION_TIMEOUT_MS": str(settings.kafka_session_timeout_ms),
        "SAMVERKAN_DATABASE_SCHEMA_PREFIX": settings.database_schema_prefix,
        # Test processes use development keys under var_dir; a test of production
        # start-up says SAMVERKAN_ENVIRONMENT=production in its extra_env.
        "SAMVERKAN_ENVIRONMENT": "development",
        # The platform unit whose administrators may erase (consent): the tests' ADMIN's.
        "SAMVERKAN_CONSENT_ERASURE_UNIT": "SE2321000016-IT01",
    }
    if settings.database_url:
        env["SAMVERKAN_DATABASE_URL"] = settings.database_url
        env["SAMVERKAN_DATABASE_CONNECT_TIMEOUT_SECONDS"] = str(
            settings.database_connect_timeout_seconds
        )
    return env


def token(settings: RuntimeSettings, actor: Actor) -> str:
    signer = DevelopmentSigner.load_or_create(settings.var_dir / "dev-signing-key.pem")
    return signer.mint(actor, issuer=DEV_ISSUER, audience=DEV_AUDIENCE, now=datetime.now(UTC))


def auth(settings: RuntimeSettings, actor: Actor) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(settings, actor)}"}


def api_client(url: str, settings: RuntimeSettings, actor: Actor | None = None) -> httpx.Client:
    """An HTTP client for a service, with a bearer token for `actor` when given."""
    headers = auth(settings, actor) if actor else {}
    return httpx.Client(base_url=url, headers=headers, timeout=10)


@dataclass
class ServiceProcess:
    """A service running as its own OS process, exactly as ``make run`` starts it."""

    service: str
    settings: RuntimeSettings
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    role: str | None = None
    """``serve --role`` (services.runtime.roles); None: the default, all of the service."""

    @property
    def log_name(self) -> str:
        return self.service if self.role is None else f"{self.service}-{self.role}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = START_SECONDS) -> ServiceProcess:
        """Starts the process; a port taken between choosing and binding is chosen again."""
        for _ in range(3):
            log_before = len(self.logs())
            try:
                return self._start_once(timeout)
            except RuntimeError:
                if "address already in use" not in self.logs()[log_before:]:
                    raise
                self.port = free_port()
        return self._start_once(timeout)

    def _start_once(self, timeout: float) -> ServiceProcess:
        env = {
            **os.environ,
            **settings_env(self.settings),
            f"SAMVERKAN_{self.service.upper()}_HTTP_PORT": str(self.port),
            **self.extra_env,
        }
        since = len(self.logs())
        log = open(self.settings.var_dir / f"{self.log_name}.log", "ab")  # noqa: SIM115
        role = [] if self.role is None else ["--role", self.role]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "services.runtime.ops.serve", self.service, *role],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        try:
            self.wait_ready(timeout, since)
        except BaseException:
            self.stop()  # the caller never got hold of it: it must not outlive the test
            raise
        return self

    def wait_ready(self, timeout: float = START_SECONDS, since: int = 0) -> None:
        """Ready once THIS process listens on the port and answers /readyz.

        A /readyz answer alone can come from another test's service that took the
        same port first (parallel workers choose ports independently): this process
        then fails to bind and exits while the test talks to a stranger (a 404 for a
        route the other service lacks, a 401 for its other signing key). Uvicorn
        logs its address only once its own bind succeeded.
        """
        listening = f"running on {self.url}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.service} exited: {self.logs()[-3000:]}")
            try:
                if (
                    httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200
                    and listening in self.logs()[since:]
                ):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"{self.service} not ready: {self.logs()[-3000:]}")

    def logs(self) -> str:
        path = self.settings.var_dir / f"{self.log_name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def client(self, actor: Actor | None = None) -> httpx.Client:
        return api_client(self.url, self.settings, actor)


def call(
    service: Any, actor: Actor | None, method: str, path: str, **kwargs: Any
) -> httpx.Response:
    """One request to a service (a process or in-process) as `actor`."""
    with service.client(actor) as client:
        response: httpx.Response = client.request(method, path, **kwargs)
        return response


def call_once_consent_known(
    service: Any, actor: Actor | None, method: str, path: str, **kwargs: Any
) -> httpx.Response:
    """`call`, made again while the service answers 409 because it has not yet heard of the
    consent that allows it (it learns of consents from consent's topic, a moment after they
    are given); its first other answer."""

    def answered() -> httpx.Response | None:
        response = call(service, actor, method, path, **kwargs)
        return None if response.status_code == 409 else response

    response: httpx.Response = wait_for(answered, timeout=30)
    return response


def consent_body(
    personnummer: str = TEST_PERSONNUMMER,
    *,
    purpose: str = "sip",
    parties: Sequence[str] = (SOCIAL.org_id, HEALTH.org_id),
    form: str = "oral",
    **details: Any,
) -> dict[str, Any]:
    """What a unit posts to record an informed consent (C-1..C-3): an oral SIP consent
    between social services and health care unless said otherwise."""
    return {
        "personnummer": personnummer,
        "purpose": purpose,
        "parties": list(parties),
        "form": form,
        "informed": True,
        **details,
    }


def consent_given(
    consent: Any,
    personnummer: str,
    *,
    by: Actor = SOCIAL,
    purpose: str = "sip",
    parties: Sequence[str] = (SOCIAL.org_id, HEALTH.org_id),
    form: str = "written",
    **details: Any,
) -> dict[str, Any]:
    """An informed consent (C-1..C-3) as `by` records it over HTTP: a written SIP between
    social services and health care unless said otherwise; consent's answer (201)."""
    body = consent_body(personnummer, purpose=purpose, parties=parties, form=form, **details)
    given = call(consent, by, "POST", "/v1/consents", json=body)
    assert given.status_code == 201, given.text
    answer: dict[str, Any] = given.json()
    return answer


def emergency_disclosure(
    consent: Any,
    by: Actor,
    personnummer: str,
    parties: Sequence[str],
    justification: str,
    **details: Any,
) -> httpx.Response:
    """`by` discloses to `parties` without consent, in immediate danger (C-5); consent's
    answer, whatever it is."""
    body = {
        "personnummer": personnummer,
        "parties": list(parties),
        "justification": justification,
        **details,
    }
    return call(consent, by, "POST", "/v1/emergency-disclosures", json=body)


def decision(
    consent: Any,
    subject: str,
    purpose: str = "sip",
    *,
    by: Actor = SOCIAL,
    from_org: str = SOCIAL.org_id,
    to_org: str = HEALTH.org_id,
    **params: str,
) -> httpx.Response:
    """Consent's answer to `by` (C-9): may `from_org` share with `to_org` about `subject`
    (its subject id or personnummer) for `purpose`? Social services asking about health
    care unless said otherwise."""
    query = {"subject": subject, "from_org": from_org, "to_org": to_org, "purpose": purpose}
    return call(consent, by, "GET", "/v1/decisions", params=query | params)


def assert_unavailable_for_now(response: httpx.Response) -> None:
    """The answer of a service whose store is down: 503, a problem document, and a
    Retry-After telling the caller when to try again."""
    assert response.status_code == 503, response.text
    assert int(response.headers["retry-after"]) >= 1
    assert response.headers["content-type"] == "application/problem+json"


def give_sip_consent(consent: Any, personnummer: str) -> str:
    """A written SIP consent between social services and health care (C-1..C-3), as
    social services records it; the subject id it is kept under."""
    subject_id: str = consent_given(consent, personnummer)["subject_id"]
    return subject_id


def read_topic(bootstrap: str, topic: str) -> list[ConsumerRecord[bytes, bytes]]:
    """Everything on a topic right now, read as a partner would (no consumer group)."""
    # A thread of its own, so async tests (with a running loop) can call it too.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, peek.read_topic(bootstrap, topic)).result()


def placements(bootstrap: str, topic: str) -> dict[bytes, set[tuple[int, bytes]]]:
    """Where each event (by ``ce_id``) stands on a topic now: every partition it is on, with
    the predecessor it names there. An event sent twice to the same place has one entry."""
    placed: dict[bytes, set[tuple[int, bytes]]] = {}
    for record in read_topic(bootstrap, topic):
        headers = dict(record.headers)
        placed.setdefault(headers["ce_id"], set()).add(
            (record.partition, headers["ce_prevsequence"])
        )
    return placed


def wait_for(predicate: Any, timeout: float = 15.0, interval: float = 0.1) -> Any:
    """Poll until predicate() is truthy; return its value (the eventual-consistency wait)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s; last value {value!r}")
        time.sleep(interval)


__all__ = [
    "COORDINATOR",
    "HEALTH",
    "PG_URL",
    "POLICE",
    "SOCIAL",
    "TEST_PERSONNUMMER",
    "ServiceProcess",
    "auth",
    "events_topic",
    "read_topic",
    "settings_env",
    "token",
    "wait_for",
]


def outbox_relay(
    app: Any,
    settings: RuntimeSettings,
    topic: str,
    translate: Any = None,
    metrics: RelayMetrics | None = None,
    leadership: Any = None,
) -> OutboxRelay:
    """An outbox relay for ``app`` as the service runs it; a fault test hands it a broken
    `translate`, the `metrics` it reads, or a `leadership` to contend for."""
    datastore = app.recorder.datastore
    return OutboxRelay(
        app=app,
        translate=translate or _translator_for(app),
        topic=topic,
        settings=settings,
        positions=RelayPositions(datastore),
        metrics=metrics or RelayMetrics.register(CollectorRegistry()),
        leadership=leadership,
    )


@contextlib.asynccontextmanager
async def running_task(work: Coroutine[Any, Any, None]) -> AsyncIterator[asyncio.Task[None]]:
    """`work` as a task for the block's length; cancelled (as a stopped process's work is)
    when the block ends."""
    task = asyncio.create_task(work)
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def running_relay(relay: OutboxRelay) -> contextlib.AbstractAsyncContextManager[asyncio.Task[None]]:
    """The relay's loop as a task for the block's length (`running_task`)."""
    return running_task(relay.run())


async def reaches(
    relay: OutboxRelay, task: asyncio.Task[None], head: int, timeout: float = 10.0
) -> None:
    """Wait until the relay has published and recorded up to `head`; its failure, if it
    stopped, is raised here rather than hidden behind a timeout."""
    deadline = time.monotonic() + timeout
    while relay.position.sequence < head:
        if task.done():
            task.result()
        if time.monotonic() > deadline:
            raise AssertionError(f"relay stuck at {relay.position} of {head}")
        await asyncio.sleep(0.05)


async def drain_relay(
    app: Any, settings: RuntimeSettings, topic: str, timeout: float = 15.0
) -> OutboxRelay:
    """Run an outbox relay in-process until everything stored is published and recorded."""
    relay = outbox_relay(app, settings, topic)
    async with running_relay(relay) as task:
        await reaches(relay, task, app.recorder.max_notification_id() or 0, timeout)
    return relay


def _translator_for(app: Any) -> Any:
    module = importlib.import_module(f"services.{app.name}.translate")
    return module.to_integration_event


@contextlib.asynccontextmanager
async def running_consumer(
    settings: RuntimeSettings,
    app: Any,
    upstream: list[str],
    name: str,
    *,
    target: TrackedTarget | None = None,
    broker: KafkaBroker | None = None,
    gap_grace_seconds: float | None = None,
) -> AsyncIterator[ConsumerMetrics]:
    """A tracked consumer for ``app`` (or `target`) in-process, subscribed to the upstream
    services' topics; `broker` lets a fault test put its own in the dead-letter path."""
    broker = broker or faststream_broker(settings.kafka_bootstrap, log_level=logging.DEBUG)
    metrics = ConsumerMetrics.register(CollectorRegistry())
    dead_letters = dlq_topic(name, prefix=settings.topic_prefix)
    TrackedConsumer(
        group_id=f"{settings.topic_prefix}.{name}",
        dlq_topic=dead_letters,
        # As the service makes it (services.runtime.service.consumer_for): no client
        # creates a topic by writing to it.
        ensure_dlq_topic=lambda: ensure_topics(settings, [dead_letters]),
        target=target or TrackedTarget.of(app, app.recorder),
        metrics=metrics,
        max_retries=2,
        retry_delay=0.01,
        gap_grace_seconds=GAP_GRACE_SECONDS if gap_grace_seconds is None else gap_grace_seconds,
    ).subscribe(
        broker,
        [events_topic(s, prefix=settings.topic_prefix) for s in upstream],
        session_timeout_ms=settings.kafka_session_timeout_ms,
    )
    try:
        await broker.start()
        yield metrics
    finally:
        await broker.stop()


async def eventually(predicate: Any, timeout: float = 20.0) -> Any:
    """Async twin of wait_for: poll a (sync, possibly blocking) predicate off the loop."""
    deadline = time.monotonic() + timeout
    while True:
        value = await asyncio.to_thread(predicate)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s; last value {value!r}")
        await asyncio.sleep(0.1)


async def produce_raw(
    bootstrap: str,
    topic: str,
    messages: list[tuple[bytes | None, bytes, list[tuple[str, bytes]]]],
    partitions: list[int] | None = None,
) -> None:
    """Write messages exactly as given (key, value, headers) — for duplicates and poison —
    each onto the partition `partitions` names for it, or where its key puts it; the topic
    made first if missing, as the platform makes it (no client of ours creates a topic by
    writing to it: services.runtime.messaging.metadata)."""
    await ensure_topics(
        RuntimeSettings(kafka_bootstrap=bootstrap, environment="development"), [topic]
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        await producer.start()
        for n, (key, value, headers) in enumerate(messages):
            partition = None if partitions is None else partitions[n]
            await producer.send_and_wait(
                topic, value=value, key=key, headers=headers, partition=partition
            )
    finally:
        await producer.stop()


RawMessage = tuple[bytes | None, bytes, list[tuple[str, bytes]]]
"""A message exactly as it stands on a topic: key, value, headers."""

CONSENTED_AT = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def oral_consent(consent: int, subject: str) -> ConsentGiven:
    """Consent number `consent` for `subject`: oral, to a red-thread meeting of police and
    social services (C-1), as the fault tests send it upstream."""
    return ConsentGiven(
        consent_id=UUID(int=consent),
        subject_id=subject,
        purpose=Purpose.RED_THREAD_MEETING,
        parties=("SE2321000016-POL1", "SE2120000001-SOC1"),
        form="oral",
        recorded_by="SE2321000016-P001",
        informed=True,
        given_at=CONSENTED_AT,
        valid_until=date(2027, 1, 1),
    )


def as_published(event: Any, sequence: int, prev: int | None = None) -> RawMessage:
    """`event` as consent's relay publishes it: at `sequence`, after `prev` (the one
    before unless said), its ``ce_id`` made from the consent's number."""
    message = encode(
        event,
        event_id=str(event.consent_id),
        time=CONSENTED_AT,
        sequence=sequence,
        prev_sequence=sequence - 1 if prev is None else prev,
    )
    return message.key, message.value, message.headers


def consents_noted(escalation: Any, subject_id: str) -> list[int]:
    """The numbers of the consents escalation noted for a subject (made by oral_consent), in
    the order it noted them; none while it knows nothing of the subject."""
    try:
        events = escalation.repository.event_store.get(authorisations_id(subject_id))
    except Exception:
        return []
    return [
        UUID(str(e.consent["consent_id"])).int
        for e in events
        if isinstance(e, SubjectAuthorisations.ConsentNoted)
    ]


def metric_value(metrics: Any, name: str, **labels: str) -> float:
    counter = getattr(metrics, name)
    value: float = counter.labels(**labels)._value.get()
    return value


def made_up_personnummer(birth: str, serial: str) -> str:
    """A personnummer that validates but belongs to no one we know: YYYYMMDD, 3 digits."""
    return f"{birth}-{serial}{luhn_check_digit(birth[2:] + serial)}"


class MovableClock:
    """A clock a test moves; handed to a service running in the test's own process."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime.now(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self._now += delta


@dataclass
class InProcessService:
    """A service on a real port in this process, so the test can hold its clock.

    Everything else is as in production: the same app factory, store, relay
    and consumer, talking to the same broker as the other services.
    """

    service: str
    settings: RuntimeSettings
    app_factory: Any
    port: int = field(default_factory=free_port)
    server: uvicorn.Server | None = None
    thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> InProcessService:
        """Serves on a port this server bound itself: a /readyz answer alone may come from
        another worker's service that took the chosen port first (then ours cannot bind,
        and another port is chosen)."""
        for _ in range(3):
            config = uvicorn.Config(
                self.app_factory(), host="127.0.0.1", port=self.port, log_config=None, lifespan="on"
            )
            server = self.server = uvicorn.Server(config)
            thread = self.thread = threading.Thread(
                target=server.run, name=self.service, daemon=True
            )
            thread.start()
            wait_for(
                lambda s=server, t=thread: s.started or not t.is_alive(),
                timeout=timeout,
            )
            if server.started:
                wait_for(lambda: _ready(self.url), timeout=timeout)
                return self
            self.port = free_port()  # the bind failed: the port was taken meanwhile
        raise RuntimeError(f"{self.service}: no port could be bound")

    def client(self, actor: Actor | None = None) -> httpx.Client:
        return api_client(self.url, self.settings, actor)

    def stop(self) -> None:
        if self.server is not None and self.thread is not None:
            self.server.should_exit = True
            self.thread.join(20)


class PageParts(HTMLParser):
    """What an HTML page is made of, fed to it: the tags it uses and every address it
    would fetch (src, href), for a page that must render on its own."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.external += [value for name, value in attrs if name in {"src", "href"} and value]


class JsonServer:
    """A real HTTP server on this machine that answers a GET with the JSON document
    `documents` gives for the path (404 where it gives None) and records every path asked:
    an identity provider's discovery document and key set, as the verifier fetches them."""

    def __init__(self, documents: Callable[[str], Any], host: str = "127.0.0.1") -> None:
        self.requests: list[str] = []
        served = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                served.requests.append(self.path)
                document = documents(self.path)
                if document is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                body = json.dumps(document).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.http = HTTPServer((host, 0), Handler)
        self.base = f"http://{host}:{self.http.server_port}"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.http.shutdown()
        self.http.server_close()


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def applied_by(process: Any, upstream: str) -> float:
    """How many upstream events a service has applied, as its /metrics tell operators."""
    metrics = httpx.get(f"{process.url}/metrics").text
    for line in metrics.splitlines():
        if line.startswith("samverkan_consumer_messages_total{") and (
            'outcome="applied"' in line and f".{upstream}.events" in line
        ):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


@dataclass
class PrivatePostgres:
    """A PostgreSQL server of the test's own (Debian's initdb/pg_ctl, temp dir, free port),
    for tests that stop, kill or restart the database; the shared one is never touched."""

    directory: Path
    port: int = field(default_factory=free_port)
    max_connections: int = 100
    """The chaos campaign (four services, their role processes) needs more."""

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        # PostgreSQL refuses to run as root; the machine's postgres user runs it.
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *args], check=True, capture_output=True, timeout=120)

    def init(self) -> PrivatePostgres:
        self.directory.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        self._run("initdb", "-D", str(self.directory / "data"), "-A", "trust", "-U", "postgres")
        return self

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 "
            f"-c max_connections={self.max_connections} -k {self.directory / 'data'}"
        )
        log = str(self.directory / "data" / "server.log")
        self._run(
            "pg_ctl", "-D", str(self.directory / "data"), "-o", options, "-l", log, "-w", "start"
        )

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.directory / "data"), "-m", mode, "-w", "stop")


APPROVED_ACTIONS: list[dict[str, Any]] = [
    {
        "action": "Gemensam rutin för SIP före utskrivning",
        "owner": "Lokalt samråd",
        "due": "2099-06-30",
        "level": "local",
        "category": "no_sip",
        "user_involvement": True,
    },
    {
        "action": "Länsgemensam utbildning om beroende",
        "owner": "Länsstyrgruppen",
        "due": "2099-12-31",
        "level": "county",
        "problem_area": "addiction",
    },
]
"""An action plan with an action at each level (D-9), due long after any test's clock."""


def approve_annual_review(client: Any, year: int, area: str = "all") -> None:
    """D-5, D-9: the year's report drafted, analysed and approved with `APPROVED_ACTIONS`,
    so that it may be published."""
    path = f"/v1/annual-reports/{year}/review"
    drafted = client.post(path, json={"area": area})
    assert drafted.status_code == 201, drafted.text
    analysis = {"area": area, "analysis": "Flest brister gäller utskrivning utan SIP."}
    analysed = client.put(f"{path}/analysis", json=analysis)
    assert analysed.status_code == 204, analysed.text
    approval = {
        "area": area,
        "approver_name": "Ordförande",
        "approver_title": "Socialchef",
        "actions": APPROVED_ACTIONS,
    }
    approved = client.put(f"{path}/approval", json=approval)
    assert approved.status_code == 204, approved.text
