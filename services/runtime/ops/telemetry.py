"""Exporting the spans of one command: the OpenTelemetry SDK, configured as the standard says.

Off unless configured. A service records and exports spans only when an
OTLP endpoint is given (``OTEL_EXPORTER_OTLP_ENDPOINT`` or
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) and neither ``OTEL_SDK_DISABLED=true``
nor ``OTEL_TRACES_EXPORTER=none`` says otherwise; without, the trace context
still travels and is logged (services.runtime.kernel.tracing), and nothing is
sent anywhere. Everything else is the SDK's own reading of the standard
variables (``OTEL_EXPORTER_OTLP_HEADERS``, ``OTEL_TRACES_SAMPLER``,
``OTEL_BSP_*``, ``OTEL_PYTHON_FASTAPI_EXCLUDED_URLS``…), so an operator's
OpenTelemetry knowledge applies as is. ``service.name`` is ``OTEL_SERVICE_NAME``
or the one in ``OTEL_RESOURCE_ATTRIBUTES``, else the service's own name.

The exporter is OTLP over HTTP (protobuf): it needs ``requests``, which is
installed anyway, where the gRPC one would bring grpcio, a large native
package, for the same spans; every collector accepts both (port 4318).

The SDK and the exporter (with protobuf) are imported only when export is
configured: a service that sends no spans does not carry them (~4 MB resident
in each process, #24).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from opentelemetry import trace

from services.runtime.kernel.tracing import use_tracer_provider

if TYPE_CHECKING:
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider

log = logging.getLogger(__name__)

ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
"""Either turns export on (the standard's names; the first is for traces only)."""


def tracing_configured(environ: Mapping[str, str]) -> bool:
    """Whether `environ` asks for spans to be exported (see the module docstring)."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    if environ.get("OTEL_TRACES_EXPORTER", "").strip().lower() == "none":
        return False
    return any(environ.get(variable, "").strip() for variable in ENDPOINT_VARIABLES)


def service_resource(service: str) -> Resource:
    """The resource every span of the process carries: the standard variables', with the
    service's own name unless they name it."""
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource

    resource = Resource.create()
    if str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        resource = resource.merge(Resource({SERVICE_NAME: service}))
    return resource


def tracer_provider(service: str) -> TracerProvider:
    """An SDK provider for `service` that exports over OTLP/HTTP in batches (the SDK's
    sampler and batch settings come from ``OTEL_TRACES_SAMPLER``, ``OTEL_BSP_*``)."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=service_resource(service))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider


def configure_tracing(service: str) -> TracerProvider | None:
    """Install the SDK for this process when the environment asks for it; the provider,
    or None (tracing stays the API's: propagated and logged, not recorded).

    The provider is flushed and shut down at exit (the SDK's own ``atexit``).
    """
    environ = os.environ
    if not tracing_configured(environ):
        return None
    from opentelemetry.sdk.resources import SERVICE_NAME

    provider = tracer_provider(service)
    trace.set_tracer_provider(provider)
    use_tracer_provider(provider)
    log.info(
        "exporting spans over OTLP to %s as %s",
        next(environ[v] for v in ENDPOINT_VARIABLES if environ.get(v, "").strip()),
        provider.resource.attributes.get(SERVICE_NAME),
    )
    return provider
