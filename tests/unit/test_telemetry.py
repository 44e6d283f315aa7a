"""Issue #23, item 1: the OpenTelemetry SDK is off unless the standard OTEL_* variables
configure it, and then names the service (services.runtime.ops.telemetry)."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.resources import SERVICE_NAME

from services.runtime.kernel.tracing import recording, tracer_provider
from services.runtime.ops.telemetry import service_resource, tracing_configured

ENDPOINT = "http://collector.example:4318"


def test_spans_are_not_recorded_or_exported_unless_configured() -> None:
    assert not tracing_configured({})
    assert not tracing_configured({"OTEL_SERVICE_NAME": "consent"})
    assert not tracing_configured({"OTEL_EXPORTER_OTLP_ENDPOINT": "  "})
    # Nothing configured in this process: spans are the API's, recorded nowhere.
    assert tracer_provider() is None
    assert not recording()


@pytest.mark.parametrize(
    "variable", ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]
)
def test_an_otlp_endpoint_turns_export_on(variable: str) -> None:
    assert tracing_configured({variable: ENDPOINT})


@pytest.mark.parametrize(
    "off",
    [
        {"OTEL_SDK_DISABLED": "true"},
        {"OTEL_SDK_DISABLED": " TRUE"},
        {"OTEL_TRACES_EXPORTER": "none"},
    ],
)
def test_the_standard_switches_turn_it_off_again(off: dict[str, str]) -> None:
    assert not tracing_configured({"OTEL_EXPORTER_OTLP_ENDPOINT": ENDPOINT, **off})


def test_the_service_name_is_the_services_own_unless_the_variables_name_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OTEL_SERVICE_NAME", raising=False)
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=test")
    resource = service_resource("consent")
    assert resource.attributes[SERVICE_NAME] == "consent"
    assert resource.attributes["deployment.environment"] == "test"

    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "service.name=samverkan-consent-eu")
    assert service_resource("consent").attributes[SERVICE_NAME] == "samverkan-consent-eu"

    monkeypatch.setenv("OTEL_SERVICE_NAME", "consent-blue")
    assert service_resource("consent").attributes[SERVICE_NAME] == "consent-blue"
