"""Issue #23, item 1: a service configured by the standard OTEL_* variables sends its spans
over OTLP/HTTP, named after the service, to the collector they name."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from tests.support import SOCIAL, TEST_PERSONNUMMER, consent_body, wait_for

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"


class Collector:
    """A real OTLP/HTTP endpoint on this machine: keeps every export request it is sent."""

    def __init__(self) -> None:
        self.exports: list[tuple[str, ExportTraceServiceRequest]] = []
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                collector.exports.append((self.path, ExportTraceServiceRequest.FromString(body)))
                self.send_response(200)
                self.send_header("content-type", "application/x-protobuf")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.http = HTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.http.server_port}"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def spans(self) -> list[tuple[dict[str, Any], Any]]:
        """(resource attributes, span) for every span received."""
        found = []
        for _, request in self.exports:
            for resource_spans in request.resource_spans:
                resource = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
                for scope_spans in resource_spans.scope_spans:
                    found += [(resource, span) for span in scope_spans.spans]
        return found


@pytest.fixture
def collector() -> Iterator[Collector]:
    served = Collector()
    yield served
    served.http.shutdown()
    served.http.server_close()


def test_a_configured_service_exports_its_spans_over_otlp(
    start_service: Any, collector: Collector
) -> None:
    consent = start_service(
        "consent",
        OTEL_EXPORTER_OTLP_ENDPOINT=collector.endpoint,
        OTEL_RESOURCE_ATTRIBUTES="deployment.environment=test",
        OTEL_BSP_SCHEDULE_DELAY="100",
    )
    with consent.client(SOCIAL) as social:
        given = social.post(
            "/v1/consents",
            headers={"traceparent": f"00-{TRACE_ID}-b7ad6b7169203331-01"},
            json=consent_body(TEST_PERSONNUMMER, form="written"),
        )
    assert given.status_code == 201, given.text

    def sent() -> list[Any]:
        return [
            (resource, span)
            for resource, span in collector.spans()
            if span.trace_id.hex() == TRACE_ID and span.name.startswith("send ")
        ]

    wait_for(sent, timeout=30.0)
    assert {path for path, _ in collector.exports} == {"/v1/traces"}
    names = {span.name for _, span in collector.spans() if span.trace_id.hex() == TRACE_ID}
    assert {"POST /v1/consents", "append events"} <= names
    for resource, _ in collector.spans():
        assert resource["service.name"] == "consent"
        assert resource["deployment.environment"] == "test"
