"""One role of a service in a process of its own: ``python -m bench.chaos.role relay consent``.

The service process runs its relay and its consumer as tasks; this runs the
same objects — the service's own composition root builds them — without the
HTTP API, so the campaign can SIGKILL a relay or a consumer on its own.
Settings come from the environment, as for a service.
"""

from __future__ import annotations

import asyncio
import logging
import sys

from faststream.kafka import KafkaBroker
from prometheus_client import CollectorRegistry

from contracts import dlq_topic, events_topic
from services.runtime.consumer import ConsumerMetrics, TrackedConsumer, TrackedTarget
from services.runtime.kafka import ensure_topics
from services.runtime.logging import configure_logging
from services.runtime.relay import OutboxRelay
from services.runtime.serve import service_module
from services.runtime.settings import RuntimeSettings

UPSTREAM = {"cases": ("consent",), "escalation": ("consent", "cases")}
"""The services whose consumer target is their application (as in their ``main``)."""


async def relay(service: str, settings: RuntimeSettings) -> None:
    http = service_module(service).create_app(settings)
    outbox: OutboxRelay | None = http.state.relay
    if outbox is None:
        raise SystemExit(f"{service} has no outbox relay")
    await outbox.run()


async def consumer(service: str, settings: RuntimeSettings) -> None:
    if service not in UPSTREAM:
        raise SystemExit(f"no consumer role for {service}; choose {', '.join(UPSTREAM)}")
    application = service_module(service).create_app(settings).state.application
    broker = KafkaBroker(settings.kafka_bootstrap, log_level=logging.DEBUG)
    dead_letters = dlq_topic(service, prefix=settings.topic_prefix)
    TrackedConsumer(
        group_id=f"{settings.topic_prefix}.{service}",
        dlq_topic=dead_letters,
        target=TrackedTarget.of(application, application.recorder),
        metrics=ConsumerMetrics.register(CollectorRegistry()),
        max_retries=settings.consumer_max_retries,
        ensure_dlq_topic=lambda: ensure_topics(settings, [dead_letters]),
    ).subscribe(
        broker,
        [events_topic(s, prefix=settings.topic_prefix) for s in UPSTREAM[service]],
        session_timeout_ms=settings.kafka_session_timeout_ms,
    )
    delay = 0.1
    while True:  # the broker may be restarting: wait it out, as the service does
        try:
            await broker.start()
            break
        except Exception as error:
            logging.getLogger(__name__).warning("kafka not reachable yet: %r", error)
            await broker.stop()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
    await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or args[0] not in {"relay", "consumer"}:
        raise SystemExit("usage: python -m bench.chaos.role relay|consumer <service>")
    role, service = args
    settings = RuntimeSettings()
    configure_logging(f"{service}-{role}", settings.log_level)
    asyncio.run(relay(service, settings) if role == "relay" else consumer(service, settings))


if __name__ == "__main__":
    main()
