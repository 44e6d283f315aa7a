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

from prometheus_client import CollectorRegistry, start_http_server

from bench.chaos import chain, outage
from services.runtime.messaging.republish import republish
from services.runtime.ops.json_logs import configure_logging
from services.runtime.service import (
    Service,
    consumer_for,
    load_service,
    relay_for,
    service_broker,
)
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import setup_lock

METRICS_PORT_ENV = "CHAOS_METRICS_PORT"


def serve_metrics(registry: CollectorRegistry) -> None:
    port = os.environ.get(METRICS_PORT_ENV)
    if port:
        start_http_server(int(port), addr="127.0.0.1", registry=registry)


def build(service: str, settings: RuntimeSettings) -> Service:
    """The service's parts, its tables made in turn with its other processes: two roles of
    one service starting at once on a new schema otherwise race in CREATE TABLE
    ("tuple concurrently updated"), as replicas would without `serve`'s lock."""
    with setup_lock(settings, service):
        return load_service(service).build(settings)


async def relay(service: str, settings: RuntimeSettings) -> None:
    built = build(service, settings)
    outbox = relay_for(built)
    if outbox is None:
        raise SystemExit(f"{service} has no outbox relay")
    serve_metrics(built.registry)
    await outbox.run()


async def consumer(service: str, settings: RuntimeSettings) -> None:
    built = build(service, settings)
    # Uninstrumented: faststream's own metrics are not what the campaign reads.
    broker = service_broker(built, instrumented=False)
    if consumer_for(built, broker) is None:
        raise SystemExit(f"{service} consumes nothing")
    serve_metrics(built.registry)
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
