"""A real Prometheus scrapes the four services and loads the alert rules.

The services run as processes (as ``make run`` starts them); Prometheus is
Debian's binary (``make system-deps``), scraping every second with
deploy/prometheus/rules.yml loaded. The test proves what the dashboards and
alerts rely on: every target is up and the key series exist under the names
the rules use.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from contracts import SERVICES
from services.runtime.messaging.embedded_broker import free_port
from tests.support import HEALTH, POLICE, TEST_PERSONNUMMER, ServiceProcess, wait_for

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "rules.yml"
RELAYS = SERVICES
"""The services with an outbox relay (cases publishes nothing yet)."""


class Prometheus:
    def __init__(self, process: subprocess.Popen[bytes], url: str, log: Path) -> None:
        self.process = process
        self.url = url
        self.log = log

    def get(self, path: str, **params: str) -> Any:
        if self.process.poll() is not None:
            raise AssertionError(f"prometheus exited: {self.log.read_text()[-3000:]}")
        response = httpx.get(f"{self.url}{path}", params=params, timeout=5)
        response.raise_for_status()
        body = response.json()
        assert body["status"] == "success", body
        return body["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.get("/api/v1/query", query=expr)["result"]
        return result


@pytest.fixture
def platform(start_service: Callable[..., ServiceProcess]) -> dict[str, ServiceProcess]:
    with ThreadPoolExecutor(len(SERVICES)) as pool:
        return dict(zip(SERVICES, pool.map(start_service, SERVICES), strict=True))


@pytest.fixture
def prometheus(platform: dict[str, ServiceProcess], tmp_path: Path) -> Iterator[Prometheus]:
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.fail("prometheus is missing: run `make system-deps` (Debian package prometheus)")
    config = {
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(RULES)],
        "scrape_configs": [
            {
                "job_name": "samverkan",
                "static_configs": [
                    {"targets": [f"127.0.0.1:{process.port}"], "labels": {"service": service}}
                    for service, process in platform.items()
                ],
            }
        ],
    }
    config_file = tmp_path / "prometheus.yml"
    config_file.write_text(yaml.safe_dump(config))
    log = tmp_path / "prometheus.log"
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                binary,
                f"--config.file={config_file}",
                f"--storage.tsdb.path={tmp_path / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield Prometheus(process, f"http://127.0.0.1:{port}", log)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def publish_one_event_each(platform: dict[str, ServiceProcess]) -> None:
    """One public event per relay, so its labelled counters exist."""
    requests = {
        "cases": (POLICE, "/v1/child-welfare-reports", {"municipality_code": "0180"}),
        "consent": (
            POLICE,
            "/v1/consents",
            {
                "personnummer": TEST_PERSONNUMMER,
                "purpose": "red_thread_meeting",
                "form": "oral",
                "informed": True,
                "parties": [POLICE.org_id, HEALTH.org_id],
            },
        ),
        "escalation": (
            POLICE,
            "/v1/red-threads",
            {
                "personnummer": TEST_PERSONNUMMER,
                "measures_tried": ["sip"],
                "individual_harmed": True,
                "burdened_orgs": [POLICE.org_id],
                "municipality_code": "0180",
            },
        ),
        "reporting": (
            HEALTH,
            "/v1/deviations",
            {
                "category": "routines",
                "affected_orgs": [POLICE.org_id],
                "what_happened": "Kallelsen kom sent.",
                "perceived_as": "Allvarligt",
                "improvement_proposal": "Gemensam rutin.",
                "reporter_name": "Testa Testsson",
                "reporter_title": "Biträdande enhetschef",
            },
        ),
    }
    assert set(requests) == set(RELAYS)
    for service, (actor, path, body) in requests.items():
        with platform[service].client(actor) as client:
            response = client.post(path, json=body)
        assert response.status_code == 201, f"{service}: {response.text}"


def services_with(prometheus: Prometheus, expr: str) -> set[str]:
    return {series["metric"].get("service", "") for series in prometheus.query(expr)}


@pytest.mark.timeout(60)
def test_prometheus_scrapes_every_service(platform, prometheus):
    publish_one_event_each(platform)

    def all_up() -> bool:
        targets = prometheus.get("/api/v1/targets", state="active")["activeTargets"]
        return len(targets) == len(SERVICES) and all(t["health"] == "up" for t in targets)

    wait_for(all_up, timeout=20, interval=0.2)

    up = prometheus.query('up{job="samverkan"}')
    assert {s["metric"]["service"]: s["value"][1] for s in up} == dict.fromkeys(SERVICES, "1")
    assert services_with(prometheus, "http_request_duration_seconds_bucket") == set(SERVICES)
    # The relays publish within a scrape or two of the command.
    wait_for(
        lambda: services_with(prometheus, "samverkan_outbox_published_total > 0") == set(RELAYS),
        timeout=15,
        interval=0.2,
    )
    assert services_with(prometheus, "samverkan_outbox_head") == set(RELAYS)
    assert services_with(prometheus, "samverkan_outbox_position") == set(RELAYS)
    # The process's own figures, which the dashboard's "Processes" row charts.
    assert services_with(prometheus, "process_resident_memory_bytes > 0") == set(SERVICES)
    assert services_with(prometheus, "python_gc_objects_collected_total") == set(SERVICES)
    # Every service consumes: each reports its lag once it has handled what it read.
    wait_for(
        lambda: services_with(prometheus, "samverkan_consumer_lag") == set(SERVICES),
        timeout=15,
        interval=0.2,
    )

    # The alert rules load and evaluate in a real Prometheus.
    groups = prometheus.get("/api/v1/rules")["groups"]
    assert {group["file"] for group in groups} == {str(RULES)}
    rules = [rule for group in groups for rule in group["rules"]]
    assert all(rule["health"] in {"ok", "unknown"} for rule in rules), rules
    assert "SamverkanOutboxLagGrowing" in {rule["name"] for rule in rules}


@pytest.mark.timeout(60)
def test_metrics_describe_the_process_too(start_service):
    """Memory, CPU and garbage collection of the service's own process, beside its metrics."""
    consent = start_service("consent")
    response = httpx.get(f"{consent.url}/metrics", timeout=5)
    assert response.status_code == 200
    samples = [line.split(" ") for line in response.text.splitlines() if line[:1] not in "#"]
    values = {series: float(value) for series, value in samples}
    assert values["process_resident_memory_bytes"] > 0
    assert values["process_cpu_seconds_total"] > 0
    generations = {f'python_gc_objects_collected_total{{generation="{g}"}}' for g in "012"}
    assert generations <= values.keys()
    assert any(series.startswith("python_info{") for series in values)
