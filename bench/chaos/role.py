"""One role of a service in a process of its own: ``python -m bench.chaos.role relay consent``.

The service process runs its relay and its consumer as tasks; this runs the
same objects — the service's own composition root builds them — without the
HTTP API, so the campaign can SIGKILL a relay or a consumer on its own.
Settings come from the environment, as for a service; the campaign's fault
hooks (:mod:`bench.chaos.chain`, :mod:`bench.chaos.outage`) are installed as
in the stack's service processes, so every relay of a topic translates alike.

With ``CHAOS_METRICS_PORT`` set, the role serves its Prometheus metrics
there (as a service does on ``/metrics``): the campaign reads a relay's
``samverkan_outbox_leading`` to find the leader it freezes, and a consumer's
``samverkan_consumer_lag`` for the partitions it owns.

``republish consent`` is ``samverkan outbox republish`` from position 1 with
the stack's translator, once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys

from faststream.kafka import KafkaBroker
from prometheus_client import CollectorRegistry, start_http_server

from bench.chaos import chain, outage
from contracts import dlq_topic, events_topic
from services.runtime.consumer import ConsumerMetrics, TrackedConsumer, TrackedTarget
from services.runtime.logging import configure_logging
from services.runtime.relay import OutboxRelay
from services.runtime.republish import republish
from services.runtime.serve import service_module
from services.runtime.settings import RuntimeSettings

UPSTREAM = {
    "cases": ("consent",),
    "escalation": ("consent", "cases"),
    "reporting": ("consent", "cases", "escalation", "reporting"),
}
"""The topics each consumer role reads (as in the service's ``main``)."""

METRICS_PORT_ENV = "CHAOS_METRICS_PORT"


def serve_metrics(registry: CollectorRegistry) -> None:
    port = os.environ.get(METRICS_PORT_ENV)
    if port:
        start_http_server(int(port), addr="127.0.0.1", registry=registry)


async def relay(service: str, settings: RuntimeSettings) -> None:
    http = service_module(service).create_app(settings)
    outbox: OutboxRelay | None = http.state.relay
    if outbox is None:
        raise SystemExit(f"{service} has no outbox relay")
    serve_metrics(http.state.metrics_registry)
    await outbox.run()


def _target(service: str, settings: RuntimeSettings) -> TrackedTarget:
    if service == "reporting":  # its target is the intake, not the application
        from services.reporting.intake import open_target

        target, _ = open_target(settings)
        return target
    application = service_module(service).create_app(settings).state.application
    return TrackedTarget.of(application, application.recorder)


async def consumer(service: str, settings: RuntimeSettings) -> None:
    if service not in UPSTREAM:
        raise SystemExit(f"no consumer role for {service}; choose {', '.join(UPSTREAM)}")
    broker = KafkaBroker(  # as the service builds it (services.runtime.service)
        settings.kafka_bootstrap,
        log_level=logging.DEBUG,
        enable_idempotence=settings.kafka_enable_idempotence,
        acks="all",
        # Topics are created with the catalogue's partitions only: faststream's own
        # creation made a consumer that started first after a lost log re-create its
        # upstream topics with one partition, refused by their relays.
        allow_auto_create_topics=False,
        metadata_max_age_ms=settings.kafka_metadata_max_age_ms,
    )
    dead_letters = dlq_topic(service, prefix=settings.topic_prefix)
    registry = CollectorRegistry()
    TrackedConsumer(
        group_id=f"{settings.topic_prefix}.{service}",
        dlq_topic=dead_letters,
        target=_target(service, settings),
        metrics=ConsumerMetrics.register(registry),
        max_retries=settings.consumer_max_retries,
        ensure_dlq_topic=lambda: outage.ensure_topics(settings, [dead_letters]),
    ).subscribe(
        broker,
        [events_topic(s, prefix=settings.topic_prefix) for s in UPSTREAM[service]],
        session_timeout_ms=settings.kafka_session_timeout_ms,
        fetch_max_wait_ms=settings.kafka_fetch_max_wait_ms,
    )
    serve_metrics(registry)
    # SIGTERM leaves the group at once (a rebalance now, not after the session
    # timeout), as a service being stopped does; SIGKILL is the other fault.
    stopping = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopping.set)
    delay = 0.1
    try:
        while not stopping.is_set():  # the broker may be restarting: wait it out
            try:
                await broker.start()
                break
            except Exception as error:
                logging.getLogger(__name__).warning("kafka not reachable yet: %r", error)
                await broker.stop()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        await stopping.wait()
    finally:
        await broker.stop()


async def republish_all(service: str, settings: RuntimeSettings) -> None:
    if service != "consent":
        raise SystemExit("the campaign republishes consent only")
    done = await republish(settings, service, chain.consent_translator(), start=1)
    print(f"republished {done.messages} messages to {done.topic}", flush=True)


ROLES = {"relay": relay, "consumer": consumer, "republish": republish_all}


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or args[0] not in ROLES:
        raise SystemExit(f"usage: python -m bench.chaos.role {'|'.join(ROLES)} <service>")
    role, service = args
    settings = RuntimeSettings()
    configure_logging(f"{service}-{role}", settings.log_level)
    chain.install()
    outage.install()
    asyncio.run(ROLES[role](service, settings))


if __name__ == "__main__":
    main()
