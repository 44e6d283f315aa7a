"""The Grafana dashboard parses, is provisioned, and charts metrics the services expose."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.contract.test_alert_rules import unknown_metrics

ROOT = Path(__file__).resolve().parents[2]
GRAFANA = ROOT / "deploy" / "grafana"
DASHBOARD = GRAFANA / "dashboards" / "samverkan.json"
DATASOURCES = GRAFANA / "provisioning" / "datasources" / "prometheus.yml"
PROVIDERS = GRAFANA / "provisioning" / "dashboards" / "samverkan.yml"


@pytest.fixture(scope="module")
def dashboard() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return document


def charts(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    return [panel for panel in dashboard["panels"] if panel["type"] != "row"]


def expressions(dashboard: dict[str, Any]) -> list[str]:
    return [target["expr"] for panel in charts(dashboard) for target in panel["targets"]]


def test_dashboard_is_well_formed(dashboard):
    assert dashboard["uid"] == "samverkan"
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in charts(dashboard):
        assert panel["title"]
        assert panel["description"], panel["title"]
        assert panel["targets"], panel["title"]
        refs = [target["refId"] for target in panel["targets"]]
        assert len(refs) == len(set(refs)), panel["title"]


def test_panels_use_the_datasource_variable(dashboard):
    (variable,) = [v for v in dashboard["templating"]["list"] if v["type"] == "datasource"]
    assert variable["query"] == "prometheus"
    expected = {"type": "prometheus", "uid": f"${{{variable['name']}}}"}
    for panel in charts(dashboard):
        assert panel["datasource"] == expected, panel["title"]
        assert all(t["datasource"] == expected for t in panel["targets"]), panel["title"]
    # The provisioned data source is the variable's default.
    (source,) = yaml.safe_load(DATASOURCES.read_text())["datasources"]
    assert source["type"] == "prometheus"
    assert variable["current"]["value"] == source["uid"]


def test_dashboard_is_provisioned_from_a_file_provider():
    (provider,) = yaml.safe_load(PROVIDERS.read_text())["providers"]
    assert provider["type"] == "file"
    assert provider["options"]["path"].startswith("/")


def test_dashboard_charts_only_metrics_the_services_expose(dashboard):
    assert unknown_metrics(expressions(dashboard)) == {}


def test_no_panel_calls_a_metric_that_exists_upcoming(dashboard):
    for panel in charts(dashboard):
        assert "upcoming" not in (panel["title"] + panel["description"]).lower(), panel["title"]


def test_dashboard_shows_what_operators_watch(dashboard):
    exprs = expressions(dashboard)

    def charted(*fragments: str) -> bool:
        return any(all(f in expr for f in fragments) for expr in exprs)

    assert charted("samverkan_outbox_published_total", "by (topic)")
    assert charted("samverkan_consumer_messages_total", "outcome")
    assert charted("samverkan_outbox_head - samverkan_outbox_position")
    assert charted("histogram_quantile(0.5,", "http_request_duration_seconds_bucket")
    assert charted("histogram_quantile(0.99,", "http_request_duration_seconds_bucket")
    assert charted("http_requests_total", 'status=~"5.."')
    assert charted("samverkan_dead_letters_total")
    assert charted("samverkan_consumer_rewinds_total")
    assert charted("samverkan_consumer_lag", "by (service, topic)")
    assert charted("samverkan_red_threads_overdue")
    assert charted("process_resident_memory_bytes")
    assert charted("process_cpu_seconds_total")
    assert charted("python_gc_collections_total")
